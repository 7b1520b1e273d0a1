"""The top-level command and the commands that run the service."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING

import typer

from leadrouter.bootstrap import Container
from leadrouter.cli import (
    agency,
    audit,
    calls,
    imports,
    learn,
    licenses,
    policy,
    replay,
    reports,
    simulate,
    users,
)
from leadrouter.cli.context import console, container, err_console

# Every command starts a fresh interpreter: what only some commands need (Alembic, the worker,
# the API) is imported inside them, so `leadrouter --help` and the quick commands start fast.
if TYPE_CHECKING:
    from leadrouter.worker import Worker

app = typer.Typer(
    help="leadrouter: route insurance leads to licensed producers.", no_args_is_help=True
)
app.add_typer(agency.app, name="agency")
app.add_typer(imports.app, name="import")
app.add_typer(policy.app, name="policy")
app.add_typer(audit.app, name="audit")
app.add_typer(licenses.app, name="licenses")
app.add_typer(reports.report_app, name="report")
app.add_typer(reports.export_app, name="export")
app.add_typer(learn.app, name="learn")
app.add_typer(calls.app, name="calls")
app.command(name="simulate")(simulate.simulate)
app.command(name="replay")(replay.replay)
app.add_typer(users.app, name="user")


@app.command()
def migrate() -> None:
    """Bring the database up to the newest schema."""
    from leadrouter.store.migrate import upgrade

    c = container(existing=False)
    upgrade(c.settings.database_url)
    console.print("database is up to date")


@app.command()
def serve(
    demo: bool = typer.Option(True, help="Load the demo agency when the database is empty."),
    with_worker: bool = typer.Option(
        True, "--worker/--no-worker", help="Run a worker in the same process."
    ),
    workers: int = typer.Option(
        1, "--workers", min=1, help="API processes sharing the port (PostgreSQL only)."
    ),
) -> None:
    """Migrate, load the demo agency if the database is empty, and serve the API."""
    from leadrouter.api import server
    from leadrouter.api.app import create_app
    from leadrouter.demo import ensure_demo_agency
    from leadrouter.logs import install_redaction
    from leadrouter.store.migrate import upgrade

    install_redaction()
    c = container(existing=False)
    if workers > 1 and c.engine.dialect.name == "sqlite":
        err_console.print(
            "[red]--workers > 1 needs PostgreSQL: SQLite serves from one process "
            "(set LEADROUTER_DATABASE_URL=postgresql://...)[/red]"
        )
        raise typer.Exit(2)
    upgrade(c.settings.database_url)
    if demo:
        ensure_demo_agency(c, announce=console.print)
    stop = threading.Event()
    if with_worker:
        thread = threading.Thread(target=_worker(c).run, args=(stop,), name="worker", daemon=True)
        thread.start()
        console.print("worker running (timers, queue draining, notifications)")
    how = f" by {workers} processes" if workers > 1 else ""
    console.print(f"serving on http://{c.settings.host}:{c.settings.port}{how} (docs at /docs)")
    try:
        # Several processes each build their app from the environment; the worker loop
        # (if any) stays here, in the supervising process: one loop for all of them.
        server.run(server.APP_FACTORY if workers > 1 else create_app(c), c.settings, workers)
    finally:
        stop.set()


def _worker(c: Container) -> Worker:
    from leadrouter.notify.channels import build_channels
    from leadrouter.worker import Worker

    return Worker(c, build_channels(c.settings, c.engine))


@app.command()
def worker(
    interval: float = typer.Option(1.0, help="Seconds between ticks."),
) -> None:
    """Run the worker alone (timers, queue draining, notifications); many may run at once."""
    import signal

    from leadrouter.logs import install_redaction
    from leadrouter.store.migrate import upgrade

    install_redaction()
    c = container(existing=False)
    upgrade(c.settings.database_url)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console.print("worker running; Ctrl-C to stop")
    try:
        _worker(c).run(stop, interval=interval)
    except KeyboardInterrupt:
        stop.set()
