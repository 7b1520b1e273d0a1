"""Bodies of the agency settings endpoints."""

from __future__ import annotations

from pydantic import BaseModel

from leadrouter.intake.settings import IntakeSettings


class AgencySettingsBody(IntakeSettings):
    """The agency's intake settings; PUT replaces them whole (absent fields get defaults)."""


class InsuranceTypeOut(BaseModel):
    code: str
    label: str
    business_line: str
    requires: list[list[str]]
