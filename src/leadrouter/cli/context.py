"""Shared helpers for commands: settings, the container, the console, input files."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import NoReturn

import sqlalchemy as sa
import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from sqlalchemy.engine import make_url

from leadrouter.bootstrap import Container, bootstrap
from leadrouter.config import Settings
from leadrouter.errors import LeadRouterError

console = Console()
err_console = Console(stderr=True)


def container(*, existing: bool = True) -> Container:
    """A container for the settings in the environment (read here, at the entrypoint).

    ``existing``: the command works on a database that is already there (every command but
    ``serve``, ``worker`` and ``migrate``, which create and migrate it). When it is not (no
    ``LEADROUTER_DATABASE_URL`` and no ``leadrouter.db`` here, say), the command says so in
    one line and exits 2, without leaving an empty database file behind.
    """
    settings = Settings()
    if existing:
        _require_database(settings.database_url)
    c = bootstrap(settings)
    if existing and not _has_schema(c):
        c.engine.dispose()
        _no_database(f"{_shown(settings.database_url)} has no leadrouter schema")
    return c


def _require_database(url: str) -> None:
    """Exit with one line when ``url`` names a SQLite file that does not exist (connecting
    would create it empty)."""
    parsed = make_url(url)
    if not parsed.drivername.startswith("sqlite"):
        return
    name = parsed.database or ""
    if name in ("", ":memory:") or name.startswith("file:"):
        return
    if not Path(name).exists():
        _no_database(f"no database file {name}")


def _has_schema(c: Container) -> bool:
    try:
        return sa.inspect(c.engine).has_table("agencies")
    except sa.exc.OperationalError as exc:
        c.engine.dispose()
        _no_database(f"cannot open the database: {str(exc.orig).strip()}")
        raise  # unreachable: _no_database exits


def _shown(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _no_database(what: str) -> NoReturn:
    err_console.print(
        f"[red]{what}: set LEADROUTER_DATABASE_URL to your database, or create one with "
        "`leadrouter migrate` (or `leadrouter serve`) first[/red]",
        soft_wrap=True,
    )
    raise typer.Exit(2)


@contextmanager
def session() -> Iterator[Container]:
    """The container for one command; its connections are closed when the command ends."""
    c = container()
    try:
        yield c
    finally:
        c.engine.dispose()


@contextmanager
def exit_on_error(code: int) -> Iterator[None]:
    """A ``LeadRouterError`` raised inside ends the command: its detail in red on stderr, and
    exit ``code``."""
    try:
        yield
    except LeadRouterError as exc:
        err_console.print(f"[red]{exc.detail}[/red]")
        raise typer.Exit(code) from None


def resolve_agency(c: Container, given: int | None, *, exit_code: int = 2) -> int:
    """The agency a command acts on: the one named, or the only one there is."""
    from leadrouter.services.roster.common import agency_ids

    if given is not None:
        return given
    ids = agency_ids(uow=c.uow(readonly=True))
    if len(ids) == 1:
        return ids[0]
    err_console.print(f"[red]{len(ids)} agencies exist; say which with --agency ID[/red]")
    raise typer.Exit(exit_code)


def read_input(file: str) -> tuple[bytes, str]:
    """The bytes of ``file`` ('-' is standard input) and its name; exit 1 when it is missing."""
    if file == "-":
        return sys.stdin.buffer.read(), "stdin"
    path = Path(file)
    if not path.is_file():
        err_console.print(f"[red]no such file: {file}[/red]")
        raise typer.Exit(1)
    return path.read_bytes(), path.name


def progress_bar() -> Progress:
    """The progress bar of a long command: what, a bar, done of total, time elapsed."""
    columns = (TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn())
    return Progress(*columns, TimeElapsedColumn(), console=console, transient=False)


AGENCY_HELP = "The agency's id (needed when there are several)."
