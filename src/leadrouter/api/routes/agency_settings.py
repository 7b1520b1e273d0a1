"""The caller's agency: its intake settings and the insurance types it accepts."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from leadrouter.api.deps import ContainerDep, ManagerDep, PrincipalDep
from leadrouter.api.schemas.agency_settings import AgencySettingsBody, InsuranceTypeOut
from leadrouter.services.leads import commission
from leadrouter.services.leads import settings as agency_settings
from leadrouter.services.leads.commission import CommissionRates

router = APIRouter(tags=["agency settings"])


@router.get("/agency/settings", response_model=AgencySettingsBody)
def get_settings(container: ContainerDep, principal: PrincipalDep) -> Any:
    """Dedupe window, required lead fields and insurance type overrides."""
    return agency_settings.get_intake_settings(
        uow=container.uow(readonly=True), agency_id=principal.agency_id
    ).model_dump()


@router.put("/agency/settings", response_model=AgencySettingsBody)
def put_settings(body: AgencySettingsBody, container: ContainerDep, principal: ManagerDep) -> Any:
    """Replace the intake settings (a manager's key)."""
    return agency_settings.update_intake_settings(
        uow=container.uow(),
        agency_id=principal.agency_id,
        settings=body,
    ).model_dump()


@router.get("/agency/insurance-types", response_model=list[InsuranceTypeOut])
def insurance_types(container: ContainerDep, principal: PrincipalDep) -> list[dict[str, Any]]:
    """The insurance types leads may name, and the lines of authority each requires."""
    types = agency_settings.accepted_types(
        uow=container.uow(readonly=True), agency_id=principal.agency_id
    )
    return [
        {
            "code": t.code,
            "label": t.label,
            "business_line": str(t.business_line),
            "requires": [sorted(str(line) for line in alt) for alt in t.requires],
        }
        for t in sorted(types.values(), key=lambda t: t.code)
    ]


@router.get("/agency/commission-rates", response_model=CommissionRates)
def get_commission_rates(container: ContainerDep, principal: PrincipalDep) -> CommissionRates:
    """The share of written premium the agency earns, by source, by line, or by default."""
    return commission.get_commission_rates(
        uow=container.uow(readonly=True), agency_id=principal.agency_id
    )


@router.put("/agency/commission-rates", response_model=CommissionRates)
def put_commission_rates(
    body: CommissionRates, container: ContainerDep, principal: ManagerDep
) -> CommissionRates:
    """Replace the commission rates (a manager's key); binds use them from now on."""
    return commission.put_commission_rates(
        uow=container.uow(), agency_id=principal.agency_id, rates=body
    )
