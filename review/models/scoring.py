"""专家评审: the expert pool, assignments (city and provincial tier), recusal (回避) and scores.

Both tiers use the same tables: `tier` says whether a city's experts (Tier.CITY, cases under city
review) or the provincial pool (Tier.PROVINCE, cases under provincial selection) score.
"""

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import OrganisationKind, Tier
from cases.models import Campaign, Case, Enterprise, Organisation

SCORING_TIERS = (Tier.CITY, Tier.PROVINCE)


class ExpertProfile(models.Model):
    """An expert of the pool. Home city and employer decide the automatic recusal (回避)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="expert_profile"
    )
    home_city = models.ForeignKey(
        Organisation, verbose_name=_("home city"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", limit_choices_to={"kind": OrganisationKind.CITY},
    )
    employer = models.ForeignKey(
        Enterprise, verbose_name=_("employer"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    expertise = models.CharField(_("field of expertise"), max_length=200, blank=True)
    is_active = models.BooleanField(_("available for assignments"), default=True)

    class Meta:
        verbose_name = _("expert profile")
        verbose_name_plural = _("expert profiles")

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()


class ScoringCriterion(models.Model):
    """One criterion of 征集标准 that experts score against, with its weight, per campaign."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="criteria")
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    name = models.CharField(_("criterion"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    weight = models.DecimalField(
        _("weight"), max_digits=4, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    max_points = models.PositiveSmallIntegerField(_("highest score"), default=100)

    class Meta:
        verbose_name = _("scoring criterion")
        verbose_name_plural = _("scoring criteria")
        ordering = ["campaign", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["campaign", "position"], name="criterion_position_unique"),
            models.CheckConstraint(condition=Q(weight__gt=0), name="criterion_weight_positive"),
            models.CheckConstraint(condition=Q(max_points__gt=0), name="criterion_max_points_positive"),
        ]

    def __str__(self) -> str:
        return self.name


class AssignmentQuerySet(models.QuerySet):
    def active(self):
        return self.filter(ended_at__isnull=True)


class ExpertAssignment(models.Model):
    """An expert assigned to score a case at one tier. Unassigning ends the row (kept for history);
    only active rows grant access and count in the aggregate."""

    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="expert_assignments")
    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.PROTECT, related_name="expert_assignments"
    )
    tier = models.PositiveSmallIntegerField(_("stage"), choices=[(t.value, t.label) for t in SCORING_TIERS])
    automatic = models.BooleanField(_("assigned automatically"), default=False)
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assigned by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    assigned_at = models.DateTimeField(_("assigned at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("ended by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    end_reason = models.CharField(_("why it ended"), max_length=300, blank=True)

    objects = AssignmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("expert assignment")
        verbose_name_plural = _("expert assignments")
        ordering = ["case", "assigned_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "expert", "tier"], condition=Q(ended_at__isnull=True), name="one_active_assignment"
            ),
            models.CheckConstraint(condition=Q(tier__in=[t.value for t in SCORING_TIERS]), name="assignment_tier_valid"),
        ]
        indexes = [models.Index(fields=["expert", "tier", "ended_at"])]

    def __str__(self) -> str:
        return f"{self.expert} → {self.case}"


class ConflictSource(models.TextChoices):
    HOME_CITY = "home_city", _("The case comes from the expert's own city")
    EMPLOYER = "employer", _("The case comes from the expert's own enterprise")
    DECLARED = "declared", _("Declared by the expert")


AUTOMATIC_CONFLICT_SOURCES = (ConflictSource.HOME_CITY, ConflictSource.EMPLOYER)


class ConflictOfInterest(models.Model):
    """回避: a declared conflict, or the record of staff dismissing a wrong automatic one.

    Automatic conflicts (home city, employer) follow from the expert profile and are not stored;
    a row with that source and `dismissed_at` set lifts one for this case. A declared conflict is
    stored when declared; it is not dismissable.
    """

    expert = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("expert"), on_delete=models.CASCADE, related_name="conflicts"
    )
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.CASCADE, related_name="expert_conflicts")
    source = models.CharField(_("source"), max_length=16, choices=ConflictSource.choices)
    reason = models.TextField(_("reason"), blank=True)
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)
    dismissed_at = models.DateTimeField(_("dismissed at"), null=True, blank=True)
    dismissed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("dismissed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    dismissal_reason = models.TextField(_("why it was dismissed"), blank=True)

    class Meta:
        verbose_name = _("conflict of interest")
        verbose_name_plural = _("conflicts of interest")
        constraints = [
            models.UniqueConstraint(fields=["expert", "case", "source"], name="one_conflict_per_source"),
            models.CheckConstraint(condition=Q(source__in=ConflictSource.values), name="conflict_source_valid"),
            models.CheckConstraint(
                condition=~Q(source=ConflictSource.DECLARED) | Q(dismissed_at__isnull=True),
                name="declared_conflict_not_dismissed",
            ),
        ]


class ExpertScore(models.Model):
    """One expert's score of one case: points per criterion, the weighted total, a comment."""

    assignment = models.OneToOneField(
        ExpertAssignment, verbose_name=_("assignment"), on_delete=models.PROTECT, related_name="score"
    )
    points = models.JSONField(_("points per criterion"), default=dict)
    total = models.DecimalField(_("total (0–100)"), max_digits=5, decimal_places=2)
    comment = models.TextField(_("comment"))
    submitted_at = models.DateTimeField(_("submitted at"))
    updated_at = models.DateTimeField(_("updated at"))

    class Meta:
        verbose_name = _("expert score")
        verbose_name_plural = _("expert scores")
        constraints = [
            models.CheckConstraint(condition=Q(total__gte=0) & Q(total__lte=100), name="score_total_0_100"),
            models.CheckConstraint(condition=~Q(comment=""), name="score_comment_required"),
        ]
