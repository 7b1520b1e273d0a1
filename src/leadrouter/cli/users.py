"""``leadrouter user add|passwd|disable|list``: the people who sign in to the web pages."""

from __future__ import annotations

import typer

from leadrouter.cli.context import (
    AGENCY_HELP,
    console,
    exit_on_error,
    resolve_agency,
    session,
)
from leadrouter.services.people import users

app = typer.Typer(help="Users of the web pages and their roles.", no_args_is_help=True)

ROLE_HELP = "manager, supervisor, producer (needs --producer) or compliance."


def _password(given: str | None) -> str:
    if given is not None:
        return given
    entered: str = typer.prompt("password", hide_input=True, confirmation_prompt=True)
    return entered


@app.command("add")
def add(
    email: str,
    role: str = typer.Option(..., help=ROLE_HELP),
    name: str = typer.Option("", help="The name the pages show; the email when left out."),
    producer: int | None = typer.Option(None, help="The producer record a producer acts as."),
    password: str | None = typer.Option(
        None, help="Prompted for (hidden) when left out; mind your shell history."
    ),
    agency: int | None = typer.Option(None, help=AGENCY_HELP),
) -> None:
    """Add a user who signs in with email and password."""
    with session() as c:
        agency_id = resolve_agency(c, agency)
        with exit_on_error(1):
            user_id = users.add_user(
                uow=c.uow(),
                agency_id=agency_id,
                email=email,
                name=name,
                role=role,
                producer_id=producer,
                password=_password(password),
                now=c.clock.now(),
            )
    console.print(f"user {user_id} added: {email} ({role})")


@app.command("passwd")
def passwd(
    email: str,
    password: str | None = typer.Option(None, help="Prompted for (hidden) when left out."),
    agency: int | None = typer.Option(None, help=AGENCY_HELP),
) -> None:
    """Set a user's password; this also lifts a lockout and signs them out everywhere."""
    with session() as c:
        agency_id = resolve_agency(c, agency)
        with exit_on_error(1):
            users.set_password(
                uow=c.uow(),
                agency_id=agency_id,
                email=email,
                password=_password(password),
                now=c.clock.now(),
            )
    console.print(f"password of {email} changed")


@app.command("disable")
def disable(email: str, agency: int | None = typer.Option(None, help=AGENCY_HELP)) -> None:
    """Stop a user from signing in; their open sessions end at once."""
    with session() as c:
        agency_id = resolve_agency(c, agency)
        with exit_on_error(1):
            users.disable_user(uow=c.uow(), agency_id=agency_id, email=email, now=c.clock.now())
    console.print(f"{email} disabled")


@app.command("list")
def list_(agency: int | None = typer.Option(None, help=AGENCY_HELP)) -> None:
    """The agency's users and their roles."""
    with session() as c:
        agency_id = resolve_agency(c, agency)
        for u in users.list_users(uow=c.uow(readonly=True), agency_id=agency_id):
            state = "active" if u["active"] else "disabled"
            bound = f" producer {u['producer_id']}" if u["producer_id"] else ""
            console.print(f"{u['id']}  {u['email']}  {u['role']}{bound}  {state}")
