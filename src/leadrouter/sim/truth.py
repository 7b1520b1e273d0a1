"""The simulated world's true conversion: who binds, given who calls and how fast.

Anchors from the published lead-response studies: relative to a first call within 5
minutes, the odds of reaching the consumer are about x0.2 at 10 minutes and x0.01 at 30
(log-odds interpolated linearly in between, flat after 30 minutes); a lead reached within
its first hour qualifies about 7x as often as one reached in the next.

bind = P(contact | delay) x P(qualify | delay) x P(close | producer, lead)
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leadrouter.sim.scenario import SimLead

CONTACT_ANCHORS = ((5.0, 0.0), (10.0, math.log(0.2)), (30.0, math.log(0.01)))
BASE_CONTACT = {"referral": 0.85, "web": 0.75, "vendor": 0.6}
QUALIFY_FIRST_HOUR = 0.6
QUALIFY_SECOND_HOUR = QUALIFY_FIRST_HOUR / 7
QUALIFY_LATER = QUALIFY_SECOND_HOUR / 2
LINE_BASE = {"personal": -0.6, "commercial": -1.1, "life": -1.3}  # log-odds of closing
TIER_SHIFT = {"high": 0.7, "medium": 0.0, "low": -0.8}


def contact_odds_factor(delay_minutes: float) -> float:
    """Odds of reaching the consumer relative to a first call within 5 minutes."""
    d = max(0.0, delay_minutes)
    if d <= CONTACT_ANCHORS[0][0]:
        return 1.0
    for (x0, y0), (x1, y1) in itertools.pairwise(CONTACT_ANCHORS):
        if d <= x1:
            return math.exp(y0 + (y1 - y0) * (d - x0) / (x1 - x0))
    return math.exp(CONTACT_ANCHORS[-1][1])


def contact_probability(source: str, delay_minutes: float) -> float:
    """P(the first call reaches the consumer) after ``delay_minutes``."""
    base = BASE_CONTACT.get(source, 0.7)
    odds = base / (1 - base) * contact_odds_factor(delay_minutes)
    return odds / (1 + odds)


def qualify_probability(delay_minutes: float) -> float:
    """P(a reached consumer qualifies for a quote): 7x higher in the first hour."""
    if delay_minutes <= 60:
        return QUALIFY_FIRST_HOUR
    return QUALIFY_SECOND_HOUR if delay_minutes <= 120 else QUALIFY_LATER


@dataclass(frozen=True)
class TrueProducer:
    """A simulated producer's hidden traits."""

    index: int
    skill: float  # log-odds shift of closing, everywhere
    line_skill: dict[str, float]  # and per line of business
    region_skill: dict[str, float]  # and per census region
    response_minutes: float  # median minutes from assignment to first call
    lines: tuple[str, ...]
    states: tuple[str, ...]
    max_daily: int
    shift: tuple[int, int]  # local hours [start, end)
    saturday: bool


def close_probability(p: TrueProducer, line: str, tier: str, region: str) -> float:
    """P(a qualified consumer buys from this producer)."""
    z = LINE_BASE[line] + TIER_SHIFT[tier] + p.skill
    z += p.line_skill.get(line, 0.0) + p.region_skill.get(region, 0.0)
    return 1 / (1 + math.exp(-z))


def bind_probability(
    p: TrueProducer, lead: SimLead, *, delay_minutes: float
) -> tuple[float, float]:
    """(P(contact), P(bind | contact)) for ``lead`` first called after ``delay_minutes``."""
    reach = contact_probability(lead.source, delay_minutes)
    close = close_probability(p, lead.line, lead.tier, lead.region)
    return reach, qualify_probability(delay_minutes) * close
