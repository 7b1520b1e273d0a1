"""Every table of leadrouter. Each row carries ``agency_id``: the tenancy and sharding key."""

from __future__ import annotations

import sqlalchemy as sa

from leadrouter.store.types import UTCDateTime

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.Integer, primary_key=True, autoincrement=True)


def _agency(*, indexed: bool = True) -> sa.Column[int]:
    """The agency's id; ``indexed=False`` where the table's composite indexes that begin with
    it serve every lookup by it (an index of its own is one more page written per row)."""
    return sa.Column(
        "agency_id", sa.Integer, sa.ForeignKey("agencies.id"), nullable=False, index=indexed
    )


def _created() -> sa.Column[object]:
    return sa.Column("created_at", UTCDateTime(), nullable=False)


agencies = sa.Table(
    "agencies",
    metadata,
    _id(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("public_form_key", sa.String(64), nullable=False, unique=True),
    sa.Column("settings", sa.JSON, nullable=False),
    _created(),
    # Bumped by every change to the agency's webhook endpoints (processes cache them by it).
    sa.Column("webhooks_version", sa.Integer, nullable=False, server_default="0"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    _id(),
    _agency(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("prefix", sa.String(16), nullable=False),
    sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(32), nullable=False),
    _created(),
    sa.Column("revoked_at", UTCDateTime(), nullable=True),
    # A key bound to a producer acts only as that producer (a producer's own integration).
    sa.Column("producer_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=True),
)

producers = sa.Table(
    "producers",
    metadata,
    _id(),
    _agency(),
    sa.Column("external_id", sa.String(100), nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("phone", sa.String(32), nullable=True),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("working_hours", sa.JSON, nullable=False),
    sa.Column("out_of_office", sa.JSON, nullable=False),
    sa.Column("business_lines", sa.JSON, nullable=False),
    sa.Column("max_open", sa.Integer, nullable=True),
    sa.Column("max_daily", sa.Integer, nullable=True),
    sa.Column("team", sa.String(100), nullable=True),
    sa.Column("backup_producer_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("weight", sa.Integer, nullable=False, server_default="1"),
    sa.Column("npn", sa.String(20), nullable=True),
    sa.Column("open_count", sa.Integer, nullable=False, server_default="0"),
    # available | busy | away, set by the producer (portal, API); only "available" gets calls
    sa.Column("presence", sa.String(16), nullable=False, server_default="available"),
    _created(),
    sa.UniqueConstraint("agency_id", "external_id"),
    sa.UniqueConstraint("agency_id", "email"),
)

licenses = sa.Table(
    "licenses",
    metadata,
    _id(),
    _agency(),
    sa.Column("producer_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=False, index=True),
    sa.Column("state", sa.String(2), nullable=False),
    sa.Column("number", sa.String(50), nullable=False),
    sa.Column("lines", sa.JSON, nullable=False),
    sa.Column("resident", sa.Boolean, nullable=False),
    sa.Column("effective_date", sa.Date, nullable=False),
    sa.Column("expiration_date", sa.Date, nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("verified_at", UTCDateTime(), nullable=True),
    sa.Column("verified_by", sa.String(200), nullable=True),
    sa.Column("source", sa.String(20), nullable=False),
    _created(),
    sa.UniqueConstraint("agency_id", "producer_id", "state", "number"),
)

territories = sa.Table(
    "territories",
    metadata,
    _id(),
    _agency(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("zip_ranges", sa.JSON, nullable=False),
    sa.Column("zip_prefixes", sa.JSON, nullable=False),
    sa.Column("states", sa.JSON, nullable=False),
    sa.Column("counties", sa.JSON, nullable=False),
    sa.Column("pod", sa.String(100), nullable=True),
    sa.Column("producer_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=True),
    sa.Column("business_lines", sa.JSON, nullable=False),
    _created(),
    sa.UniqueConstraint("agency_id", "name"),
)

clients = sa.Table(
    "clients",
    metadata,
    _id(),
    _agency(),
    sa.Column("external_id", sa.String(100), nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("phone", sa.String(32), nullable=True),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("owner_producer_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=True),
    sa.Column("csr_producer_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=True),
    _created(),
    sa.Index("ix_clients_agency_phone", "agency_id", "phone"),
    sa.Index("ix_clients_agency_email", "agency_id", "email"),
)

lead_sources = sa.Table(
    "lead_sources",
    metadata,
    _id(),
    _agency(),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("cost_per_lead", sa.Numeric(10, 2), nullable=False),
    sa.Column("required_fields", sa.JSON, nullable=True),
    sa.Column("active", sa.Boolean, nullable=False),
    _created(),
    sa.UniqueConstraint("agency_id", "name"),
)

leads = sa.Table(
    "leads",
    metadata,
    _id(),
    _agency(indexed=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("first_name", sa.String(100), nullable=False),
    sa.Column("last_name", sa.String(100), nullable=False),
    sa.Column("email", sa.String(320), nullable=True),
    sa.Column("phone", sa.String(32), nullable=True),
    sa.Column("zip", sa.String(5), nullable=True),
    sa.Column("state", sa.String(2), nullable=True),
    sa.Column("county", sa.String(100), nullable=True),
    sa.Column("city", sa.String(100), nullable=True),
    sa.Column("timezone", sa.String(64), nullable=True),
    sa.Column("insurance_type", sa.String(50), nullable=False),
    sa.Column("business_line", sa.String(20), nullable=True),
    sa.Column("source_id", sa.Integer, sa.ForeignKey("lead_sources.id"), nullable=True),
    sa.Column("source_name", sa.String(200), nullable=True),
    sa.Column("current_carrier", sa.String(200), nullable=True),
    sa.Column("policy_expiration", sa.Date, nullable=True),
    sa.Column("exclusive", sa.Boolean, nullable=False),
    sa.Column("notes", sa.Text, nullable=True),
    sa.Column("attributes", sa.JSON, nullable=False),
    sa.Column("flags", sa.JSON, nullable=False),
    sa.Column("client_id", sa.Integer, sa.ForeignKey("clients.id"), nullable=True),
    sa.Column("owner_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=True),
    sa.Column("intent_tier", sa.String(10), nullable=True),
    # Intent (issue 10): points of the rubric, and where the tier came from ("sender" or
    # "events"; NULL with a tier means the sender gave it at intake). The propensity model's
    # probability of converting, as of the last score.
    sa.Column("intent_score", sa.Float, nullable=True),
    sa.Column("intent_source", sa.String(10), nullable=True),
    sa.Column("predicted_conversion", sa.Float, nullable=True),
    sa.Column("do_not_contact", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("phone_extension", sa.String(10), nullable=True),
    sa.Column("touch_count", sa.Integer, nullable=False, server_default="1"),
    sa.Column("last_touch_at", UTCDateTime(), nullable=False),
    _created(),
    sa.Column("status_changed_at", UTCDateTime(), nullable=False),
    # The speed timer (time engine): per-lead timers count from the first assignment; the
    # response time is first contact minus arrival. Premium is recorded when the lead binds.
    sa.Column("first_assigned_at", UTCDateTime(), nullable=True),
    sa.Column("first_contact_at", UTCDateTime(), nullable=True),
    sa.Column("response_seconds", sa.Integer, nullable=True),
    sa.Column("premium", sa.Numeric(12, 2), nullable=True),
    # Outcomes (reports): when the lead was first quoted and bound, what was quoted, the
    # policy and commission of a bind, why it was lost. Reports read these, not the history.
    sa.Column("quoted_at", UTCDateTime(), nullable=True),
    sa.Column("quoted_premium", sa.Numeric(12, 2), nullable=True),
    sa.Column("bound_at", UTCDateTime(), nullable=True),
    sa.Column("policy_number", sa.String(100), nullable=True),
    sa.Column("commission", sa.Numeric(12, 2), nullable=True),
    sa.Column("lost_reason", sa.String(50), nullable=True),
    # A consumer's request for another line (home after auto) is a lead of its own, linked to
    # their earlier lead, whose owner routing prefers.
    sa.Column("related_lead_id", sa.Integer, sa.ForeignKey("leads.id"), nullable=True),
    sa.Index("ix_leads_agency_phone_created", "agency_id", "phone", "created_at"),
    sa.Index("ix_leads_agency_email_created", "agency_id", "email", "created_at"),
    sa.Index("ix_leads_agency_status_created", "agency_id", "status", "created_at"),
    sa.Index("ix_leads_agency_created", "agency_id", "created_at"),
    # The exact medians of first response per producer x line x tier x source read this
    # index alone (no table rows); the pipeline's "binds this week" and the dashboard's
    # fingerprint read the second.
    sa.Index(
        "ix_leads_agency_created_response",
        "agency_id",
        "created_at",
        "owner_id",
        "business_line",
        "intent_tier",
        "source_name",
        "response_seconds",
    ),
    sa.Index("ix_leads_agency_status_changed", "agency_id", "status", "status_changed_at"),
    # The agency's newest leads (the dashboard's list): on PostgreSQL the index on agency_id
    # alone does not hold the id order, and the primary key walks every other agency's rows.
    sa.Index("ix_leads_agency_newest", "agency_id", "id"),
    sa.Index("ix_leads_agency_related", "agency_id", "related_lead_id"),
    # Each producer's last contact, which the optimizer prices (a call still going on).
    sa.Index("ix_leads_agency_first_contact", "agency_id", "first_contact_at"),
)

# The figures a rollup row sums: counts, the response-time sum and money in cents ...
ROLLUP_COUNTS = (
    "leads",
    "contacted",
    "within_5_min",
    "within_30_min",
    "response_seconds_total",
    "quoted",
    "bound",
    "lost",
    "premium_cents",
    "commission_cents",
    "quoted_premium_cents",
)
# ... and first responses by the speed chart's buckets (store/response_times.BUCKETS).
ROLLUP_HISTOGRAM = (
    "responded_5m",
    "responded_15m",
    "responded_30m",
    "responded_60m",
    "responded_4h",
    "responded_later",
)

# Daily rollups of the lead figures (store/rollups.py): one row per agency x local day x
# owner x line x intent tier x source, for the leads received that day. Keys have no NULLs
# (0 for no owner, '' for no line, tier or source) so that an upsert finds its row. Money is
# in integer cents: sums add and subtract exactly on both databases.
lead_rollups = sa.Table(
    "lead_rollups",
    metadata,
    sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    sa.Column("producer_id", sa.Integer, primary_key=True),
    sa.Column("line", sa.String(20), primary_key=True),
    sa.Column("tier", sa.String(10), primary_key=True),
    sa.Column("source", sa.String(200), primary_key=True),
    *(
        sa.Column(name, sa.BigInteger, nullable=False, server_default="0")
        for name in (*ROLLUP_COUNTS, *ROLLUP_HISTOGRAM)
    ),
    # On SQLite the rows are stored in key order (a range of days is one sequential read).
    sqlite_with_rowid=False,
)


def _coarse_rollups(name: str, *key: sa.Column[object]) -> sa.Table:
    """The figures of ``lead_rollups`` summed to a coarser key (agency x day x ``key``)."""
    return sa.Table(
        name,
        metadata,
        sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), primary_key=True),
        sa.Column("day", sa.Date, primary_key=True),
        *key,
        *(
            sa.Column(c.name, sa.BigInteger, nullable=False, server_default="0")
            for c in lead_rollups.c
            if not c.primary_key
        ),
        sqlite_with_rowid=False,
    )


# The same figures per agency x local day x source alone: what source ROI and the dashboard's
# source chart read (a year of an agency in a few thousand rows). Kept with ``lead_rollups``.
lead_source_rollups = _coarse_rollups(
    "lead_source_rollups", sa.Column("source", sa.String(200), primary_key=True)
)
# The same per agency x local day x owner alone: what the dashboard's producer table, the
# portal's own numbers, today's figures and the weighted score read over 90 days (40 rows a
# day for 40 producers, where the fine grain holds about one lead per row).
lead_producer_rollups = _coarse_rollups(
    "lead_producer_rollups", sa.Column("producer_id", sa.Integer, primary_key=True)
)

# The durable change log of the rollups: database triggers on ``leads`` append a lead's
# figures before (sign -1) and after (sign +1) every change that can move them, in the
# writer's own transaction, whoever the writer is. The worker folds the log into
# ``lead_rollups`` (``store.rollups.fold_log``); readers add what is still unfolded.
lead_rollup_log = sa.Table(
    "lead_rollup_log",
    metadata,
    _id(),
    sa.Column("agency_id", sa.Integer, nullable=False, index=True),
    sa.Column("lead_id", sa.Integer, nullable=False),
    sa.Column("sign", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime(), nullable=False),
    sa.Column("owner_id", sa.Integer, nullable=True),
    sa.Column("business_line", sa.String(20), nullable=True),
    sa.Column("intent_tier", sa.String(10), nullable=True),
    sa.Column("source_name", sa.String(200), nullable=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("first_contact_at", UTCDateTime(), nullable=True),
    sa.Column("response_seconds", sa.Integer, nullable=True),
    sa.Column("quoted_at", UTCDateTime(), nullable=True),
    sa.Column("premium_cents", sa.BigInteger, nullable=True),
    sa.Column("commission_cents", sa.BigInteger, nullable=True),
    sa.Column("quoted_premium_cents", sa.BigInteger, nullable=True),
)

lead_status_changes = sa.Table(
    "lead_status_changes",
    metadata,
    _id(),
    _agency(),
    sa.Column("lead_id", sa.Integer, sa.ForeignKey("leads.id"), nullable=False, index=True),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
)

lead_touches = sa.Table(
    "lead_touches",
    metadata,
    _id(),
    _agency(),
    sa.Column("lead_id", sa.Integer, sa.ForeignKey("leads.id"), nullable=False, index=True),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("source_name", sa.String(200), nullable=True),
    sa.Column("payload", sa.JSON, nullable=False),
)

lead_events = sa.Table(
    "lead_events",
    metadata,
    _id(),
    _agency(),
    sa.Column("lead_id", sa.Integer, sa.ForeignKey("leads.id"), nullable=False, index=True),
    sa.Column("type", sa.String(50), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("data", sa.JSON, nullable=False),
    _created(),
)

idempotency_records = sa.Table(
    "idempotency_records",
    metadata,
    sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("request_digest", sa.String(64), nullable=False),
    sa.Column("status_code", sa.Integer, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    _created(),
)


# --- routing (issue 3) -------------------------------------------------------------------

policies = sa.Table(
    "policies",
    metadata,
    _id(),
    _agency(),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=True),
    _created(),
    sa.UniqueConstraint("agency_id", "version"),
)

roster_versions = sa.Table(
    "roster_versions",
    metadata,
    sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), primary_key=True),
    sa.Column("version", sa.Integer, nullable=False),
)


def _open_only(name: str, *columns: str, unique: bool = False) -> sa.Index:
    """An index of the open assignments alone (not ended): few rows, however long the past."""
    where = sa.text("ended_at IS NULL")
    return sa.Index(name, *columns, unique=unique, sqlite_where=where, postgresql_where=where)


assignments = sa.Table(
    "assignments",
    metadata,
    _id(),
    _agency(indexed=False),
    sa.Column("lead_id", sa.Integer, sa.ForeignKey("leads.id"), nullable=False, index=True),
    sa.Column("producer_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=False, index=True),
    sa.Column("license_id", sa.Integer, sa.ForeignKey("licenses.id"), nullable=True),
    sa.Column("decision_id", sa.Integer, nullable=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("state", sa.String(20), nullable=False),
    sa.Column("started_at", UTCDateTime(), nullable=False),
    sa.Column("accept_by", UTCDateTime(), nullable=True),
    sa.Column("accepted_at", UTCDateTime(), nullable=True),
    sa.Column("contacted_at", UTCDateTime(), nullable=True),
    sa.Column("ended_at", UTCDateTime(), nullable=True),
    sa.Column("end_reason", sa.Text, nullable=True),
    sa.Column("next_due_at", UTCDateTime(), nullable=True),
    sa.Column("done_steps", sa.JSON, nullable=False),
    # Consecutive failed timer steps; at timers.step.PARK_AFTER the row is parked (no due).
    sa.Column("timer_failures", sa.Integer, nullable=False, server_default="0"),
    # At most one open assignment per lead: the database itself refuses a second owner.
    _open_only("uq_assignments_open_lead", "lead_id", unique=True),
    sa.Index("ix_assignments_due", "next_due_at"),
    sa.Index("ix_assignments_agency_started", "agency_id", "started_at"),
    # The open assignments of an agency (dashboard alerts, follow-ups, a producer's portal).
    _open_only("ix_assignments_agency_open", "agency_id", "producer_id"),
    # The same by age (the dashboard's "untouched" alert, oldest first): without it SQLite
    # walks every assignment of the agency in start order to find the few open ones.
    _open_only("ix_assignments_agency_open_started", "agency_id", "started_at"),
)

producer_day_counts = sa.Table(
    "producer_day_counts",
    metadata,
    sa.Column("producer_id", sa.Integer, sa.ForeignKey("producers.id"), primary_key=True),
    sa.Column("day", sa.Date, primary_key=True),
    _agency(),
    sa.Column("count", sa.Integer, nullable=False),
)

rotation_counters = sa.Table(
    "rotation_counters",
    metadata,
    sa.Column("agency_id", sa.Integer, sa.ForeignKey("agencies.id"), primary_key=True),
    sa.Column("pool", sa.String(200), primary_key=True),
    sa.Column("producer_id", sa.Integer, sa.ForeignKey("producers.id"), primary_key=True),
    sa.Column("count", sa.Integer, nullable=False),
)

decisions = sa.Table(
    "decisions",
    metadata,
    _id(),
    _agency(),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("lead_id", sa.Integer, sa.ForeignKey("leads.id"), nullable=False, index=True),
    sa.Column("kind", sa.String(20), nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),
    sa.Column("producer_id", sa.Integer, nullable=True),
    sa.Column("policy_version", sa.Integer, nullable=False),
    sa.Column("explanation", sa.JSON, nullable=False),
    sa.Column("actor", sa.String(200), nullable=True),
    _created(),
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    # 1: unkeyed SHA-256 (records from before keying); 2: HMAC-SHA256 with the audit key.
    sa.Column("chain_version", sa.Integer, nullable=False, server_default="1"),
    sa.UniqueConstraint("agency_id", "seq"),
)

audit_checkpoints = sa.Table(
    "audit_checkpoints",
    metadata,
    _id(),
    _agency(),
    sa.Column("head_seq", sa.Integer, nullable=False),
    sa.Column("head_hash", sa.String(64), nullable=False),
    sa.Column("count", sa.Integer, nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("signature", sa.String(64), nullable=False),
)

queue_entries = sa.Table(
    "queue_entries",
    metadata,
    _id(),
    _agency(),
    sa.Column("lead_id", sa.Integer, sa.ForeignKey("leads.id"), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False),
    sa.Column("queued_at", UTCDateTime(), nullable=False),
    sa.Column("resolved_at", UTCDateTime(), nullable=True),
    sa.Index(
        "uq_queue_entries_open_lead",
        "lead_id",
        unique=True,
        sqlite_where=sa.text("resolved_at IS NULL"),
        postgresql_where=sa.text("resolved_at IS NULL"),
    ),
    sa.Index("ix_queue_entries_agency_open", "agency_id", "resolved_at", "priority"),
)

license_alerts = sa.Table(
    "license_alerts",
    metadata,
    _id(),
    _agency(),
    sa.Column("license_id", sa.Integer, sa.ForeignKey("licenses.id"), nullable=False),
    sa.Column("expiration_date", sa.Date, nullable=False),
    sa.Column("days_before", sa.Integer, nullable=False),
    _created(),
    sa.UniqueConstraint("license_id", "expiration_date", "days_before"),
)

reconciliations = sa.Table(
    "reconciliations",
    metadata,
    _id(),
    _agency(),
    sa.Column("file_name", sa.String(500), nullable=False),
    sa.Column("file_digest", sa.String(64), nullable=False),
    sa.Column("format", sa.String(10), nullable=False),
    sa.Column("differences", sa.JSON, nullable=False),
    sa.Column("applied", sa.Boolean, nullable=False),
    sa.Column("applied_by", sa.String(200), nullable=True),
    _created(),
)

# --- notifications: the transactional outbox, in-app alerts, webhook endpoints ---

outbox = sa.Table(
    "outbox",
    metadata,
    _id(),
    _agency(),
    sa.Column("channel", sa.String(16), nullable=False),  # email | sms | webhook | inapp
    sa.Column("event", sa.String(50), nullable=False),
    sa.Column("recipient", sa.String(500), nullable=False),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("status", sa.String(10), nullable=False),  # pending | sending | sent | dead
    sa.Column("attempts", sa.Integer, nullable=False),
    # For a "sending" row this is its lease's end, so one index finds due and abandoned rows.
    sa.Column("next_attempt_at", UTCDateTime(), nullable=False),
    sa.Column("claimed_until", UTCDateTime(), nullable=True),
    sa.Column("last_error", sa.Text, nullable=True),
    sa.Column("provider_ref", sa.String(200), nullable=True),
    sa.Column("dedupe_key", sa.String(200), nullable=True),
    _created(),
    sa.Column("sent_at", UTCDateTime(), nullable=True),
    sa.UniqueConstraint("agency_id", "dedupe_key"),
    sa.Index("ix_outbox_status_next_attempt_at", "status", "next_attempt_at"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    _id(),
    _agency(),
    sa.Column("producer_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=True),
    sa.Column("role", sa.String(32), nullable=True),
    sa.Column("lead_id", sa.Integer, sa.ForeignKey("leads.id"), nullable=True),
    sa.Column("kind", sa.String(50), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    # The outbox row that delivered it: a second delivery of the same row is refused.
    sa.Column("outbox_id", sa.Integer, nullable=True, unique=True),
    _created(),
    sa.Column("read_at", UTCDateTime(), nullable=True),
    sa.Index("ix_alerts_agency_read_at", "agency_id", "read_at"),
)

webhook_endpoints = sa.Table(
    "webhook_endpoints",
    metadata,
    _id(),
    _agency(),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("secret", sa.String(500), nullable=False),  # sealed (sealing.py)
    # The secret before the last rotation, still signing until previous_secret_until.
    sa.Column("previous_secret", sa.String(500), nullable=True),
    sa.Column("previous_secret_until", UTCDateTime(), nullable=True),
    sa.Column("events", sa.JSON, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("description", sa.String(200), nullable=True),
    _created(),
)

# --- time engine: what producers did with a lead ---

activities = sa.Table(
    "activities",
    metadata,
    _id(),
    _agency(),
    sa.Column("lead_id", sa.Integer, sa.ForeignKey("leads.id"), nullable=False, index=True),
    sa.Column("producer_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=False),
    sa.Column("kind", sa.String(20), nullable=False),  # call_attempt | voicemail | ... | note
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.Column("note", sa.Text, nullable=True),
    _created(),
    # The agency's newest activity (the dashboard's fingerprint), on PostgreSQL too.
    sa.Index("ix_activities_agency_newest", "agency_id", "id"),
)


# --- learning (issue 10) -----------------------------------------------------------------

intent_rubrics = sa.Table(
    "intent_rubrics",
    metadata,
    _id(),
    _agency(),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("document", sa.JSON, nullable=False),  # domain.scoring.Rubric.to_document()
    sa.Column("metrics", sa.JSON, nullable=False),
    sa.Column("trained_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("agency_id", "version"),
)

propensity_models = sa.Table(
    "propensity_models",
    metadata,
    _id(),
    _agency(),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("trained_at", UTCDateTime(), nullable=False),
    sa.Column("metrics", sa.JSON, nullable=False),
    sa.Column("features", sa.JSON, nullable=False),
    # joblib (pickle) bytes written by learning.propensity; loaded only from this table.
    sa.Column("model", sa.LargeBinary, nullable=False),
    sa.UniqueConstraint("agency_id", "version"),
)

# A candidate policy replayed against history from the dashboard: a background job whose
# progress and result any process can read.
replay_runs = sa.Table(
    "replay_runs",
    metadata,
    _id(),
    _agency(),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("policy", sa.Text, nullable=False),
    sa.Column("since", UTCDateTime(), nullable=False),
    sa.Column("until", UTCDateTime(), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),  # queued, running, done, failed
    sa.Column("done", sa.Integer, nullable=False, server_default="0"),
    sa.Column("total", sa.Integer, nullable=False, server_default="0"),
    sa.Column("result", sa.JSON, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    _created(),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
)

# --- reports: the manager alerts of the escalation ladder, one row per rung that fired ---

escalations = sa.Table(
    "escalations",
    metadata,
    _id(),
    _agency(),
    sa.Column("lead_id", sa.Integer, sa.ForeignKey("leads.id"), nullable=False, index=True),
    sa.Column("assignment_id", sa.Integer, nullable=False),
    sa.Column("step", sa.String(100), nullable=False),
    sa.Column("at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("assignment_id", "step"),
    sa.Index("ix_escalations_agency_at", "agency_id", "at"),
)

# A live call: its lead, who is being dialed, who was tried (the dial plan's memory).
calls = sa.Table(
    "calls",
    metadata,
    _id(),
    _agency(),
    sa.Column("call_sid", sa.String(64), nullable=False),
    sa.Column("from_number", sa.String(40), nullable=False),
    sa.Column("lead_id", sa.Integer, sa.ForeignKey("leads.id"), nullable=True),
    # gathering | dialing | bridged | completed | fallback
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("producer_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=True),
    sa.Column("tried", sa.JSON, nullable=False),
    # The producers whose phones ring now (several on a simultaneous ring), and how many
    # rings the call has had.
    sa.Column("ringing", sa.JSON, nullable=True),
    sa.Column("rings", sa.Integer, nullable=False, server_default="0"),
    # The insurance type the call was taken in with, and where it came from.
    sa.Column("line", sa.JSON, nullable=True),
    sa.Column("duration_seconds", sa.Integer, nullable=True),
    sa.Column("recording_url", sa.String(500), nullable=True),
    _created(),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.UniqueConstraint("agency_id", "call_sid"),
    sa.Index("ix_calls_agency_status", "agency_id", "status"),
)

# --- people: users of the web pages and their sessions ---

users = sa.Table(
    "users",
    metadata,
    _id(),
    _agency(),
    sa.Column("email", sa.String(320), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("producer_id", sa.Integer, sa.ForeignKey("producers.id"), nullable=True),
    sa.Column("password_hash", sa.String(500), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("failed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("locked_until", UTCDateTime(), nullable=True),
    sa.Column("last_sign_in_at", UTCDateTime(), nullable=True),
    _created(),
    sa.UniqueConstraint("agency_id", "email"),
    sa.Index("ix_users_email", "email"),
)

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    _id(),
    _agency(),
    sa.Column("user_id", sa.Integer, sa.ForeignKey("users.id"), nullable=False, index=True),
    # Only the hash of the cookie's token is stored: a copy of the table opens no session.
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    _created(),
    sa.Column("expires_at", UTCDateTime(), nullable=False),
    sa.Column("ended_at", UTCDateTime(), nullable=True),
)

# --- imports: a large CSV import runs as a job, in chunks, and survives a crash ---

import_jobs = sa.Table(
    "import_jobs",
    metadata,
    _id(),
    _agency(),
    sa.Column("kind", sa.String(20), nullable=False),
    # queued | validating | applying | done | rejected | failed
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("skip_bad_rows", sa.Boolean, nullable=False),
    sa.Column("verified_by", sa.String(200), nullable=True),
    sa.Column("data", sa.LargeBinary, nullable=False),
    sa.Column("rows_total", sa.Integer, nullable=False),
    sa.Column("rows_done", sa.Integer, nullable=False),
    # Every good row on a line up to this one is written: where a resumed job goes on from.
    sa.Column("applied_through_line", sa.Integer, nullable=False),
    sa.Column("created", sa.Integer, nullable=False),
    sa.Column("updated", sa.Integer, nullable=False),
    sa.Column("skipped", sa.Integer, nullable=False),
    sa.Column("error_count", sa.Integer, nullable=False),
    sa.Column("errors", sa.JSON, nullable=False),
    sa.Column("ignored_columns", sa.JSON, nullable=False),
    sa.Column("failure", sa.Text, nullable=True),
    sa.Column("attempts", sa.Integer, nullable=False),
    # The runner holding the job, and until when; a lease that passed means it died.
    sa.Column("owner", sa.String(64), nullable=True),
    sa.Column("lease_until", UTCDateTime(), nullable=True),
    _created(),
    sa.Column("updated_at", UTCDateTime(), nullable=False),
    sa.Column("finished_at", UTCDateTime(), nullable=True),
    sa.Index("ix_import_jobs_state_lease_until", "state", "lease_until"),
)
