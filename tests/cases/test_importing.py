import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cases.enums import Role
from cases.importing import COLUMNS, EXAMPLE_CREDIT_CODE, build_import_template, import_directory
from cases.models import Enterprise, Membership, Organisation
from tests import factories

pytestmark = pytest.mark.django_db


def workbook_bytes(organisations=(), enterprises=(), accounts=()) -> io.BytesIO:
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    for name, rows in (("组织", organisations), ("企业", enterprises), ("账号", accounts)):
        sheet = workbook.create_sheet(name)
        sheet.append(COLUMNS[name])
        for row in rows:
            sheet.append(list(row))
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "import.xlsx"
    return buffer


GOOD_ORG = ["迎泽区科学技术协会", "县（市、区）科协", "太原市科学技术协会", "迎泽区", "迎泽", "张三", "0351-7654321"]
GOOD_PARK = ["迎泽园区科协", "园区科协", "迎泽区科学技术协会", "迎泽区", "", "", ""]
GOOD_ENTERPRISE = ["山西迎泽新材料有限公司", EXAMPLE_CREDIT_CODE, "高新技术企业", "迎泽园区科协", "是", "否", "迎泽新材", ""]
GOOD_ACCOUNT = ["yingze01", "李四", "lisi@example.com", "企业用户", EXAMPLE_CREDIT_CODE, "Yingze#2024strong"]


def test_a_good_workbook_imports_everything_in_order():
    report = import_directory(
        workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE], [GOOD_ACCOUNT]), actor=None
    )
    assert report.errors == []
    assert report.created == {"organisations": 2, "enterprises": 1, "accounts": 1}
    park = Organisation.objects.get(name="迎泽园区科协")
    assert park.parent.name == "迎泽区科学技术协会" and park.parent.parent.region == "太原市"
    enterprise = Enterprise.objects.get(credit_code=EXAMPLE_CREDIT_CODE)
    assert enterprise.association == park and enterprise.has_park_association
    user = get_user_model().objects.get(username="yingze01")
    assert user.check_password("Yingze#2024strong")
    assert Membership.objects.get(user=user).enterprise == enterprise


def test_one_bad_row_imports_nothing_and_reports_each_problem_by_row_and_column():
    bad_code = GOOD_ENTERPRISE.copy()
    bad_code[0], bad_code[1] = "校验位错误有限公司", EXAMPLE_CREDIT_CODE[:17] + ("0" if EXAMPLE_CREDIT_CODE[17] != "0" else "1")
    weak = GOOD_ACCOUNT.copy()
    weak[0], weak[5] = "weak01", "12345678"
    report = import_directory(
        workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE, bad_code], [GOOD_ACCOUNT, weak]), actor=None
    )
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [
        ("企业", 3, "统一社会信用代码"),
        ("账号", 3, "初始密码"),
    ]
    assert "校验位" in report.errors[0].message
    assert "密码" in report.errors[1].message
    assert not Organisation.objects.filter(name="迎泽园区科协").exists()
    assert not Enterprise.objects.filter(credit_code=EXAMPLE_CREDIT_CODE).exists()
    assert not get_user_model().objects.filter(username="yingze01").exists()


def test_ambiguous_parent_name_asks_for_the_chain():
    factories.county(factories.city("阳泉市"), name="城区科学技术协会")
    factories.county(factories.city("晋城市"), name="城区科学技术协会")
    row = ["城区园区科协", "园区科协", "城区科学技术协会", "城区", "", "", ""]
    report = import_directory(workbook_file=workbook_bytes([row]), actor=None)
    assert len(report.errors) == 1
    assert "上级组织名称/组织名称" in report.errors[0].message
    chained = ["城区园区科协", "园区科协", "阳泉市科学技术协会/城区科学技术协会", "城区", "", "", ""]
    assert import_directory(workbook_file=workbook_bytes([chained]), actor=None).errors == []


def test_not_an_excel_file_gets_a_clear_message():
    fake = io.BytesIO(b"PK\x03\x04 not really a workbook")
    report = import_directory(workbook_file=fake, actor=None)
    assert [e.message for e in report.errors] == ["这不是 Excel .xlsx 工作簿。请下载模板，填写后重新上传。"]


def test_template_has_the_three_sheets_with_headers_and_a_valid_example():
    workbook = openpyxl.load_workbook(io.BytesIO(build_import_template()))
    assert workbook.sheetnames[:4] == ["说明", "组织", "企业", "账号"]
    for name in ("组织", "企业", "账号"):
        assert [cell.value for cell in workbook[name][1]] == COLUMNS[name]
    assert workbook["企业"]["B2"].value == EXAMPLE_CREDIT_CODE


def test_import_view_for_provincial_staff_round_trip(client):
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    client.force_login(staff)
    template = client.get(reverse("cases:directory_import_template"))
    assert template["Content-Type"].startswith("application/vnd.openxmlformats")
    assert "filename*=utf-8''" in template["Content-Disposition"].lower()
    response = client.post(
        reverse("cases:directory_import"),
        {"workbook": workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE], [GOOD_ACCOUNT])},
        follow=True,
    )
    assert "导入成功" in response.content.decode()
    assert Organisation.objects.filter(name="迎泽园区科协").exists()


def test_import_view_shows_the_error_table_and_keeps_nothing(client):
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    client.force_login(staff)
    wrong_type = GOOD_ORG.copy()
    wrong_type[1] = "乡镇科协"
    response = client.post(reverse("cases:directory_import"), {"workbook": workbook_bytes([wrong_type])})
    page = response.content.decode()
    assert "未导入任何数据：有 1 个问题需要改正。" in page
    assert "类型无法识别" in page
    assert not Organisation.objects.filter(name="迎泽区科学技术协会").exists()


def test_import_view_refuses_a_non_xlsx_upload(client):
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    client.force_login(staff)
    upload = io.BytesIO(b"a,b,c")
    upload.name = "orgs.csv"
    response = client.post(reverse("cases:directory_import"), {"workbook": upload})
    assert "请上传 .xlsx 工作簿" in response.content.decode()
