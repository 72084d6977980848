"""narrative.advertising (issue 18): promotional passages flagged as a warning with the signs
marked; facts with their source left alone; the evaluation set's slice meets the goal."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from cases.validation.advertising import is_promotional, scan_passage
from tests.validation.builders import UNIT_NAME, conforming_narrative_with_photos, open_docx, save_docx
from tests.validation.conftest import codes

EVALUATION_SET = Path(__file__).resolve().parents[2] / "bench" / "data" / "advertising_eval.jsonl"
ADVERT = "欢迎新老客户来电咨询，24小时服务热线：400-123-4567。"


def narrative_with(text: str, *, after: str = "总结可复制") -> bytes:
    document = open_docx(conforming_narrative_with_photos())
    paragraph = next(p for p in document.paragraphs if p.text.startswith(after))
    paragraph.runs[0].text = text
    return save_docx(document)


def test_slice_of_the_evaluation_set_meets_precision_and_recall_goal():
    passages = [json.loads(line) for line in EVALUATION_SET.read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(passages) >= 60
    sample = passages[::4]  # the full set runs in bench/bench_advertising.py
    flagged = {p["id"] for p in sample if is_promotional(p["text"])}
    adverts = {p["id"] for p in sample if p["label"] == "advert"}

    precision = len(flagged & adverts) / len(flagged)
    recall = len(flagged & adverts) / len(adverts)

    assert len(sample) == 26
    assert (precision >= 0.85, recall >= 0.85) == (True, True), (precision, recall, sorted(flagged ^ adverts))


@pytest.mark.parametrize("text", [
    "2021年12月，该工艺通过山西省科技厅组织的科技成果鉴定，专家组一致认为其整体技术达到国内领先水平。",
    "最困难的时候，团队连续三个月做了四十多次试验。",
    "2019年夏天，第一台样机在车间里试运行，刚开机半小时，主轴就停了下来。",
    "当时摆在团队面前唯一的办法，就是自己动手改造进口设备的控制系统。",
    "当时进口同类设备价格在每台800万元以上，国产化以后降到300万元左右。",
])
def test_a_story_with_superlatives_prices_or_a_sourced_ranking_is_not_flagged(text):
    assert scan_passage(text).flagged is False


@pytest.mark.parametrize(("text", "category"), [
    ("本公司是国内最大的煤矸石综合利用企业，是广大用户的首选品牌。", "absolute"),
    ("我公司技术国内领先，质量过硬，价格合理，交货及时。", "offer"),
    ("扫描下方二维码关注我们的微信公众号。", "contact"),
    ("我们真诚期待与各界朋友携手合作！诚邀全国各地经销商加盟代理。", "call"),
    ("公司主要产品有：液压支架、放顶煤支架、单体液压支柱、刮板输送机等。", "catalogue"),
    ("品质铸就品牌，创新引领未来。", "slogan"),
    ("公司实力雄厚，售后服务体系完善，在业内享有很高的知名度。", "description"),
])
def test_each_kind_of_sign_flags_a_passage_even_without_absolute_words(text, category):
    scan = scan_passage(text)

    assert scan.flagged is True
    assert category in scan.categories


def test_words_match_on_the_segmenters_boundaries():
    assert [text for text in ("最终确定了方案。", "这是公司历史上第一次由工人牵头。") if scan_passage(text).marks] == []


def test_advertising_in_the_narrative_is_a_warning_quoting_the_passage_with_its_signs(check):
    findings = check(narrative_with(ADVERT), "narrative", "n.docx")

    assert codes(findings) == ["narrative.advertising"]
    finding = findings[0]
    assert finding.severity == "warning"
    assert finding.found == "contact channel in 1 passage(s); call to buy or cooperate in 1 passage(s)"
    assert finding.location == (
        "paragraph 13 “欢迎新老客户来电咨询，24小时服务热线：400-123-…” "
        "(call to buy or cooperate: 欢迎新老客户来电, 咨询; contact channel: 服务热线, 400-123-4567)"
    )
    marks = [(ADVERT[start:end], category) for start, end, category in finding.passages[0]["marks"]]
    assert marks == [("欢迎新老客户来电", "call"), ("咨询", "call"), ("服务热线", "contact"), ("400-123-4567", "contact")]
    assert finding.passages[0]["paragraph"] == 13 and finding.passages[0]["text"] == ADVERT


def test_a_story_narrative_with_a_sourced_ranking_has_no_advertising_finding(check):
    text = "2021年，该工艺通过山西省科技厅组织的科技成果鉴定，专家组认为其达到国内领先水平。"

    assert check(narrative_with(text), "narrative", "n.docx") == []


def test_a_narrative_that_only_praises_the_enterprise_is_flagged_as_a_whole(check):
    document = open_docx(conforming_narrative_with_photos())
    # Each paragraph alone is plain description (one word of praise); together they tell no story.
    praise = ["公司位于太原市小店区，占地面积一百二十亩，现有员工三百人，拥有生产线五条，年产值达到三亿元，"
              "产品销往省内外多个地区，建有完善的质量管理体系，设有财务部、销售部、生产部和行政部。"] * 4
    prompts = [p for p in document.paragraphs if p.text.startswith(("简要介绍", "讲述科技人员", "说明创新成果", "总结可复制"))]
    for paragraph, text in zip(prompts, praise):
        paragraph.runs[0].text = text

    findings = check(save_docx(document), "narrative", "n.docx")

    assert codes(findings) == ["narrative.advertising"]
    assert findings[0].location == (
        "the whole text: it describes the enterprise and tells no story (people, problem, attempts, result)")
    assert findings[0].passages == ()


def test_validate_file_json_reports_the_rule_with_the_passages_in_location(tmp_path):
    path = tmp_path / "案例概要.docx"
    path.write_bytes(narrative_with(ADVERT))
    output = StringIO()

    call_command("validate_file", "--json", "--kind", "narrative", "--unit-name", UNIT_NAME, str(path), stdout=output)

    findings = json.loads(output.getvalue())[0]["findings"]
    advertising = [f for f in findings if f["rule"] == "narrative.advertising"]
    assert [f["severity"] for f in advertising] == ["warning"]
    assert "服务热线" in advertising[0]["location"] and "paragraph 13" in advertising[0]["location"]
    assert advertising[0]["passages"][0]["paragraph"] == 13
