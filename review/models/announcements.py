"""Announcements of the provincial center (通知公告) to whole tiers of the tree, or one city's subtree."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from cases.enums import OrganisationKind
from cases.models import Organisation


class Announcement(models.Model):
    """A message shown on the workbench of every recipient and mailed to them through the outbox.

    Recipients are chosen by tier (enterprises, park / enterprise associations, counties, cities);
    with `city` set, only the organisations and enterprises under that city."""

    title = models.CharField(_("title"), max_length=100)
    message = models.TextField(_("message"))
    to_enterprises = models.BooleanField(_("enterprises"), default=False)
    to_associations = models.BooleanField(_("park / enterprise associations"), default=False)
    to_counties = models.BooleanField(_("county associations"), default=False)
    to_cities = models.BooleanField(_("city associations"), default=False)
    city = models.ForeignKey(
        Organisation, verbose_name=_("only in this city"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="+", limit_choices_to={"kind": OrganisationKind.CITY},
    )
    sent_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("sent by"), null=True, on_delete=models.SET_NULL,
                                related_name="+")
    sent_at = models.DateTimeField(_("sent at"))
    mailed_count = models.PositiveIntegerField(_("mails written"), null=True, blank=True)

    class Meta:
        verbose_name = _("announcement")
        verbose_name_plural = _("announcements")
        ordering = ["-sent_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(to_enterprises=True) | Q(to_associations=True) | Q(to_counties=True) | Q(to_cities=True),
                name="announcement_has_an_audience",
            ),
        ]

    def __str__(self) -> str:
        return self.title
