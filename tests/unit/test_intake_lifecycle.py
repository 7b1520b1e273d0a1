import pytest

from leadrouter.domain.model import LeadStatus as S
from leadrouter.intake.lifecycle import ALLOWED, may_change


def test_every_status_has_a_rule() -> None:
    assert set(ALLOWED) == set(S)


def test_nothing_ever_goes_back_to_new() -> None:
    assert not any(may_change(status, S.NEW) for status in S)


def test_a_bound_lead_stays_bound() -> None:
    assert not any(may_change(S.BOUND, status) for status in S)


@pytest.mark.parametrize(
    ("current", "target"),
    [
        (S.NEW, S.QUEUED),
        (S.NEW, S.ASSIGNED),
        (S.QUEUED, S.ASSIGNED),
        (S.ASSIGNED, S.ASSIGNED),
        (S.ASSIGNED, S.CONTACTED),
        (S.CONTACTED, S.QUOTED),
        (S.QUOTED, S.BOUND),
        (S.QUOTED, S.LOST),
        (S.LOST, S.NURTURE),
        (S.NURTURE, S.ASSIGNED),
    ],
)
def test_the_way_of_a_lead_is_allowed(current: S, target: S) -> None:
    assert may_change(current, target)


@pytest.mark.parametrize(
    ("current", "target"),
    [(S.NEW, S.QUOTED), (S.NEW, S.BOUND), (S.QUEUED, S.BOUND), (S.LOST, S.BOUND)],
)
def test_skipping_the_work_is_not(current: S, target: S) -> None:
    assert not may_change(current, target)
