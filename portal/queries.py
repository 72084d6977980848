import datetime
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.deadlines import StageWindow, stage_window
from cases.enums import Tier
from cases.models import Campaign, CampaignContact, CampaignNotice, Membership
from portal.demo import DEMO_ACCOUNTS
from quotas.models import CityQuota
from review.documents.notice_attachments import (
    ATTACHMENT_NUMBERS,
    attachment_descriptions,
    attachment_title,
    paragraphs,
)
from review.models import ScoringCriterion


@dataclass
class DemoLogin:
    username: str
    role: str
    where: str


def demo_accounts() -> list[DemoLogin]:
    """The demo logins that exist in this database, with the role and place each one has."""
    usernames = [account.username for account in DEMO_ACCOUNTS]
    memberships = (
        Membership.objects.filter(user__username__in=usernames)
        .select_related("user", "organisation", "enterprise")
    )
    by_username = {membership.user.username: membership for membership in memberships}
    return [
        DemoLogin(
            username=name,
            role=by_username[name].get_role_display(),
            where=str(by_username[name].organisation or by_username[name].enterprise),
        )
        for name in usernames
        if name in by_username
    ]


# --- the public campaign page (三(一) 动员部署, 五 联系方式) -----------------------------------

@dataclass
class TimelineStage:
    """One stage of the campaign's timeline as the public page shows it."""

    label: str
    window: StageWindow | None  # None: the province's selection, which has no deadline
    is_today: bool = False

    @property
    def passed(self) -> bool:
        return self.window is not None and not self.window.is_open and not self.window.campaign_closed


def _stage_labels() -> list[tuple[Tier, str]]:
    return [
        (Tier.ENTERPRISE, _("Enterprises submit their cases to their park or enterprise association")),
        (Tier.ASSOCIATION, _("Park and enterprise associations recommend (附件4) to the county")),
        (Tier.COUNTY, _("Counties check eligibility and forward (附件5) to the city")),
        (Tier.CITY, _("Cities select their quota (附件6) and forward to the provincial center")),
        (Tier.PROVINCE, _("Provincial selection: expert review, public vote, about 100 cases and 10 presenters")),
    ]


def campaign_timeline(campaign: Campaign, now: datetime.datetime | None = None) -> list[TimelineStage]:
    """The stages in order with their deadline (cases.deadlines.stage_window, the campaign's days;
    an extension is one organisation's, not the public's), today's stage marked: the first whose
    day has not passed, or the provincial selection once all have. None is marked once the
    campaign is closed."""
    now = now or timezone.now()
    stages = []
    for tier, label in _stage_labels():
        window = stage_window(campaign, tier, now=now) if campaign.deadline_for(tier) else None
        stages.append(TimelineStage(label=str(label), window=window))
    if campaign.closed_at is None:
        today = next((stage for stage in stages if stage.window is None or stage.window.is_open), None)
        if today is not None:
            today.is_today = True
    return stages


@dataclass
class CampaignPage:
    campaign: Campaign
    notice_paragraphs: list[str]
    materials_paragraphs: list[str]
    criteria: list
    timeline: list[TimelineStage]
    contacts: list[CampaignContact]
    quotas: list
    attachments: list[tuple[int, str, str]]  # (number, title, what it is)


def public_campaign_page(campaign: Campaign, now: datetime.datetime | None = None) -> CampaignPage:
    """Everything the public page of `campaign` shows; nothing of any case or person but the
    contacts the notice itself publishes."""
    notice = CampaignNotice.objects.filter(campaign=campaign).first()
    descriptions = attachment_descriptions()
    return CampaignPage(
        campaign=campaign,
        notice_paragraphs=paragraphs(notice.text if notice else ""),
        materials_paragraphs=paragraphs(notice.materials_text if notice else ""),
        criteria=list(ScoringCriterion.objects.filter(campaign=campaign).order_by("position", "pk")),
        timeline=campaign_timeline(campaign, now),
        contacts=list(campaign.contacts.order_by("position", "pk")),
        quotas=list(CityQuota.objects.filter(campaign=campaign).select_related("city").order_by("position", "pk")),
        attachments=[(number, attachment_title(campaign, number), str(descriptions[number])) for number in ATTACHMENT_NUMBERS],
    )
