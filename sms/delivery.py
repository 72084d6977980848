"""Writes of the sending side (run by the workers): one attempt at a message, and the sweep that
finds messages whose task was lost.

An attempt claims its message with one conditional UPDATE (queued or retrying, and due → sending),
so a message queued twice (a retry and the sweep) is sent once. Outcomes:
- sent: the provider's message id, the code erased;
- a transient failure (provider unreachable, 5xx, its system errors) with attempts and time left
  before the code expires: retrying, next attempt after a backoff (SMS_RETRY_BASE_SECONDS
  doubling, at most SMS_RETRY_MAX_DELAY);
- anything else, or no attempt left: failed, with the provider's code and the Chinese reason
  (SmsFailure) for the province, the code erased;
- the code expired before it could go: expired (likewise visible).
Log lines name the message id, kind and masked number; never the text or the code.
"""

from __future__ import annotations

import datetime
import logging

from django.conf import settings
from django.db.models import F
from django.utils import timezone

from sms.enums import OPEN_STATES, TRANSIENT_FAILURES, SmsFailure, SmsState
from sms.gateways import OutgoingSms, SmsGatewayError, deliver, gateway_path, get_gateway
from sms.models import SmsMessage

logger = logging.getLogger("sms")

# A retry message may be a little early or late; within this it still counts as due.
DUE_SLACK = datetime.timedelta(seconds=2)


def retry_delay(attempts: int) -> float:
    """Seconds before attempt number `attempts + 1`."""
    return min(settings.SMS_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), settings.SMS_RETRY_MAX_DELAY)


def outgoing(message: SmsMessage) -> OutgoingSms:
    return OutgoingSms(
        phone=message.phone, kind=message.kind, template=settings.SMS_TEMPLATES.get(message.kind, ""),
        params=dict(message.params), text=message.text % message.params,
    )


def _log_extra(message: SmsMessage, **extra) -> dict:
    return {"event": "sms", "sms_id": message.pk, "sms_kind": message.kind, "phone": message.masked_phone,
            "attempt": message.attempts, "state": message.state, **extra}


def attempt_delivery(*, message_id: int, now: datetime.datetime | None = None) -> SmsMessage | None:
    """One attempt at sending message `message_id`. None when there is nothing to do (sent
    already, another attempt under way, or not due yet). Returns the message with its new state."""
    now = now or timezone.now()
    claimed = SmsMessage.objects.filter(
        pk=message_id, state__in=(SmsState.QUEUED, SmsState.RETRYING), next_attempt_at__lte=now + DUE_SLACK,
    ).update(state=SmsState.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    message = SmsMessage.objects.get(pk=message_id)
    if message.expires_at <= now:
        return _close(message, SmsState.EXPIRED, now=now)
    message.gateway = gateway_path()
    try:
        message.provider_message_id = deliver(get_gateway(), outgoing(message))[:100]
    except SmsGatewayError as error:
        return _failed(message, error.failure, f"{error.code}: {error.detail}".strip(": "), now=now)
    except Exception as error:  # a gateway's bug or an unexpected network error: retried like an outage
        logger.exception("SMS gateway %s raised", message.gateway, extra=_log_extra(message))
        return _failed(message, SmsFailure.UNAVAILABLE, type(error).__name__, now=now)
    message.failure = ""
    message.sent_at = timezone.now()
    _close(message, SmsState.SENT, now=now)
    logger.info("SMS %s (%s) to %s sent by %s after %d attempt(s)", message.pk, message.kind, message.masked_phone,
                message.gateway, message.attempts, extra=_log_extra(message))
    return message


def _scrub(message: SmsMessage, error: str) -> str:
    """The provider's words without the code or the number: some echo the request back (Aliyun's
    SignatureDoesNotMatch quotes the whole string it signed)."""
    for value in [*map(str, message.params.values()), message.phone]:
        if value:
            error = error.replace(value, "***" if value != message.phone else message.masked_phone)
    return error


def _failed(message: SmsMessage, failure: SmsFailure, error: str, *, now) -> SmsMessage:
    error = _scrub(message, error)
    message.failure = failure
    message.last_error = error[:500]
    delay = retry_delay(message.attempts)
    next_attempt = now + datetime.timedelta(seconds=delay)
    if failure in TRANSIENT_FAILURES and message.attempts < settings.SMS_MAX_ATTEMPTS and next_attempt < message.expires_at:
        message.state = SmsState.RETRYING
        message.next_attempt_at = next_attempt
        message.save()
        logger.warning("SMS %s (%s) to %s not sent (attempt %d of %d): %s %s; next attempt in %d s",
                       message.pk, message.kind, message.masked_phone, message.attempts, settings.SMS_MAX_ATTEMPTS,
                       failure, error, delay, extra=_log_extra(message, failure=failure, error=error))
        return message
    _close(message, SmsState.FAILED, now=now)
    logger.error("SMS %s (%s) to %s failed after %d attempt(s): %s %s", message.pk, message.kind,
                 message.masked_phone, message.attempts, failure, error,
                 extra=_log_extra(message, failure=failure, error=error))
    return message


def _close(message: SmsMessage, state: SmsState, *, now) -> SmsMessage:
    """A final state: the code is erased, whatever the outcome."""
    message.state = state
    message.params = {}
    message.save()
    if state == SmsState.EXPIRED:
        logger.error("SMS %s (%s) to %s expired unsent after %d attempt(s); last error: %s", message.pk, message.kind,
                     message.masked_phone, message.attempts, message.last_error or "-", extra=_log_extra(message))
    return message


def stalled_message_ids(*, now: datetime.datetime | None = None, grace: datetime.timedelta) -> list[int]:
    """Messages whose task was lost, to queue again; closes what can no longer be sent.

    - open messages whose code expired: expired (visible to the province);
    - an attempt that started long ago and never finished (its worker died): due again;
    - queued or retrying messages due for longer than `grace` (the broker was down when they
      were queued, or the retry message was lost): returned."""
    now = now or timezone.now()
    for message in SmsMessage.objects.filter(state__in=OPEN_STATES, expires_at__lte=now):
        _close(message, SmsState.EXPIRED, now=now)
    abandoned_before = now - datetime.timedelta(seconds=2 * settings.SMS_TIMEOUT) - grace
    SmsMessage.objects.filter(state=SmsState.SENDING, claimed_at__lt=abandoned_before).update(
        state=SmsState.RETRYING, next_attempt_at=now)
    return list(SmsMessage.objects.filter(
        state__in=(SmsState.QUEUED, SmsState.RETRYING), next_attempt_at__lte=now - grace,
    ).order_by("next_attempt_at").values_list("pk", flat=True))
