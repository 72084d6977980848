"""Sending one outbox row through the real mail backend, and what happens when that fails.

At least once, never twice at the same time: a row is claimed (QUEUED → SENDING by one UPDATE)
before the mail server is contacted, so two messages for the same row (a retry and the requeue
job) cannot both send it. A worker that dies while sending leaves a SENDING row, which
`due_mail_ids` puts back in the queue after MAIL_CLAIM_TIMEOUT: that mail may then arrive twice,
which beats not at all.
"""

import base64
import datetime
import logging
import smtplib
import socket
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mail.enums import MailState
from mail.kinds import get_kind
from mail.models import OutboxMail

logger = logging.getLogger("mail.delivery")


@dataclass(frozen=True)
class Delivery:
    """What one call of `deliver` did. `retry_in`: seconds until the next try, when one is due."""

    mail_id: int
    sent: bool = False
    skipped: bool = False
    retry_in: int | None = None


def build_message(mail: OutboxMail) -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=mail.subject, body=mail.body, from_email=mail.from_email, to=[mail.to], headers=dict(mail.headers),
    )
    if mail.html_body:
        message.attach_alternative(mail.html_body, "text/html")
    for filename, content, mimetype in mail.attachments:
        message.attach(filename, base64.b64decode(content), mimetype)
    return message


def retry_delay(attempts: int) -> int:
    """Seconds before the next try after `attempts` failed ones: doubling from MAIL_RETRY_SECONDS, capped."""
    return min(settings.MAIL_RETRY_SECONDS * 2 ** max(attempts - 1, 0), settings.MAIL_RETRY_MAX_SECONDS)


def is_permanent(error: Exception) -> bool:
    """A refusal retrying cannot change (5xx: address refused, relay or login denied). Connection
    trouble and 4xx answers are temporary."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _message in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return isinstance(error, (ValueError, UnicodeError))


def explain(error: Exception) -> str:
    """The error as the province reads it on the outbox page: what happened in Chinese, then the server's words."""
    if isinstance(error, smtplib.SMTPAuthenticationError):
        text = _("The mail server refused the portal's sign-in: check EMAIL_HOST_USER and EMAIL_HOST_PASSWORD, then resend.")
    elif isinstance(error, smtplib.SMTPRecipientsRefused):
        text = _("The mail server refused this address: check it (and the user's account), then resend.")
    elif isinstance(error, smtplib.SMTPSenderRefused):
        text = _("The mail server refused the sender address: check DEFAULT_FROM_EMAIL, then resend.")
    elif isinstance(error, smtplib.SMTPResponseException):
        text = _("The mail server answered with error %(code)s.") % {"code": error.smtp_code}
    elif isinstance(error, (smtplib.SMTPServerDisconnected, smtplib.SMTPConnectError, ConnectionError, socket.timeout, OSError)):
        text = _("The mail server could not be reached (%(host)s:%(port)s). The portal tries again by itself.") % {
            "host": settings.EMAIL_HOST or "-", "port": settings.EMAIL_PORT}
    else:
        text = _("Sending failed.")
    return f"{text} [{type(error).__name__}: {error}]"[:2000]


def deliver(mail_id: int, *, now: datetime.datetime | None = None) -> Delivery:
    """Send one queued row that is due. Side effects, in order: the row is claimed (SENDING); the mail
    goes to MAIL_DELIVERY_BACKEND; the row becomes SENT (a private body is erased), or QUEUED with the
    error and the time of its next try, or FAILED after MAIL_MAX_ATTEMPTS tries or a permanent refusal.
    A row that is not queued or not yet due is left alone (safe to call twice)."""
    now = now or timezone.now()
    claimed = OutboxMail.objects.filter(
        Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now), pk=mail_id, state=MailState.QUEUED,
    ).update(state=MailState.SENDING, claimed_at=now)
    if not claimed:
        return Delivery(mail_id, skipped=True)
    mail = OutboxMail.objects.get(pk=mail_id)
    try:
        connection = get_connection(settings.MAIL_DELIVERY_BACKEND, fail_silently=False)
        connection.send_messages([build_message(mail)])
    except Exception as error:  # every failure is recorded on the row; nothing is raised to the worker
        return _record_failure(mail, error, now)
    done = {"state": MailState.SENT, "sent_at": timezone.now(), "attempts": mail.attempts + 1, "last_error": "",
            "next_attempt_at": None, "claimed_at": None}
    if get_kind(mail.kind).private:
        done.update(body="", html_body="", attachments=[], body_erased=True)
    OutboxMail.objects.filter(pk=mail.pk).update(**done)
    logger.info("mail %s (%s) sent after %d attempt(s)", mail.pk, mail.kind, mail.attempts + 1)
    return Delivery(mail_id, sent=True)


def _record_failure(mail: OutboxMail, error: Exception, now: datetime.datetime) -> Delivery:
    attempts = mail.attempts + 1
    update = {"attempts": attempts, "last_error": explain(error), "claimed_at": None}
    if is_permanent(error) or attempts >= settings.MAIL_MAX_ATTEMPTS:
        update.update(state=MailState.FAILED, next_attempt_at=None)
        OutboxMail.objects.filter(pk=mail.pk).update(**update)
        logger.error("mail %s (%s) failed after %d attempt(s): %s", mail.pk, mail.kind, attempts, type(error).__name__)
        return Delivery(mail.pk)
    delay = retry_delay(attempts)
    update.update(state=MailState.QUEUED, next_attempt_at=now + datetime.timedelta(seconds=delay))
    OutboxMail.objects.filter(pk=mail.pk).update(**update)
    logger.warning("mail %s (%s) not sent (attempt %d, %s); next try in %d s",
                   mail.pk, mail.kind, attempts, type(error).__name__, delay)
    return Delivery(mail.pk, retry_in=delay)


def due_mail_ids(*, now: datetime.datetime | None = None, limit: int = 500) -> list[int]:
    """Rows whose message was lost (broker down when queued, a worker gone while sending): queued
    rows due for more than a minute, and rows claimed longer ago than MAIL_CLAIM_TIMEOUT, which go
    back to the queue first."""
    now = now or timezone.now()
    OutboxMail.objects.filter(
        state=MailState.SENDING, claimed_at__lt=now - datetime.timedelta(seconds=settings.MAIL_CLAIM_TIMEOUT),
    ).update(state=MailState.QUEUED, claimed_at=None, next_attempt_at=None)
    late = now - datetime.timedelta(minutes=1)
    due = OutboxMail.objects.filter(state=MailState.QUEUED).filter(
        Q(next_attempt_at__isnull=True, created_at__lte=late) | Q(next_attempt_at__lte=late)
    )
    return list(due.order_by("pk").values_list("pk", flat=True)[:limit])
