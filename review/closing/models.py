"""A city's work summary (工作总结, 附件1 四(三)) uploaded back after editing the generated draft."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from cases.models import Campaign, Organisation


def summary_storage_path(instance: "CityWorkSummary", filename: str) -> str:
    return f"closing/{instance.campaign_id}/summaries/{instance.city_id}/{uuid.uuid4().hex}"


class CityWorkSummary(models.Model):
    """One uploaded version of a city's 工作总结; the newest is the current one, earlier ones are kept."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+")
    city = models.ForeignKey(Organisation, verbose_name=_("city"), on_delete=models.PROTECT, related_name="+")
    file = models.FileField(_("file"), upload_to=summary_storage_path, max_length=255)
    original_name = models.CharField(_("original file name"), max_length=255)
    size = models.BigIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    uploaded_at = models.DateTimeField(_("uploaded at"))

    class Meta:
        app_label = "review"
        verbose_name = _("city work summary")
        verbose_name_plural = _("city work summaries")
        ordering = ["campaign", "city", "-uploaded_at", "-pk"]
