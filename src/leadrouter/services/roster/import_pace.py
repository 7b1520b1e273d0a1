"""How an import job shares the database with everyone else's writes.

Each chunk is one write transaction; on SQLite that holds the database's only write lock, and
every other agency's intake waits while it does. Rows differ in cost (a license with its
verification, a client with two indexes), so a job given ``chunk_seconds`` sizes its chunks by
the processor time they took while holding the lock, not by a count: it starts small, grows
while chunks are quick and shrinks as soon as one was slow (``IMPORT_CHUNK_ROWS`` is the
ceiling). Processor time, not the clock: on a loaded machine every statement also waits for a
processor, a wait smaller chunks do not shorten (they only multiply it), and sizing by the
clock there shrank chunks to ten rows and the import to hours. On SQLite it then
leaves the lock free a while: writers of other processes wait for it by polling (up to 100 ms
apart), and a job that asked again at once would always beat them.

Reading and checking the file (about 0.2 ms of pure Python a row: a minute for 300,000 rows)
holds no lock but wants a processor, as the server does; on a machine with few cores it runs
at a lower priority, so requests go first. Only that part: a chunk holding the write lock must
not wait for a processor behind the requests that wait for the lock.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

T = TypeVar("T")
CHECKING_NICENESS = 5  # added to the process's own: about a third of the share

LEAST_CHUNK_ROWS = 10
FIRST_CHUNK_ROWS = 100
# After each chunk the lock stays free at least this long, and as long as the chunk held it.
SQLITE_PAUSE_SECONDS = 0.15


def first_chunk_rows(most: int, chunk_seconds: float | None) -> int:
    """The first chunk's size: ``most`` when chunks are sized by count, else a small start."""
    return most if chunk_seconds is None else min(most, FIRST_CHUNK_ROWS)


def next_chunk_rows(rows: int, worked: float, *, chunk_seconds: float | None, most: int) -> int:
    """The next chunk's size after one of ``rows`` took ``worked`` seconds of processor time:
    what that pace fits in ``chunk_seconds``, at most twice the last, within
    LEAST_CHUNK_ROWS..most."""
    if chunk_seconds is None:
        return most
    fits = int(rows * chunk_seconds / worked) if worked > 0 else most
    return max(min(LEAST_CHUNK_ROWS, most), min(most, 2 * rows, fits))


def pause_after(held: float) -> float:
    """How long to leave SQLite's write lock free after a chunk that held it ``held`` s."""
    return max(held, SQLITE_PAUSE_SECONDS)


def at_low_priority(work: Callable[[], T]) -> T:
    """``work()`` in a thread of its own with CHECKING_NICENESS more niceness (on Linux a
    thread's niceness is its own; elsewhere it runs as it is), waiting for its result."""

    def lowered() -> T:
        if sys.platform == "linux":
            tid = threading.get_native_id()
            niceness = min(os.getpriority(os.PRIO_PROCESS, tid) + CHECKING_NICENESS, 19)
            os.setpriority(os.PRIO_PROCESS, tid, niceness)
        return work()

    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="import-check") as pool:
        return pool.submit(lowered).result()
