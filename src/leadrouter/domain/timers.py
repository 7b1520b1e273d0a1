"""What is due for an open assignment at ``now``: the escalation ladder, the offer, the cadence.

Timers are state, not jobs. The worker loads a ``TimerState``, asks ``due_actions`` what is
due, carries each action out and adds its ``key`` to ``done`` in the same transaction
(exactly once), then stores ``next_due_at`` on the row.

Two clocks:
  * per assignment (restart when the lead changes hands): notify the producer, alert and warn
    the producer, and the offer's expiry. They count from the assignment (or from its
    acceptance, when the policy requires one).
  * per lead (survive a reassignment): alert the manager, every consumer message and the call
    reminders count from the lead's first assignment. Reassign counts from the current owner's
    start (an owner always gets the full time) but happens once per lead: the lead does not
    bounce from producer to producer every half hour; the manager alert takes over.
    ``reassigned`` builds the next owner's state and keeps only the per-lead keys.

While an offer awaits acceptance only the producer's notice, the offer's expiry and the manager
alert can fall due; the rest waits for an owner who has accepted.

Contact hours (quiet hours): texts to a consumer, and reminders to call one, happen only within
the policy's hours on the consumer's local clock (``ZoneInfo``, so DST is right). A step that
falls outside them is deferred to the next opening, never dropped; the deferral itself is a
``Defer`` action (recorded once). Emails to the consumer are not restricted (they wait in an
inbox, they do not ring), and neither are alerts to producers and managers.

Stops: contact logged, or the lead contacted/quoted/bound/lost → nothing more is due. In status
nurture only the nurture emails continue. Do-not-contact (including an SMS STOP) stops every
consumer message and call reminder; the producer-facing ladder goes on.

A repeating step (the monthly nurture) sends only its latest occurrence after downtime.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from leadrouter.domain.model import LeadStatus
from leadrouter.domain.timer_actions import (
    Action,
    AlertManager,
    AlertProducer,
    Defer,
    MessageConsumer,
    NotifyProducer,
    OfferExpired,
    Reassign,
    RemindProducer,
    WarnProducer,
)
from leadrouter.domain.timer_policy import (
    CadenceAction,
    CadenceStep,
    Channel,
    EscalationAction,
    TimingRules,
)
from leadrouter.domain.timer_retry import backoff, is_stop_keyword

__all__ = [
    "Action",
    "AlertManager",
    "AlertProducer",
    "Defer",
    "MessageConsumer",
    "NotifyProducer",
    "OfferExpired",
    "Reassign",
    "RemindProducer",
    "TimerState",
    "WarnProducer",
    "backoff",
    "due_actions",
    "is_stop_keyword",
    "next_due_at",
    "per_lead_keys",
]

OFFER_KEY = "offer:expired"
DEFER_PREFIX = "defer:"
# Actions whose clock restarts with every new owner; all others count per lead.
PER_ASSIGNMENT = frozenset(
    {
        EscalationAction.ALERT_PRODUCER,
        EscalationAction.WARN_PRODUCER,
        CadenceAction.NOTIFY_PRODUCER,
    }
)
_CONSUMER = frozenset(
    {
        CadenceAction.SMS_CONSUMER,
        CadenceAction.EMAIL_CONSUMER,
        CadenceAction.NURTURE_EMAIL,
        CadenceAction.CALL_REMINDER,
    }
)
_QUIET_HOURS_APPLY = frozenset({CadenceAction.SMS_CONSUMER, CadenceAction.CALL_REMINDER})


@dataclass(frozen=True)
class TimerState:
    """What the time engine needs to know about one open assignment of a lead."""

    lead_id: int
    assignment_id: int
    owner_id: int
    first_assigned_at: datetime  # the lead's first assignment: per-lead steps count from here
    assigned_at: datetime  # this assignment (or offer) began
    consumer_timezone: str  # the lead's ZIP time zone, else the agency's
    lead_status: str = LeadStatus.ASSIGNED
    accept_by: datetime | None = None  # set when the policy requires acceptance
    accepted_at: datetime | None = None
    contacted_at: datetime | None = None
    do_not_contact: bool = False  # do-not-contact flag or an SMS opt-out
    done: frozenset[str] = field(default_factory=frozenset)

    @property
    def awaiting_acceptance(self) -> bool:
        return self.accept_by is not None and self.accepted_at is None

    def done_with(self, actions: Iterable[Action | str]) -> TimerState:
        """This state with the given actions (or keys) recorded as done."""
        keys = {a if isinstance(a, str) else a.key for a in actions}
        return dataclasses.replace(self, done=self.done | keys)

    def reassigned(
        self,
        *,
        assignment_id: int,
        owner_id: int,
        at: datetime,
        accept_by: datetime | None = None,
    ) -> TimerState:
        """The state of the lead's next assignment: per-lead steps done stay done."""
        return dataclasses.replace(
            self,
            assignment_id=assignment_id,
            owner_id=owner_id,
            assigned_at=at,
            accept_by=accept_by,
            accepted_at=None,
            done=per_lead_keys(self.done),
        )


def per_lead_keys(done: Iterable[str]) -> frozenset[str]:
    """The done keys that survive a change of owner (the lead's steps, not the assignment's)."""
    return frozenset(k for k in done if not _per_assignment(k))


def due_actions(state: TimerState, rules: TimingRules, now: datetime) -> list[Action]:
    """Everything due at ``now`` and not yet done, oldest first (policy order on ties)."""
    return [action for at, action in _agenda(state, rules, now) if at <= now]


def next_due_at(state: TimerState, rules: TimingRules, now: datetime) -> datetime | None:
    """The earliest instant something is due (deferrals honored); None once nothing ever is."""
    agenda = _agenda(state, rules, now)
    return agenda[0][0] if agenda else None


def upcoming(state: TimerState, rules: TimingRules, now: datetime) -> list[tuple[datetime, Action]]:
    """Every step not yet done, soonest first (those already due included): what the
    producer's screen counts down to."""
    return _agenda(state, rules, now)


def _per_assignment(key: str) -> bool:
    parts = key.removeprefix(DEFER_PREFIX).split(":")
    return key == OFFER_KEY or (len(parts) > 1 and parts[1] in PER_ASSIGNMENT)


_Item = tuple[datetime, Action]


def _agenda(state: TimerState, rules: TimingRules, now: datetime) -> list[_Item]:
    if state.lead_status == LeadStatus.NURTURE:
        nurture = [s for s in rules.cadence if s.action == CadenceAction.NURTURE_EMAIL]
        items = _cadence(state, rules, nurture, now)
    elif state.lead_status != LeadStatus.ASSIGNED or state.contacted_at is not None:
        items = []
    else:
        items = []
        if state.awaiting_acceptance and state.accept_by and OFFER_KEY not in state.done:
            items.append((state.accept_by, OfferExpired(OFFER_KEY, state.accept_by)))
        items += _ladder(state, rules) + _cadence(state, rules, rules.cadence, now)
    # Stable: at the same instant, the offer, then the ladder, then the cadence, in policy order.
    return sorted(items, key=lambda item: item[0])


def _ladder(state: TimerState, rules: TimingRules) -> list[_Item]:
    owner_since = None if state.awaiting_acceptance else (state.accepted_at or state.assigned_at)
    items: list[_Item] = []
    for rung in rules.escalation:
        if rung.key in state.done:
            continue
        reason = f"not contacted within {_words(rung.after)}"
        if rung.action == EscalationAction.ALERT_MANAGER:
            at = state.first_assigned_at + rung.after
            items.append((at, AlertManager(rung.key, at, reason, rung.channels)))
        elif owner_since is None:
            continue
        elif rung.action == EscalationAction.REASSIGN:
            at = owner_since + rung.after
            items.append((at, Reassign(rung.key, at, reason, rung.channels)))
        else:
            at = owner_since + rung.after
            kind = AlertProducer if rung.action == EscalationAction.ALERT_PRODUCER else WarnProducer
            items.append((at, kind(rung.key, at, reason, rung.channels)))
    return items


def _cadence(
    state: TimerState, rules: TimingRules, steps: Iterable[CadenceStep], now: datetime
) -> list[_Item]:
    items: list[_Item] = []
    for step in steps:
        if step.action == CadenceAction.NOTIFY_PRODUCER:
            at = state.assigned_at + step.at
            key = step.key_at(step.at)
            if key not in state.done:
                items.append((at, NotifyProducer(key, at, step.template, state.accept_by)))
            continue
        if state.awaiting_acceptance or (state.do_not_contact and step.action in _CONSUMER):
            continue
        offset = _occurrence(step, state, now)
        if offset is None:
            continue
        at = state.first_assigned_at + offset
        action = _step_action(step, step.key_at(offset), at)
        if step.action in _QUIET_HOURS_APPLY:
            items.append(_within_hours(state, rules, at, action, now))
        else:
            items.append((at, action))
    return items


def _occurrence(step: CadenceStep, state: TimerState, now: datetime) -> timedelta | None:
    """The offset of the step's pending occurrence (the latest one, for a repeating step)."""
    if step.repeat is None:
        return None if step.key_at(step.at) in state.done else step.at
    elapsed = now - state.first_assigned_at
    count = 0 if elapsed < step.at else (elapsed - step.at) // step.repeat
    offset = step.at + count * step.repeat
    return offset + step.repeat if step.key_at(offset) in state.done else offset


def _step_action(step: CadenceStep, key: str, at: datetime) -> Action:
    if step.action == CadenceAction.SMS_CONSUMER:
        return MessageConsumer(key, at, Channel.SMS, step.template)
    if step.action == CadenceAction.CALL_REMINDER:
        return RemindProducer(key, at, step.template)
    return MessageConsumer(key, at, Channel.EMAIL, step.template)


def _within_hours(
    state: TimerState, rules: TimingRules, at: datetime, action: Action, now: datetime
) -> _Item:
    """The step itself when the consumer's clock allows it, else its deferral."""
    hours, zone = rules.contact_hours, state.consumer_timezone
    probe = max(at, now)
    if hours.is_open(probe, zone):
        return at, action
    until = hours.next_open(probe, zone)
    defer_key = DEFER_PREFIX + action.key
    if defer_key in state.done:
        return until, action
    return at, Defer(defer_key, at, action.key, until)


def _words(span: timedelta) -> str:
    seconds = int(span.total_seconds())
    if seconds and seconds % 3600 == 0:
        n, unit = seconds // 3600, "hour"
    elif seconds % 60 == 0:
        n, unit = seconds // 60, "minute"
    else:
        n, unit = seconds, "second"
    return f"{n} {unit}{'s' if n != 1 else ''}"
