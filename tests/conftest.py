"""Fixtures shared by every test: real SQLite files and a real PostgreSQL server.

The application and the test helpers are imported inside the fixtures and hooks that use them:
the pytest-xdist controller loads this file too and runs no test, and every second it spends
importing is a second before its workers start.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from typer.testing import CliRunner

    from leadrouter.bootstrap import Container
    from leadrouter.clock import FixedClock
    from tests.support.postgres import Emptier
    from tests.support.sqlite import SqliteFile

# pytest-xdist workers start with COLUMNS=80, and Rich fixes a console's width from COLUMNS when
# the console is made (the CLI makes its consoles on import); without it, each command's width
# comes from the runner's environment, as in a terminal.
os.environ.pop("COLUMNS", None)

# Hypothesis's checks by the clock (a deadline per example, a health check on slow generation)
# fail a property on a busy machine, not a wrong one: the tests check what they assert.
settings.register_profile("leadrouter", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("leadrouter")

# A Tuesday morning in New York: inside everybody's working hours.
T0 = datetime(2026, 3, 3, 14, 0, tzinfo=UTC)


def pytest_configure(config: pytest.Config) -> None:
    if _is_xdist_controller(config):
        return  # it runs no test
    from tests.support.route_analysis import share_route_analysis

    share_route_analysis()  # an app per test, one analysis of each route per process


def _is_xdist_controller(config: pytest.Config) -> bool:
    """This process hands the tests to pytest-xdist workers (``-n`` of one or more)."""
    workers = config.getoption("numprocesses", None)
    return not hasattr(config, "workerinput") and bool(workers)


@pytest.fixture(scope="session")
def pg_server() -> Iterator[str]:
    """A PostgreSQL server for this test process (each pytest-xdist worker starts its own)."""
    from tests.support.postgres import running_server

    with running_server() as url:
        yield url


@pytest.fixture(scope="session")
def pg_url(pg_server: str) -> str:
    # Workers sharing a server of one's own (LEADROUTER_TEST_PG_URL) each get a database.
    from leadrouter.store.migrate import upgrade
    from tests.support.postgres import create_database

    worker = os.environ.get("PYTEST_XDIST_WORKER")
    url = create_database(pg_server, f"leadrouter_test_{worker}" if worker else "leadrouter_test")
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def pg_emptier(pg_url: str) -> Iterator[Emptier]:
    from leadrouter.store.tables import metadata
    from tests.support.postgres import Emptier

    emptier = Emptier(pg_url, [t.name for t in metadata.sorted_tables])
    yield emptier
    emptier.close()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from leadrouter.store.migrate import upgrade

    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def sqlite_file(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SqliteFile]:
    """This process's SQLite database path and engine (see tests/support/sqlite.py)."""
    from tests.support.sqlite import SqliteFile

    file = SqliteFile(sqlite_template, tmp_path_factory.mktemp("db") / "leadrouter.db")
    yield file
    file.close()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest) -> str:
    """A migrated, empty database: each test runs once on SQLite and once on PostgreSQL."""
    if request.param == "sqlite":
        sqlite: SqliteFile = request.getfixturevalue("sqlite_file")
        return sqlite.fresh()
    emptier: Emptier = request.getfixturevalue("pg_emptier")
    emptier.empty()
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def clock() -> FixedClock:
    from leadrouter.clock import FixedClock

    return FixedClock(T0)


@pytest.fixture
def container(
    request: pytest.FixtureRequest, db_url: str, clock: FixedClock
) -> Iterator[Container]:
    from leadrouter.bootstrap import bootstrap
    from leadrouter.config import Settings

    if db_url.startswith("sqlite"):
        # The process's engine: the next test's fresh() closes what this one left in its pool.
        sqlite: SqliteFile = request.getfixturevalue("sqlite_file")
        yield bootstrap(Settings(database_url=db_url), clock=clock, engine=sqlite.engine)
        return
    c = bootstrap(Settings(database_url=db_url), clock=clock)
    yield c
    c.engine.dispose()


@pytest.fixture
def pg_container(pg_url: str, pg_emptier: Emptier, clock: FixedClock) -> Iterator[Container]:
    """A container on the PostgreSQL test database only, for behaviour SQLite does not have."""
    from leadrouter.bootstrap import bootstrap
    from leadrouter.config import Settings

    pg_emptier.empty()
    c = bootstrap(Settings(database_url=pg_url), clock=clock)
    yield c
    c.engine.dispose()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    """The HTTP API over ``container``, in-process."""
    from fastapi.testclient import TestClient

    from leadrouter.api.app import create_app

    with TestClient(create_app(container)) as test_client:
        yield test_client


@pytest.fixture
def runner(db_url: str) -> CliRunner:
    """``leadrouter ...`` commands, in-process, against the test database."""
    from typer.testing import CliRunner

    return CliRunner(env={"LEADROUTER_DATABASE_URL": db_url, "COLUMNS": "250"})


# Before pytest-xdist's own hook, which reads the xdist_group marks to place the tests.
@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark PostgreSQL-only and end-to-end tests, and keep together the tests that share a
    costly fixture (see ``_group``; tests/support/xdist_groups.py tells pytest-xdist); CI must
    run the PostgreSQL tests: refuse a run that would collect none of them."""
    for item in items:
        if "pg_container" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.postgres)
        if item.nodeid.startswith("tests/e2e/"):
            item.add_marker(pytest.mark.slow)  # whole commands and processes: make test runs them
        group = _group(item)
        if group and not item.get_closest_marker("xdist_group"):
            item.add_marker(pytest.mark.xdist_group(group))
    if hasattr(config, "workerinput"):
        # pytest-xdist hands the tests out in this order (its groups first, largest first):
        # the slow ones first, so that no worker is left starting a minute-long test while
        # the others have run out of work.
        items.sort(key=lambda item: item.get_closest_marker("slow") is None)
    if getattr(config.option, "loadgroup", False):  # a pytest-xdist worker under loadgroup
        from tests.support.xdist_groups import carry_groups_in_node_ids

        carry_groups_in_node_ids(items)
    if _require_postgres() and not any(item.get_closest_marker("postgres") for item in items):
        raise pytest.UsageError("LEADROUTER_REQUIRE_POSTGRES is set but no PostgreSQL test ran")


def _group(item: pytest.Item) -> str | None:
    """Where a test shares a fixture wider than itself that is costly to make (a module's, or a
    session fixture of a sub-directory such as the browser tests' server and Chromium), the
    name of the group that pytest-xdist (``--dist loadgroup``) runs in one worker, so the
    fixture is made once; this file's session fixtures exist in every worker anyway."""
    info = getattr(item, "_fixtureinfo", None)
    if info is None:
        return None
    everywhere = ("", HERE.relative_to(item.config.rootpath).as_posix())  # this file's fixtures
    group = None
    for defs in info.name2fixturedefs.values():
        fixture = defs[-1]
        if fixture.scope in ("session", "package") and fixture.baseid not in everywhere:
            return fixture.baseid
        if fixture.scope in ("module", "class"):
            group = item.nodeid.split("::")[0]
    return group


HERE = Path(__file__).parent
_SLOW_MODULE = re.compile(r"^pytestmark = pytest\.mark\.slow\b", re.MULTILINE)


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """When the run leaves the slow tests out (``-m "not slow ..."``, as ``make test-fast``
    does), do not import what holds nothing else: ``tests/e2e`` (every test there is marked
    slow above) and modules marked slow as a whole (``pytestmark = pytest.mark.slow``).
    Their imports (a browser driver, the fuzzers) cost every worker seconds for tests that
    would be deselected anyway."""
    if not _leaves_out_slow(config):
        return None
    if collection_path == HERE / "e2e":
        return True
    if collection_path.suffix == ".py" and collection_path.name.startswith("test_"):
        return bool(_SLOW_MODULE.search(collection_path.read_text(encoding="utf-8"))) or None
    return None


def _leaves_out_slow(config: pytest.Config) -> bool:
    """The mark expression requires ``not slow`` of every test (``not slow`` is one of the
    terms it joins with ``and``, and it has no ``or``)."""
    expression = str(config.getoption("markexpr", "") or "")
    terms = [t.strip() for t in re.split(r"\band\b", expression)]
    return " or " not in f" {expression} " and "not slow" in terms


def _require_postgres() -> bool:
    return bool(os.environ.get("LEADROUTER_REQUIRE_POSTGRES"))


class _PostgresRuns:
    """What became of the PostgreSQL tests, counted where the reports arrive (the
    pytest-xdist controller, or the one process)."""

    ran = 0
    skipped: list[str] = []


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if "postgres" not in report.keywords:
        return
    if report.skipped:
        _PostgresRuns.skipped.append(report.nodeid)
    elif report.when == "call":
        _PostgresRuns.ran += 1


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """Fail loudly where a run looks green but is not: nothing collected (exit 5), or, under
    LEADROUTER_REQUIRE_POSTGRES, PostgreSQL tests that were skipped or never ran."""
    if hasattr(session.config, "workerinput"):
        return  # a pytest-xdist worker: the controller judges the whole run
    problems = []
    if exitstatus == pytest.ExitCode.NO_TESTS_COLLECTED:
        problems.append("no test was collected (pytest exit 5): nothing was checked")
    if _require_postgres() and exitstatus != pytest.ExitCode.INTERRUPTED:
        if _PostgresRuns.skipped:
            problems.append(
                f"LEADROUTER_REQUIRE_POSTGRES is set but {len(_PostgresRuns.skipped)} "
                f"PostgreSQL tests were skipped, e.g. {_PostgresRuns.skipped[0]}"
            )
        elif not _PostgresRuns.ran and exitstatus != pytest.ExitCode.USAGE_ERROR:
            problems.append("LEADROUTER_REQUIRE_POSTGRES is set but no PostgreSQL test ran")
    if problems:
        reporter = session.config.pluginmanager.get_plugin("terminalreporter")
        for problem in problems:
            if reporter is not None:
                reporter.ensure_newline()
                reporter.write_line(f"ERROR: {problem}", red=True, bold=True)
        if session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
