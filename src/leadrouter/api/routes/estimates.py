"""Conversion estimates per producer x segment (the producer statistics page reads these)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from leadrouter.api.deps import ContainerDep, PrincipalDep
from leadrouter.services.learning.estimates import estimates_document
from leadrouter.services.people.access import may_read_agency_figures

router = APIRouter(tags=["learning"])


class CellOut(BaseModel):
    producer_id: int
    line: str
    tier: str
    source: str
    state_group: str = Field(description="Census region of the lead's state.")
    closed: int
    bound: int
    observed_rate: float
    estimate: float = Field(description="Posterior mean, shrunk toward producer x segment.")
    low: float = Field(description="5th percentile of the posterior.")
    high: float = Field(description="95th percentile of the posterior.")


class ProducerRateOut(BaseModel):
    producer_id: int
    name: str
    closed: int
    bound: int
    estimate: float


class EstimatesOut(BaseModel):
    window_days: int
    as_of: str
    agency_rate: float
    prior_strength: dict[str, float] = Field(
        description="Empirical-Bayes prior strength (pseudo-leads) per level."
    )
    producers: list[ProducerRateOut]
    cells: list[CellOut]


@router.get(
    "/estimates/conversion",
    response_model=EstimatesOut,
    responses={
        403: {
            "content": {"application/problem+json": {}},
            "description": "Agency-wide: not for a key bound to a producer.",
        }
    },
)
def conversion(
    container: ContainerDep,
    principal: PrincipalDep,
    window_days: Annotated[int, Query(ge=1, le=3650)] = 90,
) -> dict[str, Any]:
    """Bind rate per producer x segment over a trailing window, with shrinkage and intervals
    (every producer's: not for a key bound to a producer, 403)."""
    may_read_agency_figures(principal)
    return estimates_document(
        uow=container.uow(readonly=True),
        agency_id=principal.agency_id,
        now=container.clock.now(),
        window_days=window_days,
    )
