"""The audit trail: case transitions, deadline extensions and other recorded events. Append-only."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import AuditAction, CaseStatus, Stage
from cases.models.campaign import Campaign
from cases.models.case import Case
from cases.models.organisations import Enterprise, Organisation


class CaseTransition(models.Model):
    """One move of a case: who, when, from which status to which, and why."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="transitions")
    from_status = models.CharField(_("from"), max_length=32, choices=CaseStatus.choices)
    to_status = models.CharField(_("to"), max_length=32, choices=CaseStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("case transition")
        verbose_name_plural = _("case transitions")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.case}: {self.from_status} → {self.to_status}"


class DeadlineExtension(models.Model):
    """A later closing day for one organisation's (or one enterprise's) stage, granted by the province."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="extensions")
    tier = models.PositiveSmallIntegerField(_("stage"), choices=Stage.choices)
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    closes_on = models.DateField(_("new deadline (inclusive)"))
    reason = models.TextField(_("reason"))
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("granted by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("deadline extension")
        verbose_name_plural = _("deadline extensions")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, enterprise__isnull=True)
                | Q(organisation__isnull=True, enterprise__isnull=False),
                name="extension_for_one_organisation_or_enterprise",
            ),
        ]


class AuditEvent(models.Model):
    """Anything else worth a record: extensions, downloads of personal data, imports."""

    action = models.CharField(_("action"), max_length=40, choices=AuditAction.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    case = models.ForeignKey(Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    summary = models.CharField(_("summary"), max_length=300)
    details = models.JSONField(_("details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created_at", "-id"]
