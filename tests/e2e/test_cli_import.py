"""``leadrouter import ...`` end to end, against the test databases."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from leadrouter.cli import app
from leadrouter.store.tables import licenses

PRODUCERS = (
    "external_id,name,email,team,backup\n"
    "P001,Ana Diaz,ana@agency.example,North,P002\n"
    "P002,Ben Ode,ben@agency.example,North,P001\n"
)
BAD = (
    "external_id,name,email,working_hours\n"
    "P001,Ana Diaz,ana@agency.example,\n"
    "P002,,ben@agency.example,\n"
    "P003,Cy Park,cy@agency.example,Mon 17:00-09:00\n"
)


@pytest.fixture
def db_url(tmp_path: Path) -> str:
    """A fresh SQLite file: these commands run as ``make run`` does (the CLI does not close
    its engines, which PostgreSQL's driver reports as an error under our warning filter)."""
    return f"sqlite:///{tmp_path / 'cli.db'}"


@pytest.fixture
def acme(runner: CliRunner) -> None:
    """The database migrated and one agency, Acme, created through the CLI."""
    assert runner.invoke(app, ["migrate"]).exit_code == 0
    assert runner.invoke(app, ["agency", "create", "Acme"]).exit_code == 0


pytestmark = pytest.mark.usefixtures("acme")


def _file(tmp_path: Path, name: str, text: str) -> str:
    path = tmp_path / name
    path.write_text(text)
    return str(path)


def test_importing_a_good_file_reports_what_it_created(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["import", "producers", _file(tmp_path, "p.csv", PRODUCERS)])
    assert result.exit_code == 0, result.output
    assert "producers: 2 created, 0 updated" in result.output
    again = runner.invoke(app, ["import", "producers", _file(tmp_path, "p.csv", PRODUCERS)])
    assert "0 created, 2 updated" in again.output


def test_a_bad_file_exits_non_zero_names_each_bad_row_and_imports_nothing(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(app, ["import", "producers", _file(tmp_path, "bad.csv", BAD)])
    assert result.exit_code == 1
    assert "2 problem(s) in the producers file" in result.output
    assert "│    3 │ name " in result.output
    assert "│    4 │ working_hours │ Mon 17:00-09:00 ends before it starts" in result.output
    assert "nothing imported" in result.output
    good = runner.invoke(app, ["import", "producers", _file(tmp_path, "p.csv", PRODUCERS)])
    assert "2 created" in good.output  # P001 was not imported by the bad file


def test_skip_bad_rows_imports_the_rest_and_says_so_in_the_exit_status(
    runner: CliRunner, tmp_path: Path
) -> None:
    result = runner.invoke(
        app, ["import", "producers", "--skip-bad-rows", _file(tmp_path, "bad.csv", BAD)]
    )
    assert result.exit_code == 3
    assert "1 created, 0 updated, 2 bad row(s) skipped" in result.output


def test_licenses_can_be_recorded_as_verified_by_a_registry(
    runner: CliRunner, db_url: str, tmp_path: Path
) -> None:
    runner.invoke(app, ["import", "producers", _file(tmp_path, "p.csv", PRODUCERS)])
    path = _file(
        tmp_path,
        "l.csv",
        "producer,state,number,lines,resident,effective_date\nP001,NY,1,P&C,yes,2020-01-01\n",
    )
    result = runner.invoke(app, ["import", "licenses", "--verified-by", "NIPR", path])
    assert result.exit_code == 0, result.output
    assert "licenses: 1 created" in result.output
    engine = sa.create_engine(db_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.select(licenses.c.number, licenses.c.verified_by)).all()
    finally:
        engine.dispose()
    assert [tuple(row) for row in rows] == [("1", "NIPR")]


def test_an_ambiguous_agency_must_be_named(runner: CliRunner, tmp_path: Path) -> None:
    runner.invoke(app, ["agency", "create", "Second"])
    path = _file(tmp_path, "p.csv", PRODUCERS)
    ambiguous = runner.invoke(app, ["import", "producers", path])
    assert ambiguous.exit_code == 1
    assert "--agency" in ambiguous.output
    named = runner.invoke(app, ["import", "producers", "--agency", "2", path])
    assert named.exit_code == 0, named.output


@pytest.mark.slow  # a fresh interpreter per run
def test_the_installed_command_runs_the_import(db_url: str, tmp_path: Path) -> None:
    command = Path(sys.executable).parent / "leadrouter"
    result = subprocess.run(
        [str(command), "import", "producers", _file(tmp_path, "bad.csv", BAD)],
        env={**os.environ, "LEADROUTER_DATABASE_URL": db_url},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1
    assert "required, but empty" in result.stdout


def _clients(n: int) -> str:
    rows = "".join(f"C{i:05d},Client {i},c{i}@example.com\n" for i in range(1, n + 1))
    return "external_id,name,email\n" + rows


def test_a_file_larger_than_a_chunk_runs_as_a_job_and_its_status_can_be_read(
    runner: CliRunner, tmp_path: Path
) -> None:
    chunked = {"LEADROUTER_IMPORT_CHUNK_ROWS": "100"}
    result = runner.invoke(
        app, ["import", "clients", _file(tmp_path, "c.csv", _clients(250))], env=chunked
    )
    assert result.exit_code == 0, result.output
    assert "import job 1: 250 rows, written in chunks" in result.output
    assert "clients: 250 created, 0 updated, 0 bad row(s) skipped" in result.output
    status = runner.invoke(app, ["import", "status", "1"])
    assert status.exit_code == 0, status.output
    assert "import job 1 (clients): done, 250 of 250 rows; 250 created" in status.output
    nothing = runner.invoke(app, ["import", "resume"])
    assert "no import job is waiting to be resumed" in nothing.output
