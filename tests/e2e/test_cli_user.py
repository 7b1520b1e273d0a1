"""``leadrouter user add|passwd|disable|list`` on the demo agency, whose users exist already."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadrouter.bootstrap import bootstrap
from leadrouter.cli import app
from leadrouter.config import Settings
from leadrouter.demo import DEMO_USERS
from leadrouter.services.people.users import verify_sign_in
from tests.support.factories import make_demo_agency, migrated


@pytest.fixture
def url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    c = migrated(url, demo_password="the demo password")
    make_demo_agency(c)
    c.engine.dispose()
    return url


def _signs_in(url: str, email: str, password: str) -> bool:
    c = bootstrap(Settings(database_url=url))
    try:
        user = verify_sign_in(uow=c.uow(), email=email, password=password, now=c.clock.now())
    finally:
        c.engine.dispose()
    return user is not None


def test_the_demo_agency_has_one_user_per_role_with_the_configured_password(url: str) -> None:
    runner = CliRunner(env={"LEADROUTER_DATABASE_URL": url, "COLUMNS": "200"})
    listed = runner.invoke(app, ["user", "list"])
    assert listed.exit_code == 0, listed.output
    roles = [line.split()[2] for line in listed.output.splitlines()]
    assert sorted(roles) == ["compliance", "manager", "producer", "supervisor"]
    assert "producer 1" in listed.output  # the producer user acts as Alice Moreno
    assert all(_signs_in(url, email, "the demo password") for email, *_ in DEMO_USERS)


def test_add_then_change_the_password_then_disable_a_user(url: str) -> None:
    runner = CliRunner(env={"LEADROUTER_DATABASE_URL": url, "COLUMNS": "200"})
    added = runner.invoke(
        app,
        ["user", "add", "ben@harborandmain.example", "--role", "producer", "--producer", "2"],
        input="first password\nfirst password\n",
    )
    assert added.exit_code == 0, added.output
    assert _signs_in(url, "ben@harborandmain.example", "first password")

    changed = runner.invoke(
        app, ["user", "passwd", "ben@harborandmain.example", "--password", "second password"]
    )
    assert changed.exit_code == 0, changed.output
    assert not _signs_in(url, "ben@harborandmain.example", "first password")
    assert _signs_in(url, "ben@harborandmain.example", "second password")

    disabled = runner.invoke(app, ["user", "disable", "ben@harborandmain.example"])
    assert disabled.exit_code == 0, disabled.output
    assert not _signs_in(url, "ben@harborandmain.example", "second password")


def test_a_producer_user_without_a_producer_or_a_short_password_is_refused(url: str) -> None:
    runner = CliRunner(env={"LEADROUTER_DATABASE_URL": url, "COLUMNS": "200"})
    unbound = runner.invoke(
        app,
        [
            "user",
            "add",
            "x@harborandmain.example",
            "--role",
            "producer",
            "--password",
            "long enough pw",
        ],
    )
    assert unbound.exit_code == 1 and "bound to a producer record" in unbound.output
    short = runner.invoke(
        app, ["user", "add", "y@harborandmain.example", "--role", "manager", "--password", "short"]
    )
    assert short.exit_code == 1 and "at least 10" in short.output
    taken = runner.invoke(
        app,
        [
            "user",
            "add",
            "manager@harborandmain.example",
            "--role",
            "manager",
            "--password",
            "long enough pw",
        ],
    )
    assert taken.exit_code == 1 and "exists already" in taken.output
