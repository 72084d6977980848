"""Reminder mails 3 days and 1 day before a stage closes, to those with unfinished work: the
pipeline's stages (cases still waiting), the winners' materials (a winning case without its talk
text, slides or video) and every tier's and co-organiser's activity plan and work summary (not
uploaded yet).

Run daily by Celery beat; safe to run more often: a reminder already sent is recorded
(DeadlineReminder) and not sent again.
"""

from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.deadlines import stage_window
from cases.enums import CaseStatus, Role, Stage, Tier, association_tier_ids
from cases.models import Campaign, Case, CoOrganiser, Enterprise, Organisation, Upload
from cases.queries import WAITING_FOR_TIER
from cases.slots import WINNER_SLOTS
from mail import kinds
from mail.services import send_templated
from review.closing.models import WorkDocumentKind
from review.closing.work_documents import STAFF_ROLE_OF_KIND, holders_without
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


def _winners_without_materials(campaign: Campaign):
    """Enterprises of a winning case that lacks its talk text, slides or video (附件1 七、八)."""
    winners = Case.objects.filter(campaign=campaign, status=CaseStatus.WINNER)
    held = set(Upload.objects.filter(case__in=winners, slot__in=WINNER_SLOTS, superseded_at__isnull=True)
               .values_list("case_id", "slot"))
    enterprise_ids = {case.enterprise_id for case in winners.only("pk", "enterprise_id")
                      if any((case.pk, slot) not in held for slot in WINNER_SLOTS)}
    for enterprise in Enterprise.objects.filter(pk__in=enterprise_ids):
        yield f"enterprise:{enterprise.pk}", {"enterprise": enterprise}, emails_of(role=Role.ENTERPRISE_USER, enterprise_id=enterprise.pk)


def _holders_without_document(campaign: Campaign, kind: str):
    """Organisations and co-organisers whose activity plan or work summary is not uploaded yet."""
    for holder in holders_without(campaign, kind):
        if isinstance(holder, CoOrganiser):
            recipients = sorted({user.email for user in holder.members.filter(is_active=True).exclude(email="")})
            yield f"co_organiser:{holder.pk}", {}, recipients, holder
        else:
            yield (f"organisation:{holder.pk}", {"organisation": holder},
                   emails_of(role=STAFF_ROLE_OF_KIND[holder.kind], organisation_id=holder.pk), holder)


def _stages(campaign: Campaign):
    """(stage, key, holder arguments of stage_window, recipients, name) of everyone with unfinished work."""
    for tier in (Tier.ENTERPRISE, Tier.ASSOCIATION, Tier.COUNTY, Tier.CITY):
        for key, holder, recipients in _unfinished_holders(campaign, tier):
            yield tier, key, holder, recipients, next(iter(holder.values()))
    if campaign.winner_materials_deadline is not None:
        for key, holder, recipients in _winners_without_materials(campaign):
            yield Stage.WINNER_MATERIALS, key, holder, recipients, holder["enterprise"]
    for kind in WorkDocumentKind:
        if campaign.deadline_for(kind.stage) is None:
            continue
        for key, holder, recipients, name in _holders_without_document(campaign, kind):
            yield kind.stage, key, holder, recipients, name


REMINDER_BODY = {
    Stage.WINNER_MATERIALS: gettext_lazy("The talk text, slides or video of an outstanding case of %(holder)s are still missing. The "
                                  "deadline for them in %(campaign)s is the end of %(day)s (Beijing time). Sign in to upload them."),
    Stage.ACTIVITY_PLAN: gettext_lazy("The activity plan (活动方案) of %(holder)s for %(campaign)s is not uploaded yet; the deadline is "
                               "the end of %(day)s (Beijing time). Sign in and upload it on the page Work summaries and plans."),
    Stage.WORK_SUMMARY: gettext_lazy("The work summary (工作总结) of %(holder)s for %(campaign)s is not uploaded yet; the deadline is "
                              "the end of %(day)s (Beijing time). Sign in and upload it on the page Work summaries and plans."),
}


def send_deadline_reminders(now=None) -> int:
    now = now or timezone.now()
    today = timezone.localtime(now).date()
    sent = 0
    for campaign in Campaign.objects.filter(is_current=True):
        for tier, key, holder, recipients, name in _stages(campaign):
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
            if tier in REMINDER_BODY:  # winners' materials, plans and summaries: a text of their own
                values = {"holder": name, "stage": Stage(tier).label, "campaign": campaign, "day": day.isoformat()}
                send_mail(
                    _("[Innovation Case Portal] %(days)d day(s) left: %(stage)s deadline %(day)s") % {
                        "days": days_before, "stage": Stage(tier).label, "day": day.isoformat()},
                    str(REMINDER_BODY[tier]) % values, None, recipients,
                )
            else:  # the pipeline's stages: the province's editable template
                send_templated(
                    kind=kinds.DEADLINE_REMINDER.key, to=recipients, key=f"deadline_reminder:{reminder.pk}",
                    values={"days": days_before, "stage": Stage(tier).label, "day": day.isoformat(),
                            "holder": name, "campaign": campaign},
                )
            sent += 1
    return sent
