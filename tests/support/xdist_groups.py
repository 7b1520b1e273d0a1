"""The ``xdist_group`` of each test, in its node id, where pytest-xdist's scheduler reads it.

Under ``--dist loadgroup`` pytest-xdist sends the tests of one group to one worker, and it
learns a test's group from a ``@group`` suffix of the node id its worker reports. Its worker
adds the suffix by assigning ``item._nodeid``; pytest 9.2 keeps a node's id in ``item._id``
(a ``NodeId``) and no longer reads ``_nodeid``, so the suffix was lost and every group was
spread over the workers: each of them started the browser tests' server and Chromium, and
built every module fixture of a group again. Here the suffix is added where pytest keeps the
id; with a pytest that still reads ``_nodeid`` this does nothing and pytest-xdist adds it.
"""

from __future__ import annotations

import pytest


def group_of(item: pytest.Item) -> str | None:
    """The test's ``xdist_group`` names joined as pytest-xdist joins them, or None."""
    names = {
        str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
        for mark in item.iter_markers("xdist_group")
    }
    return "_".join(sorted(names)) or None


def carry_groups_in_node_ids(items: list[pytest.Item]) -> None:
    """Suffix each grouped test's node id with ``@group`` (in a pytest-xdist worker)."""
    for item in items:
        group = group_of(item)
        node_id = getattr(item, "_id", None)
        if group is None or node_id is None or hasattr(item, "_nodeid"):
            continue
        if not item.nodeid.endswith(f"@{group}"):
            item._id = type(node_id).parse(f"{item.nodeid}@{group}")
