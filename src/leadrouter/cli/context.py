"""Shared helpers for commands: settings, the container, the console."""

from __future__ import annotations

from rich.console import Console

from leadrouter.bootstrap import Container, bootstrap
from leadrouter.config import Settings

console = Console()
err_console = Console(stderr=True)


def container() -> Container:
    """A container for the settings in the environment (read here, at the entrypoint)."""
    return bootstrap(Settings())


def resolve_agency(c: Container, given: int | None) -> int:
    """The agency a command acts on: the one named, or the only one there is."""
    import typer

    from leadrouter.services.roster.common import agency_ids

    if given is not None:
        return given
    ids = agency_ids(uow=c.uow(readonly=True))
    if len(ids) == 1:
        return ids[0]
    err_console.print(f"[red]{len(ids)} agencies exist; say which with --agency ID[/red]")
    raise typer.Exit(2)


AGENCY_HELP = "The agency's id (needed when there are several)."
