"""The decision state's rotation counters: a mapping of pools, each parsed when asked for."""

from __future__ import annotations

from leadrouter.store.decision_state import RotationCounts


def test_a_pool_is_read_from_its_text_only_when_a_decision_asks_for_it() -> None:
    counts = RotationCounts({"line personal:round_robin": "1:3,2:0", "line commercial:x": "7:1"})

    assert counts._parsed == {}
    assert counts.get("line personal:round_robin") == {1: 3, 2: 0}
    assert list(counts._parsed) == ["line personal:round_robin"]
    assert counts.get("territory east:round_robin", {}) == {}
    assert "line commercial:x" not in counts._parsed


def test_rotation_counts_equal_the_plain_dict_they_stand_for() -> None:
    counts = RotationCounts({"a": "1:2", "b": "3:4,5:6"})

    assert counts == {"a": {1: 2}, "b": {3: 4, 5: 6}}
    assert sorted(counts) == ["a", "b"] and len(counts) == 2
    assert counts["b"] is counts["b"]  # parsed once
