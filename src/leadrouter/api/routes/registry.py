"""Every /v1 router, in the order the OpenAPI page shows them."""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    from leadrouter.api.routes import agency_settings, keys, leads, roster

    return [keys.router, leads.router, agency_settings.router, *roster.routers()]
