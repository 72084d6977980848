"""The province's Excel exports (全省案例汇总, the audit log) and 附件4/5/6 keep what enterprises typed
as text: a case title or contact name starting with = + - @ never becomes a formula."""

import datetime

import pytest
from django.urls import reverse

from cases.enums import CaseStatus, Tier
from cases.models import Case
from cases.workflow import transition_case
from review.documents.summary_tables import SUMMARY_ROW_RELATED, build_summary_xlsx, seal_text, summary_rows
from tests.documents.spreadsheet_checks import HOSTILE_CONTACTS, HOSTILE_TITLES, assert_text_cell, xlsx_cells
from tests.review.conftest import make_case

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
SUBMITTED_AT = datetime.datetime(2024, 8, 1, 10, 0, tzinfo=BEIJING)


def hostile_cases(world, status=CaseStatus.PROVINCE_REVIEW) -> dict[str, Case]:
    """One case per formula character, its title and contact name starting with it."""
    cases = {}
    for (start, title), enterprise in zip(HOSTILE_TITLES.items(), world["enterprises"], strict=True):
        case = make_case(world, enterprise, status, title)
        case.contact_name, case.contact_phone, case.submitted_at = HOSTILE_CONTACTS[start], "0351-7333497", SUBMITTED_AT
        case.save(update_fields=["contact_name", "contact_phone", "submitted_at"])
        cases[start] = case
    return cases


def test_the_province_export_keeps_titles_and_contacts_as_text(client, county_world):
    hostile_cases(county_world)
    client.force_login(county_world["staff"][Tier.PROVINCE])

    rows = xlsx_cells(client.get(reverse("review:province_export")).content)

    by_title = {row[4].value: row for row in rows[1:]}
    assert set(by_title) == set(HOSTILE_TITLES.values())
    for start, title in HOSTILE_TITLES.items():
        row = by_title[title]
        assert_text_cell(row[4], title)
        assert_text_cell(row[6], HOSTILE_CONTACTS[start])
        association = Case.objects.get(title=title).enterprise.association.name
        assert [cell.value for cell in row[1:4]] == ["太原市", "测试县科协", association]
        assert (row[7].value, row[14].value) == ("0351-7333497", "2024-08-01 10:00")
    assert sorted((row[0].value, row[0].data_type) for row in rows[1:]) == [(1, "n"), (2, "n"), (3, "n"), (4, "n")]


def test_the_audit_log_export_keeps_titles_and_reasons_as_text(client, county_world, pipeline_clock):
    case = make_case(county_world, county_world["enterprises"][0], CaseStatus.SUBMITTED, HOSTILE_TITLES["="])
    transition_case(case, to=CaseStatus.RETURNED, actor=county_world["staff"][Tier.ASSOCIATION], reason="=1+2")
    client.force_login(county_world["staff"][Tier.PROVINCE])

    rows = xlsx_cells(client.get(reverse("review:audit_log"), {"format": "xlsx"}).content)

    [row] = [row for row in rows[1:] if row[3].value == HOSTILE_TITLES["="]]
    assert_text_cell(row[3], HOSTILE_TITLES["="])
    assert_text_cell(row[5], "=1+2")
    assert row[4].value == "待园区（企业）科协审核 → 已退回修改"


def test_the_summary_table_in_excel_keeps_titles_contacts_and_the_units_name_as_text(county_world):
    county = county_world["county"]
    county.name = '=HYPERLINK("http://evil.example/","测试县科协")'
    county.save(update_fields=["name"])
    cases = hostile_cases(county_world, status=CaseStatus.COUNTY_REVIEW)
    ordered = Case.objects.select_related(SUMMARY_ROW_RELATED).in_bulk([case.pk for case in cases.values()])

    data = build_summary_xlsx(campaign=county_world["campaign"], organisation=county, tier=Tier.COUNTY,
                              rows=summary_rows(ordered[case.pk] for case in cases.values()),
                              contact="=1+2 13900002222", date=datetime.date(2024, 9, 10))
    rows = xlsx_cells(data)

    assert_text_cell(rows[2][0], seal_text(county))
    assert rows[2][3].value == "联系人及联系电话：=1+2 13900002222"
    for row, start in zip(rows[4:8], HOSTILE_TITLES, strict=True):
        assert_text_cell(row[1], HOSTILE_TITLES[start])
        assert_text_cell(row[3], HOSTILE_CONTACTS[start])
        assert (row[4].value, row[7].value) == ("0351-7333497", "太原市")
    assert [(row[0].value, row[0].data_type) for row in rows[4:8]] == [(1, "n"), (2, "n"), (3, "n"), (4, "n")]
