"""The 活动方案 and 工作总结 of every tier and co-organiser (附件1 四(三): 各市科协及相关单位、各县（市、
区）科协、各园区（企业）科协要认真制定活动方案 … 按时提交工作总结), uploaded as Word or stamped PDF."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import Stage
from cases.models import Campaign, CoOrganiser, Organisation


class WorkDocumentKind(models.TextChoices):
    """What is uploaded, and the stage whose deadline closes it (Campaign.*_deadline)."""

    PLAN = "plan", _("Activity plan (活动方案)")
    SUMMARY = "summary", _("Work summary (工作总结)")

    @property
    def stage(self) -> Stage:
        return {WorkDocumentKind.PLAN: Stage.ACTIVITY_PLAN, WorkDocumentKind.SUMMARY: Stage.WORK_SUMMARY}[self]


def summary_storage_path(instance: "WorkDocument", filename: str) -> str:
    holder = f"{instance.organisation_id}" if instance.organisation_id else f"co{instance.co_organiser_id}"
    return f"closing/{instance.campaign_id}/{instance.kind}/{holder}/{uuid.uuid4().hex}"


class WorkDocument(models.Model):
    """One uploaded version of an organisation's (city, county, park / enterprise association) or a
    co-organiser's 活动方案 or 工作总结; the newest is the current one, earlier ones are kept."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("document"), max_length=16, choices=WorkDocumentKind.choices, default=WorkDocumentKind.SUMMARY)
    organisation = models.ForeignKey(Organisation, verbose_name=_("organisation"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    co_organiser = models.ForeignKey(CoOrganiser, verbose_name=_("co-organising department"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), upload_to=summary_storage_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        app_label = "review"
        verbose_name = _("activity plan or work summary")
        verbose_name_plural = _("activity plans and work summaries")
        ordering = ["campaign", "kind", "organisation", "co_organiser", "-uploaded_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(organisation__isnull=False, co_organiser__isnull=True)
                | Q(organisation__isnull=True, co_organiser__isnull=False),
                name="work_document_of_one_holder",
            ),
            models.CheckConstraint(condition=Q(kind__in=WorkDocumentKind.values), name="work_document_kind_valid"),
        ]

    @property
    def holder(self):
        return self.organisation or self.co_organiser
