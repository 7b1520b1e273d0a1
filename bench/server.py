"""The real API plus one bare endpoint on the same stack, served by uvicorn for benchmarks.

The bare endpoint authenticates like every other and inserts one row in one transaction:
the floor that our intake work is measured against. Every process is set up and served as
``leadrouter serve`` sets up and serves its own (``api.server``): the same HTTP protocol, limits,
log redaction and access log. The intake-only endpoint is the lead
intake without the routing hook, so intake's own cost and routing's can be told apart.

With ``--count-statements`` the process counts what its engine sends (SQLAlchemy events)
and ``GET /bench/statements`` gives the totals so far; see ``StatementCounter``. With
``--workers N`` it runs N processes on one port (``leadrouter.serving``), each building
the app from the environment; ``--uvicorn-socket`` binds the port the way uvicorn does
(no TCP_NODELAY on accepted connections), for comparison.
"""

from __future__ import annotations

import argparse
import os
import threading
from typing import Any

import sqlalchemy as sa
from fastapi import FastAPI, Response
from sqlalchemy import event
from sqlalchemy.engine import Engine

from leadrouter.api.app import create_app
from leadrouter.api.deps import ContainerDep, PrincipalDep
from leadrouter.api.server import prepare_process, raise_descriptor_limit, uvicorn_options
from leadrouter.bootstrap import bootstrap
from leadrouter.config import Settings
from leadrouter.services.leads.intake import receive_lead
from leadrouter.serving import serve
from leadrouter.store.db import make_engine
from leadrouter.store.types import UTCDateTime

bench_metadata = sa.MetaData()
bare_rows = sa.Table(
    "bench_bare_rows",
    bench_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("agency_id", sa.Integer, nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
)


class StatementCounter:
    """Statements and database round trips of one process, counted by engine events.

    ``statements``: every SQL statement executed (``before_cursor_execute``), but for the
    ``BEGIN`` the SQLite engine issues itself. ``round_trips`` (PostgreSQL): statements plus
    the ``BEGIN`` psycopg sends before a transaction's first statement, the ``COMMIT`` or
    ``ROLLBACK``, and the pool's pre-ping at each checkout. An ``executemany`` counts once.
    """

    def __init__(self, engine: Engine) -> None:
        self.statements = 0
        self.round_trips = 0
        self._lock = threading.Lock()
        postgres = engine.dialect.name == "postgresql"

        def add(statements: int, trips: int) -> None:
            with self._lock:
                self.statements += statements
                self.round_trips += trips

        @event.listens_for(engine, "before_cursor_execute")
        def _statement(conn: Any, cursor: Any, statement: str, *_: Any) -> None:
            if statement.lstrip().upper().startswith("BEGIN"):
                add(0, 1)
            else:
                add(1, 1)

        @event.listens_for(engine, "begin")
        def _begin(conn: Any) -> None:
            if postgres:
                add(0, 1)

        @event.listens_for(engine, "commit")
        def _commit(conn: Any) -> None:
            add(0, 1)

        @event.listens_for(engine, "rollback")
        def _rollback(conn: Any) -> None:
            add(0, 1)

        @event.listens_for(engine.pool, "checkout")
        def _checkout(*_: Any) -> None:
            if postgres:
                add(0, 1)

    def totals(self) -> dict[str, int]:
        with self._lock:
            return {"statements": self.statements, "round_trips": self.round_trips}


def build_app(database_url: str, *, count_statements: bool = False) -> FastAPI:
    # The API's per-key rate limit would answer most benchmark requests with 429: lift it.
    container = bootstrap(Settings(database_url=database_url, api_rate_per_minute=100_000_000))
    bench_metadata.create_all(container.engine)
    app = create_app(container)
    if count_statements:
        counter = StatementCounter(container.engine)

        @app.get("/bench/statements", include_in_schema=False)
        def statements() -> dict[str, int]:
            return counter.totals()

    @app.post("/bench/bare", status_code=201, include_in_schema=False)
    def bare(body: dict[str, Any], c: ContainerDep, principal: PrincipalDep) -> dict[str, int]:
        with c.uow() as uow:
            row_id = uow.conn.execute(
                bare_rows.insert()
                .values(agency_id=principal.agency_id, payload=body, created_at=c.clock.now())
                .returning(bare_rows.c.id)
            ).scalar_one()
            uow.commit()
        return {"id": row_id}

    @app.post("/bench/intake-only", status_code=201, include_in_schema=False)
    def intake_only(body: dict[str, Any], c: ContainerDep, principal: PrincipalDep) -> Response:
        """The lead intake without the routing hook: validation, enrichment, dedupe, storage."""
        result = receive_lead(
            uow=c.uow(),
            agency_id=principal.agency_id,
            payload=body,
            idempotency_key=None,
            now=c.clock.now(),
        )
        return Response(result.body, status_code=result.status_code, media_type="application/json")

    return app


def app_from_environment() -> FastAPI:
    """The benchmark app of one of several processes (settings from ``main``)."""
    prepare_process(Settings(database_url=os.environ["BENCH_DATABASE_URL"]))
    return build_app(
        os.environ["BENCH_DATABASE_URL"],
        count_statements=os.environ.get("BENCH_COUNT_STATEMENTS") == "1",
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--count-statements", action="store_true")
    parser.add_argument("--uvicorn-socket", action="store_true")
    args = parser.parse_args()
    # Served as ``leadrouter serve`` serves: its HTTP protocol (deadlines for slow clients),
    # limits, redacted logs and access log (one line a request, to the harness's log file).
    settings = Settings(database_url=args.database_url)
    options = uvicorn_options(settings, args.workers)
    raise_descriptor_limit()
    prepare_process(settings)
    if args.workers > 1:
        # Made once here: processes that all create it at one moment collide.
        engine = make_engine(args.database_url)
        bench_metadata.create_all(engine)
        engine.dispose()
        os.environ["BENCH_DATABASE_URL"] = args.database_url
        os.environ["BENCH_COUNT_STATEMENTS"] = "1" if args.count_statements else "0"
        app: FastAPI | str = "bench.server:app_from_environment"
    else:
        app = build_app(args.database_url, count_statements=args.count_statements)
    serve(
        app,
        host="127.0.0.1",
        port=args.port,
        workers=args.workers,
        tcp_nodelay=not args.uvicorn_socket,
        **options,
    )


if __name__ == "__main__":
    main()
