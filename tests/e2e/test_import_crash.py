"""Kill ``leadrouter import`` with SIGKILL in the middle of a large file, start a worker, and
check that it finishes the job: every row written exactly once, nothing half-applied."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

import sqlalchemy as sa

from leadrouter.store.tables import clients, import_jobs
from leadrouter.store.uow import UnitOfWork
from tests.support.factories import make_agency, migrated
from tests.support.serving import wait_for

ROWS = 2000
CHUNK = 50


def _env(db_url: str) -> dict[str, str]:
    return dict(
        os.environ,
        LEADROUTER_DATABASE_URL=db_url,
        LEADROUTER_IMPORT_CHUNK_ROWS=str(CHUNK),
        LEADROUTER_IMPORT_LEASE_SECONDS="1",
    )


def _job(engine: sa.Engine) -> sa.RowMapping | None:
    with UnitOfWork(engine, readonly=True) as uow:
        query = sa.select(import_jobs.c.state, import_jobs.c.rows_done, import_jobs.c.attempts)
        return uow.conn.execute(query).mappings().first()


def test_an_import_killed_mid_file_is_finished_by_the_next_worker_with_every_row_once(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite:///{tmp_path / 'crash.db'}"
    cli = str(Path(sys.executable).parent / "leadrouter")
    env = _env(db_url)
    c = migrated(db_url)
    make_agency(c)
    c.engine.dispose()
    rows = "".join(f"C{i:05d},Client {i},c{i}@example.com\n" for i in range(1, ROWS + 1))
    (tmp_path / "clients.csv").write_text("external_id,name,email\n" + rows)
    engine = sa.create_engine(db_url)
    log = tmp_path / "import.log"

    with log.open("wb") as out:
        importing = subprocess.Popen(
            [cli, "import", "clients", str(tmp_path / "clients.csv")],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for(
            lambda: (job := _job(engine)) is not None and job["rows_done"] >= 3 * CHUNK,
            120,
            "the first chunks",
        )
    finally:
        importing.send_signal(signal.SIGKILL)
        importing.wait()
    killed = _job(engine)
    assert killed is not None and killed["state"] == "applying"
    assert killed["rows_done"] < ROWS, "the import finished before it was killed"
    with engine.connect() as conn:  # whole chunks only: what the job says is what is there
        written = conn.execute(sa.select(sa.func.count()).select_from(clients)).scalar_one()
    assert written == killed["rows_done"] and written % CHUNK == 0

    with log.open("ab") as out:
        worker = subprocess.Popen(
            [cli, "worker", "--interval", "0.1"], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    try:
        wait_for(lambda: _job(engine)["state"] == "done", 400, "the worker to finish the job")  # type: ignore[index]
    finally:
        worker.send_signal(signal.SIGTERM)
        worker.wait(timeout=30)

    finished = _job(engine)
    assert finished is not None and (finished["rows_done"], finished["attempts"]) == (ROWS, 2)
    with engine.connect() as conn:
        ids = Counter(conn.execute(sa.select(clients.c.external_id)).scalars())
    engine.dispose()
    assert len(ids) == ROWS and set(ids.values()) == {1}
    assert "Traceback" not in log.read_text()
