"""The text engine of the near-duplicate search (cases.similarity.text): each kind of pair, the
command-line contract, and a slice of the labelled evaluation set of bench/similarity."""

import json
from pathlib import Path

import pytest
from django.core.management import call_command

from cases.similarity.text import COMPANY_SECTION, DUPLICATE, UNRELATED, compare, key_facts, read_narrative

from bench.similarity.evalset import EXPECTED, company_section, items, light_edit, read_corpus, recycle, wrap_in_template

BASES = read_corpus("base.txt")
RETOLD = read_corpus("paraphrase.txt")


def test_reads_the_outline_into_title_introduction_and_story():
    narrative = read_narrative(BASES["01"])

    assert narrative.title == "智能综采工作面建设实践"
    assert narrative.introduction.sentences[0].text.startswith("山西晋北煤业集团有限公司成立于1998年")
    assert narrative.story.sentences[0].text.startswith("2021年起，公司投资2.6亿元")
    assert narrative.story.sentences[-1].text.startswith("智能化建设必须坚持安全第一")


def test_a_narrative_without_headings_takes_its_company_paragraph_as_introduction():
    narrative = read_narrative(RETOLD["07"])

    assert narrative.introduction.sentences[0].text.startswith("晋能光电2016年在晋中开发区成立")
    assert narrative.story.sentences[0].text.startswith("公司是国内最早一批量产HJT异质结电池的企业")


def test_key_facts_are_numbers_with_units_latin_and_quoted_names_but_not_years_or_small_counts():
    facts = key_facts("2021年起投资2.6亿元，引入MES系统，效率提升35%，建成3座加氢站，通过ISO9001认证，培育“沁黄2号”。")

    assert facts == {"260000000元", "mes", "35%", "“沁黄0号”"}


def test_one_quantity_written_two_ways_is_one_fact():
    assert key_facts("年产氢气1.2万吨") == key_facts("每年产氢12000吨") == {"12000吨"}


def test_an_exact_copy_is_a_duplicate_with_the_whole_story_as_passage():
    result = compare(BASES["03"], BASES["03"])

    assert result.judgement == DUPLICATE
    assert result.score == 1.0
    assert result.passages[0].a.startswith("为打破国外对高强度汽车板的垄断")
    assert result.passages[0].a == result.passages[0].b


def test_a_lightly_edited_copy_is_a_duplicate():
    import random

    result = compare(BASES["12"], light_edit(BASES["12"], random.Random(1)))

    assert result.judgement == DUPLICATE
    assert result.score >= 0.6
    assert all(passage.how == "copied" for passage in result.passages)


def test_last_years_narrative_with_new_dates_and_numbers_is_a_duplicate():
    import random

    recycled = recycle(BASES["16"], random.Random(2))
    assert "YBX5系列" in recycled and "2.7亿元" not in recycled  # numbers changed, text kept

    result = compare(BASES["16"], recycled)

    assert result.judgement == DUPLICATE
    assert result.score >= 0.9


def test_a_paraphrase_keeping_the_facts_is_a_duplicate_shown_sentence_by_sentence():
    result = compare(BASES["15"], RETOLD["15"])

    assert result.judgement == DUPLICATE
    assert result.measures["copied"] < 0.45  # reworded: not found as copied text
    assert all(passage.how == "facts" for passage in result.passages)
    assert any("沁黄2号" in passage.a and "沁黄2号" in passage.b for passage in result.passages)


def test_the_same_introduction_with_another_story_is_company_section_not_duplicate():
    result = compare(BASES["08"], company_section(BASES["08"], BASES["19"]))

    assert result.judgement == COMPANY_SECTION
    assert result.score == 1.0
    assert result.passages[0].part == "introduction"
    assert result.passages[0].a.startswith("山西闻喜银光镁业集团有限公司成立于1993年")


def test_different_cases_sharing_a_template_of_stock_sentences_are_unrelated():
    first, second = wrap_in_template(BASES["02"]), wrap_in_template(BASES["19"])  # both about hydrogen trucks

    result = compare(first, second)

    assert result.judgement == UNRELATED
    assert result.passages == ()


def test_boilerplate_alone_is_never_a_duplicate():
    stock = ("一、企业简介及所获荣誉奖励\n公司始终坚持创新驱动发展战略，取得了显著的经济效益和社会效益。\n"
             "二、创新做法\n公司高度重视科技创新工作，持续加大研发投入，不断提升自主创新能力，推动企业高质量发展。\n")

    assert compare(stock + BASES["04"], stock + BASES["10"]).judgement == UNRELATED


# A slice of the labelled set (the whole set and its shares: bench/similarity/evaluate.py).
SLICE = [item for index, item in enumerate(items()) if index % (3 if item[0] != "unrelated" else 37) == 0]


@pytest.mark.parametrize("kind,name,first,second", SLICE, ids=[item[1] for item in SLICE])
def test_labelled_evaluation_slice(kind, name, first, second):
    assert compare(first, second).judgement == EXPECTED[kind]


def test_compare_texts_prints_the_contracted_json(tmp_path, capsys):
    (tmp_path / "a.txt").write_text(BASES["05"], encoding="utf-8")
    (tmp_path / "copy.txt").write_text(BASES["05"], encoding="utf-8")
    (tmp_path / "intro.txt").write_text(company_section(BASES["05"], BASES["14"]), encoding="gb18030")
    (tmp_path / "other.txt").write_text(BASES["14"], encoding="utf-8")

    call_command("compare_texts", "--json", str(tmp_path / "a.txt"), str(tmp_path / "copy.txt"),
                 str(tmp_path / "intro.txt"), str(tmp_path / "other.txt"))
    printed = json.loads(capsys.readouterr().out)

    assert [(row["file"], row["judgement"]) for row in printed] == [
        (str(tmp_path / "copy.txt"), "duplicate"), (str(tmp_path / "intro.txt"), "company_section"),
        (str(tmp_path / "other.txt"), "unrelated")]
    assert [sorted(row) for row in printed] == [["file", "judgement", "passages", "score"]] * 3
    assert printed[0]["score"] == 1.0 and printed[2]["passages"] == []
    assert sorted(printed[1]["passages"][0]) == ["a", "b", "how", "part"]
