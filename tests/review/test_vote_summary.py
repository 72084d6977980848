"""Issue 13 item 10: the vote card's summary leaves out the narrative's headings. Typed in the body
style, “一、企业简介及所获荣誉奖励” ran into the text after it (“…荣誉奖励团队从…”)."""

import pytest

from cases.enums import CaseStatus, UploadSlot
from review.voting.queries import looks_like_heading, narrative_summary
from tests import factories

pytestmark = pytest.mark.django_db


def test_the_summary_is_the_body_text_without_the_outline_headings():
    case = factories.case(factories.enterprise(), status=CaseStatus.PROVINCE_REVIEW)
    narrative = factories.docx_bytes(
        "山西示例科技有限公司",
        "一、企业简介及所获荣誉奖励",
        "团队从2015年起专注煤矸石综合利用。",
        "图1 企业外景",
        "二、聚焦典型案例：创新团队攻坚",
        "（一）问题的提出",
        "新工艺把固废变成了建材。",
    )
    upload = factories.upload(case, UploadSlot.NARRATIVE, narrative, "案例概要.docx")

    summary = narrative_summary(upload)

    assert summary == "团队从2015年起专注煤矸石综合利用。新工艺把固废变成了建材。"


@pytest.mark.parametrize(
    ("line", "heading"),
    [
        ("一、企业简介及所获荣誉奖励", True), ("2. 创新成果应用", True), ("（三）经验与启示", True), ("四、经验与启示", True),
        ("图2 生产现场", True), ("团队从2015年起专注煤矸石综合利用。", False),
        ("一、" + "长" * 50 + "。", False),  # a long numbered paragraph is text
    ],
)
def test_what_counts_as_a_heading(line, heading):
    assert looks_like_heading(line) is heading
