"""名额 (附件2): how many cases and presenter candidates each city recommends in a campaign."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import OrganisationKind
from cases.models import Campaign, Organisation


class CityQuota(models.Model):
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="quotas")
    city = models.ForeignKey(
        Organisation, verbose_name=_("city"), on_delete=models.PROTECT, related_name="quotas",
        limit_choices_to={"kind": OrganisationKind.CITY},
    )
    position = models.PositiveSmallIntegerField(_("order in the table"), default=0)
    cases = models.PositiveSmallIntegerField(_("cases to recommend"))
    presenters = models.PositiveSmallIntegerField(_("presenter candidates"))

    class Meta:
        verbose_name = _("city quota")
        verbose_name_plural = _("city quotas")
        ordering = ["campaign", "position"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "city"], name="one_quota_per_city_and_campaign"),
            models.CheckConstraint(condition=Q(presenters__lte=models.F("cases")), name="quota_presenters_within_cases"),
        ]

    def __str__(self) -> str:
        return f"{self.city} {self.cases}/{self.presenters}"
