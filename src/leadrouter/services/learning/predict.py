"""The propensity model at decision time: a lead's probability of binding, explained.

Model versions are immutable rows, so a process keeps the ones it has loaded (keyed by
agency and version); a newer version in the table is seen by the next decision of any
process, because the newest version number is read every time.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import sqlalchemy as sa

from leadrouter.domain.model import Lead
from leadrouter.services.learning.signals import lead_signals
from leadrouter.store.tables import propensity_models

if TYPE_CHECKING:  # numpy and scikit-learn load only once an agency has a model
    from leadrouter.learning.propensity import Propensity

_LOADED: dict[tuple[int, int], Propensity] = {}
_KEEP = 16  # versions kept in memory per process


@dataclass(frozen=True)
class Prediction:
    """A lead's probability of binding, the model version and its top signals."""

    probability: float
    model_version: int
    signals: tuple[tuple[str, float], ...]

    def document(self) -> dict[str, Any]:
        """The prediction as the decision's explanation stores it."""
        return {
            "predicted_conversion": round(self.probability, 4),
            "model_version": self.model_version,
            "top_signals": [{"feature": f, "effect": e} for f, e in self.signals],
        }


# Built once: every routing decision asks it.
_NEWEST_VERSION = sa.select(sa.func.max(propensity_models.c.version)).where(
    propensity_models.c.agency_id == sa.bindparam("agency_id")
)


def newest_model(conn: sa.Connection, agency_id: int) -> tuple[int, Propensity] | None:
    """The agency's newest model and its version, or None before the first ``learn model``."""
    version = conn.execute(_NEWEST_VERSION, {"agency_id": agency_id}).scalar()
    if version is None:
        return None
    key = (agency_id, int(version))
    if key not in _LOADED:
        from leadrouter.learning.propensity import Propensity

        blob = conn.execute(
            sa.select(propensity_models.c.model).where(
                propensity_models.c.agency_id == agency_id,
                propensity_models.c.version == version,
            )
        ).scalar_one()
        if len(_LOADED) >= _KEEP:
            _LOADED.pop(next(iter(_LOADED)))
        _LOADED[key] = Propensity.from_bytes(blob)  # our own table only: see from_bytes
    return key[1], _LOADED[key]


def predict_lead(
    conn: sa.Connection, lead: Lead, now: datetime, *, explain: bool = True
) -> Prediction | None:
    """The newest model's prediction for a lead (None when the agency has no model)."""
    found = newest_model(conn, lead.agency_id)
    if found is None:
        return None
    version, model = found
    from leadrouter.learning.lead_features import lead_features

    signals = lead_signals(conn, lead_id=lead.id, attributes=lead.attributes, now=now)
    row = lead_features(
        signals,
        source=lead.source,
        insurance_type=lead.insurance_type,
        state=lead.state,
        exclusive=lead.exclusive,
    )
    if not explain:
        return Prediction(float(model.predict([row])[0]), version, ())
    probability, top = model.predict_explained(row)
    return Prediction(probability, version, tuple(top))
