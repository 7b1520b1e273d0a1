"""The real API plus one bare endpoint on the same stack, served by uvicorn for benchmarks.

The bare endpoint authenticates like every other and inserts one row in one transaction:
the floor that our intake work is measured against. The intake-only endpoint is the lead
intake without the routing hook, so intake's own cost and routing's can be told apart.
"""

from __future__ import annotations

import argparse
from typing import Any

import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI, Response

from leadrouter.api.app import create_app
from leadrouter.api.deps import ContainerDep, PrincipalDep
from leadrouter.bootstrap import bootstrap
from leadrouter.config import Settings
from leadrouter.services.leads.intake import receive_lead
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


def build_app(database_url: str) -> FastAPI:
    container = bootstrap(Settings(database_url=database_url))
    bench_metadata.create_all(container.engine)
    app = create_app(container)

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


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    uvicorn.run(
        build_app(args.database_url),
        host="127.0.0.1",
        port=args.port,
        log_level="warning",
        access_log=False,
    )


if __name__ == "__main__":
    main()
