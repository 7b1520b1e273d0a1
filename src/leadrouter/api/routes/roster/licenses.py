"""/v1/licenses: who may sell what, where. Pending until compliance verifies."""

from __future__ import annotations

from fastapi import APIRouter, Response

from leadrouter.api.deps import ContainerDep, PrincipalDep
from leadrouter.api.ids import RowId, RowIdQuery
from leadrouter.api.paging import Cursor, Limit, PageOut, page_out
from leadrouter.api.routes.roster.common import Compliance, LicenseEditor, license_verifier
from leadrouter.api.schemas.roster.licenses import LicenseCreate, LicenseOut, LicensePatch
from leadrouter.domain.model import LicenseStatus
from leadrouter.services.people.access import own_producer
from leadrouter.services.roster import licenses as service

router = APIRouter(tags=["licenses"])


@router.post("/licenses", status_code=201)
def create_license(
    body: LicenseCreate, c: ContainerDep, who: LicenseEditor, response: Response
) -> LicenseOut:
    """Record a license; pending unless the key has the compliance role."""
    record = service.create_license(
        uow=c.uow(),
        agency_id=who.agency_id,
        spec=body.to_spec(),
        now=c.clock.now(),
        verifier=license_verifier(c, who),
    )
    response.headers["Location"] = f"/v1/licenses/{record.license.id}"
    return LicenseOut.of(record)


@router.get("/licenses")
def list_licenses(
    c: ContainerDep,
    who: PrincipalDep,
    producer_id: RowIdQuery = None,
    state: str | None = None,
    status: LicenseStatus | None = None,
    verified: bool | None = None,
    limit: Limit = 100,
    cursor: Cursor = None,
) -> PageOut[LicenseOut]:
    """The agency's licenses, in id order; ``verified=false`` lists the pending ones (a key
    bound to a producer: that producer's alone; another producer's is 403)."""
    found = service.list_licenses(
        uow=c.uow(readonly=True),
        agency_id=who.agency_id,
        producer_id=own_producer(who, producer_id),
        state=state.upper() if state else None,
        status=status.value if status else None,
        verified=verified,
        cursor=cursor,
        limit=limit,
    )
    return page_out(found, LicenseOut.of)


@router.get("/licenses/{license_id}")
def get_license(license_id: RowId, c: ContainerDep, who: PrincipalDep) -> LicenseOut:
    """One license (a key bound to a producer: its own only, another producer's is 403)."""
    record = service.get_license(
        uow=c.uow(readonly=True), agency_id=who.agency_id, license_id=license_id
    )
    own_producer(who, record.license.producer_id)
    return LicenseOut.of(record)


@router.patch("/licenses/{license_id}")
def update_license(
    license_id: RowId, body: LicensePatch, c: ContainerDep, who: LicenseEditor
) -> LicenseOut:
    """Change a license; unless the key has the compliance role, a change that could grant
    more (anything but a status leaving 'active') makes it pending again."""
    return LicenseOut.of(
        service.update_license(
            uow=c.uow(),
            agency_id=who.agency_id,
            license_id=license_id,
            changes=body.changes(),
            now=c.clock.now(),
            verifier=license_verifier(c, who),
        )
    )


@router.post("/licenses/{license_id}/verify")
def verify_license(license_id: RowId, c: ContainerDep, who: Compliance) -> LicenseOut:
    """Record that this compliance key checked the license (who and when); it counts from now."""
    verifier = license_verifier(c, who)
    assert verifier is not None
    return LicenseOut.of(
        service.verify_license(
            uow=c.uow(),
            agency_id=who.agency_id,
            license_id=license_id,
            verifier=verifier,
            now=c.clock.now(),
        )
    )


@router.delete("/licenses/{license_id}", status_code=204)
def delete_license(license_id: RowId, c: ContainerDep, who: LicenseEditor) -> None:
    """Remove a license typed in by mistake; 409 once decisions relied on it."""
    service.delete_license(uow=c.uow(), agency_id=who.agency_id, license_id=license_id)
