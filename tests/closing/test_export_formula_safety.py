"""The closing exports (WeChat names, presenters' programme, dashboard, the archive's tables) keep
what enterprises and experts typed as text: nothing starting with = + - @ runs as a formula when
staff open the CSV or Excel file."""

import datetime

import pytest
from django.urls import reverse

from cases.enums import CaseStatus, Role, Tier, UploadSlot
from cases.workflow import transition_case
from review.closing.archive import results_csv, scores_csv, transitions_csv
from review.experts.services import assign_expert, criteria_of, submit_score
from review.models import Selection, SelectionEntry
from tests import factories
from tests.documents.spreadsheet_checks import (
    HOSTILE_CONTACTS,
    HOSTILE_TITLES,
    assert_text_cell,
    csv_rows,
    quoted,
    xlsx_cells,
)
from tests.review import review_world as world

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
HOSTILE_UNIT = "=HYPERLINK(\"http://evil.example/\",\"示范智能\")有限公司"


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    factories.freeze_now(monkeypatch, NOW)


@pytest.fixture
def staff(client):
    user = world.province_staff()
    client.force_login(user)
    return user


def hostile_candidates(status=CaseStatus.PROVINCE_REVIEW) -> dict:
    """太原 candidates, one per formula character, their titles starting with it; the first one's
    enterprise name (the unit) starts with = too."""
    park = factories.park(factories.county(factories.city("太原市")))
    cases = {}
    for index, (start, title) in enumerate(HOSTILE_TITLES.items()):
        enterprise = factories.enterprise(park, name=HOSTILE_UNIT if index == 0 else f"示范企业{index}有限公司")
        cases[start] = factories.case(enterprise, status=status, title=title, short_title=f"简称{index}",
                                      unit_short_name="示范", contact_name=HOSTILE_CONTACTS[start])
    return cases


def test_wechat_names_csv_quotes_formula_like_titles_and_units(staff, client):
    hostile_candidates()

    rows = csv_rows(client.get(reverse("review:closing_wechat_export", args=["csv"])).content)

    assert rows[0] == ["序号", "地区", "案例名称", "单位", "微信群昵称", "状态"]
    by_title = {row[2]: row for row in rows[1:]}
    assert set(by_title) == {quoted(title) for title in HOSTILE_TITLES.values()}
    assert by_title[quoted(HOSTILE_TITLES["="])][3] == quoted(HOSTILE_UNIT)
    assert sorted(row[0] for row in rows[1:]) == ["1", "2", "3", "4"]  # numbers are not quoted
    assert {row[1] for row in rows[1:]} == {"太原市"} and {row[5] for row in rows[1:]} == {"省级评选中"}
    assert sorted(row[4] for row in rows[1:]) == [f"太原 简称{index} 示范" for index in range(4)]


def test_wechat_names_excel_keeps_formula_like_titles_and_units_as_text(staff, client):
    hostile_candidates()

    rows = xlsx_cells(client.get(reverse("review:closing_wechat_export", args=["xlsx"])).content)[2:]

    by_title = {row[2].value: row for row in rows}
    assert set(by_title) == set(HOSTILE_TITLES.values())
    for title in HOSTILE_TITLES.values():
        assert_text_cell(by_title[title][2], title)
    assert_text_cell(by_title[HOSTILE_TITLES["="]][3], HOSTILE_UNIT)
    assert sorted((row[0].value, row[0].data_type) for row in rows) == [(1, "n"), (2, "n"), (3, "n"), (4, "n")]


def test_the_programme_keeps_titles_units_and_talk_titles_as_text(staff, client):
    cases = hostile_candidates(status=CaseStatus.WINNER)
    selection = Selection.objects.create(campaign=world.campaign())
    for rank, case in enumerate(cases.values(), start=1):
        SelectionEntry.objects.create(selection=selection, case=case, rank=rank, is_winner=True, is_presenter=True)
    factories.upload(cases["-"], UploadSlot.TALK_TEXT, factories.docx_bytes("=1+2 让焊花绽放", "正文"), "宣讲.docx")

    rows = xlsx_cells(client.get(reverse("review:closing_programme_export", args=["xlsx"])).content)[2:]

    assert [(row[0].value, row[0].data_type) for row in rows] == [(1, "n"), (2, "n"), (3, "n"), (4, "n")]
    assert [row[1].value for row in rows] == ["太原市"] * 4
    for row, case in zip(rows, cases.values(), strict=True):
        assert_text_cell(row[2], case.title)
        assert_text_cell(row[3], case.enterprise.name)
    assert_text_cell(rows[0][3], HOSTILE_UNIT)
    assert_text_cell(rows[2][4], "=1+2 让焊花绽放")


def test_the_dashboard_problem_list_quotes_a_formula_like_message(staff, client):
    case = world.city_case("太原市", status=CaseStatus.SUBMITTED)
    factories.upload(case, UploadSlot.PHOTO_EXTERIOR, factories.jpeg_bytes(), "外景.jpg",
                     findings=[{"rule": "photo.too_small", "severity": "error", "message": HOSTILE_TITLES["="]}])

    rows = csv_rows(client.get(reverse("review:closing_dashboard_export", args=["problems.csv"])).content)

    assert [row[0] for row in rows[1:]] == ["photo.too_small"]
    assert rows[1][2:] == ["1", quoted(HOSTILE_TITLES["="])]


def test_the_dashboard_downloads_keep_numbers_as_numbers(staff, client):
    world.city_case("太原市", status=CaseStatus.SUBMITTED)

    exported = csv_rows(client.get(reverse("review:closing_dashboard_export", args=["csv"])).content)
    sheet_rows = xlsx_cells(client.get(reverse("review:closing_dashboard_export", args=["xlsx"])).content)[2:]

    taiyuan = next(row for row in exported if row[0] == "太原市")
    assert taiyuan[1] == "1" and not any(field.startswith("'") for row in exported for field in row)
    first = sheet_rows[0]
    assert (first[0].value, first[1].value, first[1].data_type) == ("太原市", 1, "n")


def test_the_archive_tables_quote_formula_like_titles_reasons_and_comments():
    cases = hostile_candidates()
    campaign = world.campaign()
    submitted = factories.case(cases["="].enterprise, status=CaseStatus.SUBMITTED, title=HOSTILE_TITLES["@"] + "（二）")
    park_staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=submitted.enterprise.association)
    transition_case(submitted, to=CaseStatus.RETURNED, actor=park_staff, reason="-1+2 请补充材料")
    world.open_scoring()
    expert = world.provincial_expert("晋城市")
    assignment = assign_expert(case=cases["="], expert=expert, tier=Tier.PROVINCE, actor=world.province_staff())
    submit_score(assignment=assignment, actor=expert, points={c.pk: 85 for c in criteria_of(campaign)}, comment="=1+2 意见")
    selection = Selection.objects.create(campaign=campaign)
    SelectionEntry.objects.create(selection=selection, case=cases["-"], rank=1, votes=3, final_score=0.9, is_winner=True)

    transitions = csv_rows(transitions_csv(campaign))
    scores = csv_rows(scores_csv(campaign))
    results = csv_rows(results_csv(campaign))

    [transition] = [row for row in transitions[1:] if row[1] == str(submitted.pk)]
    assert (transition[2], transition[6]) == (quoted(submitted.title), quoted("-1+2 请补充材料"))
    assert scores[1][:2] == [str(cases["="].pk), quoted(HOSTILE_TITLES["="])]
    assert (scores[1][4], scores[1][6]) == ("85.00", quoted("=1+2 意见"))
    assert results[1] == ["1", str(cases["-"].pk), "太原市", quoted(HOSTILE_TITLES["-"]), "示范企业2有限公司", "", "3",
                          "0.9", "是", "否"]
