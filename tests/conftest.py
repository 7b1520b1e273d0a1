"""Fixtures shared by every test: real SQLite files and a real PostgreSQL server."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container, bootstrap
from leadrouter.clock import FixedClock
from leadrouter.config import Settings
from leadrouter.store.migrate import upgrade
from leadrouter.store.tables import metadata
from tests.support.postgres import create_database, running_server

# pytest-xdist workers start with COLUMNS=80, and Rich fixes a console's width from COLUMNS when
# the console is made (the CLI makes its consoles on import); without it, each command's width
# comes from the runner's environment, as in a terminal.
os.environ.pop("COLUMNS", None)

# A Tuesday morning in New York: inside everybody's working hours.
T0 = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    with running_server() as url:
        yield url


@pytest.fixture(scope="session")
def pg_url(pg_server: str) -> str:
    url = create_database(pg_server, "leadrouter_test")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def _truncate_all(url: str) -> None:
    engine = sa.create_engine(url)
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(sa.text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        path = tmp_path / "leadrouter.db"
        shutil.copy(request.getfixturevalue("sqlite_template"), path)
        return f"sqlite:///{path}"
    url: str = request.getfixturevalue("pg_url")
    _truncate_all(url)
    return url


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def container(db_url: str, clock: FixedClock) -> Iterator[Container]:
    c = bootstrap(Settings(database_url=db_url), clock=clock)
    yield c
    c.engine.dispose()


@pytest.fixture
def pg_container(pg_url: str, clock: FixedClock) -> Iterator[Container]:
    """A container on the PostgreSQL test database only, for behaviour SQLite does not have."""
    _truncate_all(pg_url)
    c = bootstrap(Settings(database_url=pg_url), clock=clock)
    yield c
    c.engine.dispose()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    """The HTTP API over ``container``, in-process."""
    with TestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture
def runner(db_url: str) -> CliRunner:
    """``leadrouter ...`` commands, in-process, against the test database."""
    return CliRunner(env={"LEADROUTER_DATABASE_URL": db_url, "COLUMNS": "250"})


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark PostgreSQL-only and end-to-end tests; CI must run the PostgreSQL tests: refuse a run
    that would collect none of them."""
    for item in items:
        if "pg_container" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        if item.nodeid.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.slow)  # whole commands and processes: make test runs them
    if os.environ.get("LEADROUTER_REQUIRE_POSTGRES") and not any(
        item.get_closest_marker("postgres") for item in items
    ):
        raise pytest.UsageError("LEADROUTER_REQUIRE_POSTGRES is set but no PostgreSQL test ran")
