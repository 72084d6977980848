"""活动: a year's campaign with its stage deadlines."""

import datetime
import zoneinfo
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import ProofMaterials, Stage, Tier

CAMPAIGN_TIME_ZONE = zoneinfo.ZoneInfo("Asia/Shanghai")
# The stages hand their work up in this order, so their deadlines may not go backwards.
DEADLINE_FIELDS_IN_ORDER = ("enterprise_deadline", "association_deadline", "county_deadline", "city_deadline")


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
    # 附件2 说明1 (≥30% through a 园区科协) binds the cities' lists; the province picks its ~10
    # presenters by score, ≤ presenters_per_city_max per city (三(三)4). The notice's reading, the
    # default: the park share of the province's presenters is shown, not enforced. A campaign may
    # decide otherwise by ticking this.
    province_enforces_park_share = models.BooleanField(
        _("the province's presenters must also meet the park association share"), default=False,
        help_text=_("Off (the notice's reading): the share of 附件2 binds the cities' lists and is only shown for the "
                    "province's presenters. On: the province's presenters must meet it too."),
    )
    scoring_closes_at = models.DateTimeField(_("expert scores lock at"), null=True, blank=True)
    vote_opens_at = models.DateTimeField(_("public vote opens at"), null=True, blank=True)
    vote_closes_at = models.DateTimeField(_("public vote closes at"), null=True, blank=True)
    vote_min_picks = models.PositiveSmallIntegerField(_("fewest cases a ballot picks"), default=5)
    vote_max_picks = models.PositiveSmallIntegerField(_("most cases a ballot picks"), default=10)
    objection_days = models.PositiveSmallIntegerField(_("days of the public notice (objection period)"), default=7)
    # Deadlines outside the forwarding stages. The notice fixes no day for them ("及时", "按时提交"):
    # empty means no deadline (no reminder, nothing late); a day set here works like the stages'.
    winner_materials_deadline = models.DateField(
        _("deadline: winners send the talk text, slides and video"), null=True, blank=True,
        help_text=_("附件1 七、八. Files sent later are still accepted and marked late; the province may extend it for one enterprise."),
    )
    activity_plan_deadline = models.DateField(
        _("deadline: every tier uploads its activity plan (活动方案)"), null=True, blank=True,
        help_text=_("四(三) 认真制定活动方案: uploaded at the start by the cities, counties, park / enterprise associations and co-organisers."),
    )
    work_summary_deadline = models.DateField(
        _("deadline: every tier uploads its work summary (工作总结)"), null=True, blank=True,
        help_text=_("四(三) 按时提交工作总结: the cities, counties, park / enterprise associations and co-organisers."),
    )
    # 附件3: 字数一般不超过2000字. Above the first number a case narrative gets a note, above the second a
    # warning (the portal's tolerance for "一般"); neither blocks submission.
    narrative_notice_chars = models.PositiveIntegerField(
        _("narrative length the notice asks for (字, a note above it)"), default=2000)
    narrative_max_chars = models.PositiveIntegerField(
        _("narrative length tolerated (字, a warning above it)"), default=2200)
    # 附件1 lists 证明材料 among the materials to send; 附件3 says 如有其他证明材料，可另附.
    proof_materials = models.CharField(
        _("proof materials (证明材料)"), max_length=16, choices=ProofMaterials.choices, default=ProofMaterials.OPTIONAL)
    # 附件1 三–六: the paper copies go up the chain like the electronic ones. With this ticked a tier
    # forwards its list only once it has marked the paper copies of every case on it received.
    forward_requires_paper = models.BooleanField(
        _("a list is forwarded only once its paper copies were received"), default=False)
    # Closing the campaign (its archive kept) makes every case, file and batch of it read-only.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)

    objects = CampaignQuerySet.as_manager()

    class Meta:
        verbose_name = _("campaign")
        verbose_name_plural = _("campaigns")
        ordering = ["-year"]
        constraints = [
            models.UniqueConstraint(
                fields=["is_current"], condition=Q(is_current=True), name="one_current_campaign",
                violation_error_message=_(
                    "Only one campaign can be current: untick “current campaign” on the campaign that is current "
                    "now, then save this one again."
                ),
            ),
            models.CheckConstraint(
                condition=Q(enterprise_deadline__lte=models.F("association_deadline"))
                & Q(association_deadline__lte=models.F("county_deadline"))
                & Q(county_deadline__lte=models.F("city_deadline")),
                name="campaign_deadlines_in_order",
                violation_error_message=_(
                    "The deadlines must follow the stages in order: enterprises, then associations, then counties, "
                    "then cities. Correct the dates so that none is before the one above it."
                ),
            ),
            models.CheckConstraint(
                condition=Q(expert_weight__gte=0) & Q(public_weight__gte=0)
                & Q(expert_weight__lte=1) & Q(public_weight__lte=1),
                name="campaign_weights_between_0_and_1",
                violation_error_message=_(
                    "The weights of the expert score and of the public vote must each be between 0 and 1 "
                    "(for example 0.70 and 0.30)."
                ),
            ),
            models.CheckConstraint(
                condition=Q(narrative_notice_chars__lte=models.F("narrative_max_chars")),
                name="campaign_narrative_lengths_in_order",
                violation_error_message=_(
                    "The narrative length tolerated cannot be below the length the notice asks for: raise the "
                    "tolerated length or lower the other one."
                ),
            ),
            models.CheckConstraint(
                condition=Q(proof_materials__in=ProofMaterials.values), name="campaign_proof_materials_valid",
                violation_error_message=_("Choose whether proof materials are optional or required."),
            ),
            models.CheckConstraint(
                condition=Q(vote_min_picks__lte=models.F("vote_max_picks")), name="campaign_vote_picks_in_order",
                violation_error_message=_(
                    "The fewest cases a ballot picks cannot be more than the most cases it picks: lower the first "
                    "number or raise the second."
                ),
            ),
        ]

    def __str__(self) -> str:
        return self.title

    def clean(self) -> None:
        """The constraints of Meta, checked field by field so a form shows each error beside the field
        to correct (the constraints then skip those fields; the database still enforces them)."""
        super().clean()
        errors: dict[str, str] = {}
        latest: tuple[str, datetime.date] | None = None  # the latest deadline of the stages before this one
        for name in DEADLINE_FIELDS_IN_ORDER:
            day = getattr(self, name)
            if day is None:
                continue
            if latest is not None and day < latest[1]:
                errors[name] = _(
                    "This day is before “%(earlier)s” (%(day)s): the stages close in order. "
                    "Choose %(day)s or a later day, or move the earlier deadline."
                ) % {"earlier": self._meta.get_field(latest[0]).verbose_name, "day": latest[1].isoformat()}
            else:
                latest = (name, day)
        for weight in ("expert_weight", "public_weight"):
            value = getattr(self, weight)
            if value is not None and not 0 <= value <= 1:
                errors[weight] = _("A weight is between 0 and 1 (for example 0.70): correct %(value)s.") % {"value": value}
        if self.vote_min_picks is not None and self.vote_max_picks is not None and self.vote_min_picks > self.vote_max_picks:
            errors["vote_max_picks"] = _(
                "This is fewer than the fewest cases a ballot picks (%(fewest)d): enter %(fewest)d or more, "
                "or lower the fewest."
            ) % {"fewest": self.vote_min_picks}
        if (self.narrative_notice_chars is not None and self.narrative_max_chars is not None
                and self.narrative_notice_chars > self.narrative_max_chars):
            errors["narrative_max_chars"] = _(
                "This is below the length the notice asks for (%(notice)d 字): enter %(notice)d or more, or lower "
                "that length."
            ) % {"notice": self.narrative_notice_chars}
        if self.winner_materials_deadline is not None and self.city_deadline is not None \
                and self.winner_materials_deadline < self.city_deadline:
            errors["winner_materials_deadline"] = _(
                "The winners are chosen after the cities forward their lists (%(day)s): choose a later day."
            ) % {"day": self.city_deadline.isoformat()}
        if errors:
            raise ValidationError(errors)

    def deadline_for(self, tier: Tier | Stage) -> datetime.date | None:
        """The last day of a stage: the day `tier` hands its work up (the province has none), or the
        day of a stage outside the pipeline (None when the campaign sets none)."""
        return {
            Stage.ENTERPRISE: self.enterprise_deadline,
            Stage.ASSOCIATION: self.association_deadline,
            Stage.COUNTY: self.county_deadline,
            Stage.CITY: self.city_deadline,
            Stage.WINNER_MATERIALS: self.winner_materials_deadline,
            Stage.ACTIVITY_PLAN: self.activity_plan_deadline,
            Stage.WORK_SUMMARY: self.work_summary_deadline,
        }.get(tier)

    def closes_at(self, tier: Tier | Stage) -> datetime.datetime | None:
        """The instant the tier's stage closes: the midnight after its (inclusive) deadline day."""
        day = self.deadline_for(tier)
        if day is None:
            return None
        next_day = day + datetime.timedelta(days=1)
        return datetime.datetime.combine(next_day, datetime.time.min, tzinfo=CAMPAIGN_TIME_ZONE)


class CoOrganiser(models.Model):
    """A co-organising department of a campaign (the notice's header: 省科技厅, 省工信厅 …). It is not a
    tier of the tree (it forwards no cases) but writes its 活动方案 and 工作总结 (四(三)) like the
    tiers; `members` are the accounts (usually observers) who upload them for it."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="co_organisers")
    name = models.CharField(_("name"), max_length=200)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    members = models.ManyToManyField(settings.AUTH_USER_MODEL, verbose_name=_("accounts that upload for it"),
                                     blank=True, related_name="co_organisers")

    class Meta:
        verbose_name = _("co-organising department")
        verbose_name_plural = _("co-organising departments")
        ordering = ["campaign", "position", "pk"]
        constraints = [models.UniqueConstraint(fields=["campaign", "name"], name="co_organiser_name_unique_in_campaign")]

    def __str__(self) -> str:
        return self.name
