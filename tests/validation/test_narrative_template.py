"""The blank 案例概要 template (issue 18): passes every rule as shipped, downloadable by anyone."""

from __future__ import annotations

from urllib.parse import unquote

from django.urls import reverse

from cases.documents.narrative_template import narrative_template
from cases.validation import ValidationContext, validate_file
from tests.validation.builders import open_docx


def test_the_template_passes_every_rule_as_shipped(tmp_path):
    path = tmp_path / "案例概要模板.docx"
    path.write_bytes(narrative_template())

    assert validate_file(path, "narrative", context=ValidationContext()) == []


def test_the_template_has_the_outline_and_three_photo_placeholders():
    document = open_docx(narrative_template())

    texts = [paragraph.text for paragraph in document.paragraphs if paragraph.text]
    assert texts[:3] == ["案例标题（一句话讲清创新故事）", "完成单位全称", "一、企业简介及所获荣誉奖励"]
    assert [t for t in texts if t[:2] in ("一、", "二、", "三、", "四、")] == [
        "一、企业简介及所获荣誉奖励", "二、聚焦典型案例：创新团队攻坚克难的励志故事", "三、创新成果应用", "四、经验与启示"]
    assert len(document.inline_shapes) == 0  # anchored, not inline
    assert len(document.element.body.xpath(".//wp:anchor/wp:wrapTopAndBottom")) == 3
    assert (document.styles["Heading 1"].font.size.pt, round(document.sections[0].page_width.cm, 2)) == (16.0, 21.0)


def test_anyone_downloads_it_without_signing_in(client, tmp_path):
    response = client.get(reverse("cases:narrative_template"))
    path = tmp_path / "downloaded.docx"
    path.write_bytes(response.content)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert unquote(response["Content-Disposition"]).endswith("案例概要模板.docx")
    assert validate_file(path, "narrative", context=ValidationContext()) == []
