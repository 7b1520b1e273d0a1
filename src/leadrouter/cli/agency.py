"""``leadrouter agency ...``: agencies and their keys."""

from __future__ import annotations

import typer

from leadrouter.cli.context import console, container
from leadrouter.services.admin import agencies

app = typer.Typer(help="Agencies and their API keys.", no_args_is_help=True)


@app.command("create")
def create(
    name: str,
    timezone: str = typer.Option("America/New_York", help="The agency's home time zone."),
) -> None:
    """Create an agency and print its first API key (shown once)."""
    c = container()
    new = agencies.create_agency(uow=c.uow(), name=name, now=c.clock.now(), timezone=timezone)
    console.print(f"agency id: {new.agency_id}")
    console.print(f"public form key: {new.public_form_key}")
    console.print(f"API key (shown once): {new.api_key}")


@app.command("issue-key")
def issue_key(agency_id: int, name: str = typer.Option("cli", help="A label for the key.")) -> None:
    """Issue another API key for an agency (shown once)."""
    c = container()
    key_id, key = agencies.issue_key(uow=c.uow(), agency_id=agency_id, name=name, now=c.clock.now())
    console.print(f"key id: {key_id}")
    console.print(f"API key (shown once): {key}")


@app.command("revoke-key")
def revoke_key(agency_id: int, key_id: int) -> None:
    """Revoke an API key; it is refused from the next request on."""
    c = container()
    agencies.revoke_key(uow=c.uow(), agency_id=agency_id, key_id=key_id, now=c.clock.now())
    console.print(f"revoked key {key_id}")
