"""The tests of one ``xdist_group`` run in one pytest-xdist worker (the browser tests' server
and Chromium, a module's fixture: made once), as ``make test`` runs the suite."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow  # a pytest run of its own, with two worker processes

ROOT = Path(__file__).resolve().parents[2]

CONFTEST = """
import pytest

from tests.support.xdist_groups import carry_groups_in_node_ids


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items):
    if getattr(config.option, "loadgroup", False):
        carry_groups_in_node_ids(items)
"""

TESTS = """
import pytest


@pytest.mark.xdist_group("shared")
@pytest.mark.parametrize("n", range(6))
def test_grouped(n):
    pass


@pytest.mark.parametrize("n", range(6))
def test_free(n):
    pass
"""


def test_the_tests_of_a_group_run_in_one_worker_and_the_others_anywhere(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(CONFTEST)
    (tmp_path / "test_grouped.py").write_text(TESTS)
    (tmp_path / "pytest.ini").write_text("[pytest]\n")  # this directory is the rootdir
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-v",
            "-n",
            "2",
            "--dist",
            "loadgroup",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:schemathesis",
            "-p",
            "no:randomly",
        ],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    ran = re.findall(r"\[(gw\d+)\] \[\s*\d+%\] PASSED \S+::(test_\w+)\[(\d)\](@\w+)?", run.stdout)
    grouped = {(worker, group) for worker, name, _, group in ran if name == "test_grouped"}
    assert len(grouped) == 1, f"the group ran in {sorted(grouped)}:\n{run.stdout[-3000:]}"
    assert grouped.pop()[1] == "@shared"  # the id pytest-xdist's scheduler read
    assert len([r for r in ran if r[1] == "test_free"]) == 6
