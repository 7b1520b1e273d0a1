"""Commission rates, an agency setting: by lead source, else by business line, else a default.

They live in ``agencies.settings`` under ``commission_rates``, beside the intake settings.
A bind's commission is the premium times the rate unless the person recording it gives one.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field

from leadrouter.domain.model import BusinessLine
from leadrouter.errors import NotFound
from leadrouter.store.tables import agencies
from leadrouter.store.uow import UnitOfWork

KEY = "commission_rates"
Rate = Annotated[Decimal, Field(ge=0, le=1, decimal_places=4)]
CENT = Decimal("0.01")


class CommissionRates(BaseModel):
    """The share of written premium the agency earns; the most specific rate wins."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    default: Rate = Field(default=Decimal("0.10"), description="When nothing else applies.")
    by_line: dict[BusinessLine, Rate] = Field(default_factory=dict)
    by_source: dict[Annotated[str, Field(min_length=1, max_length=200)], Rate] = Field(
        default_factory=dict, description="By lead source name; wins over the line's rate."
    )

    def rate_for(self, *, source: str | None, line: str | None) -> Decimal:
        """The rate for a lead of ``source`` and business ``line``."""
        if source is not None and source in self.by_source:
            return self.by_source[source]
        if line is not None and line in self.by_line:
            return self.by_line[BusinessLine(line)]
        return self.default

    def commission(self, premium: Decimal, *, source: str | None, line: str | None) -> Decimal:
        """The commission on ``premium``, to the cent."""
        rate = self.rate_for(source=source, line=line)
        return (premium * rate).quantize(CENT, rounding=ROUND_HALF_UP)


def rates_in(conn: sa.Connection, agency_id: int) -> CommissionRates:
    """The agency's commission rates, read in the caller's transaction."""
    doc = _settings(conn, agency_id)
    return CommissionRates.model_validate(doc.get(KEY) or {})


def get_commission_rates(*, uow: UnitOfWork, agency_id: int) -> CommissionRates:
    """The agency's commission rates (the defaults when it never set them)."""
    with uow:
        return rates_in(uow.conn, agency_id)


def put_commission_rates(
    *, uow: UnitOfWork, agency_id: int, rates: CommissionRates
) -> CommissionRates:
    """Replace the agency's commission rates whole; its other settings are kept."""
    with uow:
        doc = _settings(uow.conn, agency_id, for_update=True)
        doc[KEY] = rates.model_dump(mode="json")
        uow.conn.execute(agencies.update().where(agencies.c.id == agency_id).values(settings=doc))
        uow.commit()
    return rates


def _settings(conn: sa.Connection, agency_id: int, *, for_update: bool = False) -> dict[str, Any]:
    query = sa.select(agencies.c.settings).where(agencies.c.id == agency_id)
    row = conn.execute(query.with_for_update() if for_update else query).first()
    if row is None:
        raise NotFound(f"agency {agency_id} does not exist")
    return dict(row.settings or {})
