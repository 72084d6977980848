"""Paper copies (附件1 三–六: 电子版和纸质版 … 纸质版以邮寄方式报送): each tier posts them to the next
and records the courier, 快递单号 and date; the receiving tier marks them received, complete or
with the checklist's items missing (cases.documents.cover.PAPER_CHECKLIST, the list the
enterprise prints)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import Tier
from cases.models import Campaign, Case
from review.models.batches import Batch


class PaperState(models.TextChoices):
    NOT_SENT = "not_sent", _("Not posted yet")
    IN_TRANSIT = "in_transit", _("Posted, not yet received")
    INCOMPLETE = "incomplete", _("Received with items missing")
    COMPLETE = "complete", _("Received complete")


class PaperShipment(models.Model):
    """The paper copies one sender posted: an enterprise those of one case (to its association), an
    association, county or city those of one forwarded list (to the tier above). Recording it again
    before it is received complete replaces the courier details and clears the receipt."""

    campaign = models.ForeignKey(Campaign, verbose_name=_("campaign"), on_delete=models.PROTECT, related_name="+")
    sender_tier = models.PositiveSmallIntegerField(_("sent by"), choices=Tier.choices)
    case = models.OneToOneField(Case, verbose_name=_("case"), null=True, blank=True, on_delete=models.CASCADE,
                                related_name="paper_shipment")
    batch = models.OneToOneField(Batch, verbose_name=_("list"), null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="paper_shipment")
    courier = models.CharField(_("courier"), max_length=50)
    tracking_number = models.CharField(_("tracking number (快递单号)"), max_length=50)
    sent_on = models.DateField(_("posted on"))
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("recorded by"), null=True,
                                    on_delete=models.SET_NULL, related_name="+")
    recorded_at = models.DateTimeField(_("recorded at"))
    received_at = models.DateTimeField(_("received at"), null=True, blank=True)
    received_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("received by"), null=True, blank=True,
                                    on_delete=models.SET_NULL, related_name="+")
    complete = models.BooleanField(_("complete"), null=True, blank=True)
    missing_items = models.JSONField(_("missing items"), default=list, blank=True)
    receipt_note = models.TextField(_("note on receipt"), blank=True)

    class Meta:
        verbose_name = _("paper copies")
        verbose_name_plural = _("paper copies")
        constraints = [
            models.CheckConstraint(
                condition=Q(sender_tier=Tier.ENTERPRISE, case__isnull=False, batch__isnull=True)
                | (~Q(sender_tier=Tier.ENTERPRISE) & Q(case__isnull=True, batch__isnull=False)),
                name="paper_shipment_of_a_case_or_a_list",
            ),
        ]

    @property
    def state(self) -> str:
        if self.received_at is None:
            return PaperState.IN_TRANSIT
        return PaperState.COMPLETE if self.complete else PaperState.INCOMPLETE

    @property
    def state_label(self) -> str:
        return PaperState(self.state).label
