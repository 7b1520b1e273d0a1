"""The voice hooks of a live call (signed like the SMS hook), and producer presence."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request, Response
from pydantic import BaseModel
from sqlalchemy import Connection
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from leadrouter.api import provider_hooks
from leadrouter.api.deps import ContainerDep, PrincipalDep
from leadrouter.api.ids import RowId
from leadrouter.api.voice_twiml import twiml
from leadrouter.bootstrap import Container
from leadrouter.services.admin import security
from leadrouter.services.calls import presence as presence_service
from leadrouter.services.calls import voice
from leadrouter.services.people.access import may_act_as

router = APIRouter(tags=["calls"])
hooks_router = APIRouter(tags=["inbound hooks"])
PROBLEM: dict[str, Any] = {"content": {"application/problem+json": {}}}
HOOK_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/xml": {}}, "description": "TwiML."},
    403: {"description": "Missing or wrong X-Twilio-Signature.", **PROBLEM},
    404: {"description": "No such form.", **PROBLEM},
}
FormKey = Annotated[str, Path(max_length=64)]
QUERY_FIELDS = frozenset({"tries", "producer"})  # set by our own TwiML in callback URLs


class PresenceBody(BaseModel):
    presence: presence_service.Presence


class PresenceOut(BaseModel):
    producer_id: int
    presence: str


@router.put("/producers/{producer_id}/presence", response_model=PresenceOut)
def put_presence(
    producer_id: RowId, body: PresenceBody, container: ContainerDep, principal: PrincipalDep
) -> PresenceOut:
    """Set a producer's presence: only ``available`` producers are dialed for live calls.

    A key or user bound to a producer sets that producer's presence only.
    """
    may_act_as(principal, producer_id)
    done = presence_service.set_presence(
        uow=container.uow(),
        agency_id=principal.agency_id,
        producer_id=producer_id,
        presence=body.presence,
    )
    return PresenceOut(producer_id=producer_id, presence=done)


UseCase = Callable[..., voice.Step]  # voice.answer_call, dial_result, call_status


async def _hook(
    request: Request, container: Container, form_key: str, use_case: UseCase
) -> Response:
    """One voice hook: read the provider's fields, then run ``use_case`` in a worker thread;
    the first thing its transaction does is find the agency and check the signature (else
    403, before anything is written). Its step as TwiML."""
    async with request.form(max_files=0, max_fields=64) as form:
        params = FormData([(k, v) for k, v in form.multi_items() if isinstance(v, str)])
    url = provider_hooks.public_url(request, container.settings.public_base_url)
    signature = request.headers.get(provider_hooks.TWILIO_SIGNATURE)
    fields = {k: str(v)[:500] for k, v in params.items()}
    fields.update({k: v[:20] for k, v in request.query_params.items() if k in QUERY_FIELDS})

    def signed(conn: Connection) -> security.HookAgency:
        agency = security.find_hook_agency(conn, container.sealer, form_key)
        provider_hooks.verify_twilio(
            token=agency.sms_auth_token, url=url, params=params, signature=signature
        )
        return agency

    def verified() -> voice.Step:
        return use_case(
            uow=container.uow(),
            caches=container.routing,
            now=container.clock.now(),
            hook=voice.Hook(fields, signed),
        )

    step = await run_in_threadpool(verified)
    return Response(content=twiml(step, form_key), media_type="application/xml")


@hooks_router.post("/hooks/voice/{form_key}", response_class=Response, responses=HOOK_RESPONSES)
async def inbound_call(form_key: FormKey, request: Request, container: ContainerDep) -> Response:
    """An inbound call or live transfer: ask the ZIP when the place is unknown, else dial."""
    return await _hook(request, container, form_key, voice.answer_call)


@hooks_router.post(
    "/hooks/voice/{form_key}/dial-result", response_class=Response, responses=HOOK_RESPONSES
)
async def dial_result(form_key: FormKey, request: Request, container: ContainerDep) -> Response:
    """A Dial ended: answered, or the next producer, or the fallback."""
    return await _hook(request, container, form_key, voice.dial_result)


@hooks_router.post(
    "/hooks/voice/{form_key}/status", response_class=Response, responses=HOOK_RESPONSES
)
async def call_status(form_key: FormKey, request: Request, container: ContainerDep) -> Response:
    """A call status callback (ringing, answered, completed, duration, recording URL)."""
    return await _hook(request, container, form_key, voice.call_status)
