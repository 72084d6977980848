"""The demo campaign told as a story, up to the stage a trainer asks for (`seed_demo --stage`).

Stages, in order:
- START (what `make run` seeds): deadlines ahead; a case waits at every tier of 阳泉 (the demo
  accounts' city), seven reach the city (quota six), whose experts have scored all but the demo
  expert's part; 朔州 has forwarded its list, so the province assigns experts and its demo expert
  scores from the first minute.
- PROVINCE: the deadlines have passed; both cities forwarded their lists (each exactly its quota),
  every expert has scored, no vote yet: the province can rank, publish the 公示 and issue
  certificates at once (no other city can still forward, and the demo's 公示 period is 0 days).
- VOTE: the public vote is open (until two days from now) with ballots cast, three of them from one
  device and quarantined by the fraud job, waiting for the province's decision.
- PUBLICITY: the vote closed, the quarantined ballots excluded, the ranking computed and the 公示
  published.
- CLOSED: the result final, certificates issued, the campaign closed (read-only archive).

Every step is a call of the portal's own services (submit_case, decide_case, forward_batch with its
generated tables and a stamped scan, assign_experts_automatically, submit_score, open_vote,
cast_ballot, the quarantine job, compute/publish/finalise_selection, close_campaign), so the state
is the one real users would leave. Each step happens on the day of the story (`story_clock`):
the services take `now`, but rows stamped with auto_now and the helpers they call read the clock
themselves; shifting the clock for the step keeps every timestamp consistent with the deadlines.
"""

from __future__ import annotations

import datetime
import random
import secrets
from contextlib import contextmanager
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext_lazy

from cases.enums import CaseStatus, OrganisationKind, Tier
from cases.models import CAMPAIGN_TIME_ZONE, Campaign, Case, Organisation
from portal.demo_cases import AREA_CODES, DEMO_CASES, create_case, enterprise_for, reached, scan_file, submit
from portal.demo_reset import DEMO_TITLE_SUFFIX, REFERENCE_YEAR
from quotas.models import CityQuota
from quotas.queries import candidates_for
from quotas.selection import propose_from_campaign
from quotas.services import start_campaign_from
from review.closing.services import close_campaign
from review.experts.services import assign_experts_automatically, criteria_of, submit_score
from review.list_order import city_scores, intake_order
from review.models import Batch, ExpertAssignment, Selection
from review.models.results import SelectionState
from review.models.voting import Ballot, BallotStatus, QuarantineAction
from review.selection.services import compute_selection, finalise_selection, publish_selection
from review.services import (
    apply_city_selection,
    attach_signed_scan,
    decide_case,
    forward_batch,
    generate_summary_tables,
    open_batch,
    rank_batch,
    record_opinion,
)
from review.voting.fraud import quarantine_suspicious_ballots
from review.voting.limits import ClientInfo, address_block, keyed_hash
from review.voting.services import cast_ballot, decide_quarantined, open_vote, voter_hash

START, PROVINCE, VOTE, PUBLICITY, CLOSED = "start", "province", "vote", "publicity", "closed"
STAGES = (START, PROVINCE, VOTE, PUBLICITY, CLOSED)
STAGE_LABELS = {
    START: gettext_lazy("collection under way"), PROVINCE: gettext_lazy("provincial review"),
    VOTE: gettext_lazy("public vote"), PUBLICITY: gettext_lazy("public notice"), CLOSED: gettext_lazy("campaign closed"),
}

ACCOUNTS_CITY = "阳泉市"  # where the demo logins work (portal.demo places them)
# The demo campaign copies 2024's rules but for two numbers: ten winners among its twelve
# candidates (with 2024's hundred every candidate would win), and a 公示 of 0 days, so that a
# trainer can make the result final and issue certificates right after publishing it.
DEMO_WINNERS = 10
DEMO_OBJECTION_DAYS = 0
BALLOTS = 96
QUARANTINED_DEVICE_BALLOTS = 3  # one phone's device votes for three numbers: the fraud job's device rule


@dataclass(frozen=True)
class Timeline:
    """Days from today of the four deadlines and of each step of the story (10:00 Beijing time)."""

    deadlines: tuple[int, int, int, int]
    submit: int
    associations: int
    counties: int
    city_experts: int
    cities: int
    province_experts: int


START_TIMELINE = Timeline((14, 18, 23, 26), submit=-6, associations=-5, counties=-4, city_experts=-3, cities=-2,
                          province_experts=-1)
# After START every deadline has passed: no city can still forward, so the province may decide.
LATER_TIMELINE = Timeline((-20, -16, -12, -8), submit=-24, associations=-18, counties=-14, city_experts=-12,
                          cities=-10, province_experts=-7)
VOTE_OPENS, VOTE_CLOSES_AT_VOTE_STAGE, VOTE_CLOSES_LATER = -5, 2, -2


_clock_shifted = False


def moment(days: int, hour: int = 10, minute: int = 0) -> datetime.datetime:
    """`hour`:`minute` Beijing time, `days` from today (the real today: never inside story_clock)."""
    assert not _clock_shifted, "moment() counts from the real today"
    day = timezone.localdate() + datetime.timedelta(days=days)
    return datetime.datetime.combine(day, datetime.time(hour, minute), tzinfo=CAMPAIGN_TIME_ZONE)


@contextmanager
def story_clock(at: datetime.datetime):
    """Run the enclosed step as if it were `at` (the clock still advances in real time, so the
    order of events is kept). Only seed_demo uses it, in its own process, before serving anything;
    a test's frozen clock (tests.factories.freeze_now) is shifted the same way and put back."""
    global _clock_shifted
    real_now = timezone.now
    offset = at - real_now()
    timezone.now = lambda: real_now() + offset
    _clock_shifted = True
    try:
        yield
    finally:
        timezone.now = real_now
        _clock_shifted = False


def stage_of(campaign: Campaign) -> str:
    """The stage the demo campaign is at, read from its state."""
    if campaign.closed_at is not None:
        return CLOSED
    selection = Selection.objects.filter(campaign=campaign).first()
    if selection is not None and selection.state != SelectionState.DRAFT:
        return PUBLICITY
    if campaign.vote_opens_at is not None:
        return VOTE
    closes = campaign.closes_at(Tier.CITY)
    return PROVINCE if closes is not None and timezone.now() >= closes else START


def build_stage(stage: str, *, cast) -> Campaign:
    """A new demo campaign at `stage` (see the module docstring), acted by `cast`
    (portal.demo.Cast). Runs inside seed_demo's transaction."""
    timeline = START_TIMELINE if stage == START else LATER_TIMELINE
    campaign = _create_campaign(timeline)
    cases = {}
    with story_clock(moment(timeline.submit, 9)):
        for spec in DEMO_CASES:
            enterprise = enterprise_for(spec)
            member = cast.member(enterprise)
            case = create_case(spec, campaign=campaign, enterprise=enterprise, member=member)
            if reached(spec, CaseStatus.SUBMITTED):
                submit(case, member=member)
            cases[spec] = case
    with story_clock(moment(timeline.associations)):
        _decide_and_forward(campaign, cast, cases, Tier.ASSOCIATION, "recommend", CaseStatus.COUNTY_REVIEW)
    with story_clock(moment(timeline.counties)):
        _decide_and_forward(campaign, cast, cases, Tier.COUNTY, "pass", CaseStatus.CITY_REVIEW)
    cities = list(Organisation.objects.filter(kind=OrganisationKind.CITY, region__in={s.region for s in DEMO_CASES}))
    with story_clock(moment(timeline.city_experts)):
        for city in cities:
            _score(campaign, Tier.CITY, actor=cast.staff(city), cases=[c for s, c in cases.items() if s.region == city.region],
                   pending="shizhuanjia" if stage == START else None)
    with story_clock(moment(timeline.cities)):
        for city in cities:
            if stage != START or city.region != ACCOUNTS_CITY:
                _select_and_forward(campaign, city, cast)
    with story_clock(moment(timeline.province_experts)):
        _score(campaign, Tier.PROVINCE, actor=cast.province, cases=list(cases.values()),
               pending="shengzhuanjia" if stage == START else None)
    if STAGES.index(stage) >= STAGES.index(VOTE):
        _hold_vote(campaign, cast, closes=moment(VOTE_CLOSES_AT_VOTE_STAGE, 22) if stage == VOTE else moment(VOTE_CLOSES_LATER, 12))
    if STAGES.index(stage) >= STAGES.index(PUBLICITY):
        _publish(campaign, cast)
    if stage == CLOSED:
        with story_clock(moment(-1, 11)):
            finalise_selection(campaign=campaign, actor=cast.province)
        with story_clock(moment(-1, 17)):
            close_campaign(campaign=campaign, actor=cast.province)
    campaign.refresh_from_db()
    return campaign


def _create_campaign(timeline: Timeline) -> Campaign:
    today = timezone.localdate()
    campaign = start_campaign_from(
        Campaign.objects.get(year=REFERENCE_YEAR), year=today.year,
        title=f"{today.year}年山西省企业典型创新案例征集及宣讲活动{DEMO_TITLE_SUFFIX}",
        deadlines=tuple(today + datetime.timedelta(days=days) for days in timeline.deadlines),
    )
    campaign.winners_count, campaign.objection_days = DEMO_WINNERS, DEMO_OBJECTION_DAYS
    campaign.save(update_fields=["winners_count", "objection_days"])
    return campaign


def _decide_and_forward(campaign, cast, cases, tier: Tier, decision: str, beyond: str) -> None:
    """The tier passes on every case that reaches `beyond` (the next tier's review) and forwards
    them, one list per organisation. At the association its 意见 goes on the 推荐表 first."""
    senders: dict[int, Organisation] = {}
    for spec, case in cases.items():
        if not reached(spec, beyond):
            continue
        case.refresh_from_db()
        organisation = _organisation_at(case, tier)
        actor = cast.staff(organisation)
        if tier == Tier.ASSOCIATION:
            record_opinion(case=case, tier=tier, text="该案例真实可信，创新成效明显，同意推荐。", actor=actor)
        decide_case(case=case, tier=tier, decision=decision, actor=actor)
        senders[organisation.pk] = organisation
    for organisation in senders.values():
        forward_list(organisation, campaign, cast.staff(organisation))


def _organisation_at(case: Case, tier: Tier) -> Organisation:
    association = case.enterprise.association
    return association if tier == Tier.ASSOCIATION else association.parent


def forward_list(organisation: Organisation, campaign: Campaign, actor) -> Batch:
    """What staff do on the list page: rank (the list's own order) with a contact line, generate
    the summary tables, upload the stamped scan, forward."""
    batch = open_batch(organisation=organisation, campaign=campaign)
    items = list(batch.items.order_by("rank"))
    region = organisation.region if organisation.kind == OrganisationKind.CITY else organisation.parent.region
    if organisation.kind in (OrganisationKind.PARK_ASSOCIATION, OrganisationKind.ENTERPRISE_ASSOCIATION):
        region = organisation.parent.parent.region
    contact = f"{actor.first_name} {AREA_CODES.get(region, '0351')}-{2022000 + organisation.pk:07d}"
    rank_batch(batch=batch, ordered_case_ids=[item.case_id for item in items],
               presenter_case_ids={item.case_id for item in items if item.is_presenter_candidate}, contact=contact, actor=actor)
    generate_summary_tables(batch.pk)
    attach_signed_scan(batch=batch, upload=scan_file("汇总表盖章扫描版.pdf"), actor=actor)
    return forward_batch(batch=batch, actor=actor)


def _select_and_forward(campaign: Campaign, city: Organisation, cast) -> Batch:
    """The city takes the assistant's proposal (the best-scoring list meeting every rule of
    附件2), writes its 意见 on the chosen cases and forwards the list."""
    actor = cast.staff(city)
    quota = CityQuota.objects.get(campaign=campaign, city=city)
    pool = Case.objects.filter(campaign=campaign, status=CaseStatus.CITY_REVIEW, enterprise__association__path__startswith=city.path)
    ids = list(pool.values_list("pk", flat=True))
    candidates = candidates_for(pool.order_by("pk"), scores=city_scores(campaign, ids),
                                lower_ranks=intake_order(campaign, Tier.CITY, ids))
    proposal = propose_from_campaign(candidates, campaign, quota)
    assert proposal.feasible, proposal.reasons
    for case in Case.objects.filter(pk__in=proposal.case_ids):
        record_opinion(case=case, tier=Tier.CITY, text="经专家评审，同意推荐至省科协。", actor=actor)
    apply_city_selection(city=city, campaign=campaign, selected_ids=set(proposal.case_ids),
                         presenter_ids={candidate.case_id for candidate in proposal.presenters}, actor=actor)
    return forward_list(city, campaign, actor)


COMMENTS = (
    "创新点突出，技术路线清晰，应用成效有数据支撑。",
    "案例真实，经验可复制，建议进一步提炼推广价值。",
    "成果转化效果明显，叙述可再精炼。",
)


def _score(campaign: Campaign, tier: Tier, *, actor, cases: list[Case], pending: str | None) -> None:
    """The tier's staff assign experts automatically (experts_per_case each, recusal kept); every
    expert but `pending` (the demo expert who still has work) scores, around the case's merit."""
    merit = {case.pk: next(spec.merit for spec in DEMO_CASES if spec.title == case.title) for case in cases}
    assign_experts_automatically(campaign=campaign, tier=tier, actor=actor, cases=cases)
    criteria = criteria_of(campaign)
    assignments = (
        ExpertAssignment.objects.active().filter(tier=tier, case__in=cases, score__isnull=True)
        .select_related("expert", "case").order_by("expert_id", "case_id")
    )
    for number, assignment in enumerate(assignments):
        if assignment.expert.username == pending:
            continue
        points = {
            criterion.pk: max(0, min(criterion.max_points, merit[assignment.case_id] + (number + position) % 7 - 3))
            for position, criterion in enumerate(criteria)
        }
        submit_score(assignment=assignment, actor=assignment.expert, points=points, comment=COMMENTS[number % len(COMMENTS)])


def _hold_vote(campaign: Campaign, cast, *, closes: datetime.datetime) -> None:
    """The province opens the vote; the public votes (deterministic picks, weighted by each case's
    popularity, in daytime); the fraud job runs. Addresses and devices are fresh random ones each
    time, as real voters' are, so the rate limits of an earlier demo never refuse these ballots."""
    opens = moment(VOTE_OPENS, 9)
    with story_clock(opens):
        campaign = open_vote(campaign=campaign, actor=cast.province, closes_at=closes)
    popularity = {case.pk: next(spec.popularity for spec in DEMO_CASES if spec.title == case.title)
                  for case in Case.objects.filter(campaign=campaign, status=CaseStatus.PROVINCE_REVIEW)}
    picker = random.Random(REFERENCE_YEAR)
    last = min(moment(-1, 20), closes - datetime.timedelta(hours=1))
    days = (last.date() - opens.date()).days
    times = sorted(
        moment(VOTE_OPENS + picker.randint(0, days), picker.randint(8, 20), picker.randint(0, 59)) for _ in range(BALLOTS)
    )
    times = [at for at in times if opens < at < last]
    network = secrets.randbelow(150) + 60
    shared_device = keyed_hash("device", secrets.token_hex(16))
    for number, at in enumerate(times):
        chosen = _weighted_sample(picker, popularity, picker.randint(campaign.vote_min_picks, min(8, campaign.vote_max_picks)))
        ip = f"{network}.{number // 200}.{number % 200}.{picker.randint(1, 254)}"
        device = shared_device if number < QUARANTINED_DEVICE_BALLOTS else keyed_hash("device", secrets.token_hex(16))
        client = ClientInfo(ip=ip, block=address_block(ip), device_hash=device,
                            user_agent="Mozilla/5.0 (Linux; Android 14) MicroMessenger/8.0.49")
        if number < QUARANTINED_DEVICE_BALLOTS:  # one device, three numbers, minutes apart
            at = opens + datetime.timedelta(hours=3, minutes=4 * number)
        cast_ballot(campaign=campaign, voter=voter_hash(f"1390353{number:04d}"), case_ids=chosen, client=client, now=at)
    quarantine_suspicious_ballots(campaign=campaign, now=last + datetime.timedelta(minutes=30))


def _weighted_sample(picker: random.Random, weights: dict[int, int], count: int) -> list[int]:
    left = dict(weights)
    chosen = []
    while len(chosen) < count and left:
        case_id = picker.choices(list(left), weights=list(left.values()))[0]
        chosen.append(case_id)
        del left[case_id]
    return chosen


def _publish(campaign: Campaign, cast) -> None:
    """After the vote closed: the province excludes the quarantined ballots, computes the ranking
    and publishes the 公示."""
    with story_clock(moment(VOTE_CLOSES_LATER, 14)):
        for ballot in Ballot.objects.filter(campaign=campaign, status=BallotStatus.QUARANTINED).order_by("pk"):
            decide_quarantined(ballot=ballot, actor=cast.province, action=QuarantineAction.CONFIRM,
                               reason="同一设备先后为多个手机号投票，确认为刷票，不计票。")
    with story_clock(moment(-1, 9)):
        compute_selection(campaign=campaign, actor=cast.province)
    with story_clock(moment(-1, 10)):
        publish_selection(campaign=campaign, actor=cast.province)

