"""TwiML answers for a live call, built with the provider's own library."""

from __future__ import annotations

from twilio.twiml.voice_response import VoiceResponse

from leadrouter.services.calls.dialing import Dial, Fallback
from leadrouter.services.calls.voice import AskZip, Step

VOICEMAIL_SECONDS = 120
ASK_ZIP = "To reach a licensed agent for your state, please enter your five digit ZIP code."
CONNECTING = "Connecting you to a licensed agent."
SORRY = (
    "Sorry, no licensed agent can take your call right now. Please leave a message after "
    "the tone and we will call you back shortly."
)


def twiml(step: Step, form_key: str) -> str:
    """The TwiML document that carries out one step of the call."""
    base = f"/hooks/voice/{form_key}"
    answer = VoiceResponse()
    if isinstance(step, AskZip):
        action = f"{base}?tries={step.tries}"
        gather = answer.gather(input="dtmf", num_digits=5, action=action, method="POST", timeout=8)
        gather.say(ASK_ZIP)
        answer.redirect(action, method="POST")  # no digits: the hook asks again or falls back
    elif isinstance(step, Dial):
        answer.say(CONNECTING)
        dial = answer.dial(
            action=f"{base}/dial-result?attempt={step.attempt}",
            method="POST",
            timeout=step.timeout,
        )
        # Several numbers ring at once and the first to answer is bridged; each leg's
        # callback names its producer, so the hook knows who answered.
        for target in step.targets:
            dial.number(
                target.phone,
                status_callback=f"{base}/status?producer={target.producer_id}",
                status_callback_event="answered completed",
                status_callback_method="POST",
            )
    elif isinstance(step, Fallback):
        answer.say(SORRY)
        answer.record(
            max_length=VOICEMAIL_SECONDS,
            action=f"{base}/status?event=voicemail",
            method="POST",
            play_beep=True,
        )
        answer.hangup()
    else:
        answer.hangup()
    return str(answer.to_xml(xml_declaration=True))
