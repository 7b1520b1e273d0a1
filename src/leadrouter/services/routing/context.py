"""Everything one routing decision reads, loaded inside the decision's transaction.

The roster and the parsed policy are cached per process (``RoutingCaches``) by version
(every roster write bumps the roster's), so a change applies to the very next decision in
every process. The versions, loads, rotation counts and the decision log's head are read
fresh for each decision, in one statement (``routing_repo.decision_state``).
"""

from __future__ import annotations

import dataclasses
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import sqlalchemy as sa

from leadrouter.domain.compliance import GateVerdict, local_date
from leadrouter.domain.insurance import InsuranceType
from leadrouter.domain.model import Lead
from leadrouter.domain.routing import (
    ProducerLoad,
    RosterSnapshot,
    RoutingInput,
    RoutingPolicy,
    gate_for,
)
from leadrouter.errors import NotFound
from leadrouter.intake import insurance_types
from leadrouter.intake.settings import from_agency_settings
from leadrouter.services.learning.estimates import EstimatesCache, learning_input
from leadrouter.services.learning.predict import UNREAD, Unread, predict_lead
from leadrouter.services.routing.policy_store import ActivePolicy, PolicyCache
from leadrouter.store import routing_repo as repo
from leadrouter.store.agency_repo import AgencyInfo, agency_info
from leadrouter.store.decision_state import decision_state
from leadrouter.store.outbox import WebhookCache
from leadrouter.store.roster_repo import client_from_row, load_roster
from leadrouter.store.stats_repo import TrackRecord, last_contacts, track_records
from leadrouter.store.tables import clients


class RosterCache:
    """Roster snapshots by agency, rebuilt when the agency's roster version moves."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._snapshots: dict[int, tuple[int, RosterSnapshot]] = {}

    def snapshot(
        self, conn: sa.Connection, agency_id: int, *, version: int | None = None
    ) -> RosterSnapshot:
        """The agency's roster at ``version`` (read from the database when not given)."""
        if version is None:
            version = repo.roster_version(conn, agency_id)
        with self._lock:
            cached = self._snapshots.get(agency_id)
        if cached is not None and cached[0] == version:
            return cached[1]
        roster = load_roster(conn, agency_id)
        snap = RosterSnapshot.build(roster.producers, roster.licenses, roster.territories)
        with self._lock:
            self._snapshots[agency_id] = (version, snap)
        return snap


class RecordCache:
    """Producers' track records by agency, recomputed every few minutes (they move slowly)."""

    def __init__(
        self, *, window: timedelta = timedelta(days=90), refresh: timedelta = timedelta(minutes=5)
    ) -> None:
        self._lock = threading.Lock()
        self._window, self._refresh = window, refresh
        self._records: dict[int, tuple[datetime, dict[int, TrackRecord]]] = {}

    def records(self, conn: sa.Connection, agency_id: int, now: datetime) -> dict[int, TrackRecord]:
        with self._lock:
            cached = self._records.get(agency_id)
        if cached is not None and timedelta(0) <= now - cached[0] < self._refresh:
            return cached[1]
        fresh = track_records(conn, agency_id=agency_id, since=now - self._window, now=now)
        with self._lock:
            self._records[agency_id] = (now, fresh)
        return fresh


@dataclass
class RoutingCaches:
    """Per-process caches the routing services share (held by the container): rosters,
    parsed policies and webhook endpoints by version, producers' track records for a few
    minutes, conversion estimates."""

    rosters: RosterCache = field(default_factory=RosterCache)
    policies: PolicyCache = field(default_factory=PolicyCache)
    records: RecordCache = field(default_factory=RecordCache)
    webhooks: WebhookCache = field(default_factory=WebhookCache)
    estimates: EstimatesCache = field(default_factory=EstimatesCache)
    # The optimizer's randomness; the simulator passes a seeded one to be reproducible.
    rng: random.Random = field(default_factory=random.Random)


@dataclass(frozen=True)
class RoutingContext:
    roster: RosterSnapshot
    input: RoutingInput
    active: ActivePolicy
    today: date
    agency_name: str = ""
    chain_head: tuple[int, str] | None = None  # the decision log's (seq, hash), if read
    never_assigned: bool = False  # the lead has no assignment, past or present
    related_lead_id: int | None = None  # the consumer's earlier lead for another line

    @property
    def policy(self) -> RoutingPolicy:
        return self.active.routing

    def gate(self, producer_id: int) -> GateVerdict:
        """The license gate for this lead and one producer, now."""
        producer = self.roster.by_id.get(producer_id)
        if producer is None:
            return GateVerdict(False, f"producer {producer_id} is not on the roster", None)
        return gate_for(self.roster, self.input, producer)


# A contact older than this is certainly over; within it, the optimizer prices a call that
# may still be going on (``OptimizerSpec.handle_minutes``, 10 by default).
CONTACT_LOOKBACK = timedelta(hours=1)


def _with_contacts(
    loads: dict[int, ProducerLoad], contacts: Mapping[int, datetime], now: datetime
) -> dict[int, ProducerLoad]:
    """Minutes since each producer's last first contact with a lead, where one is recent."""
    for pid, at in contacts.items():
        if pid in loads:
            minutes = max(0.0, (now - at).total_seconds() / 60)
            loads[pid] = dataclasses.replace(loads[pid], minutes_since_contact=minutes)
    return loads


def _with_records(
    loads: dict[int, ProducerLoad], records: dict[int, TrackRecord]
) -> dict[int, ProducerLoad]:
    for pid, record in records.items():
        if pid in loads:
            loads[pid] = dataclasses.replace(
                loads[pid],
                close_rate=record.close_rate,
                avg_response_seconds=record.avg_response_seconds,
            )
    return loads


def load_context(
    conn: sa.Connection,
    caches: RoutingCaches,
    *,
    agency_id: int,
    lead_id: int,
    now: datetime,
    row: Any = None,
    agency: AgencyInfo | None = None,
    lock: bool = False,
) -> RoutingContext:
    """Read the lead (unless its ``row`` is given), roster, loads, rotation and policy
    (and the agency's name, zone and settings unless ``agency`` is given); with ``lock``,
    the agency's routing lock is taken by the state's read (see ``agency_state``)."""
    if row is None:
        row = repo.get_lead_row(conn, agency_id=agency_id, lead_id=lead_id)
    if row is None:
        raise NotFound(f"lead {lead_id} does not exist")
    state = agency_state(conn, caches, agency_id=agency_id, now=now, agency=agency, lock=lock)
    ctx = context_for(conn, caches, lead=repo.lead_from_row(row), now=now, agency=state)
    return dataclasses.replace(
        ctx,
        never_assigned=row.first_assigned_at is None,
        related_lead_id=getattr(row, "related_lead_id", None),
    )


@dataclass(frozen=True)
class AgencyState:
    """What every decision of one agency at one instant reads, whatever the lead."""

    name: str
    timezone: str
    today: date
    types: Mapping[str, InsuranceType]
    loads: Mapping[int, ProducerLoad]
    rotation: Mapping[str, Mapping[int, int]]
    roster: RosterSnapshot
    active: ActivePolicy
    chain_head: tuple[int, str] | None = None
    model_version: int | Unread | None = UNREAD  # the newest propensity model's


def agency_state(
    conn: sa.Connection,
    caches: RoutingCaches,
    *,
    agency_id: int,
    now: datetime,
    policy: ActivePolicy | None = None,
    agency: AgencyInfo | None = None,
    lock: bool = False,
) -> AgencyState:
    """The agency's side of a decision: roster, loads, rotation, types, the policy in force
    and the decision log's head; ``agency`` when the caller read it in this transaction.
    ``lock``: the read of the loads, rotation and head takes the agency's routing lock
    first (for a caller that does not hold it yet); everything read after it is under it."""
    if agency is None:
        agency = agency_info(conn, agency_id)
    state = decision_state(conn, agency_id=agency_id, around=now.date(), lock=lock)
    today = local_date(now, agency.timezone) or now.date()
    active = policy or caches.policies.active(conn, agency_id, version=state.policy_version)
    loads = _with_records(state.loads(today), caches.records.records(conn, agency_id, now))
    opt = active.routing.optimizer()
    if opt is not None and opt.contact_curve:  # the one reader of the last contact
        recent = last_contacts(conn, agency_id=agency_id, since=now - CONTACT_LOOKBACK)
        loads = _with_contacts(loads, recent, now)
    return AgencyState(
        name=agency.name,
        timezone=agency.timezone,
        today=today,
        types=insurance_types.catalog(from_agency_settings(agency.settings).insurance_types),
        loads=loads,
        rotation=state.rotation,
        roster=caches.rosters.snapshot(conn, agency_id, version=state.roster_version),
        active=active,
        chain_head=state.chain_head,
        model_version=state.model_version,
    )


def context_for(
    conn: sa.Connection,
    caches: RoutingCaches,
    *,
    lead: Lead,
    now: datetime,
    policy: ActivePolicy | None = None,
    agency: AgencyState | None = None,
) -> RoutingContext:
    """The context of a decision about ``lead`` (stored or not), under ``policy`` or the one
    in force; ``agency`` reuses the agency's side already read for this instant."""
    if agency is None:
        agency = agency_state(conn, caches, agency_id=lead.agency_id, now=now, policy=policy)
    client = None
    if lead.client_id is not None:
        crow = conn.execute(_CLIENT, {"client_id": lead.client_id}).mappings().first()
        client = client_from_row(crow) if crow is not None else None
    itype = agency.types.get(lead.insurance_type)
    opt = agency.active.routing.optimizer()
    learning = None
    if opt is not None:
        learning = learning_input(
            conn,
            caches.estimates,
            lead=lead,
            business_line=itype.business_line if itype is not None else None,
            opt=opt,
            loads=agency.loads,
            today=agency.today,
            now=now,
            rng=caches.rng,
        )
    predicted = predict_lead(conn, lead, now, model_version=agency.model_version)
    inp = RoutingInput(
        lead=lead,
        insurance_type=itype,
        client=client,
        loads=agency.loads,
        rotation=agency.rotation,
        now=now,
        agency_tz=agency.timezone,
        predicted_conversion=None if predicted is None else predicted.probability,
        prediction=None if predicted is None else predicted.document(),
        learning=learning,
    )
    return RoutingContext(
        roster=agency.roster,
        input=inp,
        active=agency.active,
        today=agency.today,
        agency_name=agency.name,
        chain_head=agency.chain_head,
    )


_CLIENT = sa.select(clients).where(clients.c.id == sa.bindparam("client_id"))
