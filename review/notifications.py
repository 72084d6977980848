"""Mails of the pipeline, sent by workers: a forwarded list arrived, a deadline was extended,
an expert was assigned cases. Each is a kind of mail.kinds (its text editable by the province)
written through mail.services.send_templated with a key, so a task that runs twice mails once."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from cases.deadlines import deadline_text
from cases.enums import Role, Stage, Tier
from cases.models import DeadlineExtension
from mail import kinds
from mail.services import send_templated
from review.experts.rules import scoring_closes_at
from review.models import Batch
from review.models.scoring import ExpertAssignment

# The staff role of the tier that receives a list (the sender's parent's tier: an association above
# county level sends to its city or to the province).
RECEIVING_ROLE = {Tier.COUNTY: Role.COUNTY_STAFF, Tier.CITY: Role.CITY_STAFF, Tier.PROVINCE: Role.PROVINCE_STAFF}
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
    receiver = batch.organisation.parent
    role = RECEIVING_ROLE[batch.organisation.receiving_tier]
    recipients = emails_of(role=role, organisation_id=None if role == Role.PROVINCE_STAFF else receiver.pk)
    if not recipients:
        return 0
    count = batch.items.count()
    if batch.is_supplement:
        list_name = _("supplementary list no. %(number)d") % {"number": batch.sequence}
    else:
        list_name = _("ranked list")
    return send_templated(kind=kinds.BATCH_FORWARDED.key, to=recipients, key=f"batch_forwarded:{batch.pk}",
                          values={"sender": batch.organisation.name, "count": count, "list_name": list_name})


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
    return send_templated(
        kind=kinds.DEADLINE_EXTENDED.key, to=sorted(set(recipients)), key=f"deadline_extended:{extension.pk}",
        values={"stage": tier.label, "campaign": extension.campaign, "holder": extension.organisation or extension.enterprise,
                "day": extension.closes_on.isoformat(), "reason": extension.reason},
    )


EXPERT_STAGES = {Tier.CITY: _("city expert review"), Tier.PROVINCE: _("provincial expert review")}


@shared_task(name="review.notify_expert_assigned")
def notify_expert_assigned(expert_id: int, assignment_ids: list[int]) -> int:
    """Mail an expert the cases just assigned to them (those still active), with the time scores
    lock. One mail per call, keyed by the assignments, so running twice mails once."""
    assignments = list(
        ExpertAssignment.objects.active().filter(expert_id=expert_id, pk__in=assignment_ids)
        .select_related("expert", "case__campaign", "case__enterprise__association__parent__parent")
        .order_by("tier", "case_id", "pk")
    )
    if not assignments or not assignments[0].expert.email:
        return 0
    expert = assignments[0].expert
    tier = Tier(assignments[0].tier)
    closes = [moment for moment in (scoring_closes_at(a.case, Tier(a.tier)) for a in assignments) if moment is not None]
    cities = [a.case.enterprise.association.parent.parent for a in assignments]
    lines = [f"- {a.case.title}（{city.region or city.name}）" for a, city in zip(assignments, cities)]
    return send_templated(
        kind=kinds.EXPERT_ASSIGNED.key, to=[expert.email],
        key="expert_assigned:" + ",".join(str(a.pk) for a in sorted(assignments, key=lambda a: a.pk)),
        values={"expert": expert.get_full_name() or expert.get_username(), "stage": EXPERT_STAGES[tier],
                "case_count": len(assignments), "case_list": "\n".join(lines),
                "deadline": deadline_text(min(closes)) if closes else _("no deadline is set yet; the organisers will tell you")},
    )
