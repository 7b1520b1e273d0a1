"""Liveness and readiness."""

from __future__ import annotations

import sqlalchemy as sa
from fastapi import APIRouter

from leadrouter.api.deps import ContainerDep

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Is the service up and its database reachable?")
def healthz(container: ContainerDep) -> dict[str, str]:
    with container.engine.connect() as conn:
        conn.execute(sa.text("SELECT 1"))
    return {"status": "ok", "database": container.engine.dialect.name}
