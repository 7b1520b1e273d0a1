"""Read files in the layout of X Education's lead-scoring data into our vocabulary.

X Education (an online-course company) published 9,240 inbound leads with their web
behavior and whether they converted. Its signals are the ones an agency sees, so the file
is our real-world check. The mapping (docs/scoring.md has the table):

- ``Lead Origin`` "Lead Add Form" / "Quick Add Form": the prospect asked to be contacted
  through a form → a quote request;
- ``Lead Source`` "Reference" → a personal referral, "Welingak Website" (a partner site) → a
  partner referral, "Referral Sites" → referral traffic;
- ``TotalVisits``, ``Total Time Spent on Website``, ``Page Views Per Visit`` → visits, time on
  site, pages per visit; one visit of at most one page → a bounce;
- ``A free copy of Mastering The Interview`` → a gated download;
- the form's qualifying questions (occupation, what matters most, specialization, how they
  heard, city) → questions answered (``Select`` means not answered);
- ``Do Not Email`` → opted out of email.

Only what is known before the sales team talks to the lead is read: ``Tags``, ``Lead
Quality``, ``Lead Profile``, ``Asymmetrique *``, ``Last Activity`` and ``Last Notable
Activity`` are filled in afterwards and leak the outcome. The file has no timestamps, so
repeat visits within a window, pricing-page views and email opens cannot be told apart and
stay zero.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from leadrouter.domain.scoring import Signals
from leadrouter.errors import ValidationFailed

ID = "Prospect ID"
LABEL = "Converted"
NOT_ANSWERED = ("", "Select")
LEAKY = (
    "Tags",
    "Lead Quality",
    "Lead Profile",
    "Asymmetrique Activity Index",
    "Asymmetrique Profile Index",
    "Asymmetrique Activity Score",
    "Asymmetrique Profile Score",
    "Last Activity",
    "Last Notable Activity",
)
QUESTIONS = (
    "What is your current occupation",
    "What matters most to you in choosing a course",
    "Specialization",
    "How did you hear about X Education",
    "City",
)
CATEGORIES = (
    "Lead Origin",
    "Lead Source",
    "Do Not Email",
    "Country",
    *QUESTIONS,
    "A free copy of Mastering The Interview",
)
NUMBERS = ("TotalVisits", "Total Time Spent on Website", "Page Views Per Visit")
REQUIRED = (ID, LABEL, *CATEGORIES, *NUMBERS)
QUOTE_ORIGINS = ("Lead Add Form", "Quick Add Form")
REFERRAL_SOURCES = {
    "Reference": "personal",
    "Welingak Website": "partner",
    "Referral Sites": "site",
}
HOLDOUT_SALT = "leadrouter-holdout:"  # our own split, independent of how the file was cut


@dataclass(frozen=True)
class Row:
    """One lead of the file: id, outcome, our signals and the pre-contact model features."""

    id: str
    converted: int
    signals: Signals
    features: dict[str, float | str | None]


def held_out(prospect_id: str, share_tenths: int = 3) -> bool:
    """Whether a lead belongs to the held-out part (a fixed ~30% by hash of its id)."""
    digest = hashlib.sha256((HOLDOUT_SALT + prospect_id).encode()).hexdigest()
    return int(digest, 16) % 10 < share_tenths


def _number(text: str) -> float | None:
    try:
        return float(text) if text.strip() else None
    except ValueError:
        return None


def signals_of(record: dict[str, str]) -> Signals:
    """Map one record of the file to our behavioral signals."""
    visits = _number(record["TotalVisits"]) or 0.0
    per_visit = _number(record["Page Views Per Visit"]) or 0.0
    return Signals(
        quote_requests=int(record["Lead Origin"] in QUOTE_ORIGINS),
        visits=int(visits),
        bounces=int(visits == 1 and per_visit <= 1),
        seconds_on_site=_number(record["Total Time Spent on Website"]) or 0.0,
        pages_per_visit=per_visit,
        downloads=int(record["A free copy of Mastering The Interview"] == "Yes"),
        answers=sum(record[q] not in NOT_ANSWERED for q in QUESTIONS),
        referral=REFERRAL_SOURCES.get(record["Lead Source"]),
        opted_out=record["Do Not Email"] == "Yes",
    )


def features_of(record: dict[str, str]) -> dict[str, float | str | None]:
    """The pre-contact columns as model features (``Select`` and blanks are missing)."""
    out: dict[str, float | str | None] = {n: _number(record[n]) for n in NUMBERS}
    for name in CATEGORIES:
        value = record[name].strip()
        out[name] = value if value else None
    out["questions answered"] = float(sum(record[q] not in NOT_ANSWERED for q in QUESTIONS))
    out["questions left blank"] = float(sum(record[q] == "" for q in QUESTIONS))
    return out


def read(path: Path) -> Iterator[Row]:
    """The file's leads; a missing column is a validation error naming it."""
    with path.open(newline="", encoding="utf-8-sig") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in REQUIRED if c not in (reader.fieldnames or ())]
        if missing:
            raise ValidationFailed(f"{path.name}: missing columns {', '.join(missing)}")
        for record in reader:
            if record[LABEL] not in ("0", "1"):
                continue
            yield Row(record[ID], int(record[LABEL]), signals_of(record), features_of(record))
