"""Large CSV imports as jobs: validate the whole file, then write it in short chunks.

A job keeps its file, its state and its progress in ``import_jobs``:

* **validate all first.** Every row is read and checked against the roster before anything is
  written (the same checks as ``import_csv``). A file with bad rows ends ``rejected`` and writes
  nothing, unless ``skip_bad_rows``: then the good rows are written and the bad ones reported.
* **then apply in chunks.** The good rows are written at most ``chunk_rows`` at a time (sized
  by the time each holds the write lock when given ``chunk_seconds``: import_pace.py), each
  chunk in a transaction of its own that also records the job's progress; so the database's
  write lock is held for one chunk, never for the file, and other agencies' intake goes on
  between chunks. A producers file is one chunk (its backups may name producers further down
  the file). The file is parsed and checked outside any transaction.
* **a chunk that fails** (a concurrent edit that clashes with a row of the file, the database
  going away) is rolled back on its own and ends the job ``failed``, saying which lines; the
  chunks before it stay written. Rows match existing ones by their natural key, so running the
  same file again finishes the import without doubling anything.
* **a crash** (the process killed mid-import) leaves the job unfinished with a lease that runs
  out; a worker (or ``leadrouter import resume``) then claims it and goes on after the last
  written chunk. After ``MAX_ATTEMPTS`` claims the job is marked ``failed`` instead.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.engine import Engine

from leadrouter.clock import Clock
from leadrouter.errors import LeadRouterError, NotFound
from leadrouter.roster.csv.plan import Plan
from leadrouter.roster.csv.table import RowError, Table, most_rows, read_table
from leadrouter.services.roster import import_pace as pace
from leadrouter.services.roster.csv_import import ImportReport, plan_rows_in_tx, write_plans_in_tx
from leadrouter.store import import_jobs as jobs
from leadrouter.store.db import restart_sqlite_wal
from leadrouter.store.roster_repo import Row
from leadrouter.store.tables import import_jobs
from leadrouter.store.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
# While it runs on SQLite the job starts the write-ahead log over this often when it has
# grown, holding writers off at most WAL_RESTART_WAIT_MS while earlier readers finish
# (store/db.py restart_sqlite_wal).
WAL_KEEP_SECONDS = 0.5
WAL_RESTART_WAIT_MS = 50
ERRORS_KEPT = 1000  # row errors stored with a job; error_count has them all
FINISHED = ("done", "rejected", "failed")

NewUow = Callable[..., UnitOfWork]
Progress = Callable[[int], None]


@dataclass(frozen=True)
class ImportJob:
    """Where an import job stands."""

    id: int
    agency_id: int
    kind: str
    state: str
    rows_total: int
    rows_done: int
    created: int
    updated: int
    skipped: int
    error_count: int
    errors: tuple[RowError, ...]
    ignored_columns: tuple[str, ...]
    failure: str | None
    attempts: int
    created_at: datetime
    updated_at: datetime
    finished_at: datetime | None

    @classmethod
    def of(cls, row: Row) -> ImportJob:
        return cls(
            id=row["id"],
            agency_id=row["agency_id"],
            kind=row["kind"],
            state=row["state"],
            rows_total=row["rows_total"],
            rows_done=row["rows_done"],
            created=row["created"],
            updated=row["updated"],
            skipped=row["skipped"],
            error_count=row["error_count"],
            errors=tuple(RowError(*e) for e in row["errors"]),
            ignored_columns=tuple(row["ignored_columns"]),
            failure=row["failure"],
            attempts=row["attempts"],
            created_at=row["created_at"],
            updated_at=row["updated_at"],
            finished_at=row["finished_at"],
        )

    @property
    def finished(self) -> bool:
        return self.state in FINISHED

    def report(self) -> ImportReport:
        """The job as the one-shot importer's report."""
        return ImportReport(
            kind=self.kind,
            rows=self.rows_total,
            created=self.created,
            updated=self.updated,
            skipped=self.skipped,
            errors=self.errors,
            ignored_columns=self.ignored_columns,
            committed=self.state == "done",
        )


def start_import_job(
    *,
    uow: UnitOfWork,
    agency_id: int,
    kind: str,
    data: bytes,
    now: datetime,
    lease: timedelta,
    skip_bad_rows: bool = False,
    verified_by: str | None = None,
) -> tuple[ImportJob, str]:
    """Record a queued job with its file; returns it and the runner token that holds it.

    Its ``rows_total`` is the file's line count until the job has read it (no parsing here:
    this runs in the request, with the write lock held)."""
    if kind not in ("producers", "licenses", "territories", "clients", "sources"):
        raise ValueError(f"unknown roster kind {kind!r}")
    owner = uuid.uuid4().hex
    with uow:
        job_id = jobs.insert(
            uow.conn,
            agency_id=agency_id,
            kind=kind,
            data=data,
            rows_total=most_rows(data),
            skip_bad_rows=skip_bad_rows,
            verified_by=verified_by,
            owner=owner,
            lease_until=now + lease,
            now=now,
        )
        row = jobs.get(uow.conn, job_id)
        uow.commit()
    assert row is not None
    return ImportJob.of(row), owner


def get_import_job(*, uow: UnitOfWork, agency_id: int | None, job_id: int) -> ImportJob:
    """One of the agency's import jobs (404 for another agency's); any agency's for None."""
    with uow:
        row = jobs.get(uow.conn, job_id, agency_id=agency_id)
    if row is None:
        raise NotFound(f"no import job {job_id}")
    return ImportJob.of(row)


def stranded_import_jobs(*, uow: UnitOfWork, now: datetime) -> list[int]:
    """Unfinished jobs whose runner stopped renewing its lease."""
    with uow:
        return jobs.stranded(uow.conn, now=now)


@contextmanager
def _every(seconds: float, name: str, action: Callable[[], object], failed: str) -> Iterator[None]:
    """Run ``action`` in the background every ``seconds`` while the block runs; a failure is
    logged (``failed``) and the next round tries again."""
    stop = threading.Event()

    def loop() -> None:
        while not stop.wait(seconds):
            try:
                action()
            except Exception:
                log.warning(failed)

    thread = threading.Thread(target=loop, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


@contextmanager
def _held(
    new_uow: NewUow, job_id: int, owner: str, clock: Clock, lease: timedelta, engine: Engine
) -> Iterator[None]:
    """While the job runs (validation can take a while): renew its lease and, on SQLite,
    start the write-ahead log over when it has grown (every writer's commits, not only the
    job's, grow it while the job reads and writes)."""

    def renew() -> None:
        with new_uow() as uow:
            jobs.update(uow.conn, job_id, owner, lease_until=clock.now() + lease)
            uow.commit()

    def keep_log() -> None:
        restart_sqlite_wal(engine, wait_ms=WAL_RESTART_WAIT_MS)

    wal = (
        _every(WAL_KEEP_SECONDS, f"import-{job_id}-wal", keep_log, "import: restarting the log")
        if engine.dialect.name == "sqlite"
        else nullcontext()
    )
    renewing = f"import job {job_id}: renewing its lease failed"
    with _every(lease.total_seconds() / 3, f"import-{job_id}-lease", renew, renewing), wal:
        yield


def run_import_job(
    *,
    new_uow: NewUow,
    job_id: int,
    clock: Clock,
    chunk_rows: int,
    lease: timedelta,
    owner: str | None = None,
    progress: Progress | None = None,
    chunk_seconds: float | None = None,
) -> ImportJob | None:
    """Claim the job and carry it to its end; None when another runner holds it.

    ``owner`` is the token ``start_import_job`` returned (a new job), or None to take over a
    stranded one. ``progress`` is told the number of rows each chunk wrote. Chunks have
    ``chunk_rows`` rows, or with ``chunk_seconds`` as many (up to ``chunk_rows``) as hold the
    write lock about that long.
    """
    owner = owner or uuid.uuid4().hex
    with new_uow() as uow:
        now = clock.now()
        if not jobs.claim(uow.conn, job_id, owner=owner, lease_until=now + lease, now=now):
            return None
        row = jobs.get(uow.conn, job_id)
        engine = uow.conn.engine
        assert row is not None
        if row["attempts"] > MAX_ATTEMPTS:
            _finish(uow, job_id, owner, now, "failed", failure=_gave_up(row))
            uow.commit()
            return _view(new_uow, job_id)
        uow.commit()
    with _held(new_uow, job_id, owner, clock, lease, engine):
        try:
            sizes = _Sizes(chunk_rows, chunk_seconds)
            _run(new_uow, row, owner, clock, sizes, lease, progress or (lambda _n: None))
        except _LostLease:
            log.warning("import job %d: another runner took it over", job_id)
        except _ChunkFailed:
            pass  # recorded on the job
    return _view(new_uow, job_id)


class _LostLease(Exception):
    pass


@dataclass(frozen=True)
class _Sizes:
    most: int
    seconds: float | None


def _gave_up(row: Row) -> str:
    return (
        f"gave up after {MAX_ATTEMPTS} attempts (the process running it stopped each time); "
        f"rows on lines up to {row['applied_through_line']} were written"
    )


def _view(new_uow: NewUow, job_id: int) -> ImportJob:
    with new_uow(readonly=True) as uow:
        row = jobs.get(uow.conn, job_id)
    assert row is not None
    return ImportJob.of(row)


def _set(new_uow: NewUow, job_id: int, owner: str, **values: Any) -> None:
    with new_uow() as uow:
        if not jobs.update(uow.conn, job_id, owner, **values):
            raise _LostLease
        uow.commit()


def _finish(
    uow: UnitOfWork, job_id: int, owner: str, now: datetime, state: str, **values: Any
) -> None:
    jobs.update(
        uow.conn,
        job_id,
        owner,
        state=state,
        lease_until=None,
        updated_at=now,
        finished_at=now,
        **values,
    )


def _errors_json(errors: list[RowError]) -> list[list[Any]]:
    ordered = sorted(errors, key=lambda e: (e.line, e.column))
    return [[e.line, e.column, e.reason] for e in ordered[:ERRORS_KEPT]]


def _check(
    new_uow: NewUow, agency_id: int, kind: str, data: bytes
) -> tuple[Table, list[Plan], list[RowError]]:
    """Read the file (the slow part, outside any transaction), then plan its rows."""
    table = read_table(kind, data)
    if table.unusable:
        return table, [], []
    with new_uow(readonly=True) as uow:
        plans, errors = plan_rows_in_tx(uow.conn, agency_id, kind, table.drafts)
    return table, plans, errors


def _run(
    new_uow: NewUow,
    row: Row,
    owner: str,
    clock: Clock,
    sizes: _Sizes,
    lease: timedelta,
    tick: Progress,
) -> None:
    job_id, agency_id, kind = row["id"], row["agency_id"], row["kind"]
    resumed_at = int(row["applied_through_line"])
    if row["state"] == "queued":
        _set(new_uow, job_id, owner, state="validating", updated_at=clock.now())
    with new_uow(readonly=True) as uow:
        data = jobs.data_of(uow.conn, job_id)
    table, plans, plan_errors = pace.at_low_priority(lambda: _check(new_uow, agency_id, kind, data))
    errors = table.errors + plan_errors
    bad_lines = {e.line for e in errors}
    counted = {
        "rows_total": table.rows,
        "error_count": len(errors),
        "errors": _errors_json(errors),
        "ignored_columns": list(table.ignored_columns),
    }
    if table.unusable or (errors and not row["skip_bad_rows"]):
        with new_uow() as uow:
            if resumed_at:
                failure = "rows still to write no longer pass their checks; see errors"
                _finish(uow, job_id, owner, clock.now(), "failed", failure=failure, **counted)
            else:
                _finish(uow, job_id, owner, clock.now(), "rejected", **counted)
            uow.commit()
        return
    _set(new_uow, job_id, owner, state="applying", updated_at=clock.now(), **counted)
    todo = [p for p in plans if p.line > resumed_at]
    whole = kind == "producers"  # backups cross the whole file
    size = len(todo) if whole else pace.first_chunk_rows(sizes.most, sizes.seconds)
    start = 0
    while start < len(todo):
        chunk = todo[start : start + max(size, 1)]
        start += len(chunk)
        held, worked, engine = _apply_chunk(new_uow, row, owner, clock, lease, chunk)
        tick(len(chunk))
        if engine.dialect.name == "sqlite" and start < len(todo):
            time.sleep(pace.pause_after(held))
        if not whole:
            size = pace.next_chunk_rows(
                len(chunk), worked, chunk_seconds=sizes.seconds, most=sizes.most
            )
    with new_uow() as uow:
        _finish(
            uow,
            job_id,
            owner,
            clock.now(),
            "done",
            rows_done=table.rows,
            skipped=len(bad_lines),
        )
        uow.commit()


def _apply_chunk(
    new_uow: NewUow, row: Row, owner: str, clock: Clock, lease: timedelta, chunk: list[Plan]
) -> tuple[float, float, Engine]:
    """Write one chunk and the job's progress in one transaction; a failure ends the job.
    How long the transaction held the write lock (from BEGIN to COMMIT), the processor time
    it took meanwhile, and the engine."""
    job_id = row["id"]
    lines = f"{chunk[0].line}-{chunk[-1].line}"
    try:
        with new_uow() as uow:
            began = time.monotonic()  # the write lock is ours from here (BEGIN IMMEDIATE)
            began_cpu = time.thread_time()
            now = clock.now()
            created, updated = write_plans_in_tx(
                uow.conn,
                row["agency_id"],
                row["kind"],
                chunk,
                now=now,
                verified_by=row["verified_by"],
            )
            c = import_jobs.c
            if not jobs.update(
                uow.conn,
                job_id,
                owner,
                applied_through_line=chunk[-1].line,
                rows_done=c.rows_done + len(chunk),
                created=c.created + created,
                updated=c.updated + updated,
                lease_until=now + lease,
                updated_at=now,
            ):
                raise _LostLease
            engine = uow.conn.engine
            uow.commit()
            return time.monotonic() - began, time.thread_time() - began_cpu, engine
    except _LostLease:
        raise
    except Exception as exc:
        # Named by kind only: the database's message may quote the row (a phone, an email).
        reason = str(exc) if isinstance(exc, LeadRouterError) else type(exc).__name__
        log.error("import job %d: the chunk of lines %s failed (%s)", job_id, lines, reason)
        with new_uow() as uow:
            failure = (
                f"the chunk of lines {lines} failed ({reason}); it was rolled back and the "
                "chunks before it stay written (importing the same file again finishes it)"
            )
            _finish(uow, job_id, owner, clock.now(), "failed", failure=failure)
            uow.commit()
        raise _ChunkFailed from None


class _ChunkFailed(Exception):
    pass
