"""Writes of the mail app: outbox rows, resending, the province's templates."""

import base64
import hashlib
import logging
from email.mime.base import MIMEBase

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

# A leaf module (no imports): the portal's one kind of "no" for a user, shared by every app.
from cases.refusals import Refused
from mail.enums import KEY_HEADER, KIND_HEADER, MailState
from mail.kinds import OTHER, get_kind
from mail.models import MailTemplate, OutboxMail
from mail.rendering import render_mail, template_problems
from mail.tasks import send_outbox_mail
from portal.queueing import enqueue

logger = logging.getLogger("mail.services")

KEY_MAX = 200


class MailRefused(Refused):
    """A refused action on the outbox or a template; the message says why, in Chinese."""


def _dedup_key(key: str | None, address: str) -> str | None:
    if not key:
        return None
    composed = f"{key}:{address.lower()}"
    return composed if len(composed) <= KEY_MAX else "sha256:" + hashlib.sha256(composed.encode()).hexdigest()


def _attachments_of(message: EmailMessage) -> list[list[str]]:
    stored = []
    for attachment in message.attachments:
        if isinstance(attachment, MIMEBase):
            filename, content, mimetype = attachment.get_filename() or "attachment", attachment.get_payload(decode=True), attachment.get_content_type()
        else:
            filename, content, mimetype = attachment
        if isinstance(content, str):
            content = content.encode()
        stored.append([filename, base64.b64encode(content or b"").decode("ascii"), mimetype or "application/octet-stream"])
    return stored


def write_outbox(message: EmailMessage) -> list[OutboxMail]:
    """One queued outbox row per recipient (to, cc and bcc each get their own mail, so one refused
    address never holds up the others). The kind and the deduplication key come from the
    X-Portal-Mail-Kind / X-Portal-Mail-Key headers, which are not sent on. A row whose key exists
    already is not written again. Each new row is queued for sending after the caller's commit."""
    headers = dict(message.extra_headers)
    kind = str(headers.pop(KIND_HEADER, "") or OTHER)
    key = headers.pop(KEY_HEADER, None)
    if message.reply_to:
        headers.setdefault("Reply-To", ", ".join(message.reply_to))
    html = next((content for content, mimetype in getattr(message, "alternatives", []) if mimetype == "text/html"), "")
    fields = {
        "kind": kind, "from_email": message.from_email or settings.DEFAULT_FROM_EMAIL, "subject": message.subject,
        "body": message.body, "html_body": html, "headers": headers, "attachments": _attachments_of(message),
    }
    written = []
    for address in dict.fromkeys(message.recipients()):
        dedup_key = _dedup_key(key, address)
        if dedup_key is None:
            written.append(OutboxMail.objects.create(to=address, **fields))
            continue
        mail, created = OutboxMail.objects.get_or_create(dedup_key=dedup_key, defaults={"to": address, **fields})
        if created:
            written.append(mail)
    for mail in written:
        _send_after_commit(mail.pk)
    return written


def _send_after_commit(mail_id: int) -> None:
    transaction.on_commit(lambda: enqueue(send_outbox_mail, mail_id))


def send_templated(*, kind: str, to, values: dict, key: str | None = None, connection=None) -> int:
    """Mail `kind` rendered for `values` (the province's template, or the default) to each address
    of `to`, one mail each, through Django's mail API (so the outbox backend writes the rows).
    `key` names the occasion (e.g. "transition:12"): the same key and address is written once,
    so a notification task that runs twice mails once. Returns how many addresses were mailed."""
    addresses = sorted({address for address in to if address})
    if not addresses:
        return 0
    rendered = render_mail(kind, values)
    headers = {KIND_HEADER: kind}
    if key:
        headers[KEY_HEADER] = key
    messages = [EmailMessage(rendered.subject, rendered.body, None, [address], headers=headers) for address in addresses]
    (connection or get_connection()).send_messages(messages)
    return len(addresses)


@transaction.atomic
def resend_mail(*, mail: OutboxMail, actor, now=None) -> OutboxMail:
    """Queue a failed (or sent) mail again, with a fresh count of attempts.
    Guards: not being sent right now; its content was not erased (a private mail, sent).
    Side effects: the row queued again with who resent it and when; sent after commit."""
    now = now or timezone.now()
    locked = OutboxMail.objects.select_for_update().get(pk=mail.pk)
    if locked.state in (MailState.QUEUED, MailState.SENDING):
        raise MailRefused(_("This mail is already waiting to be sent; it needs no resending."))
    if locked.body_erased:
        raise MailRefused(_("This mail held a personal link and its content was erased once it was sent, so it "
                            "cannot be sent again. Ask the person to request it again (for example a new password reset)."))
    locked.state, locked.attempts, locked.last_error = MailState.QUEUED, 0, ""
    locked.next_attempt_at, locked.claimed_at, locked.resent_at, locked.resent_by = None, None, now, actor
    locked.save(update_fields=["state", "attempts", "last_error", "next_attempt_at", "claimed_at", "resent_at", "resent_by"])
    _send_after_commit(locked.pk)
    return locked


@transaction.atomic
def resend_failed(*, actor, now=None) -> int:
    """Queue every failed mail again (after the mail server is back, or its settings fixed). Returns how many."""
    now = now or timezone.now()
    ids = list(OutboxMail.objects.select_for_update().filter(state=MailState.FAILED, body_erased=False)
               .values_list("pk", flat=True))
    OutboxMail.objects.filter(pk__in=ids).update(
        state=MailState.QUEUED, attempts=0, last_error="", next_attempt_at=None, claimed_at=None, resent_at=now, resent_by=actor,
    )
    for mail_id in ids:
        _send_after_commit(mail_id)
    return len(ids)


@transaction.atomic
def save_template(*, kind: str, subject: str, body: str, actor) -> MailTemplate:
    """The province's subject and body for `kind`. Guards: the kind is editable; the text renders
    (only the kind's placeholders, braces paired, a one-line subject). Side effects: the template
    row, created or replaced, its last problem cleared."""
    definition = get_kind(kind)
    if definition.key != kind or not definition.editable:
        raise MailRefused(_("This kind of mail has no editable template."))
    subject, body = (subject or "").strip(), (body or "").strip()
    problems = template_problems(definition, subject, body)
    if problems:
        raise MailRefused(" ".join(problems))
    template, _created = MailTemplate.objects.update_or_create(
        kind=kind, defaults={"subject": subject, "body": body, "updated_by": actor, "problem": "", "problem_at": None},
    )
    logger.info("mail template %s saved by user %s", kind, getattr(actor, "pk", None))
    return template


@transaction.atomic
def reset_template(*, kind: str, actor) -> int:
    """Back to the default text: the province's template for `kind` is removed. Returns rows removed."""
    removed, _details = MailTemplate.objects.filter(kind=kind).delete()
    logger.info("mail template %s reset to the default by user %s", kind, getattr(actor, "pk", None))
    return removed
