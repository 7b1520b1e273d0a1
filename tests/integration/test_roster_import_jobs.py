"""Large imports as jobs: validate the whole file, write it in chunks, survive a crash."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from leadrouter.api.app import create_app
from leadrouter.bootstrap import Container, bootstrap
from leadrouter.config import Settings
from leadrouter.services.roster import import_jobs as service
from leadrouter.services.roster import import_pace as pace
from leadrouter.store.tables import clients, import_jobs, lead_sources
from tests.support.factories import make_agency
from tests.support.serving import wait_for

CHUNK = 100
LEASE = timedelta(seconds=60)


def _clients_csv(n: int, *, bad_line: int | None = None) -> bytes:
    rows = ["external_id,name,phone,email"]
    for i in range(1, n + 1):
        email = "not-an-email" if i + 1 == bad_line else f"c{i}@example.com"
        rows.append(f"C{i:06d},Client {i},+1212736{i % 10000:04d},{email}")
    return ("\n".join(rows) + "\n").encode()


def _start(c: Container, agency_id: int, kind: str, data: bytes, **kw: object) -> tuple[int, str]:
    job, owner = service.start_import_job(
        uow=c.uow(),
        agency_id=agency_id,
        kind=kind,
        data=data,
        now=c.clock.now(),
        lease=LEASE,
        **kw,  # type: ignore[arg-type]
    )
    return job.id, owner


def _run(c: Container, job_id: int, owner: str | None, **kw: object) -> service.ImportJob | None:
    return service.run_import_job(
        new_uow=c.uow,
        job_id=job_id,
        clock=c.clock,
        chunk_rows=CHUNK,
        lease=LEASE,
        owner=owner,
        **kw,  # type: ignore[arg-type]
    )


def _external_ids(c: Container, agency_id: int) -> Counter[str]:
    with c.uow(readonly=True) as uow:
        query = sa.select(clients.c.external_id).where(clients.c.agency_id == agency_id)
        return Counter(uow.conn.execute(query).scalars())


def test_a_large_file_is_written_chunk_by_chunk_and_the_job_tells_its_progress(
    container: Container,
) -> None:
    agency = make_agency(container)
    job_id, owner = _start(container, agency.id, "clients", _clients_csv(250))
    seen: list[tuple[int, str]] = []

    def tick(n: int) -> None:
        job = service.get_import_job(uow=container.uow(), agency_id=agency.id, job_id=job_id)
        seen.append((job.rows_done, job.state))

    job = _run(container, job_id, owner, progress=tick)
    assert job is not None
    assert (job.state, job.rows_total, job.rows_done, job.created) == ("done", 250, 250, 250)
    # Each chunk was committed with its progress before the next began.
    assert seen == [(100, "applying"), (200, "applying"), (250, "applying")]
    assert len(_external_ids(container, agency.id)) == 250


def test_a_bad_row_anywhere_rejects_the_file_before_any_chunk_is_written(
    container: Container,
) -> None:
    agency = make_agency(container)
    job_id, owner = _start(container, agency.id, "clients", _clients_csv(250, bad_line=240))
    job = _run(container, job_id, owner)
    assert job is not None
    assert (job.state, job.rows_done, job.error_count) == ("rejected", 0, 1)
    assert [(e.line, e.column) for e in job.errors] == [(240, "email")]
    assert _external_ids(container, agency.id) == Counter()


def test_skip_bad_rows_writes_the_good_rows_and_reports_the_bad(container: Container) -> None:
    agency = make_agency(container)
    data = _clients_csv(250, bad_line=240)
    job_id, owner = _start(container, agency.id, "clients", data, skip_bad_rows=True)
    job = _run(container, job_id, owner)
    assert job is not None
    assert (job.state, job.created, job.skipped, job.rows_done) == ("done", 249, 1, 250)


def test_a_job_whose_runner_died_mid_import_is_resumed_and_writes_every_row_once(
    container: Container,
) -> None:
    agency = make_agency(container)
    job_id, owner = _start(container, agency.id, "clients", _clients_csv(350))

    class Killed(BaseException):
        """Stands for the process dying: nothing after it runs, no handler sees it."""

    def die_after_two_chunks(n: int) -> None:
        die_after_two_chunks.calls += 1  # type: ignore[attr-defined]
        if die_after_two_chunks.calls == 2:  # type: ignore[attr-defined]
            raise Killed

    die_after_two_chunks.calls = 0  # type: ignore[attr-defined]
    with pytest.raises(Killed):
        _run(container, job_id, owner, progress=die_after_two_chunks)
    stuck = service.get_import_job(uow=container.uow(), agency_id=agency.id, job_id=job_id)
    assert (stuck.state, stuck.rows_done) == ("applying", 200)
    assert len(_external_ids(container, agency.id)) == 200

    # Nobody may take it while the dead runner's lease lasts; afterwards a worker does.
    assert service.stranded_import_jobs(uow=container.uow(), now=container.clock.now()) == []
    assert _run(container, job_id, None) is None
    container.clock.advance(LEASE * 2)  # type: ignore[attr-defined]
    assert service.stranded_import_jobs(uow=container.uow(), now=container.clock.now()) == [job_id]
    job = _run(container, job_id, None)
    assert job is not None
    assert (job.state, job.rows_done, job.created, job.attempts) == ("done", 350, 350, 2)
    ids = _external_ids(container, agency.id)
    assert len(ids) == 350 and set(ids.values()) == {1}


def test_a_job_that_keeps_dying_is_marked_failed_rather_than_retried_forever(
    container: Container,
) -> None:
    agency = make_agency(container)
    job_id, _ = _start(container, agency.id, "clients", _clients_csv(10))
    with container.uow() as uow:  # three runners claimed it and died
        uow.conn.execute(
            import_jobs.update().values(attempts=service.MAX_ATTEMPTS, lease_until=None)
        )
        uow.commit()
    job = _run(container, job_id, None)
    assert job is not None and job.state == "failed"
    assert job.failure is not None and "gave up after 3 attempts" in job.failure
    assert _external_ids(container, agency.id) == Counter()


def test_a_chunk_that_clashes_fails_the_job_naming_its_lines_and_earlier_chunks_stay(
    container: Container,
) -> None:
    agency = make_agency(container)
    data = ("name,cost_per_lead\n" + "".join(f"S{i},1\n" for i in range(1, 251))).encode()
    job_id, owner = _start(container, agency.id, "sources", data)

    def someone_adds_s150_meanwhile(n: int) -> None:
        with container.uow() as uow:
            uow.conn.execute(
                lead_sources.insert().values(
                    agency_id=agency.id,
                    name="S150",
                    cost_per_lead=0,
                    active=True,
                    created_at=container.clock.now(),
                )
            )
            uow.commit()

    job = _run(container, job_id, owner, progress=someone_adds_s150_meanwhile)
    assert job is not None
    assert (job.state, job.rows_done, job.created) == ("failed", 100, 100)
    assert job.failure is not None and "lines 102-201" in job.failure
    with container.uow(readonly=True) as uow:
        names = uow.conn.execute(sa.select(lead_sources.c.name)).scalars().all()
    assert len(names) == 101  # the first chunk and the clashing row

    again_id, again_owner = _start(container, agency.id, "sources", data)
    again = _run(container, again_id, again_owner)
    assert again is not None and (again.state, again.created, again.updated) == ("done", 149, 101)


def test_a_job_sized_by_time_shrinks_its_chunks_when_they_hold_the_lock_too_long(
    container: Container,
) -> None:
    agency = make_agency(container)
    job_id, owner = _start(container, agency.id, "clients", _clients_csv(250))
    chunks: list[int] = []
    # Every chunk holds the lock longer than a nanosecond: after the first (a small start),
    # each is cut to the least size.
    job = _run(container, job_id, owner, progress=chunks.append, chunk_seconds=1e-9)
    assert job is not None and (job.state, job.rows_done, job.created) == ("done", 250, 250)
    assert chunks == [100] + [pace.LEAST_CHUNK_ROWS] * 15
    assert set(_external_ids(container, agency.id).values()) == {1}


def test_the_job_counts_the_rows_of_its_file_once_it_has_read_it(container: Container) -> None:
    agency = make_agency(container)
    data = _clients_csv(250).replace(b"\nC000100,", b"\n\n\nC000100,")  # two blank lines
    job_id, owner = _start(container, agency.id, "clients", data)
    assert (
        service.get_import_job(uow=container.uow(), agency_id=None, job_id=job_id).rows_total == 252
    )
    job = _run(container, job_id, owner)
    assert job is not None and (job.state, job.rows_total, job.rows_done) == ("done", 250, 250)


@pytest.mark.slow  # the job runs in a process of its own, started fresh
def test_a_large_upload_answers_202_and_its_job_is_followed_to_the_end(db_url: str) -> None:
    container = bootstrap(Settings(database_url=db_url, import_chunk_rows=CHUNK))
    agency = make_agency(container)
    other = make_agency(container, "Other Agency")
    with TestClient(create_app(container)) as client:
        answer = client.post(
            "/v1/import/clients",
            content=_clients_csv(250),
            headers={**agency.headers, "Content-Type": "text/csv"},
        )
        assert answer.status_code == 202, answer.text
        location = answer.headers["Location"]
        assert answer.json()["rows_total"] == 250
        polled: dict[str, Any] = {}

        def finished() -> bool:
            polled.update(client.get(location, headers=agency.headers).json())
            return polled["state"] in ("done", "failed", "rejected")

        # the job's process starts fresh (imports and all): a limit for hangs, not a timing
        wait_for(finished, 120, "the import job to finish")
        job = polled
        assert (job["state"], job["rows_done"], job["created"]) == ("done", 250, 250)
        assert client.get(location, headers=other.headers).status_code == 404
    container.engine.dispose()
