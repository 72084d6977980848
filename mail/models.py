"""The outbox (every mail the portal sends is a row) and the templates provincial staff edit."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mail.enums import MailState


class OutboxMail(models.Model):
    """One mail to one address. Written by mail.backend (every call of Django's mail API lands
    here), sent by the `mail.send` task through settings.MAIL_DELIVERY_BACKEND, retried with backoff.

    `dedup_key` makes a notification task that runs twice write its mail once."""

    kind = models.CharField(_("kind"), max_length=64, db_index=True)
    to = models.CharField(_("to"), max_length=254)
    from_email = models.CharField(_("from"), max_length=254)
    subject = models.TextField(_("subject"))
    body = models.TextField(_("body"), blank=True)
    html_body = models.TextField(_("HTML body"), blank=True)
    headers = models.JSONField(_("extra headers"), default=dict, blank=True)
    # [filename, base64 content, mimetype] of each attachment given as a tuple to EmailMessage.
    attachments = models.JSONField(_("attachments"), default=list, blank=True)
    dedup_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    state = models.CharField(_("state"), max_length=16, choices=MailState.choices, default=MailState.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("written at"), auto_now_add=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("sending since"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    body_erased = models.BooleanField(_("content erased after sending"), default=False)
    resent_at = models.DateTimeField(_("resent at"), null=True, blank=True)
    resent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("resent by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("outbox mail")
        verbose_name_plural = _("outbox mails")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="outbox_state_due")]
        constraints = [
            models.CheckConstraint(condition=Q(state__in=MailState.values), name="outbox_state_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.to} · {self.subject[:50]}"


class MailTemplate(models.Model):
    """The province's own subject and body for one kind of mail; without a row the default is used.

    `problem` holds why the last rendering failed (the default was sent instead), shown to the province."""

    kind = models.CharField(_("kind"), max_length=64, unique=True)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("updated by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    problem = models.TextField(_("problem"), blank=True)
    problem_at = models.DateTimeField(_("problem seen at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mail template")
        verbose_name_plural = _("mail templates")
        ordering = ["kind"]

    def __str__(self) -> str:
        return self.kind
