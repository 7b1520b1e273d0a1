"""The daily rollups never drift from the leads: after a simulated month, after any writer
(a service, a hand-typed UPDATE, a bulk load), they equal a recomputation from the leads, and
every span read through them equals the same span computed from the leads alone; each
group's response times come back whole, so the exact medians are the plain ones."""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from leadrouter.bootstrap import Container
from leadrouter.cli.main import app
from leadrouter.clock import FixedClock
from leadrouter.services.leads import outcomes
from leadrouter.services.reports.periods import month_of
from leadrouter.sim.agency import load_synthetic_agency
from leadrouter.sim.month import simulate_month
from leadrouter.store.figures import lead_figures
from leadrouter.store.response_times import (
    as_counts,
    histogram,
    median_of,
    merged,
    response_lists,
)
from leadrouter.store.rollup_reads import rolled_figures, rolled_histogram
from leadrouter.store.rollups import fold_log, rebuild_rollups
from leadrouter.store.tables import (
    lead_producer_rollups,
    lead_rollup_log,
    lead_rollups,
    lead_source_rollups,
)
from leadrouter.worker import Worker
from tests.support.factories import TestAgency, insert_lead, make_agency, make_producer

TZ = ZoneInfo("America/New_York")
START = datetime(2026, 10, 1, tzinfo=TZ).astimezone(UTC)
GRAIN: Any = ("producer", "line", "tier", "source")


def _rollups(
    conn: sa.Connection, table: sa.Table = lead_rollups
) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """Every rollup row with any figure, by key (rows whose leads all moved away are 0)."""
    n = len(table.primary_key.columns)
    rows = conn.execute(sa.select(table)).all()
    return {tuple(r[:n]): tuple(r[n:]) for r in rows if any(r[n:])}


def _kept_equals_rebuilt(c: Container) -> dict[tuple[Any, ...], tuple[int, ...]]:
    """The rollups as kept (log folded) against the rollups recomputed from the leads."""
    with c.engine.begin() as conn:
        fold_log(conn, limit=None)
        kept = _rollups(conn)
        coarse = (lead_source_rollups, lead_producer_rollups)
        kept_coarse = [_rollups(conn, t) for t in coarse]
        assert conn.execute(sa.select(sa.func.count()).select_from(lead_rollup_log)).scalar() == 0
        rebuild_rollups(conn)
        rebuilt = _rollups(conn)
        rebuilt_coarse = [_rollups(conn, t) for t in coarse]
    assert kept == rebuilt
    assert kept_coarse == rebuilt_coarse
    assert all(kept_coarse)
    return kept


def _agency_of_two(c: Container) -> tuple[TestAgency, int, int]:
    """An agency and two producers licensed in New York."""
    agency = make_agency(c)
    alice = make_producer(c, agency.id, 1, licensed_in=("NY",))
    return agency, alice, make_producer(c, agency.id, 2, licensed_in=("NY",))


def _same_figures(c: Container, agency_id: int, now: datetime, **span: Any) -> None:
    with c.engine.connect() as conn:
        raw = lead_figures(conn, agency_id=agency_id, **span)
        rolled = rolled_figures(conn, agency_id=agency_id, now=now, **span)
    assert rolled == raw


@pytest.mark.slow  # a month of the worker on a virtual clock
def test_rollups_after_a_simulated_month_equal_the_leads_recomputed(
    container: Container, clock: FixedClock
) -> None:
    c = container
    clock.set(START)
    agency = load_synthetic_agency(c, producers=4, name="Rollup Agency")
    result = simulate_month(c, clock, agency, start=START, days=31, lead_count=40)
    assert result.leads == 40 and result.binds > 0
    now = clock.now()
    a = agency.agency_id
    # Reads before the explicit fold: whatever the log still holds is added by the readers.
    october = month_of(date(2026, 10, 1), "America/New_York")
    for span in (
        {"since": october.start, "until": october.end, "by": ("producer", "line", "source")},
        {"since": now - timedelta(days=90), "until": None, "by": GRAIN},
        {"since": now - timedelta(days=30), "until": None, "by": ("source",)},
        {"since": now - timedelta(days=45), "until": None, "by": ()},
        {"since": START - timedelta(days=31), "until": None, "by": ("source",),
         "buckets": [START - timedelta(days=31), october.start, october.end]},
    ):  # fmt: skip
        _same_figures(c, a, now, **span)
    kept = _kept_equals_rebuilt(c)
    assert sum(v[0] for v in kept.values()) == 40  # every lead in exactly one rollup row
    since = now - timedelta(days=30)
    with c.engine.connect() as conn:
        times = as_counts(response_lists(conn, agency_id=a, since=since, until=None))
        never = lead_figures(conn, agency_id=a, since=since, until=None)[()].never_contacted
        chart = rolled_histogram(conn, agency_id=a, since=since, now=now)
    assert chart == histogram(merged(times.values()), never)


def test_any_writer_moves_the_rollups_in_its_own_transaction(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency, alice, bob = _agency_of_two(c)
    now = clock.now()
    with c.uow() as uow:
        ids = [
            insert_lead(
                uow.conn,
                agency_id=agency.id,
                now=now - timedelta(days=d, hours=5),
                owner_id=alice,
                status="bound" if d % 2 else "contacted",
                source_name="Referral" if d % 3 else None,
                intent_tier="hot",
                first_contact_at=now - timedelta(days=d, hours=4),
                response_seconds=3600,
                premium=Decimal("100.10") if d % 2 else None,
            )
            for d in range(1, 6)
        ]
        uow.commit()
    # Writers only log (the triggers); readers are exact before the worker folds the log.
    with c.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(lead_rollup_log)).scalar() == 5
        assert _rollups(conn) == {}
    _same_figures(c, agency.id, now, since=now - timedelta(days=10), until=None, by=GRAIN)
    assert Worker(c, channels={}).fold_rollups() == 5  # folded by the worker step
    with c.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(lead_rollup_log)).scalar() == 0
        assert sum(v[0] for v in _rollups(conn).values()) == 5
    _same_figures(c, agency.id, now, since=now - timedelta(days=10), until=None, by=GRAIN)
    # A hand-typed UPDATE, a reassignment, a tier change and a deletion, all in one transaction
    with c.uow() as uow:
        uow.conn.execute(
            sa.text("UPDATE leads SET premium = 250.55, commission = 25.06 WHERE id = :id"),
            {"id": ids[0]},
        )
        uow.conn.execute(
            sa.text("UPDATE leads SET owner_id = :bob, intent_tier = 'cold' WHERE id = :id"),
            {"bob": bob, "id": ids[1]},
        )
        uow.conn.execute(sa.text("DELETE FROM leads WHERE id = :id"), {"id": ids[4]})
        uow.commit()
    # An outcome correction through the service.
    outcomes.correct_bind(
        uow=c.uow(), agency_id=agency.id, lead_id=ids[2], now=now, premium=Decimal("999.99")
    )
    # A write that bypasses the unit of work (a bulk load): the log keeps it until a fold,
    # and readers add it meanwhile.
    with c.engine.begin() as conn:
        insert_lead(
            conn, agency_id=agency.id, now=now - timedelta(days=3), owner_id=bob, status="lost"
        )
    span = {"since": now - timedelta(days=10), "until": None}
    _same_figures(c, agency.id, now, **span, by=GRAIN)
    _same_figures(c, agency.id, now, **span, by=GRAIN, producer_id=bob)
    _same_figures(c, agency.id, now, **span, by=())
    _same_figures(c, agency.id, now, **span, by=("producer",))
    _same_figures(c, agency.id, now, **span, by=("producer",), producer_id=bob)
    kept = _kept_equals_rebuilt(c)
    assert sum(v[0] for v in kept.values()) == 5
    with c.engine.connect() as conn:
        bobs = rolled_figures(
            conn, agency_id=agency.id, since=span["since"], until=None, now=now,
            by=("producer", "tier"), producer_id=bob,
        )  # fmt: skip
    # The reassigned lead moved to bob's cold leads; the bulk-loaded one has no tier.
    assert {k: (f.leads, f.lost) for k, f in bobs.items()} == {
        (bob, "cold"): (1, 0),
        (bob, None): (1, 1),
    }


def test_rebuild_rollups_command_recomputes_them_from_the_leads(
    container: Container, runner: CliRunner, clock: FixedClock
) -> None:
    c = container
    agency = make_agency(c)
    with c.engine.begin() as conn:
        insert_lead(conn, agency_id=agency.id, now=clock.now() - timedelta(days=2))
        conn.execute(lead_rollups.delete())  # rollups lost or damaged
    result = runner.invoke(app, ["report", "rebuild-rollups"])
    assert result.exit_code == 0, result.output
    assert "1 rows" in result.output
    with c.engine.connect() as conn:
        assert sum(v[0] for v in _rollups(conn).values()) == 1
        assert conn.execute(sa.select(sa.func.count()).select_from(lead_rollup_log)).scalar() == 0


def _lost_leads(c: Container, agency_id: int, now: datetime, *, days: Iterable[int]) -> None:
    """Lost leads received ``days`` ago, through a unit of work (the triggers log them)."""
    with c.uow() as uow:
        for d in days:
            insert_lead(uow.conn, agency_id=agency_id, now=now - timedelta(days=d), status="lost")
        uow.commit()


def _agency_with_lost_leads(
    c: Container, clock: FixedClock, *, days: Iterable[int]
) -> tuple[int, datetime]:
    """A new agency with lost leads received ``days`` ago; its id and now."""
    agency = make_agency(c)
    _lost_leads(c, agency.id, clock.now(), days=days)
    return agency.id, clock.now()


def test_the_worker_folds_a_bounded_batch_per_tick_oldest_first(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency_id, now = _agency_with_lost_leads(c, clock, days=range(1, 8))
    worker = Worker(c, channels={})
    assert worker.fold_rollups(limit=3) == 3
    with c.engine.connect() as conn:
        left = conn.execute(sa.select(lead_rollup_log.c.id).order_by(lead_rollup_log.c.id))
        assert len(left.all()) == 4
        assert sum(v[0] for v in _rollups(conn).values()) == 3
    _same_figures(c, agency_id, now, since=now - timedelta(days=10), until=None, by=GRAIN)
    assert worker.tick().folded == 4
    assert worker.tick().folded == 0
    assert sum(v[0] for v in _kept_equals_rebuilt(c).values()) == 7


def test_two_folds_at_once_never_count_a_log_row_twice(
    pg_container: Container, clock: FixedClock
) -> None:
    c = pg_container
    agency_id, now = _agency_with_lost_leads(c, clock, days=range(1, 6))
    with c.engine.connect() as first, c.engine.connect() as second:
        with first.begin():
            assert fold_log(first, limit=None) == 5
            with second.begin():
                assert fold_log(second, limit=None) == 0  # the first holds them (SKIP LOCKED)
        with second.begin():
            assert fold_log(second, limit=None) == 0  # the first's commit deleted them
    # A fold rolled back leaves its rows in the log for the next one.
    _lost_leads(c, agency_id, now, days=[2])
    with c.engine.connect() as conn, conn.begin() as tx:
        assert fold_log(conn, limit=None) == 1
        tx.rollback()
    assert Worker(c, channels={}).fold_rollups() == 1
    assert sum(v[0] for v in _kept_equals_rebuilt(c).values()) == 6


def test_median_of_odd_and_even_groups_and_of_leads_without_an_owner_or_a_source(
    container: Container, clock: FixedClock
) -> None:
    c = container
    agency, alice, bob = _agency_of_two(c)
    now = clock.now()
    # owner, source, response seconds (None: never reached, left out of every median)
    leads = [
        (alice, "Referral", 30), (alice, "Referral", 10), (alice, "Referral", 20),
        (alice, "Google Ads", 7), (alice, "Google Ads", 400),
        (bob, "Referral", 5), (bob, "Referral", 5), (bob, "Referral", 9), (bob, "Referral", None),
        (None, None, 61), (None, None, 60),
    ]  # fmt: skip
    with c.uow() as uow:
        for n, (owner, source, seconds) in enumerate(leads):
            insert_lead(
                uow.conn,
                agency_id=agency.id,
                now=now - timedelta(hours=n + 1),
                owner_id=owner,
                source_name=source,
                response_seconds=seconds,
                first_contact_at=None if seconds is None else now,
            )
        insert_lead(uow.conn, agency_id=agency.id, now=now - timedelta(days=5), response_seconds=1)
        uow.commit()

    def expected(key: int) -> dict[tuple[object, ...], float]:
        groups: dict[tuple[object, ...], list[int]] = {}
        for lead in leads:
            if lead[2] is not None:
                groups.setdefault(tuple(lead[:key]), []).append(lead[2])
        return {k: statistics.median(v) for k, v in groups.items()}

    span = {"agency_id": agency.id, "since": now - timedelta(days=1), "until": None}

    def medians(**args: Any) -> dict[tuple[object, ...], float | None]:
        with c.engine.connect() as conn:
            found = response_lists(conn, **{**span, **args})
        return {k: median_of(v) for k, v in found.items()}

    assert medians(by=("producer", "source")) == expected(2)
    assert medians(by=("producer",)) == expected(1) == {(alice,): 20, (bob,): 5, (None,): 60.5}
    assert medians() == {(): statistics.median(s for _, _, s in leads if s is not None)}
    assert medians(by=("producer",), producer_id=bob) == {(bob,): 5}
    assert medians(by=("producer",), since=now) == {}
    with c.engine.connect() as conn:
        times = response_lists(conn, **span, by=("producer",))
    assert sorted(times[(bob,)]) == [5, 5, 9]
