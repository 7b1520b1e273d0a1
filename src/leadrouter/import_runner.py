"""Where import jobs run: a process of their own, started by the server that accepted the
file or by a worker that finds a job whose runner died (services/roster/import_jobs.py has
the semantics); the CLI runs its job in itself, with a progress bar.

Not a thread of the server: checking 300,000 rows is pure Python work, and a thread doing it
holds the interpreter lock for most of each switch interval, so every request of every other
agency would queue behind it. A process of its own shares only the database with them.
"""

from __future__ import annotations

import logging
import multiprocessing
import multiprocessing.process
import threading
from datetime import timedelta
from typing import Any

from leadrouter.bootstrap import Container, bootstrap
from leadrouter.config import Settings
from leadrouter.logs import install_redaction
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
            chunk_seconds=c.settings.import_chunk_seconds,
            lease=timedelta(seconds=c.settings.import_lease_seconds),
            owner=owner,
            progress=progress,
        )
    except Exception as exc:  # left unfinished: its lease runs out and a worker resumes it
        log.error("import job %d stopped (%s); a worker resumes it", job_id, type(exc).__name__)


def _run_in_child(settings: dict[str, Any], job_id: int, owner: str | None) -> None:
    install_redaction()
    c = bootstrap(Settings(**settings))
    try:
        run_job(c, job_id, owner)
    finally:
        c.engine.dispose()


def run_job_in_process(
    c: Container, job_id: int, owner: str | None = None
) -> multiprocessing.process.BaseProcess:
    """Start ``run_job`` in a new process (spawned: the caller has threads) and reap it."""
    spawn = multiprocessing.get_context("spawn")
    process = spawn.Process(
        target=_run_in_child,
        args=(c.settings.model_dump(), job_id, owner),
        name=f"leadrouter-import-{job_id}",
    )
    process.start()
    threading.Thread(target=process.join, name=f"reap-import-{job_id}", daemon=True).start()
    return process


class StrandedImports:
    """A worker's share of import jobs: at most one at a time, in a process of its own, so
    timers and notifications keep their pace while a large file is written."""

    def __init__(self, c: Container) -> None:
        self.c = c
        self.process: multiprocessing.process.BaseProcess | None = None

    def poll(self) -> int | None:
        """Take over the oldest stranded job if no job of ours is running; its id, or None."""
        if self.process is not None and self.process.is_alive():
            return None
        found = stranded_import_jobs(uow=self.c.uow(readonly=True), now=self.c.clock.now())
        if not found:
            return None
        self.process = run_job_in_process(self.c, found[0])
        return found[0]
