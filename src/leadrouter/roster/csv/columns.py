"""The columns of each roster CSV: header names, the field each fills, how a cell is read.

A blank cell gives the column's ``blank`` value; a column missing from the header leaves
the field alone (its default for a new row, its current value for a row that exists).
References to producers (``producer``, ``backup``, ``owner``, ``csr``) are an external id
or an email, resolved once every row is read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from leadrouter.domain.model import LicenseStatus, Role
from leadrouter.roster import fields as f
from leadrouter.roster.counties import parse_counties
from leadrouter.roster.schedule import parse_working_hours
from leadrouter.roster.specs import DEFAULT_HOURS

KINDS = ("producers", "licenses", "territories", "clients", "sources")


@dataclass(frozen=True)
class Column:
    name: str
    field: str
    parse: Callable[[str], Any]
    blank: Any = None
    required: bool = False
    aliases: tuple[str, ...] = ()
    ref: bool = False


def text(limit: int) -> Callable[[str], str]:
    def parse(raw: str) -> str:
        value = raw.strip()
        if len(value) > limit:
            raise ValueError(f"longer than {limit} characters")
        return value

    return parse


def hours(raw: str) -> Any:
    return () if raw.strip().lower() in {"none", "-"} else parse_working_hours(raw)


def npn(raw: str) -> str:
    value = raw.strip()
    if not value.isdigit() or len(value) > 10:
        raise ValueError(f"{raw!r} is not a National Producer Number (up to 10 digits)")
    return value


def zip_ranges(raw: str) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({f.parse_zip_range(item) for item in f.split_list(raw)}))


def zip_prefixes(raw: str) -> tuple[str, ...]:
    return tuple(sorted({f.parse_zip_prefix(item) for item in f.split_list(raw)}))


def required_fields(raw: str) -> tuple[str, ...]:
    return tuple(sorted({item.lower() for item in f.split_list(raw)}))


def _ref(name: str, field: str, *, required: bool = False, aliases: tuple[str, ...] = ()) -> Column:
    return Column(name, field, text(320), required=required, aliases=aliases, ref=True)


_EMAIL = ("e_mail", "email_address")
_PHONE = ("phone_number", "telephone")

COLUMNS: dict[str, tuple[Column, ...]] = {
    "producers": (
        Column("external_id", "external_id", text(100), aliases=("producer_code", "code")),
        Column("name", "name", text(200), required=True),
        Column("email", "email", f.email, required=True, aliases=_EMAIL),
        Column("phone", "phone", f.phone, aliases=_PHONE),
        Column("timezone", "timezone", f.parse_timezone, aliases=("time_zone", "tz")),
        Column("working_hours", "working_hours", hours, blank=DEFAULT_HOURS, aliases=("hours",)),
        Column(
            "out_of_office",
            "out_of_office",
            str.strip,
            blank="",
            aliases=("ooo", "out_of_office_periods"),
        ),
        Column(
            "lines",
            "business_lines",
            f.parse_business_lines,
            blank=frozenset(),
            aliases=("business_lines", "lines_of_business"),
        ),
        Column("max_open", "max_open", f.parse_count, aliases=("max_open_leads",)),
        Column(
            "max_daily", "max_daily", f.parse_count, aliases=("max_new_per_day", "max_daily_leads")
        ),
        Column("team", "team", text(100), aliases=("pod",)),
        _ref("backup", "backup_producer_id", aliases=("backup_producer",)),
        Column("role", "role", f.parse_role, blank=Role.PRODUCER.value),
        Column("active", "active", f.parse_bool, blank=True),
        Column("weight", "weight", f.parse_weight, blank=1),
        Column("npn", "npn", npn),
    ),
    "licenses": (
        _ref("producer", "producer_id", required=True),
        Column("state", "state", f.parse_state, required=True),
        Column("number", "number", text(50), required=True, aliases=("license_number",)),
        Column(
            "lines",
            "lines",
            f.parse_authorities,
            required=True,
            aliases=("lines_of_authority", "loa"),
        ),
        Column("resident", "resident", f.parse_bool, required=True, aliases=("residency",)),
        Column(
            "effective_date", "effective_date", f.parse_date, required=True, aliases=("effective",)
        ),
        Column(
            "expiration_date", "expiration_date", f.parse_date, aliases=("expiration", "expires")
        ),
        Column("status", "status", f.parse_license_status, blank=LicenseStatus.ACTIVE.value),
    ),
    "territories": (
        Column("name", "name", text(200), required=True),
        Column("zip_ranges", "zip_ranges", zip_ranges, blank=(), aliases=("zips",)),
        Column("zip_prefixes", "zip_prefixes", zip_prefixes, blank=(), aliases=("prefixes",)),
        Column("states", "states", f.parse_states, blank=frozenset()),
        Column("counties", "counties", parse_counties, blank=frozenset()),
        Column("pod", "pod", text(100), aliases=("team",)),
        _ref("producer", "producer_id"),
        Column(
            "lines",
            "business_lines",
            f.parse_business_lines,
            blank=frozenset(),
            aliases=("business_lines", "line_focus"),
        ),
    ),
    "clients": (
        Column("external_id", "external_id", text(100), aliases=("client_id", "client_code")),
        Column("name", "name", text(200), required=True, aliases=("client_name",)),
        Column("phone", "phone", f.phone, aliases=_PHONE),
        Column("email", "email", f.email, aliases=_EMAIL),
        _ref("owner", "owner_producer_id", aliases=("owner_producer", "producer")),
        _ref("csr", "csr_producer_id", aliases=("csr_producer",)),
    ),
    "sources": (
        Column("name", "name", text(200), required=True),
        Column(
            "cost_per_lead",
            "cost_per_lead",
            f.parse_money,
            blank=f.parse_money("0"),
            aliases=("cost",),
        ),
        Column("required_fields", "required_fields", required_fields),
        Column("active", "active", f.parse_bool, blank=True),
    ),
}


def header_key(raw: str) -> str:
    """A header cell as we compare it: lower case, words joined by underscores."""
    return "_".join(raw.strip().lower().replace("-", " ").split())


def lookup(kind: str) -> dict[str, Column]:
    """Every accepted header name (canonical and aliases) of a kind -> its column."""
    found: dict[str, Column] = {}
    for column in COLUMNS[kind]:
        for name in (column.name, *column.aliases):
            found[name] = column
    return found


def column_of_field(kind: str, field: str) -> str:
    """The CSV column that fills a spec field (for naming it in a row error)."""
    for column in COLUMNS[kind]:
        if column.field == field:
            return column.name
    return field
