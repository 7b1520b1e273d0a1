"""How an import job sizes its chunks by the time they hold the write lock (no database)."""

from leadrouter.services.roster.import_pace import (
    LEAST_CHUNK_ROWS,
    at_low_priority,
    first_chunk_rows,
    next_chunk_rows,
    pause_after,
)


def test_chunks_sized_by_time_start_small_and_grow_at_most_twofold_while_quick() -> None:
    assert first_chunk_rows(1000, 0.1) == 100
    assert next_chunk_rows(100, 0.001, chunk_seconds=0.1, most=1000) == 200
    assert next_chunk_rows(800, 0.001, chunk_seconds=0.1, most=1000) == 1000


def test_a_slow_chunk_makes_the_next_one_fit_the_time_at_once() -> None:
    assert next_chunk_rows(1000, 0.5, chunk_seconds=0.1, most=1000) == 200
    assert next_chunk_rows(200, 2.0, chunk_seconds=0.1, most=1000) == LEAST_CHUNK_ROWS
    assert next_chunk_rows(5, 2.0, chunk_seconds=0.1, most=5) == 5


def test_without_a_time_every_chunk_has_the_set_rows() -> None:
    assert first_chunk_rows(1000, None) == 1000
    assert next_chunk_rows(1000, 30.0, chunk_seconds=None, most=1000) == 1000


def test_the_lock_stays_free_at_least_as_long_as_the_chunk_held_it() -> None:
    assert pause_after(0.4) == 0.4
    assert 0.1 < pause_after(0.0) < 1


def test_work_at_low_priority_returns_its_result_and_raises_its_error() -> None:
    assert at_low_priority(lambda: 42) == 42
    try:
        at_low_priority(lambda: 1 // 0)
    except ZeroDivisionError:
        pass
    else:
        raise AssertionError("the error was swallowed")
