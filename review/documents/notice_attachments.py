"""The notice's six attachments as Word files for the public campaign page (三(一) 动员部署):
附件1 材料要求 (the campaign's text), 附件2 名额分配表 (the campaign's quota table), 附件3 the
blank 推荐表 (cases.documents.recommendation_form) and 附件4–6 the blank 推荐汇总表 templates
(summary_tables). Everything comes from the campaign's data, so next year's page needs no code."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from docx.shared import Cm

from cases.documents.docx_helpers import (
    FANGSONG,
    HEITI,
    SIZE_SANHAO,
    SIZE_SIHAO,
    SIZE_XIAOER,
    SONGTI,
    add_paragraph,
    document_bytes,
    new_document,
    set_cell_text,
    set_table_borders,
    set_table_layout,
)
from cases.documents.naming import join_name
from cases.documents.recommendation_form import FORM_SUBJECT, build_blank_form, form_title, province_name
from cases.enums import OrganisationKind, Tier
from cases.models import Campaign, CampaignNotice, Organisation
from quotas.models import CityQuota
from review.documents.summary_tables import ISSUERS, build_summary_docx, summary_title

MATERIALS_TITLE = "征集报送材料要求"
QUOTA_TITLE = "推荐名额分配表"
QUOTA_COLUMNS = ("序号", "地区", "企业典型创新案例推荐数量", "典型案例宣讲推荐数量")
# The blank tables carry the issuing tier's name where the organisation's goes (the notice's own
# blank 附件5 reads "县（市、区）科协（盖章）").
BLANK_ISSUER_KINDS = {
    Tier.ASSOCIATION: OrganisationKind.PARK_ASSOCIATION, Tier.COUNTY: OrganisationKind.COUNTY,
    Tier.CITY: OrganisationKind.CITY,
}
BLANK_SUMMARY_TIERS = {4: Tier.ASSOCIATION, 5: Tier.COUNTY, 6: Tier.CITY}
ATTACHMENT_NUMBERS = (1, 2, 3, 4, 5, 6)


def attachment_title(campaign: Campaign, number: int) -> str:
    """The attachment's title as the notice lists it: 2024年山西省企业典型创新案例推荐表 …"""
    prefix = f"{campaign.year}年{province_name()}{FORM_SUBJECT}"
    if number == 1:
        return f"{prefix}{MATERIALS_TITLE}"
    if number == 2:
        return f"{prefix}{QUOTA_TITLE}"
    if number == 3:
        return form_title(campaign)
    return summary_title(campaign, BLANK_SUMMARY_TIERS[number])


def attachment_filename(campaign: Campaign, number: int) -> str:
    """`附件3+2024年山西省企业典型创新案例推荐表.docx`."""
    return join_name(f"附件{number}", attachment_title(campaign, number), extension="docx")


def attachment_descriptions() -> dict[int, str]:
    return {
        1: _("Requirements for the materials (what to send, names, formats, deadlines)"),
        2: _("Quota table: cases and presenter candidates per city"),
        3: _("Recommendation form, blank"),
        4: _("Summary table of the park or enterprise association, blank"),
        5: _("Summary table of the county association, blank"),
        6: _("Summary table of the city association, blank"),
    }


def build_attachment(campaign: Campaign, number: int) -> bytes:
    """附件`number` of `campaign` as .docx. Raises KeyError for a number the notice does not have."""
    if number == 1:
        return _materials_docx(campaign)
    if number == 2:
        return _quota_docx(campaign)
    if number == 3:
        return build_blank_form(campaign)
    tier = BLANK_SUMMARY_TIERS[number]
    issuer = Organisation(kind=BLANK_ISSUER_KINDS[tier], name=ISSUERS[tier])
    return build_summary_docx(campaign=campaign, organisation=issuer, tier=tier, rows=[], contact="", date=None)


def _heading(document, campaign: Campaign, number: int) -> None:
    add_paragraph(document, f"附件{number}", font=HEITI, size_pt=SIZE_SANHAO)
    add_paragraph(document, attachment_title(campaign, number), font=SONGTI, size_pt=SIZE_XIAOER, bold=True,
                  align="center", space_before_pt=6, space_after_pt=12)


def _materials_docx(campaign: Campaign) -> bytes:
    notice = CampaignNotice.objects.filter(campaign=campaign).first()
    document = new_document(title=attachment_title(campaign, 1))
    _heading(document, campaign, 1)
    for paragraph in paragraphs(notice.materials_text if notice else ""):
        add_paragraph(document, paragraph, font=FANGSONG, size_pt=SIZE_SIHAO, first_line_chars=2, line_pt=28)
    return document_bytes(document)


def _quota_docx(campaign: Campaign) -> bytes:
    quotas = list(CityQuota.objects.filter(campaign=campaign).select_related("city").order_by("position", "pk"))
    document = new_document(title=attachment_title(campaign, 2))
    _heading(document, campaign, 2)
    table = document.add_table(rows=2 + len(quotas), cols=len(QUOTA_COLUMNS))
    set_table_layout(table, [Cm(2), Cm(4), Cm(5), Cm(5)])
    set_table_borders(table)
    rows = [QUOTA_COLUMNS]
    rows += [(str(index), quota.city.region or quota.city.name, str(quota.cases), str(quota.presenters))
             for index, quota in enumerate(quotas, start=1)]
    rows.append(("", "合计", str(sum(q.cases for q in quotas)), str(sum(q.presenters for q in quotas))))
    for row, values in zip(table.rows, rows, strict=True):
        for cell, value in zip(row.cells, values, strict=True):
            set_cell_text(cell, value, font=FANGSONG, size_pt=SIZE_SIHAO, align="center")
    return document_bytes(document)


def paragraphs(text: str) -> list[str]:
    """The paragraphs of a text typed in the admin: a blank line starts a new one."""
    blocks = (text or "").replace("\r\n", "\n").split("\n\n")
    # A line break inside a Chinese paragraph is not a space.
    return ["".join(line.strip() for line in block.splitlines()) for block in blocks if block.strip()]
