"""Inbound provider hooks: checking the provider's signature and answering in TwiML."""

from __future__ import annotations

from fastapi import Request
from starlette.datastructures import FormData
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from leadrouter.errors import Forbidden
from leadrouter.services.leads.opt_out import Keyword

TWILIO_SIGNATURE = "X-Twilio-Signature"
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


def public_url(request: Request, base_url: str | None) -> str:
    """The URL the provider called, which its signature covers (behind a proxy: the base)."""
    if not base_url:
        return str(request.url)
    query = f"?{request.url.query}" if request.url.query else ""
    return base_url.rstrip("/") + request.url.path + query


def verify_twilio(*, token: str | None, url: str, params: FormData, signature: str | None) -> None:
    """Refuse (403) a request that the agency's auth token did not sign."""
    if not token:
        raise Forbidden("this agency has no SMS auth token configured: inbound texts are refused")
    if not signature:
        raise Forbidden(f"the request is not signed ({TWILIO_SIGNATURE} is missing)")
    if not RequestValidator(token).validate(url, params, signature):
        raise Forbidden(f"the {TWILIO_SIGNATURE} signature does not match")


def twiml_reply(keyword: Keyword, agency_name: str) -> str:
    """TwiML answering a text: a short reply to HELP, nothing otherwise."""
    if keyword is not Keyword.HELP:
        return EMPTY_TWIML
    reply = MessagingResponse()
    reply.message(f"{agency_name}: reply STOP to opt out of texts, START to opt back in.")
    return str(reply.to_xml(xml_declaration=True))
