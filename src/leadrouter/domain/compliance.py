"""The license gate: the one function that decides whether a producer may own a lead.

A producer is eligible only when active and holding, for the lead's state, a license that
is active, verified (by compliance or a registry reconciliation), in force on the agency's
calendar day (effective <= today < expiration), and whose lines of authority cover what the
insurance type requires. Anything unknown fails closed. No argument turns it off.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from functools import lru_cache
from operator import attrgetter
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from leadrouter.domain.insurance import InsuranceType, covers
from leadrouter.domain.model import License, LicenseStatus, Producer

_STATE_CODES = (
    "AL AK AZ AR CA CO CT DE DC FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH "
    "NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY PR VI GU AS MP"
)
US_STATES: frozenset[str] = frozenset(_STATE_CODES.split(" "))

LINE_LABELS: dict[str, str] = {
    "property": "Property",
    "casualty": "Casualty",
    "personal_lines": "Personal lines",
    "life": "Life",
    "accident_health": "Accident & health",
    "variable": "Variable",
    "surety": "Surety",
    "title": "Title",
}


@dataclass(frozen=True)
class GateVerdict:
    """Whether a producer may own a lead; ``reason`` in words a producer understands."""

    eligible: bool
    reason: str | None
    license_id: int | None
    code: str | None = None  # machine-readable reason: "pending", "expired", "lines", ...


@lru_cache(maxsize=512)
def zone(tz: str) -> ZoneInfo | None:
    """The time zone named ``tz``, or None when no such zone exists."""
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        return None


def local_date(now: datetime, tz: str) -> date | None:
    """The calendar day at ``now`` in ``tz``; None for an unknown zone."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    z = zone(tz)
    return None if z is None else now.astimezone(z).date()


def normalize_state(state: str | None) -> str | None:
    """The upper-case two-letter code, or None when it is not a US state or territory."""
    if not state:
        return None
    code = state.strip().upper()
    return code if code in US_STATES else None


@lru_cache(maxsize=256)
def requirement_text(itype: InsuranceType) -> str:
    """What the type requires, e.g. "Personal lines or Casualty"."""
    return " or ".join(
        " + ".join(sorted(LINE_LABELS.get(line, line) for line in alternative))
        for alternative in itype.requires
    )


def check_gate(
    producer: Producer,
    licenses: Iterable[License],
    *,
    state: str | None,
    insurance_type: InsuranceType | None,
    now: datetime,
    tz: str,
) -> GateVerdict:
    """The license gate: may ``producer`` own a lead of this state and type at ``now``?"""
    today = local_date(now, tz)
    if today is None:
        return GateVerdict(False, f"unknown agency time zone {tz!r}", None, "unknown_tz")
    return gate_on(producer, licenses, state=state, insurance_type=insurance_type, today=today)


def gate_on(
    producer: Producer,
    licenses: Iterable[License],
    *,
    state: str | None,
    insurance_type: InsuranceType | None,
    today: date,
) -> GateVerdict:
    """The gate on a given agency calendar day; ``check_gate`` computes the day from ``now``."""
    if not producer.active:
        return GateVerdict(False, "producer is inactive", None, "inactive")
    code = normalize_state(state)
    if code is None:
        if not state:
            return GateVerdict(False, "the lead has no state", None, "no_state")
        return GateVerdict(False, f"unknown state {state!r}", None, "unknown_state")
    if insurance_type is None:
        return GateVerdict(False, "unknown insurance type", None, "unknown_type")
    if not any(insurance_type.requires):
        return GateVerdict(
            False, f"no line of authority is defined for {insurance_type.label}", None, "lines"
        )
    failures: list[GateVerdict] = []
    for lic in sorted(licenses, key=attrgetter("id")):
        if lic.producer_id != producer.id or lic.agency_id != producer.agency_id:
            continue
        if lic.state.strip().upper() != code:
            continue
        verdict = _license_verdict(lic, code, insurance_type, today)
        if verdict.eligible:
            return verdict
        failures.append(verdict)
    if not failures:
        return GateVerdict(
            False, f"no active {code} license for {insurance_type.label}", None, "no_license"
        )
    return _closest_to_valid(failures)


def _license_verdict(lic: License, state: str, itype: InsuranceType, today: date) -> GateVerdict:
    name = f"{state} license {lic.number}"
    if lic.status != LicenseStatus.ACTIVE:
        return GateVerdict(False, f"{name} is {lic.status}", None, "not_active")
    if lic.verified_at is None:
        return GateVerdict(False, f"{name} is pending verification", None, "pending")
    if today < lic.effective_date:
        return GateVerdict(
            False, f"{name} is not in force until {lic.effective_date}", None, "not_yet_effective"
        )
    if lic.expiration_date is not None and today >= lic.expiration_date:
        return GateVerdict(False, f"{name} expired on {lic.expiration_date}", None, "expired")
    if not covers(frozenset(lic.lines), itype.requires):
        return GateVerdict(
            False,
            f"{name} does not cover {itype.label} (needs {requirement_text(itype)})",
            None,
            "lines",
        )
    return GateVerdict(True, None, lic.id, None)


# When several licenses of the state fail, the one closest to valid explains best.
_CLOSENESS = ("lines", "not_yet_effective", "expired", "pending", "not_active")


def _closest_to_valid(failures: list[GateVerdict]) -> GateVerdict:
    return min(failures, key=lambda v: _CLOSENESS.index(v.code) if v.code in _CLOSENESS else 99)
