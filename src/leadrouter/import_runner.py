"""Where import jobs run: a thread of the process that accepted the file, or of a worker
that finds a job whose runner died (services/roster/import_jobs.py has the semantics)."""

from __future__ import annotations

import logging
import threading
from datetime import timedelta

from leadrouter.bootstrap import Container
from leadrouter.services.roster.import_jobs import (
    Progress,
    run_import_job,
    stranded_import_jobs,
)

log = logging.getLogger(__name__)


def run_job(
    c: Container, job_id: int, owner: str | None = None, progress: Progress | None = None
) -> None:
    """Run (or take over, ``owner`` None) one job to its end in this thread."""
    try:
        run_import_job(
            new_uow=c.uow,
            job_id=job_id,
            clock=c.clock,
            chunk_rows=c.settings.import_chunk_rows,
            lease=timedelta(seconds=c.settings.import_lease_seconds),
            owner=owner,
            progress=progress,
        )
    except Exception as exc:  # left unfinished: its lease runs out and a worker resumes it
        log.error("import job %d stopped (%s); a worker resumes it", job_id, type(exc).__name__)


def run_job_in_thread(c: Container, job_id: int, owner: str | None = None) -> threading.Thread:
    """Start ``run_job`` in a daemon thread (a crash of the process is what leases are for)."""
    thread = threading.Thread(
        target=run_job, args=(c, job_id, owner), name=f"import-{job_id}", daemon=True
    )
    thread.start()
    return thread


class StrandedImports:
    """A worker's share of import jobs: at most one at a time, in a thread of its own, so
    timers and notifications keep their pace while a large file is written."""

    def __init__(self, c: Container) -> None:
        self.c = c
        self.thread: threading.Thread | None = None

    def poll(self) -> int | None:
        """Take over the oldest stranded job if no job of ours is running; its id, or None."""
        if self.thread is not None and self.thread.is_alive():
            return None
        found = stranded_import_jobs(uow=self.c.uow(readonly=True), now=self.c.clock.now())
        if not found:
            return None
        self.thread = run_job_in_thread(self.c, found[0])
        return found[0]
