"""The roster endpoints: producers, licenses, territories, clients, lead sources, CSV import.

Reads need any key of the agency; changes need a manager key (licenses: manager or
compliance; verifying a license: compliance only). Another agency's ids are 404.
"""

from __future__ import annotations

from fastapi import APIRouter


def routers() -> list[APIRouter]:
    """Every roster router, in the order the OpenAPI page shows them."""
    from . import clients, imports, licenses, producers, sources, territories

    return [
        producers.router,
        licenses.router,
        territories.router,
        clients.router,
        sources.router,
        imports.router,
    ]
