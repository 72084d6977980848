"""The cities' work summary drafts (工作总结, 附件1 四(三) 认真总结，及时反馈): for each city a Word draft
generated from the data — cases by type, by stage reached, the park share, presenters, winners —
which the city edits and uploads back like every tier's summary (review.closing.work_documents)."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _

from cases.documents import docx_helpers as dx
from cases.documents.naming import unit_name
from cases.enums import CaseStatus, CaseType, OrganisationKind, Role
from cases.models import Campaign, Case, Organisation
from cases.queries import memberships_of, sees_whole_province
from review.closing.dashboard import STAGES, stage_of


def may_see_city_summary(user, city: Organisation) -> bool:
    """Provincial staff see every city's summary; a city's staff its own."""
    if sees_whole_province(user):
        return True
    return any(m.role == Role.CITY_STAFF and m.organisation_id == city.pk for m in memberships_of(user))


def summary_cities_for(user, campaign: Campaign) -> list[Organisation]:
    from quotas.models import CityQuota

    cities = [quota.city for quota in CityQuota.objects.filter(campaign=campaign).select_related("city").order_by("position")]
    return [city for city in cities if may_see_city_summary(user, city)]


@dataclass
class CitySummary:
    campaign: Campaign
    city: Organisation
    quota_cases: int
    quota_presenters: int
    submitted: int
    by_type: list[tuple[str, int]] = field(default_factory=list)
    by_stage: list[tuple[str, int]] = field(default_factory=list)
    forwarded: int = 0
    park_forwarded: int = 0
    presenter_candidates: int = 0
    presenters: int = 0
    winners: list[Case] = field(default_factory=list)

    @property
    def city_name(self) -> str:
        return self.city.region or self.city.name

    @property
    def park_share_percent(self) -> int:
        return round(100 * self.park_forwarded / self.forwarded) if self.forwarded else 0


def city_summary(campaign: Campaign, city: Organisation) -> CitySummary:
    """The numbers of one city's summary, from its cases (drafts never submitted are not counted)."""
    from quotas.models import CityQuota
    from review.models import SelectionEntry

    quota = CityQuota.objects.filter(campaign=campaign, city=city).first()
    cases = list(
        Case.objects.filter(campaign=campaign, enterprise__association__path__startswith=city.path)
        .exclude(status=CaseStatus.DRAFT).select_related("enterprise__association").order_by("title", "pk")
    )
    summary = CitySummary(campaign=campaign, city=city, quota_cases=quota.cases if quota else 0,
                          quota_presenters=quota.presenters if quota else 0, submitted=len(cases))
    summary.by_type = [(str(label), sum(1 for case in cases if case.case_type == value)) for value, label in CaseType.choices]
    summary.by_stage = [(str(label), sum(1 for case in cases if stage_of(case.status, key))) for key, label in STAGES]
    forwarded = [case for case in cases if stage_of(case.status, "province")]
    summary.forwarded = len(forwarded)
    summary.park_forwarded = sum(1 for case in forwarded if case.enterprise.association.kind == OrganisationKind.PARK_ASSOCIATION)
    summary.presenter_candidates = sum(1 for case in forwarded if case.is_presenter_candidate)
    summary.presenters = SelectionEntry.objects.filter(
        selection__campaign=campaign, is_presenter=True, case__in=[case.pk for case in forwarded]).count()
    summary.winners = [case for case in cases if case.status == CaseStatus.WINNER]
    return summary


def summary_title(summary: CitySummary) -> str:
    return _("%(city)s association: work summary of %(campaign)s") % {"city": summary.city_name, "campaign": summary.campaign.title}


def summary_filename(summary: CitySummary) -> str:
    return f"{summary.city_name}+{summary.campaign.year}年工作总结.docx"


def _table(document, header: list[str], rows: list[list]) -> None:
    table = document.add_table(rows=1, cols=len(header))
    dx.set_table_borders(table)
    for cell, text in zip(table.rows[0].cells, header):
        dx.set_cell_text(cell, text, font=dx.HEITI, size_pt=dx.SIZE_XIAOSI, align="center")
    for row in rows:
        for cell, value in zip(table.add_row().cells, row):
            dx.set_cell_text(cell, str(value), size_pt=dx.SIZE_XIAOSI, align="center" if isinstance(value, int) else "left")


def _heading(document, text: str) -> None:
    dx.add_paragraph(document, text, font=dx.HEITI, size_pt=dx.SIZE_SANHAO, space_before_pt=12, space_after_pt=6)


def _body(document, text: str) -> None:
    dx.add_paragraph(document, text, font=dx.FANGSONG, size_pt=dx.SIZE_SANHAO, first_line_chars=2, line_pt=28)


def build_city_summary(summary: CitySummary) -> bytes:
    """The Word draft: title, 一、基本情况 with the numbers and tables, then headings with guidance
    for what only the city can write (做法、成效、问题与建议)."""
    document = dx.new_document(title=summary_title(summary), font=dx.FANGSONG, size_pt=dx.SIZE_SANHAO)
    dx.add_paragraph(document, summary_title(summary), font=dx.HEITI, size_pt=dx.SIZE_ERHAO, align="center", space_after_pt=18)
    _heading(document, _("1. Overview"))
    _body(document, _(
        "In this campaign %(submitted)d cases of our city were submitted; %(forwarded)d were recommended to the province "
        "(quota %(quota)d), %(park)d of them through park associations (%(share)d%%); %(candidates)d presenter candidates "
        "were recommended (quota %(quota_presenters)d); %(winners)d cases were selected as outstanding cases and %(presenters)d "
        "as presenters."
    ) % {
        "submitted": summary.submitted, "forwarded": summary.forwarded, "quota": summary.quota_cases,
        "park": summary.park_forwarded, "share": summary.park_share_percent, "candidates": summary.presenter_candidates,
        "quota_presenters": summary.quota_presenters, "winners": len(summary.winners), "presenters": summary.presenters,
    })
    dx.add_paragraph(document, _("Table 1. Cases by type"), font=dx.HEITI, size_pt=dx.SIZE_XIAOSI, align="center", space_before_pt=6)
    _table(document, [_("Case type"), _("Number of cases")],
           [[label, count] for label, count in summary.by_type] + [[_("Sum of the column"), summary.submitted]])
    dx.add_paragraph(document, _("Table 2. Cases by stage reached"), font=dx.HEITI, size_pt=dx.SIZE_XIAOSI, align="center", space_before_pt=6)
    _table(document, [_("Stage"), _("Number of cases")], [[label, count] for label, count in summary.by_stage])
    dx.add_paragraph(document, _("Table 3. Outstanding cases"), font=dx.HEITI, size_pt=dx.SIZE_XIAOSI, align="center", space_before_pt=6)
    _table(document, [_("No."), _("Case name"), _("Unit"), _("Case type")],
           [[index, case.title, case.completing_unit or unit_name(case), case.get_case_type_display()]
            for index, case in enumerate(summary.winners, start=1)])
    for heading, guidance in (
        (_("2. How the campaign was organised"), _("(To be written by the city: mobilisation, publicity, organisation of the review.)")),
        (_("3. Results and highlights"), _("(To be written by the city: typical cases, their effect, media coverage.)")),
        (_("4. Problems and suggestions"), _("(To be written by the city.)")),
    ):
        _heading(document, heading)
        _body(document, guidance)
    dx.add_paragraph(document, _("%(city)s association (seal)") % {"city": summary.city_name}, align="right", space_before_pt=36)
    dx.add_paragraph(document, timezone.localdate().strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月"), align="right")
    return dx.document_bytes(document)
