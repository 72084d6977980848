"""推荐表 (附件3): the blank official form and the form filled from a case, as .docx.

The layout follows the notice: a two-column table (label, content) with the rows of 附件3, the
commitment sentence and seal/date lines in the opinion rows, and the note below the table. The
filled form can carry the uploaded 案例概要 narrative as 附页 (appendix pages) after the table.

Merging (cases.documents.merge): the narrative is the *host* document and the form is inserted
in front of it, so the narrative's styles, numbering and images stay as the enterprise made them.
The narrative is an upload: it is opened only behind the checks' guard, and merged in a child
process with a memory limit (cases.documents.confined).

A legacy .doc narrative is first converted to .docx by LibreOffice, the way the checks convert it
(cases.validation.office), so the printed form carries it like any other narrative.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from docx.document import Document as DocumentObject
from docx.shared import Cm

from cases.documents.docx_helpers import (
    FANGSONG,
    HEITI,
    SIZE_ERHAO,
    SIZE_SANHAO,
    SIZE_SIHAO,
    SIZE_XIAOSI,
    SONGTI,
    add_paragraph,
    document_bytes,
    format_paragraph,
    new_document,
    set_cant_split,
    set_cell_text,
    set_row_height,
    set_table_borders,
    set_table_layout,
    text_width,
)
from cases.documents.confined import NotWordDocument, UnsafeUpload, merge_narrative
from cases.enums import CaseType, OrganisationKind, UploadSlot
from cases.models import Campaign, Case, Organisation
from cases.validation import rules as check_rules
from cases.validation.isolation import private_folder
from cases.validation.limits import ValidationContext, ValidationLimits
from cases.validation.office import WORD_STREAM, NotConvertible, as_ooxml
from cases.validation.sniff import OLE_MAGIC

# --- the form's text (附件3), as the notice prints it -------------------------------------

ATTACHMENT_LABEL = "附件3"
FORM_SUBJECT = "企业典型创新案例"
FORM_TITLE_SUFFIX = "推荐表"

BOX_EMPTY = "□"
BOX_CHECKED = "☑"
# 案例类型 in the order the form prints them.
CASE_TYPE_BOXES: tuple[tuple[str, str], ...] = (
    (CaseType.ORGANISATIONAL, "组织创新"),
    (CaseType.TECHNOLOGICAL, "技术创新"),
    (CaseType.PROCESS, "工艺创新"),
)
CASE_TYPE_SEPARATOR = "　　"

LABEL_TITLE = "案例名称"
LABEL_CASE_TYPE = "案例类型"
LABEL_UNIT = "完成单位"
LABEL_TEAM = "完成人员（团队）"
LABEL_CONTACT = "联系人及职务"
LABEL_PHONE = "联系电话"
LABEL_ADDRESS = "联系地址"
LABEL_SUMMARY = "案例概要"
LABEL_HONOURS = "荣誉奖励"
LABEL_RECOMMENDER = "推荐单位意见"
LABEL_CITY = "市级科协意见"
LABEL_REMARKS = "备注"

SUMMARY_INSTRUCTIONS: tuple[str, ...] = (
    "请您结合上述选择的案例类型，详细阐述科技人员从受到启发到锚定方向、确定技术路线（可包括创新过程涉及的"
    "学科理论和科学原理）等科学思想方法和从攻克核心技术到产品研发、市场推广的励志故事，以进一步弘扬我国科技"
    "人员推动实现高水平科技自立自强的科学家精神，宣传企业家与科学家协同培育和发展新质生产力的励志报国情怀。"
    "严禁以企业宣传、推广等为内容进行上报，材料要求图文并茂（图片大小不小于2M，不多于3张），字数一般不超过"
    "2000字，可另附页。",
    "励志故事要拟定案例标题，副标题为单位名称，提纲内容包括：1.企业简介及所获荣誉奖励（插入1张企业外景图片）；"
    "2.聚焦典型案例，创新团队在创新项目中采用科学原理、创新思维方法攻克技术难关的励志故事（插入2张典型案例图片，"
    "如实物/场景图）；3.创新成果应用；4.经验与启示。",
    "格式要求：文章主标题使用“预设样式”中的“标题1”，三号黑体，副标题为三号楷体，正文内容统一使用四号宋体，"
    "段落首行缩进2字符，行间距为固定值22磅，文中插入清晰的照片原图，照片格式为上下型环绕。",
)
SUMMARY_SEE_APPENDIX = "详见附页。"
COMMITMENT = (
    "该案例经本单位同意接受组织推荐，并承诺推荐材料中提供的全部信息真实可靠。"
    "若有失实和造假行为，本单位愿承担一切责任。"
)
SEAL_LINE = "（盖章）"
DATE_LINE = "年　　月　　日"
FOOTNOTE = "注：如有其他证明材料，可另附。"
APPENDIX_HEADING = "附页：案例概要"
CONTACT_JOINER = "　"

# --- layout -------------------------------------------------------------------------------

LABEL_WIDTH = Cm(4.4)  # 完成人员（团队） on one line in 四号
LABEL_FONT, LABEL_SIZE = HEITI, SIZE_SIHAO
VALUE_FONT, VALUE_SIZE = FANGSONG, SIZE_SIHAO
INSTRUCTION_SIZE = SIZE_XIAOSI


ROW_HEIGHTS = {
    LABEL_TITLE: Cm(1.3),
    LABEL_CASE_TYPE: Cm(1.3),
    LABEL_UNIT: Cm(1.3),
    LABEL_TEAM: Cm(2.0),
    LABEL_CONTACT: Cm(1.3),
    LABEL_PHONE: Cm(1.3),
    LABEL_ADDRESS: Cm(1.3),
    LABEL_SUMMARY: Cm(3.0),
    LABEL_HONOURS: Cm(3.0),
    LABEL_RECOMMENDER: Cm(5.0),
    LABEL_CITY: Cm(4.0),
    LABEL_REMARKS: Cm(1.5),
}
ROW_LABELS: tuple[str, ...] = tuple(ROW_HEIGHTS)


# A hung LibreOffice ends in the message below, not in a task that never finishes.
NARRATIVE_CONVERSION_TIMEOUT_SECONDS = 60.0


def narrative_not_attachable_message(*, legacy: bool) -> str:
    """Why the 案例概要 cannot be attached to the 推荐表 and what to do, in the user's terms. The
    download refusal and the submission check (cases.queries) say the same."""
    if legacy:
        return str(_("The case narrative is a .doc file that could not be converted, so it cannot be attached to the recommendation form: save it as .docx and upload the case narrative again."))
    return str(_("The case narrative cannot be opened as a Word document, so it cannot be attached to the recommendation form: open it in Word, save it as .docx and upload the case narrative again."))


class NarrativeNotMergeable(ValueError):
    """The narrative upload cannot become a .docx python-docx can open: a legacy .doc LibreOffice
    could not convert (missing, timed out, broken file), or not a Word document at all.
    The message says so in Chinese; `detail` is the technical reason, for logs."""

    def __init__(self, detail: str = "", *, legacy: bool = False, message: str | None = None) -> None:
        super().__init__(message or narrative_not_attachable_message(legacy=legacy))
        self.detail = detail
        self.legacy = legacy


# --- titles ---------------------------------------------------------------------------------

_TITLE_SUBJECT = re.compile(r"(\d{4})\s*年(.*?案例)")


def province_name() -> str:
    """The province as a place name (山西省), from the provincial organisation's data."""
    province = Organisation.objects.filter(kind=OrganisationKind.PROVINCE).first()
    if province is None:
        return ""
    if province.region:
        return province.region
    head, found, _rest = province.name.partition("省")
    return f"{head}省" if found else ""


def form_title(campaign: Campaign) -> str:
    """The form's title from the campaign: `2024年山西省企业典型创新案例推荐表`.

    Taken from the campaign title (`<year>年…案例` + 推荐表) so next year's wording carries over;
    when the title does not have that shape, built from the year and the province.
    """
    match = _TITLE_SUBJECT.search(campaign.title or "")
    if match:
        return f"{match.group(1)}年{match.group(2).strip()}{FORM_TITLE_SUFFIX}"
    return f"{campaign.year}年{province_name()}{FORM_SUBJECT}{FORM_TITLE_SUFFIX}"


# --- building -------------------------------------------------------------------------------


def case_type_line(case_type: str | None) -> str:
    """`组织创新□　　技术创新☑　　工艺创新□` with the chosen type ticked."""
    return CASE_TYPE_SEPARATOR.join(
        f"{label}{BOX_CHECKED if value == case_type else BOX_EMPTY}" for value, label in CASE_TYPE_BOXES
    )


def _lines(text: str) -> list[str]:
    return [line.strip() for line in (text or "").splitlines() if line.strip()]


def _contact_line(case: Case) -> str:
    return CONTACT_JOINER.join(part for part in (case.contact_name.strip(), case.contact_position.strip()) if part)


def enterprise_rows(case: Case) -> dict[str, str | list[str]]:
    """The rows of the 推荐表 the enterprise fills in, as the form prints them (label → text, or
    lines). The two 意见 rows are written by the associations, and the 案例概要 row points to the 附页."""
    return {
        LABEL_TITLE: case.title,
        LABEL_CASE_TYPE: case_type_line(case.case_type),
        LABEL_UNIT: case.completing_unit or case.enterprise.name,
        LABEL_TEAM: _lines(case.team),
        LABEL_CONTACT: _contact_line(case),
        LABEL_PHONE: case.contact_phone,
        LABEL_ADDRESS: case.contact_address,
        LABEL_HONOURS: _lines(case.honours),
        LABEL_REMARKS: _lines(case.remarks),
    }


def printed_form_fingerprint(case: Case) -> str:
    """A short digest of what the enterprise's rows of the printed 推荐表 say: equal digests, same
    printed text. Recorded with every download of the filled form, so the case page can tell a
    stamped scan made from an older form (cases.queries.scan_shows_older_form)."""
    text = json.dumps(enterprise_rows(case), ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:32]


def _add_seal_lines(cell) -> None:
    add_paragraph(cell, "", font=VALUE_FONT, size_pt=VALUE_SIZE)
    add_paragraph(cell, SEAL_LINE, font=VALUE_FONT, size_pt=VALUE_SIZE, align="right", right_chars=4)
    add_paragraph(cell, DATE_LINE, font=VALUE_FONT, size_pt=VALUE_SIZE, align="right", right_chars=2)


def _fill_opinion(cell, opinion_lines: Sequence[str], *, commitment: bool) -> None:
    paragraphs = list(opinion_lines)
    if commitment:
        paragraphs.append(COMMITMENT)
    set_cell_text(
        cell, paragraphs or [""], font=VALUE_FONT, size_pt=VALUE_SIZE, vertical="top",
        first_line_chars=2 if paragraphs else 0, line_pt=None,
    )
    _add_seal_lines(cell)


def _build_form(campaign: Campaign, case: Case | None, *, appendix: bool) -> DocumentObject:
    title = form_title(campaign)
    document = new_document(title=title, font=SONGTI, size_pt=SIZE_SIHAO)
    section = document.sections[0]

    add_paragraph(document, ATTACHMENT_LABEL, font=HEITI, size_pt=SIZE_SANHAO)
    add_paragraph(document, title, font=SONGTI, size_pt=SIZE_ERHAO, bold=True, align="center",
                  space_before_pt=6, space_after_pt=12)

    table = document.add_table(rows=len(ROW_LABELS), cols=2)
    value_width = text_width(section) - LABEL_WIDTH
    set_table_layout(table, [LABEL_WIDTH, value_width])
    set_table_borders(table)
    rows = dict(zip(ROW_LABELS, table.rows, strict=True))
    for label, row in rows.items():
        set_row_height(row, ROW_HEIGHTS[label])
        if label != LABEL_SUMMARY:
            set_cant_split(row)
        set_cell_text(row.cells[0], label, font=LABEL_FONT, size_pt=LABEL_SIZE, align="center")

    def value(label: str, text: str | Sequence[str], **kwargs) -> None:
        set_cell_text(rows[label].cells[1], text, font=VALUE_FONT, size_pt=VALUE_SIZE, **kwargs)

    filled = case is not None
    entered = enterprise_rows(case) if filled else {}
    for label in (LABEL_TITLE, LABEL_UNIT, LABEL_TEAM, LABEL_CONTACT, LABEL_PHONE, LABEL_ADDRESS):
        value(label, entered.get(label, ""))
    value(LABEL_CASE_TYPE, entered.get(LABEL_CASE_TYPE, case_type_line(None)))
    if appendix:
        value(LABEL_SUMMARY, SUMMARY_SEE_APPENDIX)
    else:
        set_cell_text(rows[LABEL_SUMMARY].cells[1], SUMMARY_INSTRUCTIONS, font=VALUE_FONT,
                      size_pt=INSTRUCTION_SIZE, vertical="top", first_line_chars=2)
    value(LABEL_HONOURS, entered.get(LABEL_HONOURS, ""), vertical="top")
    _fill_opinion(rows[LABEL_RECOMMENDER].cells[1], _lines(case.recommender_opinion) if filled else [],
                  commitment=True)
    _fill_opinion(rows[LABEL_CITY].cells[1], _lines(case.city_opinion) if filled else [], commitment=False)
    value(LABEL_REMARKS, entered.get(LABEL_REMARKS, ""), vertical="top")

    add_paragraph(document, FOOTNOTE, font=FANGSONG, size_pt=SIZE_XIAOSI, space_before_pt=6)
    if appendix:
        heading = add_paragraph(document, APPENDIX_HEADING, font=HEITI, size_pt=SIZE_SANHAO)
        format_paragraph(heading, space_after_pt=12, keep_with_next=True)
    if filled:
        document.core_properties.subject = case.title
    return document


def build_blank_form(campaign: Campaign | None = None) -> bytes:
    """The blank official 推荐表 (附件3) of `campaign` (default: the current campaign) as .docx."""
    campaign = campaign or Campaign.objects.current()
    if campaign is None:
        raise Campaign.DoesNotExist("No current campaign.")
    return document_bytes(_build_form(campaign, None, appendix=False))


def build_filled_form(case: Case, *, narrative: bytes | Path | None, narrative_name: str | None = None,
                      limits: ValidationLimits | None = None) -> bytes:
    """The 推荐表 filled from `case`, ready to print, stamp and scan.

    With `narrative` (the 案例概要, bytes or a file, .docx or legacy .doc, named `narrative_name` in
    messages), the narrative follows the table as 附页 in a section of its own, its styles,
    numbering and images kept; without it, the 案例概要 row keeps the notice's instructions. A .doc
    is converted first (narrative_as_docx). The narrative is opened only behind the checks' guard
    and merged in a child process with a memory limit (cases.documents.confined); callers that
    hold an Upload ask cases.generation, which runs this in a worker after the upload's verdict.
    Raises NarrativeNotMergeable when the narrative cannot be attached: never a form without it.
    """
    if narrative is None:
        return document_bytes(_build_form(case.campaign, case, appendix=False))
    limits = limits or ValidationLimits()
    name = narrative_name or str(UploadSlot.NARRATIVE.label)
    with private_folder(None) as folder:
        source = folder / "narrative"
        if isinstance(narrative, Path):
            shutil.copyfile(narrative, source)
        else:
            source.write_bytes(narrative)
        docx_path = narrative_as_docx(source, folder, limits)
        if not zipfile.is_zipfile(docx_path):
            raise NarrativeNotMergeable("not a zip package")
        form_path = folder / "form.docx"
        form_path.write_bytes(document_bytes(_build_form(case.campaign, case, appendix=True)))
        try:
            return merge_narrative(form_path, docx_path, folder, limits, upload_name=name,
                                   slot_label=str(UploadSlot.NARRATIVE.label))
        except UnsafeUpload as refusal:
            raise NarrativeNotMergeable(str(refusal), message=str(refusal)) from None
        except NotWordDocument as problem:
            raise NarrativeNotMergeable(str(problem)) from None


def narrative_as_docx(narrative: Path, folder: Path, limits: ValidationLimits) -> Path:
    """The 案例概要 as a .docx file: a legacy .doc (an OLE file) converted by LibreOffice with the
    checks' own sniffing and converter (cases.validation.office: a Word stream is required, a
    password-protected file is refused, memory limited), within
    NARRATIVE_CONVERSION_TIMEOUT_SECONDS; anything else as it is (a .docx; the merge refuses the
    rest). Raises NarrativeNotMergeable (legacy=True) when the conversion fails."""
    with narrative.open("rb") as handle:
        if handle.read(len(OLE_MAGIC)) != OLE_MAGIC:
            return narrative
    context = ValidationContext(limits=replace(limits, libreoffice_timeout_seconds=NARRATIVE_CONVERSION_TIMEOUT_SECONDS))
    source = folder / "narrative.doc"
    narrative.rename(source)
    try:
        return as_ooxml(source, context, folder, legacy_stream=WORD_STREAM, target="docx",
                        unreadable=check_rules.DOCX_UNREADABLE)
    except NotConvertible as problem:
        finding = problem.args[0]
        raise NarrativeNotMergeable(finding.found or finding.message, legacy=True) from None
