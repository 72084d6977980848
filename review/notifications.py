"""Mails of the pipeline, sent by workers: a forwarded list arrived, a deadline was extended."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.mail import send_mail
from django.utils.translation import gettext as _

from cases.enums import Role, Stage, Tier
from cases.models import DeadlineExtension
from review.models import Batch

RECEIVING_ROLE = {Tier.ASSOCIATION: Role.COUNTY_STAFF, Tier.COUNTY: Role.CITY_STAFF, Tier.CITY: Role.PROVINCE_STAFF}
STAFF_ROLE_OF_TIER = {
    Tier.ASSOCIATION: Role.ASSOCIATION_STAFF, Tier.COUNTY: Role.COUNTY_STAFF, Tier.CITY: Role.CITY_STAFF,
}


def emails_of(*, role: str, organisation_id: int | None = None, enterprise_id: int | None = None) -> list[str]:
    users = get_user_model().objects.filter(is_active=True, memberships__role=role).exclude(email="")
    if organisation_id is not None:
        users = users.filter(memberships__organisation_id=organisation_id)
    if enterprise_id is not None:
        users = users.filter(memberships__enterprise_id=enterprise_id)
    return sorted(set(users.values_list("email", flat=True)))


@shared_task(name="review.notify_batch_forwarded")
def notify_batch_forwarded(batch_id: int) -> int:
    batch = Batch.objects.select_related("organisation__parent", "campaign").get(pk=batch_id)
    tier = Tier(batch.tier)
    receiver = batch.organisation.parent
    role = RECEIVING_ROLE[tier]
    recipients = emails_of(role=role, organisation_id=None if role == Role.PROVINCE_STAFF else receiver.pk)
    if not recipients:
        return 0
    count = batch.items.count()
    values = {"sender": batch.organisation, "count": count}
    if batch.is_supplement:
        subject = _("[Innovation Case Portal] %(sender)s forwarded %(count)d more cases (supplementary list)") % values
        body = _("%(sender)s forwarded a supplementary list of %(count)d cases, decided after its first list, with its own "
                 "signed summary table. Sign in to review them.") % values
    else:
        subject = _("[Innovation Case Portal] %(sender)s forwarded %(count)d cases") % values
        body = _("%(sender)s forwarded its ranked list of %(count)d cases with the signed summary table. Sign in to review them.") % values
    send_mail(subject, body, None, recipients)
    return len(recipients)


@shared_task(name="review.notify_extension")
def notify_extension(extension_id: int) -> int:
    extension = DeadlineExtension.objects.select_related("organisation", "enterprise", "campaign").get(pk=extension_id)
    tier = Stage(extension.tier)
    if extension.enterprise_id:
        recipients = emails_of(role=Role.ENTERPRISE_USER, enterprise_id=extension.enterprise_id)
    elif tier == Tier.ENTERPRISE:
        # An extension of the submission stage for an association covers its enterprises.
        recipients = emails_of(role=Role.ASSOCIATION_STAFF, organisation_id=extension.organisation_id)
        recipients += [
            email for enterprise_id in extension.organisation.enterprises.values_list("pk", flat=True)
            for email in emails_of(role=Role.ENTERPRISE_USER, enterprise_id=enterprise_id)
        ]
    elif tier == Stage.WINNER_MATERIALS:  # granted to an association: for its winning enterprises
        recipients = [email for enterprise_id in extension.organisation.enterprises.values_list("pk", flat=True)
                      for email in emails_of(role=Role.ENTERPRISE_USER, enterprise_id=enterprise_id)]
    else:  # a tier's own stage, or its activity plan / work summary: the organisation's staff
        role = STAFF_ROLE_OF_TIER.get(Tier(extension.organisation.tier))
        recipients = emails_of(role=role, organisation_id=extension.organisation_id) if role else []
    if not recipients:
        return 0
    send_mail(
        _("[Innovation Case Portal] Deadline extended to %(day)s") % {"day": extension.closes_on.isoformat()},
        _("The %(stage)s deadline of %(campaign)s for %(holder)s is extended to %(day)s (inclusive, Beijing time). Reason: %(reason)s")
        % {"stage": tier.label, "campaign": extension.campaign, "holder": extension.organisation or extension.enterprise,
           "day": extension.closes_on.isoformat(), "reason": extension.reason},
        None, sorted(set(recipients)),
    )
    return len(set(recipients))
