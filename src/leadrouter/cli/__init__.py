"""The ``leadrouter`` command (Typer): one sub-module per command group."""

from __future__ import annotations

from leadrouter.cli.main import app


def main() -> None:
    app()


__all__ = ["app", "main"]
