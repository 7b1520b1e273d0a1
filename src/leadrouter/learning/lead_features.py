"""The propensity model's features for an agency's own leads: known before first contact.

Behavior (the rubric's capped features and the raw counts behind them) plus what the lead
said about itself at intake: source, insurance type, state, exclusivity, referral kind.
Nothing that happens after a producer reaches the lead (activities, status, outcome).
"""

from __future__ import annotations

from leadrouter.domain.scoring import FEATURES, Signals, rubric_features
from leadrouter.learning.propensity import FeatureSpec, Value

SPEC = FeatureSpec(
    numbers=(*FEATURES, "seconds_on_site", "visits", "pages_per_visit"),
    categories=("source", "insurance_type", "state", "exclusive", "referral"),
)


def lead_features(
    signals: Signals,
    *,
    source: str | None,
    insurance_type: str,
    state: str | None,
    exclusive: bool,
) -> dict[str, Value]:
    """One lead's feature dict, in ``SPEC``'s names."""
    out: dict[str, Value] = dict(rubric_features(signals))
    out.update(
        {
            "seconds_on_site": signals.seconds_on_site,
            "visits": float(signals.visits),
            "pages_per_visit": signals.pages_per_visit,
            "source": source,
            "insurance_type": insurance_type,
            "state": state,
            "exclusive": "yes" if exclusive else "no",
            "referral": signals.referral,
        }
    )
    return out
