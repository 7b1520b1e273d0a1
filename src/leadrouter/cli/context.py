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
