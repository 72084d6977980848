"""Batches: an organisation's ranked list, forwarded at once with its summary table (附件4/5/6).

An association or a county may forward more than once (补报): cases that become ready after its
first list was forwarded go into a new batch with the next sequence number. A city forwards once.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import Stage, Tier, ValidationState
from cases.models import Campaign, Case, Organisation


class BatchStatus(models.TextChoices):
    OPEN = "open", _("Being prepared")
    FORWARDED = "forwarded", _("Forwarded")


def batch_file_path(instance: "Batch", filename: str) -> str:
    return f"batches/{instance.campaign_id}/{instance.organisation_id}/{uuid.uuid4().hex}"


class Batch(models.Model):
    """A list one organisation hands up to the next tier, in rank order.

    `sequence` numbers an organisation's lists in a campaign: 1 is its list, 2 and later are its
    supplements (补报). The unique (campaign, organisation, sequence) makes two staff opening a
    supplement at once open the same one; the row lock in forward_batch makes a list forward once.
    """

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="batches")
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), on_delete=models.PROTECT, related_name="batches"
    )
    sequence = models.PositiveSmallIntegerField(_("list number"), default=1)
    tier = models.PositiveSmallIntegerField(_("stage"), choices=Tier.choices)
    status = models.CharField(_("status"), max_length=16, choices=BatchStatus.choices, default=BatchStatus.OPEN)
    contact = models.CharField(_("contact person and phone"), max_length=100, blank=True)
    # The generated summary table (Word and Excel) and the signed, stamped scan uploaded back.
    generation_state = models.CharField(
        _("summary table"), max_length=16, choices=ValidationState.choices, blank=True, default=""
    )
    generated_for = models.CharField(max_length=64, blank=True)  # fingerprint of the list the tables show
    summary_docx = models.FileField(_("summary table (Word)"), upload_to=batch_file_path, blank=True, max_length=255)
    summary_xlsx = models.FileField(_("summary table (Excel)"), upload_to=batch_file_path, blank=True, max_length=255)
    signed_scan = models.FileField(_("signed and stamped summary table (PDF)"), upload_to=batch_file_path, blank=True, max_length=255)
    signed_scan_for = models.CharField(max_length=64, blank=True)  # the list fingerprint the scan was made from
    signed_scan_name = models.CharField(max_length=255, blank=True)
    # Set when staff reorder the list by hand: from then on the list keeps their order instead of
    # the default one (review.list_order); cleared when they restore the default.
    order_changed_at = models.DateTimeField(_("order changed by hand at"), null=True, blank=True)
    order_changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("order changed by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    forwarded_at = models.DateTimeField(_("forwarded at"), null=True, blank=True)
    forwarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("forwarded by"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("batch")
        verbose_name_plural = _("batches")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "organisation", "sequence"], name="one_batch_per_organisation_campaign_and_sequence"
            ),
            models.CheckConstraint(condition=Q(status__in=BatchStatus.values), name="batch_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.organisation} · {self.campaign.year} · {self.sequence}"

    @property
    def is_supplement(self) -> bool:
        """A list forwarded after the organisation's first one (补报)."""
        return self.sequence > 1

    @property
    def forwarded_by_name(self) -> str:
        """Who forwarded it, by the name people know them by (姓名), not their login name."""
        return _person_name(self.forwarded_by)

    @property
    def order_changed_by_name(self) -> str:
        return _person_name(self.order_changed_by)


def _person_name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()


class BatchItem(models.Model):
    batch = models.ForeignKey(Batch, verbose_name=_("batch"), on_delete=models.CASCADE, related_name="items")
    case = models.ForeignKey(Case, verbose_name=_("case"), on_delete=models.PROTECT, related_name="batch_items")
    rank = models.PositiveSmallIntegerField(_("rank"))
    is_presenter_candidate = models.BooleanField(_("presenter candidate"), default=False)

    class Meta:
        verbose_name = _("batch entry")
        verbose_name_plural = _("batch entries")
        ordering = ["batch", "rank"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "case"], name="batch_case_once"),
            models.UniqueConstraint(fields=["batch", "rank"], name="batch_rank_once", deferrable=models.Deferrable.DEFERRED),
        ]


class DeadlineReminder(models.Model):
    """A reminder mail already sent: the unique key makes the daily job safe to run twice."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="+")
    tier = models.PositiveSmallIntegerField(choices=Stage.choices)
    holder = models.CharField(max_length=40)  # "organisation:<id>", "enterprise:<id>" or "co_organiser:<id>"
    days_before = models.PositiveSmallIntegerField()
    sent_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["campaign", "tier", "holder", "days_before"], name="one_reminder_per_holder_and_day"),
        ]
