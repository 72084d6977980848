"""The enterprise's own Word 推荐表 (kind form_word): the 附件3 table is recognised, the narrative in
its 案例概要 cell or on the 附页 after it is held to the narrative rules, the form around it never
is; the form the portal fills itself passes."""

from __future__ import annotations

import pytest
from django.utils import translation
from docx.enum.text import WD_LINE_SPACING

from cases.documents.recommendation_form import build_filled_form
from cases.validation.findings import ERROR, WARNING
from tests import factories
from tests.validation.builders import (
    CASE_NAME,
    UNIT_NAME,
    camera_photos,
    conforming_narrative_with_photos,
    form_with_narrative,
    open_docx,
    save_docx,
)
from tests.validation.conftest import codes


@pytest.mark.parametrize("layout", ["cell", "appendix"])
def test_a_form_with_a_conforming_narrative_passes(check, layout):
    data = form_with_narrative(layout=layout, photos=list(camera_photos()))

    assert check(data, "form_word", "推荐表.docx") == []


def test_an_ordinary_word_file_is_not_the_form_and_says_where_it_belongs(check):
    findings = check(conforming_narrative_with_photos(), "form_word", "案例概要_普通.docx")

    assert [(finding.rule, finding.severity) for finding in findings] == [("form.not_recognised", ERROR)]
    assert "Case narrative (Word)" in findings[0].fix and "remove this file" in findings[0].fix


def test_the_narrative_in_the_form_is_held_to_the_narrative_rules(check):
    document = open_docx(form_with_narrative(layout="cell", photos=list(camera_photos())))
    for paragraph in document.tables[0].cell(1, 1).paragraphs:
        if paragraph.text.startswith("简要介绍"):
            paragraph.paragraph_format.line_spacing_rule = WD_LINE_SPACING.DOUBLE

    findings = check(save_docx(document), "form_word", "推荐表.docx")

    assert [(finding.rule, finding.severity, finding.found) for finding in findings] == [
        ("narrative.line_spacing", ERROR, "Double, from direct formatting")
    ]


def test_a_form_whose_narrative_is_a_separate_file_only_gets_a_warning(check):
    document = open_docx(form_with_narrative(layout="appendix"))
    body = document.element.body
    form_table = document.tables[0]._tbl
    for child in list(body)[list(body).index(form_table) + 1 :]:
        if child.tag.endswith("}p"):
            body.remove(child)

    findings = check(save_docx(document), "form_word", "推荐表.docx")

    assert [(finding.rule, finding.severity) for finding in findings] == [("form.no_narrative", WARNING)]


def test_a_table_inside_the_narrative_after_the_form_does_not_hide_the_narrative(check):
    document = open_docx(form_with_narrative(layout="appendix", photos=list(camera_photos())))
    document.add_table(rows=2, cols=2).cell(0, 0).text = "年产量"
    document.add_paragraph("")

    assert check(save_docx(document), "form_word", "推荐表.docx") == []


def test_the_chinese_wording_of_the_form_findings():
    from cases.validation import rules

    with translation.override("zh-hans"):
        not_form = rules.FORM_NOT_RECOGNISED.finding()
        no_narrative = rules.FORM_WITHOUT_NARRATIVE.finding()

    assert not_form.message == "此文件不是推荐表：其中没有附件3推荐表那样带“案例概要”一栏的表格。"
    assert not_form.fix.startswith("如果这是您的案例概要，请改为上传到“案例概要（Word）”一栏，再删除此文件。")
    assert no_narrative.message == "推荐表中没有案例概要正文：“案例概要”一栏为空或只写着见附页，表格后也没有案例概要。"


# --- the form the portal fills (the 推荐表 download) ---------------------------------------------
@pytest.fixture
def portal_case(db):
    enterprise = factories.enterprise(factories.park(factories.county(factories.city("太原市"))), name=UNIT_NAME)
    return factories.case(enterprise, title=CASE_NAME, team="张三、李四",
                          contact_name="张三", contact_position="总工程师", contact_phone="0351-7333497")


@pytest.mark.parametrize("kind", ["form_word", "narrative"])
def test_the_form_the_portal_fills_with_the_narrative_passes(check, portal_case, kind):
    generated = build_filled_form(portal_case, narrative=conforming_narrative_with_photos())

    assert check(generated, kind, "推荐表.docx") == []


def test_the_form_the_portal_fills_without_a_narrative_only_asks_for_the_narrative_file(check, portal_case):
    generated = build_filled_form(portal_case, narrative=None)

    assert codes(check(generated, "form_word", "推荐表.docx")) == ["form.no_narrative"]
