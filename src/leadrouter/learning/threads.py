"""Keep scikit-learn's native thread pools to one thread while fitting and predicting.

The models here are small (thousands of rows); on a busy machine several OpenMP threads
spinning against other processes made a one-second fit take twenty. One thread is fast
and gives the same numbers on every machine. The controller is made once: finding the
loaded libraries costs milliseconds, too much for every prediction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

_CONTROLLER: list[Any] = []


@contextmanager
def one_thread() -> Iterator[None]:
    """Run the block with native thread pools (OpenMP, BLAS) limited to one thread."""
    if not _CONTROLLER:
        import sklearn.ensemble  # noqa: F401  (loads the OpenMP runtime the controller must see)
        from threadpoolctl import ThreadpoolController

        _CONTROLLER.append(ThreadpoolController())
    with _CONTROLLER[0].limit(limits=1):
        yield
