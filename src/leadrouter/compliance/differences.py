"""Every difference between a registry report and the roster, and what applying each does.

Pure: the roster comes in as domain objects, the differences go out with the values that
would fix them. A report license is matched to the roster by the producer's NPN, the state
and the license number; failing that, to the one remaining license of that producer and
state (a renumbered license). Conservative on absence: a roster license missing from the
report is only a difference when the report lists that producer's NPN and every record of
that NPN could be read.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from leadrouter.compliance.registry_report import RegistryReport, ReportLicense
from leadrouter.domain.model import License, LicenseStatus, Producer

# kinds a reconciliation can fix, and kinds it only reports
ADD, UPDATE, VERIFY, DEACTIVATE = "add", "update", "verify", "deactivate"
UNKNOWN_NPN, SHARED_NPN, UNREADABLE, IGNORED = "unknown_npn", "shared_npn", "unreadable", "ignored"


@dataclass(frozen=True)
class Difference:
    """One difference; ``values`` are the license columns that applying it writes."""

    kind: str
    message: str
    fixable: bool
    npn: str | None = None
    producer_id: int | None = None
    license_id: int | None = None
    state: str | None = None
    number: str | None = None
    field: str | None = None
    roster: str | None = None
    report: str | None = None
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    applied: bool = False

    def as_json(self) -> dict[str, Any]:
        """The difference as stored with the reconciliation and served by the API."""
        return {
            "kind": self.kind,
            "message": self.message,
            "fixable": self.fixable,
            "applied": self.applied,
            "npn": self.npn,
            "producer_id": self.producer_id,
            "license_id": self.license_id,
            "state": self.state,
            "number": self.number,
            "field": self.field,
            "roster": self.roster,
            "report": self.report,
        }


def text(value: object) -> str | None:
    """A license value as the differences show it."""
    if value is None:
        return None
    if isinstance(value, frozenset | set):
        return ", ".join(sorted(value)) or "(none)"
    if isinstance(value, bool):
        return "resident" if value else "non-resident"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def plan(
    report: RegistryReport, producers: Sequence[Producer], licenses: Sequence[License]
) -> list[Difference]:
    """Every difference between ``report`` and the roster, in NPN, state, number order."""
    diffs = [
        Difference(UNREADABLE, f"{p.where}: {p.field or 'record'}: {p.reason}", False, npn=p.npn)
        for p in report.errors
    ]
    diffs += [
        Difference(IGNORED, f"{p.where}: {p.reason}", False, npn=p.npn) for p in report.warnings
    ]
    by_npn: dict[str, list[Producer]] = {}
    for p in producers:
        if p.npn:
            by_npn.setdefault(p.npn, []).append(p)
    held: dict[int, list[License]] = {}
    for lic in licenses:
        held.setdefault(lic.producer_id, []).append(lic)
    wanted: dict[str, list[ReportLicense]] = {}
    for rl in report.licenses:
        wanted.setdefault(rl.npn, []).append(rl)
    for npn in sorted(report.npns):
        owners = by_npn.get(npn, [])
        if not owners:
            numbers = ", ".join(f"{r.state} {r.number}" for r in wanted.get(npn, []))
            diffs.append(
                Difference(
                    UNKNOWN_NPN,
                    f"no producer with NPN {npn}"
                    + (f" (report lists {numbers})" if numbers else ""),
                    False,
                    npn=npn,
                )
            )
        elif len(owners) > 1:
            ids = ", ".join(str(p.id) for p in owners)
            diffs.append(
                Difference(
                    SHARED_NPN,
                    f"NPN {npn} belongs to producers {ids}; give each producer their own NPN",
                    False,
                    npn=npn,
                )
            )
        else:
            diffs += _producer(
                owners[0],
                npn,
                wanted.get(npn, []),
                held.get(owners[0].id, []),
                sure=npn not in report.unsure_npns,
            )
    return diffs


def _producer(
    producer: Producer,
    npn: str,
    reported: list[ReportLicense],
    roster: list[License],
    *,
    sure: bool,
) -> list[Difference]:
    pairs, extra, missing = _match(reported, roster)
    diffs: list[Difference] = []
    for rl, lic in pairs:
        diffs += compare(producer, npn, rl, lic)
    for rl in extra:
        if rl.active and rl.lines:
            diffs.append(_added(producer, npn, rl))
    for lic in missing if sure else []:
        if lic.status == LicenseStatus.ACTIVE:
            diffs.append(
                Difference(
                    DEACTIVATE,
                    f"{lic.state} license {lic.number} of {producer.name} is not in the "
                    "registry report, which lists their NPN",
                    True,
                    npn=npn,
                    producer_id=producer.id,
                    license_id=lic.id,
                    state=lic.state,
                    number=lic.number,
                    field="status",
                    roster=lic.status.value,
                    report="absent",
                    values={"status": LicenseStatus.INACTIVE.value},
                )
            )
    return diffs


def _match(
    reported: list[ReportLicense], roster: list[License]
) -> tuple[list[tuple[ReportLicense, License]], list[ReportLicense], list[License]]:
    """Pairs by state and number; then the one leftover of a state with the one leftover."""
    index = {(lic.state, lic.number): lic for lic in roster}
    pairs = [
        (rl, index[(rl.state, rl.number)]) for rl in reported if (rl.state, rl.number) in index
    ]
    paired = {id(rl) for rl, _ in pairs} | {lic.id for _, lic in pairs}
    extra = [rl for rl in reported if id(rl) not in paired]
    missing = [lic for lic in roster if lic.id not in paired]
    for state in sorted({rl.state for rl in extra}):
        left_r = [rl for rl in extra if rl.state == state]
        left_l = [lic for lic in missing if lic.state == state]
        if len(left_r) == 1 and len(left_l) == 1:
            pairs.append((left_r[0], left_l[0]))
            extra.remove(left_r[0])
            missing.remove(left_l[0])
    return pairs, extra, missing


def _added(producer: Producer, npn: str, rl: ReportLicense) -> Difference:
    values = {
        "producer_id": producer.id,
        "state": rl.state,
        "number": rl.number,
        "lines": rl.lines,
        "resident": rl.resident,
        "effective_date": rl.issue_date,
        "expiration_date": rl.expiration_date,
        "status": LicenseStatus.ACTIVE.value,
    }
    return Difference(
        ADD,
        f"{rl.state} license {rl.number} of {producer.name} is in the registry report "
        "but not on the roster",
        True,
        npn=npn,
        producer_id=producer.id,
        state=rl.state,
        number=rl.number,
        report=f"{text(rl.lines)}; {text(rl.resident)}; "
        f"{rl.issue_date} to {text(rl.expiration_date) or 'no expiration'}",
        values=values,
    )


def _fields(rl: ReportLicense, lic: License) -> Iterable[tuple[str, object, object]]:
    """(column, roster value, report value) for each field the registry is the judge of."""
    status = LicenseStatus.ACTIVE.value if rl.active else LicenseStatus.INACTIVE.value
    if not rl.active:
        # An inactive license: only whether the roster still counts it matters.
        if lic.status == LicenseStatus.ACTIVE:
            yield "status", lic.status.value, status
        return
    yield from (
        ("number", lic.number, rl.number),
        ("lines", lic.lines, rl.lines),
        ("resident", lic.resident, rl.resident),
        ("effective_date", lic.effective_date, rl.issue_date),
        ("expiration_date", lic.expiration_date, rl.expiration_date),
        ("status", lic.status.value, status),
    )


NAMES = {
    "number": "license number",
    "lines": "lines of authority",
    "resident": "residency",
    "effective_date": "issue date",
    "expiration_date": "expiration date",
}


def _about(
    kind: str, message: str, npn: str, producer: Producer, lic: License, **more: Any
) -> Difference:
    return Difference(
        kind,
        message,
        True,
        npn=npn,
        producer_id=producer.id,
        license_id=lic.id,
        state=lic.state,
        number=lic.number,
        **more,
    )


def compare(producer: Producer, npn: str, rl: ReportLicense, lic: License) -> list[Difference]:
    """The differences of one matched license (or a verification when it only was pending)."""
    name = f"{lic.state} license {lic.number} of {producer.name}"
    diffs = [
        _about(
            UPDATE,
            f"{name}: {NAMES.get(column, column)} is {text(ours)} on the roster, "
            f"{text(theirs)} in the registry",
            npn,
            producer,
            lic,
            field=column,
            roster=text(ours),
            report=text(theirs),
            values={column: theirs},
        )
        for column, ours, theirs in _fields(rl, lic)
        if ours != theirs
    ]
    if not diffs and rl.active and lic.verified_at is None:
        diffs.append(
            _about(
                VERIFY,
                f"{name} is pending verification and the registry confirms it",
                npn,
                producer,
                lic,
                field="verified_at",
                roster="pending",
                report="confirmed",
            )
        )
    return diffs
