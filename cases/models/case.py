"""案例: the recommendation form (附件3) of one enterprise in one campaign."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import CaseStatus, CaseType, EnterpriseType, status_labels
from cases.models.campaign import Campaign
from cases.models.organisations import Enterprise

class Case(models.Model):
    """案例: one enterprise's recommended case in one campaign (附件3 推荐表)."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="cases")
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT, related_name="cases"
    )
    status = models.CharField(_("status"), max_length=32, choices=CaseStatus.choices, default=CaseStatus.DRAFT)
    title = models.CharField(_("case name"), max_length=200)
    case_type = models.CharField(_("case type"), max_length=32, choices=CaseType.choices, blank=True)
    completing_unit = models.CharField(_("completing unit"), max_length=200, blank=True)
    team = models.TextField(_("completed by (team)"), blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_position = models.CharField(_("contact's position"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    contact_address = models.CharField(_("contact address"), max_length=200, blank=True)
    honours = models.TextField(_("honours and awards"), blank=True)
    recommender_opinion = models.TextField(_("opinion of the recommending unit"), blank=True)
    city_opinion = models.TextField(_("opinion of the city association"), blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    # Snapshot of the enterprise's facts as declared on the form.
    enterprise_type = models.CharField(_("enterprise type"), max_length=32, choices=EnterpriseType.choices, blank=True)
    has_park_association = models.BooleanField(_("its park has a park association"), default=False)
    has_enterprise_association = models.BooleanField(_("has an enterprise association"), default=False)
    is_presenter_candidate = models.BooleanField(_("presenter candidate"), default=False)
    short_title = models.CharField(_("short case name"), max_length=30, blank=True)
    unit_short_name = models.CharField(_("short unit name"), max_length=30, blank=True)
    # Bumped on every save of the form: a save from a stale page (another tab) is refused.
    version = models.PositiveIntegerField(_("version"), default=1)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("case")
        verbose_name_plural = _("cases")
        ordering = ["-updated_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=CaseStatus.values), name="case_status_valid"),
            models.CheckConstraint(
                condition=Q(case_type="") | Q(case_type__in=CaseType.values), name="case_type_valid"
            ),
        ]
        indexes = [models.Index(fields=["campaign", "status"])]

    def __str__(self) -> str:
        return self.title

    @property
    def status_label(self) -> str:
        # Not get_status_display(): Django builds the whole choices dict on every call (translating
        # all 15 labels), which was most of a 50-row list's rendering time.
        return status_labels()[self.status]
