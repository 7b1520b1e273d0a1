"""The time sections of the policy document (escalation, acceptance, cadence, contact hours)."""

from __future__ import annotations

from pydantic import BaseModel


class TimingPolicy(BaseModel):
    """Placeholder until the time engine fills it in."""
