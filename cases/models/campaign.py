"""活动: a year's campaign with its stage deadlines."""

import datetime
import zoneinfo
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import Tier

CAMPAIGN_TIME_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")


class CampaignQuerySet(models.QuerySet):
    def current(self) -> "Campaign | None":
        return self.filter(is_current=True).first()


class Campaign(models.Model):
    """活动: one year's campaign. Deadlines are inclusive calendar days in Asia/Shanghai."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    document_number = models.CharField(_("notice number"), max_length=100, blank=True)
    is_current = models.BooleanField(_("current campaign"), default=False)
    enterprise_deadline = models.DateField(_("deadline: enterprises submit to their association"))
    association_deadline = models.DateField(_("deadline: associations forward to the county"))
    county_deadline = models.DateField(_("deadline: counties forward to the city"))
    city_deadline = models.DateField(_("deadline: cities forward to the province"))
    # The rules of 附件2 说明, as data so a later campaign may change them.
    park_case_share_percent = models.PositiveSmallIntegerField(
        _("minimum share of a city's cases coming through a park association (%)"), default=30
    )
    park_presenter_share_percent = models.PositiveSmallIntegerField(
        _("minimum share of a city's presenter candidates coming through a park association (%)"), default=30
    )
    max_cases_per_enterprise = models.PositiveSmallIntegerField(_("maximum cases per enterprise on a city's list"), default=1)
    # Provincial selection (三(三)4): expert review, public vote, winners and presenters.
    experts_per_case = models.PositiveSmallIntegerField(_("experts per case"), default=5)
    normalise_expert_scores = models.BooleanField(_("normalise each expert's scores (z-score)"), default=False)
    expert_weight = models.DecimalField(_("weight of the expert score"), max_digits=3, decimal_places=2, default=Decimal("0.70"))
    public_weight = models.DecimalField(_("weight of the public vote"), max_digits=3, decimal_places=2, default=Decimal("0.30"))
    winners_count = models.PositiveSmallIntegerField(_("number of winners"), default=100)
    presenters_count = models.PositiveSmallIntegerField(_("number of presenters"), default=10)
    presenters_per_city_max = models.PositiveSmallIntegerField(_("presenters per city at most"), default=2)
    scoring_closes_at = models.DateTimeField(_("expert scores lock at"), null=True, blank=True)
    vote_opens_at = models.DateTimeField(_("public vote opens at"), null=True, blank=True)
    vote_closes_at = models.DateTimeField(_("public vote closes at"), null=True, blank=True)
    vote_min_picks = models.PositiveSmallIntegerField(_("fewest cases a ballot picks"), default=5)
    vote_max_picks = models.PositiveSmallIntegerField(_("most cases a ballot picks"), default=10)
    objection_days = models.PositiveSmallIntegerField(_("days of the public notice (objection period)"), default=7)
    # Closing the campaign (its archive kept) makes every case, file and batch of it read-only.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_campaign"
            ),
            models.CheckConstraint(
                condition=Q(enterprise_deadline__lte=models.F("association_deadline"))
                & Q(association_deadline__lte=models.F("county_deadline"))
                & Q(county_deadline__lte=models.F("city_deadline")),
                name="campaign_deadlines_in_order",
            ),
            models.CheckConstraint(
                condition=Q(expert_weight__gte=0) & Q(public_weight__gte=0)
                & Q(expert_weight__lte=1) & Q(public_weight__lte=1),
                name="campaign_weights_between_0_and_1",
            ),
            models.CheckConstraint(condition=Q(vote_min_picks__lte=models.F("vote_max_picks")), name="campaign_vote_picks_in_order"),
        ]

    def __str__(self) -> str:
        return self.title

    def deadline_for(self, tier: Tier) -> datetime.date | None:
        """The last day on which `tier` may hand its work up; the province has none."""
        return {
            Tier.ENTERPRISE: self.enterprise_deadline,
            Tier.ASSOCIATION: self.association_deadline,
            Tier.COUNTY: self.county_deadline,
            Tier.CITY: self.city_deadline,
        }.get(tier)

    def closes_at(self, tier: Tier) -> datetime.datetime | None:
        """The instant the tier's stage closes: the midnight after its (inclusive) deadline day."""
        day = self.deadline_for(tier)
        if day is None:
            return None
        next_day = day + datetime.timedelta(days=1)
        return datetime.datetime.combine(next_day, datetime.time.min, tzinfo=CAMPAIGN_TIME_ZONE)
