"""Every ``leadrouter`` command is a fresh interpreter: the command line and the server start
without the numerical libraries (numpy, SciPy, scikit-learn take seconds of CPU to import),
which load when a model is fitted or an estimate read."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("numpy", "scipy", "sklearn")

pytestmark = pytest.mark.slow  # a fresh interpreter


def loaded_after(statement: str) -> list[str]:
    """The heavy packages a fresh interpreter holds after running ``statement``."""
    probe = f"import json, sys; {statement}; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return sorted({m.split(".")[0] for m in json.loads(done.stdout)} & set(HEAVY))


def test_the_command_line_starts_without_the_numerical_libraries():
    assert loaded_after("import leadrouter.cli") == []


def test_the_server_and_its_worker_start_without_the_numerical_libraries():
    assert loaded_after("import leadrouter.api.app, leadrouter.worker") == []
