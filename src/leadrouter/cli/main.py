"""The top-level command and the commands that run the service."""

from __future__ import annotations

import typer

from leadrouter.cli import agency, audit, imports, licenses, policy
from leadrouter.cli.context import console, container
from leadrouter.store.migrate import upgrade

app = typer.Typer(help="leadrouter: route insurance leads to licensed producers.",
                  no_args_is_help=True)
app.add_typer(agency.app, name="agency")
app.add_typer(imports.app, name="import")
app.add_typer(policy.app, name="policy")
app.add_typer(audit.app, name="audit")
app.add_typer(licenses.app, name="licenses")


@app.command()
def migrate() -> None:
    """Bring the database up to the newest schema."""
    c = container()
    upgrade(c.settings.database_url)
    console.print("database is up to date")


@app.command()
def serve(
    demo: bool = typer.Option(True, help="Load the demo agency when the database is empty."),
) -> None:
    """Migrate, load the demo agency if the database is empty, and serve the API."""
    import uvicorn

    from leadrouter.api.app import create_app
    from leadrouter.demo import ensure_demo_agency

    c = container()
    upgrade(c.settings.database_url)
    if demo:
        ensure_demo_agency(c, announce=console.print)
    console.print(f"serving on http://{c.settings.host}:{c.settings.port} (docs at /docs)")
    uvicorn.run(create_app(c), host=c.settings.host, port=c.settings.port, log_level="info")
