"""Reads of the province's dashboard: progress by city and tier, quota fill, deadline countdowns,
validation problems by rule. Each function answers for the whole campaign in a fixed number of
queries; the page draws them as SVG bars (review/closing/charts.py) and offers the same numbers
as CSV / Excel (`dashboard_table`)."""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cases.deadlines import stage_closes_at, stage_window
from cases.enums import REACHED_TIER, CaseStatus, OrganisationKind, Tier
from cases.models import Campaign, Case, Organisation, Upload
from quotas.models import CityQuota
from review.closing.models import WorkDocumentKind
from review.closing.work_documents import current_documents, holder_key, holders_without

# The stages a case passes, each counted as "reached at least": 提交 → 县 → 市 → 省 → 优秀案例.
STAGES: list[tuple[str, object]] = [
    ("submitted", gettext_lazy("Submitted by the enterprise")),
    ("county", gettext_lazy("Forwarded to the county")),
    ("city", gettext_lazy("Forwarded to the city")),
    ("province", gettext_lazy("Forwarded to the province")),
    ("winner", gettext_lazy("Outstanding cases")),
]
STAGE_TIER = {"submitted": Tier.ASSOCIATION, "county": Tier.COUNTY, "city": Tier.CITY, "province": Tier.PROVINCE}


def stage_of(status: str, stage: str) -> bool:
    if stage == "winner":
        return status == CaseStatus.WINNER
    return REACHED_TIER[CaseStatus(status)] >= STAGE_TIER[stage]


def city_of_path(path: str) -> int | None:
    parts = path.strip("/").split("/")
    return int(parts[1]) if len(parts) > 1 else None


@dataclass
class CityRow:
    city: Organisation
    quota_cases: int
    quota_presenters: int
    stages: dict[str, int] = field(default_factory=dict)
    presenter_candidates: int = 0
    park_forwarded: int = 0
    winners: int = 0
    presenters: int = 0
    city_closes_at: datetime.datetime | None = None

    @property
    def name(self) -> str:
        return self.city.region or self.city.name

    @property
    def forwarded(self) -> int:
        return self.stages.get("province", 0)

    @property
    def quota_fill_percent(self) -> int:
        return round(100 * self.forwarded / self.quota_cases) if self.quota_cases else 0

    @property
    def park_share_percent(self) -> int:
        return round(100 * self.park_forwarded / self.forwarded) if self.forwarded else 0


def city_rows(campaign: Campaign) -> list[CityRow]:
    """Every city of 附件2 with its counts, in 附件2's order. Four queries whatever the number of cases."""
    from review.models import SelectionEntry

    rows: dict[int, CityRow] = {}
    for quota in CityQuota.objects.filter(campaign=campaign).select_related("city").order_by("position"):
        rows[quota.city_id] = CityRow(city=quota.city, quota_cases=quota.cases, quota_presenters=quota.presenters,
                                      stages={key: 0 for key, _label in STAGES})
    grouped = (
        Case.objects.filter(campaign=campaign).order_by()
        .values("enterprise__association__path", "enterprise__association__kind", "status", "is_presenter_candidate")
        .annotate(count=Count("id"))
    )
    for group in grouped:
        row = rows.get(city_of_path(group["enterprise__association__path"]))
        if row is None:
            continue
        status, count = group["status"], group["count"]
        for key, _label in STAGES:
            if stage_of(status, key):
                row.stages[key] += count
        if stage_of(status, "province"):
            row.presenter_candidates += count if group["is_presenter_candidate"] else 0
            row.park_forwarded += count if group["enterprise__association__kind"] == OrganisationKind.PARK_ASSOCIATION else 0
        if status == CaseStatus.WINNER:
            row.winners += count
    presenters = (
        SelectionEntry.objects.filter(selection__campaign=campaign, is_presenter=True)
        .values_list("case__enterprise__association__path", flat=True)
    )
    for path in presenters:
        row = rows.get(city_of_path(path))
        if row is not None:
            row.presenters += 1
    for row in rows.values():
        row.city_closes_at = stage_closes_at(campaign, Tier.CITY, organisation=row.city)
    return list(rows.values())


@dataclass
class Countdown:
    tier: Tier
    label: str
    closes_at: datetime.datetime
    day: datetime.date  # the last (inclusive) day
    days_left: int  # whole days left including today; 0 once closed

    @property
    def is_closed(self) -> bool:
        return self.days_left <= 0


def deadline_countdowns(campaign: Campaign, now: datetime.datetime | None = None) -> list[Countdown]:
    """The four stage deadlines of the campaign (without extensions) and the days left."""
    now = now or timezone.now()
    result = []
    for tier in (Tier.ENTERPRISE, Tier.ASSOCIATION, Tier.COUNTY, Tier.CITY):
        # No holder: the campaign's own day. A closed campaign has no time left anywhere, whatever its dates said.
        window = stage_window(campaign, tier, now=now)
        result.append(Countdown(tier=tier, label=str(Tier(tier).label), closes_at=window.closes_at, day=window.last_day,
                                days_left=window.days_left))
    return result


@dataclass(frozen=True)
class RuleCount:
    code: str
    severity: str
    count: int
    example: str


def problems_by_rule(campaign: Campaign) -> list[RuleCount]:
    """Findings of the current files of the campaign's cases, counted by rule (errors first, then
    by count). Reads the findings column only, in one query."""
    counts: Counter = Counter()
    severity: dict[str, str] = {}
    example: dict[str, str] = {}
    # Drafts' files are their enterprises' own until submitted: not counted, not quoted.
    findings = (Upload.objects.filter(case__campaign=campaign, superseded_at__isnull=True).exclude(case__status=CaseStatus.DRAFT)
                .exclude(findings=[]).values_list("findings", flat=True))
    for batch in findings.iterator(chunk_size=500):
        for finding in batch:
            if finding.get("severity") not in ("error", "warning"):
                continue
            code = finding.get("rule") or finding.get("code") or "?"
            counts[code] += 1
            severity.setdefault(code, finding["severity"])
            example.setdefault(code, finding.get("message", ""))
    ordered = sorted(counts.items(), key=lambda item: (severity[item[0]] != "error", -item[1], item[0]))
    return [RuleCount(code=code, severity=severity[code], count=count, example=example[code]) for code, count in ordered]


def province_totals(rows: list[CityRow]) -> dict[str, int]:
    totals: dict[str, int] = defaultdict(int)
    for row in rows:
        totals["quota_cases"] += row.quota_cases
        totals["quota_presenters"] += row.quota_presenters
        for key, count in row.stages.items():
            totals[key] += count
        totals["presenter_candidates"] += row.presenter_candidates
        totals["park_forwarded"] += row.park_forwarded
        totals["presenters"] += row.presenters
    return dict(totals)


def dashboard_header() -> list[str]:
    return [_("City"), *[str(label) for _key, label in STAGES], _("Quota (cases)"), _("Quota fill (%)"),
            _("Presenter candidates"), _("Quota (presenters)"), _("Through park associations"), _("Park share (%)"),
            _("Presenters"), _("City deadline")]


def dashboard_table(campaign: Campaign) -> list[list]:
    """The dashboard's city numbers as rows (the CSV / Excel download); the last row is the province."""
    rows = city_rows(campaign)
    table = []
    for row in rows:
        table.append([
            row.name, *[row.stages[key] for key, _label in STAGES], row.quota_cases, row.quota_fill_percent,
            row.presenter_candidates, row.quota_presenters, row.park_forwarded, row.park_share_percent, row.presenters,
            timezone.localtime(row.city_closes_at - datetime.timedelta(seconds=1)).strftime("%Y-%m-%d") if row.city_closes_at else "",
        ])
    totals = province_totals(rows)
    fill = round(100 * totals.get("province", 0) / totals["quota_cases"]) if totals.get("quota_cases") else 0
    park = round(100 * totals.get("park_forwarded", 0) / totals["province"]) if totals.get("province") else 0
    table.append([
        _("Province total"), *[totals.get(key, 0) for key, _label in STAGES], totals.get("quota_cases", 0), fill,
        totals.get("presenter_candidates", 0), totals.get("quota_presenters", 0), totals.get("park_forwarded", 0), park,
        totals.get("presenters", 0), "",
    ])
    return table


def problems_header() -> list[str]:
    return [_("Rule"), _("Severity"), _("Files with this problem"), _("Example message")]


def problems_table(campaign: Campaign) -> list[list]:
    return [[rule.code, _("error") if rule.severity == "error" else _("warning"), rule.count, rule.example]
            for rule in problems_by_rule(campaign)]


def closing_gaps(campaign: Campaign) -> list[str]:
    """What is still missing before the campaign is closed (closing makes it all final): winners
    without their talk text, slides or video, and cities without an uploaded work summary. A notice
    for the close page, not a refusal: the province decides."""
    from cases.slots import WINNER_SLOTS

    gaps = []
    winners = dict(Case.objects.filter(campaign=campaign, status=CaseStatus.WINNER).values_list("pk", "title"))
    held = set(Upload.objects.filter(case_id__in=winners, slot__in=WINNER_SLOTS, superseded_at__isnull=True)
               .values_list("case_id", "slot"))
    incomplete = [title for case_id, title in sorted(winners.items()) if any((case_id, slot) not in held for slot in WINNER_SLOTS)]
    if incomplete:
        gaps.append(_("%(count)d winning case(s) still lack the talk text, slides or video: %(cases)s.") % {
            "count": len(incomplete), "cases": "、".join(incomplete[:10]) + ("……" if len(incomplete) > 10 else "")})
    summaries = current_documents(campaign, WorkDocumentKind.SUMMARY)
    missing = [city.region or city.name for city in Organisation.objects.filter(kind=OrganisationKind.CITY).order_by("path")
               if (WorkDocumentKind.SUMMARY, holder_key(city)) not in summaries]
    if missing:
        gaps.append(_("%(count)d city/cities have not uploaded their work summary: %(cities)s.") % {
            "count": len(missing), "cities": "、".join(missing)})
    others = [holder for holder in holders_without(campaign, WorkDocumentKind.SUMMARY)
              if getattr(holder, "kind", None) != OrganisationKind.CITY]
    if others:
        gaps.append(_("%(count)d counties, park / enterprise associations or co-organisers have not uploaded their work "
                      "summary (see Work summaries and plans).") % {"count": len(others)})
    return gaps
