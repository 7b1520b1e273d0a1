"""Keep scikit-learn's native thread pools to one thread while fitting and predicting.

The models here are small (thousands of rows); on a busy machine several OpenMP threads
spinning against other processes made a one-second fit take twenty. One thread is fast
and gives the same numbers on every machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block with native thread pools (OpenMP, BLAS) limited to one thread."""
    with threadpool_limits(limits=1):
        yield
