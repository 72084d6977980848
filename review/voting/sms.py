"""Sending the SMS verification code through a pluggable gateway.

settings.VOTE_SMS_GATEWAY is the dotted path of a class with `send(phone: str, message: str)`.
The default, ConsoleGateway, prints the message (development); a production gateway wraps the
provider's API. The message never reaches a log in production gateways.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

from cases.rules import mask_phone

logger = logging.getLogger(__name__)

DEFAULT_GATEWAY = "review.voting.sms.ConsoleGateway"


class ConsoleGateway:
    """Development and the demo: print the code to the console (runserver's terminal) when DEBUG,
    the embedded default or demo mode is on. Otherwise it prints nothing: a voter's phone and code
    must not end up in production logs, and an operator reading the error knows VOTE_SMS_GATEWAY
    is missing."""

    def send(self, phone: str, message: str) -> None:
        if settings.DEBUG or getattr(settings, "EMBEDDED", False) or getattr(settings, "DEMO_MODE", False):
            print(f"[SMS to {phone}] {message}", flush=True)  # noqa: T201 - the development gateway's whole job
            return
        logger.error("no SMS gateway configured (VOTE_SMS_GATEWAY): the code for %s was not sent", mask_phone(phone))


class MemoryGateway:
    """Tests and benchmarks: keep messages in `outbox` (phone, message)."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, message: str) -> None:
        MemoryGateway.outbox.append((phone, message))


def gateway():
    return import_string(getattr(settings, "VOTE_SMS_GATEWAY", DEFAULT_GATEWAY))()
