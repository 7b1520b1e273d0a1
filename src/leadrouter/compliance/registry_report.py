"""Reading a producer-database report (the kind a state registry such as NIPR's produces).

A report lists, per National Producer Number, each license: number, state, license class,
lines of authority, residency, an active flag, issue and expiration dates. It comes as CSV
(one row per line of authority, or the lines joined by ``;`` in one cell) or as XML (see
``registry_xml``). Records naming the same NPN, state and license number are one license.
Nothing here touches the database: a bad record becomes a problem with its place in the file
and the rest is still read; only a file that cannot be read at all is refused.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from leadrouter.errors import FieldError, ValidationFailed
from leadrouter.roster import fields as f
from leadrouter.roster.csv.columns import header_key, npn
from leadrouter.roster.csv.table import decode, records

Progress = Callable[[int], None]

# Our field -> the header names (or XML tags) a registry report uses for it.
ALIASES: dict[str, tuple[str, ...]] = {
    "npn": ("npn", "national_producer_number", "producer_npn", "individual_npn"),
    "number": ("license_number", "license_no", "license_num", "license_id", "license"),
    "state": ("state", "license_state", "state_code", "jurisdiction"),
    "license_class": ("license_class", "class", "license_type", "license_class_description"),
    "lines": (
        "line_of_authority",
        "lines_of_authority",
        "loa",
        "loas",
        "authority",
        "line_of_authority_description",
        "loa_description",
    ),
    "residency": ("residency", "resident", "residency_status", "resident_status"),
    "active": ("active", "active_flag", "status", "license_status", "active_status"),
    "issue_date": (
        "issue_date",
        "date_issued",
        "license_issue_date",
        "effective_date",
        "date_issue_license_orig",
        "issued",
    ),
    "expiration_date": (
        "expiration_date",
        "expiry_date",
        "expires",
        "expiration",
        "license_expiration_date",
        "date_expire_license",
    ),
}
REQUIRED = ("npn", "number", "state", "lines", "residency", "active", "issue_date")
FIELD_OF: dict[str, str] = {alias: name for name, names in ALIASES.items() for alias in names}
_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


@dataclass(frozen=True)
class ReportProblem:
    """Why a record (``where``: "line 4", "license 3") was refused, or what was ignored."""

    where: str
    field: str | None
    reason: str
    npn: str | None = None


@dataclass(frozen=True)
class ReportTerms:
    """A license's terms as the registry states them."""

    npn: str
    state: str
    number: str
    license_class: str | None
    lines: frozenset[str]
    resident: bool
    active: bool
    issue_date: date
    expiration_date: date | None


@dataclass(frozen=True)
class ReportEntry(ReportTerms):
    """One record as the file gave it (a row may hold one line of authority of a license)."""

    where: str


@dataclass(frozen=True)
class ReportLicense(ReportTerms):
    """One license of the report, its records merged."""

    where: tuple[str, ...]


@dataclass(frozen=True)
class RegistryReport:
    format: str  # "csv" | "xml"
    licenses: tuple[ReportLicense, ...]
    errors: tuple[ReportProblem, ...]
    warnings: tuple[ReportProblem, ...]
    records: int
    unsure_npns: frozenset[str]
    """NPNs with a record that could not be read: what is missing for them is not known."""

    @property
    def npns(self) -> frozenset[str]:
        """Every NPN the report speaks about."""
        return frozenset(lic.npn for lic in self.licenses) | self.unsure_npns


def field_key(raw: str) -> str:
    """A header cell or XML tag as we compare it: ``LicenseNumber`` -> ``license_number``."""
    return header_key(_CAMEL.sub("_", raw.rsplit("}", 1)[-1]).replace("_", " "))


def refuse(reason: str) -> ValidationFailed:
    """The error for a file that cannot be read at all."""
    return ValidationFailed(
        f"registry report refused: {reason}", errors=[FieldError("file", reason)]
    )


def detect_format(data: bytes, *, file_name: str | None = None) -> str:
    """``xml`` or ``csv``: from the file name, else the first character."""
    if file_name and file_name.lower().endswith((".xml", ".csv")):
        return file_name.lower().rsplit(".", 1)[1]
    return "xml" if data.lstrip(b"\xef\xbb\xbf \t\r\n").startswith(b"<") else "csv"


def parse_report(data: bytes, *, format: str, progress: Progress | None = None) -> RegistryReport:
    """Every license of the report, and every problem with its place in the file."""
    records: Iterable[tuple[str, dict[str, list[str]]]]
    if format == "xml":
        from leadrouter.compliance.registry_xml import xml_records

        records = xml_records(data)
    elif format == "csv":
        records = csv_records(data)
    else:
        raise refuse(f"unknown format {format!r}; send CSV or XML")
    entries: list[ReportEntry] = []
    errors: list[ReportProblem] = []
    warnings: list[ReportProblem] = []
    count = 0
    for where, raw in records:
        count += 1
        entry, bad, ignored = read_entry(where, raw)
        errors.extend(bad)
        warnings.extend(ignored)
        if entry is not None:
            entries.append(entry)
        if progress is not None:
            progress(1)
    licenses, conflicts = merge(entries)
    errors.extend(conflicts)
    unsure = frozenset(p.npn for p in errors if p.npn)
    return RegistryReport(format, licenses, tuple(errors), tuple(warnings), count, unsure)


def csv_records(data: bytes) -> Iterable[tuple[str, dict[str, list[str]]]]:
    """The CSV's records as (where, field -> raw texts); refuses a file without the columns."""
    try:
        body = records(decode(data))
    except (ValueError, csv.Error) as exc:
        raise refuse(f"not a readable CSV file: {exc}") from None
    if not body:
        raise refuse("the file is empty; it needs a header row")
    (_, header), rows = body[0], body[1:]
    columns = {i: FIELD_OF[field_key(h)] for i, h in enumerate(header) if field_key(h) in FIELD_OF}
    missing = [name for name in REQUIRED if name not in columns.values()]
    if missing:
        raise refuse("missing column(s) " + ", ".join(ALIASES[m][0] for m in missing))
    return ((f"line {line}", _cells(columns, cells)) for line, cells in rows)


def _cells(columns: Mapping[int, str], cells: Sequence[str]) -> dict[str, list[str]]:
    raw: dict[str, list[str]] = {}
    for index, name in columns.items():
        if index < len(cells) and cells[index].strip():
            raw.setdefault(name, []).append(cells[index])
    return raw


def _npn_of(raw: Mapping[str, list[str]]) -> str | None:
    """The NPN a record names, if it names a readable one (to know whom an error concerns)."""
    try:
        return npn(raw["npn"][0]) if raw.get("npn") else None
    except ValueError:
        return None


def parse_day(raw: str) -> date:
    """A date as registries write it: ``2027-01-31``, ``01/31/2027`` or an ISO timestamp."""
    text = raw.strip()
    for pattern in ("%m/%d/%Y", "%m-%d-%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            pass
    return f.parse_date(text[:10] if re.fullmatch(r"\d{4}-\d\d-\d\dT.*", text) else text)


def read_lines(
    where: str, texts: list[str], who: str | None = None
) -> tuple[frozenset[str], list[ReportProblem]]:
    """Lines of authority through the roster's spellings; unknown ones are ignored, with a note."""
    lines: set[str] = set()
    ignored = []
    for item in (i for text in texts for i in f.split_list(text)):
        try:
            lines |= f.parse_authority(item)
        except ValueError:
            ignored.append(
                ReportProblem(
                    where,
                    "lines",
                    f"line of authority {item!r} is not one leadrouter routes on; ignored",
                    who,
                )
            )
    return frozenset(lines), ignored


def read_entry(
    where: str, raw: Mapping[str, list[str]]
) -> tuple[ReportEntry | None, list[ReportProblem], list[ReportProblem]]:
    """One record: the entry, or None with the reasons; plus what was ignored."""
    who = _npn_of(raw)
    errors = [
        ReportProblem(where, name, "required, but empty", who)
        for name in REQUIRED
        if not raw.get(name)
    ]
    if errors:
        return None, errors, []
    values: dict[str, object] = {}
    readers: dict[str, Callable[[str], object]] = {
        "npn": npn,
        "state": f.parse_state,
        "number": lambda s: s.strip()[:50],
        "residency": f.parse_bool,
        "active": f.parse_bool,
        "issue_date": parse_day,
        "expiration_date": parse_day,
        "license_class": lambda s: s.strip()[:100],
    }
    for name, read in readers.items():
        if raw.get(name):
            try:
                values[name] = read(raw[name][0])
            except ValueError as exc:
                errors.append(ReportProblem(where, name, str(exc), who))
    lines, warnings = read_lines(where, raw["lines"], who)
    if not lines:
        warnings.append(ReportProblem(where, "lines", "no line of authority leadrouter knows", who))
    if errors:
        return None, errors, warnings
    return (
        ReportEntry(
            where=where,
            npn=str(values["npn"]),
            state=str(values["state"]),
            number=str(values["number"]),
            license_class=_optional(values.get("license_class")),
            lines=lines,
            resident=bool(values["residency"]),
            active=bool(values["active"]),
            issue_date=_day(values["issue_date"]),
            expiration_date=_maybe_day(values),
        ),
        [],
        warnings,
    )


def _optional(value: object) -> str | None:
    return str(value) if value else None


def _day(value: object) -> date:
    assert isinstance(value, date)
    return value


def _maybe_day(values: Mapping[str, object]) -> date | None:
    value = values.get("expiration_date")
    return value if isinstance(value, date) else None


def merge(entries: list[ReportEntry]) -> tuple[tuple[ReportLicense, ...], list[ReportProblem]]:
    """Records of one NPN, state and number as one license.

    Active if any record is; lines, issue and expiration from the active records (all of them
    when none is): the union of lines, the earliest issue, the latest expiration.
    """
    groups: dict[tuple[str, str, str], list[ReportEntry]] = {}
    for entry in entries:
        groups.setdefault((entry.npn, entry.state, entry.number), []).append(entry)
    licenses, problems = [], []
    for (npn_, state, number), group in groups.items():
        if len({e.resident for e in group}) > 1:
            problems.append(
                ReportProblem(
                    f"{state} license {number}",
                    "residency",
                    "its records disagree on residency (" + ", ".join(e.where for e in group) + ")",
                    npn_,
                )
            )
            continue
        active = [e for e in group if e.active]
        basis = active or group
        expirations = [e.expiration_date for e in basis if e.expiration_date is not None]
        licenses.append(
            ReportLicense(
                npn=npn_,
                state=state,
                number=number,
                license_class=next((e.license_class for e in group if e.license_class), None),
                lines=frozenset().union(*(e.lines for e in basis)),
                resident=group[0].resident,
                active=bool(active),
                issue_date=min(e.issue_date for e in basis),
                expiration_date=max(expirations) if expirations else None,
                where=tuple(e.where for e in group),
            )
        )
    return tuple(licenses), problems
