"""Commands that need a database say so in one line when there is none, and leave no empty
``leadrouter.db`` behind; ``migrate`` (and ``serve``, which ``make run`` starts) create it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from leadrouter.cli import app


@pytest.fixture
def bare(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A runner in an empty folder with no LEADROUTER_DATABASE_URL (the default SQLite file)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("LEADROUTER_DATABASE_URL", raising=False)
    return CliRunner(env={"LEADROUTER_DATABASE_URL": None, "COLUMNS": "250"})


def test_a_command_without_a_database_says_so_in_one_line_and_creates_no_file(
    bare: CliRunner, tmp_path: Path
) -> None:
    result = bare.invoke(app, ["agency", "create", "Acme"])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1, result.output
    assert "no database file leadrouter.db" in lines[0]
    assert "LEADROUTER_DATABASE_URL" in lines[0]
    assert not (tmp_path / "leadrouter.db").exists()


def test_an_empty_database_file_is_named_not_used(bare: CliRunner, tmp_path: Path) -> None:
    (tmp_path / "leadrouter.db").write_bytes(b"")
    result = bare.invoke(app, ["user", "list"])
    assert result.exit_code == 2
    assert "has no leadrouter schema" in result.output and "Traceback" not in result.output


def test_migrate_creates_the_default_database_that_commands_then_use(
    bare: CliRunner, tmp_path: Path
) -> None:
    assert bare.invoke(app, ["migrate"]).exit_code == 0
    assert (tmp_path / "leadrouter.db").exists()
    created = bare.invoke(app, ["agency", "create", "Acme"])
    assert created.exit_code == 0, created.output
    assert "agency id: 1" in created.output
