"""Reads for the workbench (工作台): what each of a user's roles has to do now."""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _

from cases.enums import CaseStatus, Role, Tier, statuses_reaching
from cases.models import Campaign, Case, Membership
from cases.queries import WAITING_FOR_TIER, case_counts_by_status, cases_visible_to, memberships_of
from quotas.models import CityQuota


@dataclass
class Deadline:
    day: datetime.date
    closes_at: datetime.datetime
    days_left: int  # whole days left including today; 0 or less once closed

    @property
    def is_closed(self) -> bool:
        return self.days_left <= 0


@dataclass
class CityProgress:
    city_name: str
    quota_cases: int
    quota_presenters: int
    reached_city: int
    forwarded_to_province: int


@dataclass
class Panel:
    membership: Membership
    deadline: Deadline | None
    todo: list[str] = field(default_factory=list)
    counts: list[tuple[str, int]] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    city_progress: list[CityProgress] = field(default_factory=list)
    can_administer: bool = False


def deadline_of(campaign: Campaign, tier: Tier, now: datetime.datetime) -> Deadline | None:
    day = campaign.deadline_for(tier)
    if day is None:
        return None
    closes_at = campaign.closes_at(tier)
    today = timezone.localtime(now, closes_at.tzinfo).date()
    return Deadline(day=day, closes_at=closes_at, days_left=(day - today).days + 1)


def city_progress(campaign: Campaign) -> list[CityProgress]:
    """Quota fill per city, in 附件2's order: one query for the quotas, one for the counts."""
    quotas = list(CityQuota.objects.filter(campaign=campaign).select_related("city"))
    reached_city = statuses_reaching(Tier.CITY)
    reached_province = statuses_reaching(Tier.PROVINCE)
    rows = (
        Case.objects.filter(campaign=campaign, status__in=reached_city)
        .values("enterprise__association__path", "status")
        .annotate(n=Count("id"))
    )
    reached: dict[str, int] = {}
    forwarded: dict[str, int] = {}
    for row in rows:
        # An association's path is /province/city/county/association/: the city is its first two ids.
        city_path = "/".join(row["enterprise__association__path"].split("/")[:3]) + "/"
        reached[city_path] = reached.get(city_path, 0) + row["n"]
        if row["status"] in reached_province:
            forwarded[city_path] = forwarded.get(city_path, 0) + row["n"]
    return [
        CityProgress(
            city_name=quota.city.region or quota.city.name,
            quota_cases=quota.cases,
            quota_presenters=quota.presenters,
            reached_city=reached.get(quota.city.path, 0),
            forwarded_to_province=forwarded.get(quota.city.path, 0),
        )
        for quota in quotas
    ]


def workbench_for(user, campaign: Campaign | None, now: datetime.datetime | None = None) -> list[Panel]:
    """One panel per role the user holds, saying what that role should do now."""
    now = now or timezone.now()
    if campaign is None:
        return []
    visible = cases_visible_to(user).filter(campaign=campaign)
    panels = []
    for membership in memberships_of(user):
        tier = membership.tier
        panel = Panel(membership=membership, deadline=deadline_of(campaign, tier, now))
        if membership.role == Role.ENTERPRISE_USER:
            panel.cases = list(visible.filter(enterprise_id=membership.enterprise_id).order_by("-updated_at"))
            panel.todo.append(_("Fill in the recommendation form, upload the materials and submit them to your association."))
            returned = [case for case in panel.cases if case.status == CaseStatus.RETURNED]
            if returned:
                panel.todo.append(_("%(count)d case(s) were returned: read the reasons, revise and resubmit.") % {"count": len(returned)})
        elif membership.role in (Role.ASSOCIATION_STAFF, Role.COUNTY_STAFF, Role.CITY_STAFF):
            subtree = visible.filter(enterprise__association__path__startswith=membership.organisation.path)
            by_status = case_counts_by_status(subtree)
            waiting = sum(by_status.get(status, 0) for status in WAITING_FOR_TIER[tier])
            panel.counts = [(CaseStatus(status).label, count) for status, count in sorted(by_status.items())]
            panel.todo.append(_("%(count)d case(s) wait for you.") % {"count": waiting})
            panel.todo.append(
                {
                    Tier.ASSOCIATION: _("Review your enterprises' cases, return or recommend them, rank them, fill in the summary table (附件4) and forward it to the county."),
                    Tier.COUNTY: _("Run the eligibility check, rank the cases, fill in the summary table (附件5) and forward it to the city."),
                    Tier.CITY: _("Organise the expert review, select exactly your quota, mark presenter candidates, fill in the summary table (附件6) and forward it to the province."),
                }[tier]
            )
        elif membership.role in (Role.CITY_EXPERT, Role.PROVINCE_EXPERT):
            assigned = visible.count()
            panel.counts = [(_("Cases assigned to you"), assigned)]
            panel.todo.append(_("Read each assigned case and score it with comments."))
        elif membership.role == Role.PROVINCE_STAFF:
            panel.can_administer = True
            panel.city_progress = city_progress(campaign)
            by_status = case_counts_by_status(Case.objects.filter(campaign=campaign))
            panel.counts = [(CaseStatus(status).label, count) for status, count in sorted(by_status.items())]
            panel.todo.append(_("Follow every city's progress and quota fill; manage campaigns, quotas, organisations and accounts."))
        elif membership.role == Role.OBSERVER:
            panel.city_progress = city_progress(campaign)
            panel.todo.append(_("Read-only: follow the campaign's progress by city."))
        panels.append(panel)
    return panels
