"""Provincial selection: the ranking, winners and presenters, staff overrides, the 公示 and the
优秀案例证书 (certificates)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.models import Campaign, Case


class SelectionState(models.TextChoices):
    DRAFT = "draft", _("Draft: staff are deciding")
    PUBLISHED = "published", _("Public notice: objection period running")
    FINAL = "final", _("Final")


class Selection(models.Model):
    """The province's selection of one campaign. One per campaign."""

    campaign = models.OneToOneField(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="selection")
    state = models.CharField(_("state"), max_length=16, choices=SelectionState.choices, default=SelectionState.DRAFT)
    computed_at = models.DateTimeField(_("ranking computed at"), null=True, blank=True)
    published_at = models.DateTimeField(_("public notice from"), null=True, blank=True)
    objection_ends_at = models.DateTimeField(_("objection period ends at"), null=True, blank=True)
    finalised_at = models.DateTimeField(_("final at"), null=True, blank=True)

    class Meta:
        verbose_name = _("selection")
        verbose_name_plural = _("selections")
        constraints = [models.CheckConstraint(condition=Q(state__in=SelectionState.values), name="selection_state_valid")]

    def __str__(self) -> str:
        return str(self.campaign)


class SelectionEntry(models.Model):
    """A case's place in the ranking and whether it wins or presents."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="entries")
    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="selection_entry")
    rank = models.PositiveIntegerField(_("rank"))
    expert_score = models.FloatField(_("expert score"), null=True, blank=True)
    expert_normalised = models.FloatField(_("expert score, normalised"), default=0)
    votes = models.PositiveIntegerField(_("valid votes"), default=0)
    votes_normalised = models.FloatField(_("votes, normalised"), default=0)
    final_score = models.FloatField(_("final score"), default=0)
    disagreement = models.BooleanField(_("experts disagree"), default=False)
    is_winner = models.BooleanField(_("winner"), default=False)
    is_presenter = models.BooleanField(_("presenter"), default=False)
    winner_overridden = models.BooleanField(default=False)
    presenter_overridden = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("selection entry")
        verbose_name_plural = _("selection entries")
        ordering = ["selection", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["selection", "rank"], name="selection_rank_unique"),
            models.CheckConstraint(condition=~Q(is_presenter=True) | Q(is_winner=True), name="presenter_is_winner"),
        ]


class OverrideField(models.TextChoices):
    WINNER = "winner", _("Winner")
    PRESENTER = "presenter", _("Presenter")


class SelectionOverride(models.Model):
    """A staff decision against the computed result, with its reason (append-only by use)."""

    selection = models.ForeignKey(Selection, on_delete=models.CASCADE, related_name="overrides")
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="+")
    field = models.CharField(_("decision"), max_length=16, choices=OverrideField.choices)
    value = models.BooleanField(_("set to"))
    reason = models.TextField(_("reason"))
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("selection override")
        verbose_name_plural = _("selection overrides")
        ordering = ["at", "pk"]
        constraints = [models.CheckConstraint(condition=~Q(reason=""), name="override_reason_required")]


class Certificate(models.Model):
    """优秀案例证书 of one winning case. The number is public and verifiable."""

    case = models.OneToOneField(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="certificate")
    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="certificates")
    number = models.CharField(_("certificate number"), max_length=32, unique=True)
    # What the certificate says, fixed at issue (the case may be renamed later; the paper may not).
    case_title = models.CharField(_("case name"), max_length=200)
    unit_name = models.CharField(_("unit"), max_length=200)
    issued_on = models.DateField(_("date of issue"))
    issued_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["number"]

    def __str__(self) -> str:
        return self.number
