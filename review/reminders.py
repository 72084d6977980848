"""Reminder mails 3 days and 1 day before a stage closes, to those with unfinished work.

Run daily by Celery beat; safe to run more often: a reminder already sent is recorded
(DeadlineReminder) and not sent again.
"""

from django.db import IntegrityError, transaction
from django.utils import timezone

from cases.deadlines import stage_window
from cases.enums import Role, Tier, association_tier_ids
from cases.models import Campaign, Case, Enterprise, Organisation
from cases.queries import WAITING_FOR_TIER
from mail import kinds
from mail.services import send_templated
from review.models import DeadlineReminder
from review.notifications import STAFF_ROLE_OF_TIER, emails_of

REMINDER_DAYS = (3, 1)


def _unfinished_holders(campaign: Campaign, tier: Tier):
    """(holder key, organisation or enterprise, recipients) for everyone with cases still waiting at `tier`."""
    waiting = Case.objects.filter(campaign=campaign, status__in=WAITING_FOR_TIER[tier])
    if tier == Tier.ENTERPRISE:
        for enterprise in Enterprise.objects.filter(pk__in=waiting.values("enterprise_id")):
            yield f"enterprise:{enterprise.pk}", {"enterprise": enterprise}, emails_of(role=Role.ENTERPRISE_USER, enterprise_id=enterprise.pk)
        return
    # The tier's organisation on each waiting case's path (cases.enums.association_tier_ids: an
    # association above county level has no county, or no city, on its path).
    organisation_ids = {
        association_tier_ids(path)[tier]
        for path in waiting.values_list("enterprise__association__path", flat=True)
    }
    for organisation in Organisation.objects.filter(pk__in=organisation_ids):
        yield f"organisation:{organisation.pk}", {"organisation": organisation}, emails_of(
            role=STAFF_ROLE_OF_TIER[tier], organisation_id=organisation.pk)


def send_deadline_reminders(now=None) -> int:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    sent = 0
    for campaign in Campaign.objects.filter(is_current=True):
        for tier in (Tier.ENTERPRISE, Tier.ASSOCIATION, Tier.COUNTY, Tier.CITY):
            for key, holder, recipients in _unfinished_holders(campaign, tier):
                window = stage_window(campaign, tier, now=now, **holder)
                if not window.counts_down:
                    continue  # a closed campaign or a passed day: there is nothing left to remind of
                day = window.last_day
                days_before = (day - today).days
                if days_before not in REMINDER_DAYS or not recipients:
                    continue
                try:
                    with transaction.atomic():
                        reminder = DeadlineReminder.objects.create(campaign=campaign, tier=tier, holder=key, days_before=days_before)
                except IntegrityError:
                    continue  # already reminded today
                send_templated(
                    kind=kinds.DEADLINE_REMINDER.key, to=recipients, key=f"deadline_reminder:{reminder.pk}",
                    values={"days": days_before, "stage": tier.label, "day": day.isoformat(),
                            "holder": next(iter(holder.values())), "campaign": campaign},
                )
                sent += 1
    return sent
