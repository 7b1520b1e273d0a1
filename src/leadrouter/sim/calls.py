"""A call-path simulator: plays the telephony provider against the app's voice hooks.

It posts signed webhooks the way the provider does (form-encoded, ``X-Twilio-Signature``),
follows each TwiML answer (Gather, Redirect, Dial, Record, Hangup), answers or not per producer,
and checks every answer: well-formed TwiML, a ZIP asked before anyone is dialed when the place
is unknown, no producer dialed who is not licensed in the caller's state, and no caller left
without a producer or the fallback.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import urljoin

from twilio.request_validator import RequestValidator

VERBS = frozenset({"Say", "Gather", "Redirect", "Dial", "Record", "Hangup", "Pause"})
MAX_STEPS = 30


class Answer(Protocol):
    """The parts of an HTTP response the simulator reads."""

    @property
    def status_code(self) -> int: ...

    @property
    def text(self) -> str: ...


class Poster(Protocol):
    """What posts to the app: a ``TestClient`` in-process, or an ``httpx.Client`` over HTTP."""

    @property
    def base_url(self) -> Any: ...  # an httpx URL (Starlette's test client may bring its own)

    def post(self, url: str, *, data: Any, headers: Any) -> Answer: ...


class CallPathError(AssertionError):
    """The app answered a call in a way the call path must never take."""


@dataclass(frozen=True)
class Caller:
    """One call: who calls, from which state (as the simulator knows it), what it carries."""

    sid: str
    phone: str
    state: str | None  # the caller's true state; None: the caller does not know a ZIP either
    zip_code: str | None = None  # typed into the Gather when asked
    fields: Mapping[str, str] = field(default_factory=dict)  # a vendor's transfer fields


@dataclass
class CallTrace:
    """What happened on one call."""

    dialed: list[str] = field(default_factory=list)
    asked_zip: int = 0
    bridged_to: str | None = None
    fallback: bool = False
    documents: list[str] = field(default_factory=list)

    @property
    def outcome(self) -> str:
        return "bridged" if self.bridged_to else "fallback" if self.fallback else "ended"


@dataclass
class CallSimulator:
    """The provider's side of the calls to one agency's voice number."""

    client: Poster
    form_key: str
    token: str
    licensed: Mapping[str, frozenset[str]]  # producer phone -> states it may take calls from
    answers: Callable[[str], str] = lambda phone: "completed"  # phone -> DialCallStatus

    def post(self, path: str, data: Mapping[str, str]) -> Answer:
        """Post one signed webhook, as the provider would."""
        url = urljoin(str(self.client.base_url).rstrip("/") + "/", path.lstrip("/"))
        signature = RequestValidator(self.token).compute_signature(url, dict(data))
        return self.client.post(url, data=dict(data), headers={"X-Twilio-Signature": signature})

    def call(self, caller: Caller) -> CallTrace:
        """Play one call to its end and check every answer on the way."""
        trace = CallTrace()
        base = {"CallSid": caller.sid, "From": caller.phone, "To": "+18005550100"}
        path, data = f"/hooks/voice/{self.form_key}", {**base, **caller.fields}
        for _ in range(MAX_STEPS):
            root = self._answer(trace, path, data)
            following = self._follow(trace, caller, root, base)
            if following is None:
                return self._checked(trace)
            path, data = following
        raise CallPathError(f"call {caller.sid} never ended ({MAX_STEPS} steps)")

    def _answer(self, trace: CallTrace, path: str, data: Mapping[str, str]) -> ET.Element:
        answer = self.post(path, data)
        if answer.status_code != 200:
            raise CallPathError(f"{path} answered {answer.status_code}: {answer.text[:200]}")
        trace.documents.append(answer.text)
        return well_formed(answer.text)

    def _follow(
        self, trace: CallTrace, caller: Caller, root: ET.Element, base: dict[str, str]
    ) -> tuple[str, dict[str, str]] | None:
        """The provider's next request after this document, or None when the call ended."""
        for verb in root:
            if verb.tag == "Gather":
                trace.asked_zip += 1
                if trace.dialed:
                    raise CallPathError("asked for a ZIP after producers were dialed")
                if caller.zip_code:
                    return verb.attrib["action"], {**base, "Digits": caller.zip_code}
            elif verb.tag == "Redirect":
                return (verb.text or "").strip(), dict(base)
            elif verb.tag == "Dial":
                return self._dial(trace, caller, verb, base)
            elif verb.tag == "Record":
                trace.fallback = True
                if not trace.documents[-1].count("<Say"):
                    raise CallPathError("voicemail without a message to the caller")
                recording = {"RecordingUrl": f"https://recordings.example/{caller.sid}"}
                self._ok(verb.attrib["action"], {**base, "CallStatus": "in-progress", **recording})
                return None
            elif verb.tag == "Hangup":
                return None
        return None

    def _dial(
        self, trace: CallTrace, caller: Caller, verb: ET.Element, base: dict[str, str]
    ) -> tuple[str, dict[str, str]]:
        """Ring every number of the Dial at once; the first (in order) that answers wins."""
        numbers = verb.findall("Number")
        results = []
        for number in numbers:
            phone = (number.text or "").strip()
            trace.dialed.append(phone)
            if caller.state is None or caller.state not in self.licensed.get(phone, frozenset()):
                raise CallPathError(f"dialed {phone}, not licensed in {caller.state or 'unknown'}")
            results.append((number, phone, self.answers(phone)))
        for number, phone, status in results:
            if status == "completed":
                leg = {**base, "ParentCallSid": base["CallSid"], "CallSid": f"{base['CallSid']}L"}
                self._ok(number.attrib["statusCallback"], {**leg, "CallStatus": "in-progress"})
                trace.bridged_to = phone
                return verb.attrib["action"], {
                    **base,
                    "DialCallStatus": "completed",
                    "DialCallDuration": "95",
                }
        return verb.attrib["action"], {**base, "DialCallStatus": results[0][2]}

    def _ok(self, path: str, data: Mapping[str, str]) -> None:
        answer = self.post(path, data)
        if answer.status_code != 200:
            raise CallPathError(f"{path} answered {answer.status_code}: {answer.text[:200]}")

    @staticmethod
    def _checked(trace: CallTrace) -> CallTrace:
        if trace.bridged_to is None and not trace.fallback:
            raise CallPathError("the caller was left with neither a producer nor the fallback")
        return trace


def well_formed(document: str) -> ET.Element:
    """The TwiML document's root, after checking its shape (else CallPathError)."""
    try:
        root = ET.fromstring(document)
    except ET.ParseError as exc:
        raise CallPathError(f"not XML: {exc}") from exc
    if root.tag != "Response":
        raise CallPathError(f"the root is <{root.tag}>, not <Response>")
    for verb in root:
        if verb.tag not in VERBS:
            raise CallPathError(f"unknown verb <{verb.tag}>")
        if verb.tag in ("Gather", "Dial", "Record") and not verb.attrib.get("action"):
            raise CallPathError(f"<{verb.tag}> without an action URL")
        if verb.tag == "Gather" and (
            verb.attrib.get("input") != "dtmf" or verb.attrib.get("numDigits") != "5"
        ):
            raise CallPathError("a ZIP is gathered as 5 DTMF digits")
        if verb.tag == "Dial":
            numbers = verb.findall("Number")
            if not numbers or not all((n.text or "").strip() for n in numbers):
                raise CallPathError("<Dial> without a number")
            if not verb.attrib.get("timeout"):
                raise CallPathError("<Dial> without a timeout")
    return root
