"""The gateway interface: one class per provider, named by settings.SMS_GATEWAY.

A gateway is a class whose `deliver(sms: OutgoingSms) -> str` sends one message and returns the
provider's message id, or raises `SmsGatewayError` saying what kind of failure it was (the
provider's code mapped to an `SmsFailure`); anything else it raises counts as "provider
unavailable" and is retried. Template providers (Aliyun, Tencent) send `sms.template` with
`sms.params`; the console and memory gateways send the rendered `sms.text`.

A class written for the old interface (`send(phone, message)`, VOTE_SMS_GATEWAY) still works: it
gets the rendered text.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.utils.module_loading import import_string

from cases.rules import mask_phone
from sms.enums import SmsFailure

logger = logging.getLogger("sms")

DEFAULT_GATEWAY = "sms.gateways.ConsoleGateway"
# Short names an operator may write in SMS_GATEWAY instead of a dotted path.
ALIASES = {
    "aliyun": "sms.gateways.aliyun.AliyunGateway",
    "tencent": "sms.gateways.tencent.TencentGateway",
    "console": DEFAULT_GATEWAY,
}


@dataclass(frozen=True)
class OutgoingSms:
    phone: str  # 11 digits, mainland China
    kind: str  # SmsKind
    template: str  # the provider's template id for this kind ("" for text gateways)
    params: dict[str, str] = field(default_factory=dict)  # {"code": "123456"}
    text: str = ""  # the whole message, for gateways that send text

    def __repr__(self) -> str:  # never the code, should this object reach a log or a traceback
        return f"OutgoingSms(kind={self.kind!r}, phone={mask_phone(self.phone)!r})"


class SmsGatewayError(Exception):
    """A message the gateway could not send. `failure` says what the operator must do,
    `code`/`detail` are the provider's own words (kept for the admin and the log)."""

    def __init__(self, failure: SmsFailure, code: str = "", detail: str = ""):
        super().__init__(f"{failure}: {code} {detail}".strip())
        self.failure = SmsFailure(failure)
        self.code = code
        self.detail = detail


def gateway_path() -> str:
    """The configured gateway's dotted path. SMS_GATEWAY, or the deprecated VOTE_SMS_GATEWAY when
    something still sets it (an old settings override)."""
    legacy = getattr(settings, "VOTE_SMS_GATEWAY", None)
    path = legacy or getattr(settings, "SMS_GATEWAY", "") or DEFAULT_GATEWAY
    return ALIASES.get(path, path)


def get_gateway():
    return import_string(gateway_path())()


def deliver(gateway, sms: OutgoingSms) -> str:
    """Send through `gateway`, whichever interface it has; the provider's message id or ""."""
    if hasattr(gateway, "deliver"):
        return gateway.deliver(sms) or ""
    gateway.send(sms.phone, sms.text)
    return ""


class ConsoleGateway:
    """Development and the demo: print the message to the console (runserver's terminal) when
    DEBUG, the embedded default or demo mode is on. Otherwise it prints nothing and fails the
    message as "not configured": a voter's phone and code must not end up in production logs, and
    the province sees the failure and the setting to fix."""

    def deliver(self, sms: OutgoingSms) -> str:
        self.send(sms.phone, sms.text)
        return ""

    def send(self, phone: str, message: str) -> None:
        if settings.DEBUG or getattr(settings, "EMBEDDED", False) or getattr(settings, "DEMO_MODE", False):
            print(f"[SMS to {phone}] {message}", flush=True)  # noqa: T201 - the development gateway's whole job
            return
        logger.error("no SMS gateway configured (SMS_GATEWAY): the message for %s was not sent", mask_phone(phone))
        raise SmsGatewayError(SmsFailure.NOT_CONFIGURED, "SMS_GATEWAY")


class MemoryGateway:
    """Tests and benchmarks: keep messages in `outbox` as (phone, text), and the whole
    OutgoingSms in `sent`."""

    outbox: list[tuple[str, str]] = []
    sent: list[OutgoingSms] = []

    def deliver(self, sms: OutgoingSms) -> str:
        MemoryGateway.outbox.append((sms.phone, sms.text))
        MemoryGateway.sent.append(sms)
        return f"memory-{len(MemoryGateway.sent)}"
