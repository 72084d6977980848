from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.rules import mask_phone
from sms.enums import SmsFailure, SmsKind, SmsState


class SmsMessage(models.Model):
    """One text message, from queueing to its outcome (the province reads failures in the admin).

    `text` is the wording with its placeholder (%(code)s), `params` the values; the code lives
    only in `params` and is erased once the message is sent, failed or expired, so the table
    never keeps a usable code. Logs name the message by id and a masked number, never the text.
    """

    kind = models.CharField(_("kind"), max_length=20, choices=SmsKind.choices)
    phone = models.CharField(_("mobile number"), max_length=11)
    text = models.CharField(_("wording"), max_length=300)
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=SmsState.choices, default=SmsState.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    gateway = models.CharField(_("gateway"), max_length=200, blank=True)
    provider_message_id = models.CharField(_("provider's message id"), max_length=100, blank=True)
    failure = models.CharField(_("failure"), max_length=20, choices=SmsFailure.choices, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("queued at"), auto_now_add=True, db_index=True)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    claimed_at = models.DateTimeField(_("attempt started at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("useless after"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)

    class Meta:
        verbose_name = _("text message")
        verbose_name_plural = _("text messages")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["state", "next_attempt_at"], name="sms_open_by_due")]
        constraints = [
            models.CheckConstraint(condition=models.Q(state__in=SmsState.values), name="sms_state_valid"),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} → {mask_phone(self.phone)}"

    @property
    def masked_phone(self) -> str:
        return mask_phone(self.phone)


class SmsDailyUsage(models.Model):
    """Messages queued on one day (Asia/Shanghai) in one scope: "all" (the global budget) or one
    number's keyed hash (the per-number cap). Counted with a conditional UPDATE, so concurrent
    requests can never pass the limit together."""

    day = models.DateField()
    scope = models.CharField(max_length=64)
    count = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["day", "scope"], name="sms_usage_one_row_per_day_scope")]
