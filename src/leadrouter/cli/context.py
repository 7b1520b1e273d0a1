"""Shared helpers for commands: settings, the container, the console, input files."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from leadrouter.bootstrap import Container, bootstrap
from leadrouter.config import Settings

console = Console()
err_console = Console(stderr=True)


def container() -> Container:
    """A container for the settings in the environment (read here, at the entrypoint)."""
    return bootstrap(Settings())


@contextmanager
def session() -> Iterator[Container]:
    """The container for one command; its connections are closed when the command ends."""
    c = container()
    try:
        yield c
    finally:
        c.engine.dispose()


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
