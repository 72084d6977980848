import io

import openpyxl
import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from cases.credit_code import check_character
from cases.enums import AuditAction, Role
from cases.importing import (
    COLUMNS,
    EXAMPLE_CREDIT_CODE,
    PASSWORD_PLACEHOLDER,
    example_rows,
    import_directory,
)
from cases.importing_template import build_import_template
from cases.models import AuditEvent, Enterprise, Membership, Organisation
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


CREDIT_CODE = "91140100MA0K00002" + check_character("91140100MA0K00002")
OTHER_CREDIT_CODE = "91140100MA0K00003" + check_character("91140100MA0K00003")
GOOD_ORG = ["迎泽区科学技术协会", "县（市、区）科协", "太原市科学技术协会", "迎泽区", "迎泽", "张三", "0351-7654321"]
GOOD_PARK = ["迎泽园区科协", "园区科协", "迎泽区科学技术协会", "迎泽区", "", "", ""]
GOOD_ENTERPRISE = ["山西迎泽新材料有限公司", CREDIT_CODE, "高新技术企业", "迎泽园区科协", "是", "否", "迎泽新材", ""]
GOOD_ACCOUNT = ["yingze01", "李四", "lisi@example.com", "企业用户", CREDIT_CODE, "Yingze#2024strong"]


def test_a_good_workbook_imports_everything_in_order():
    report = import_directory(
        workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE], [GOOD_ACCOUNT]), actor=None
    )
    assert report.errors == []
    assert report.created == {"organisations": 2, "enterprises": 1, "accounts": 1}
    park = Organisation.objects.get(name="迎泽园区科协")
    assert park.parent.name == "迎泽区科学技术协会" and park.parent.parent.region == "太原市"
    enterprise = Enterprise.objects.get(credit_code=CREDIT_CODE)
    assert enterprise.association == park and enterprise.has_park_association
    user = get_user_model().objects.get(username="yingze01")
    assert user.check_password("Yingze#2024strong")
    assert Membership.objects.get(user=user).enterprise == enterprise


def test_one_bad_row_imports_nothing_and_reports_each_problem_by_row_and_column():
    bad_code = GOOD_ENTERPRISE.copy()
    bad_code[0], bad_code[1] = "校验位错误有限公司", CREDIT_CODE[:17] + ("0" if CREDIT_CODE[17] != "0" else "1")
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
    assert not Enterprise.objects.filter(credit_code=CREDIT_CODE).exists()
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


def test_not_an_excel_file_gets_a_clear_message_without_a_row_number():
    fake = io.BytesIO(b"PK\x03\x04 not really a workbook")
    report = import_directory(workbook_file=fake, actor=None)
    assert [(e.sheet, e.row, e.column, e.message) for e in report.errors] == [
        ("", None, "", "这不是 Excel .xlsx 工作簿。请下载模板，填写后重新上传。")
    ]


def test_template_data_sheets_hold_only_headers_and_the_examples_are_on_the_notes_sheet():
    workbook = openpyxl.load_workbook(io.BytesIO(build_import_template()))
    assert workbook.sheetnames[:4] == ["填写说明", "组织", "企业", "账号"]
    for name in ("组织", "企业", "账号"):
        assert [[cell.value for cell in row] for row in workbook[name].iter_rows()] == [COLUMNS[name]]
    notes = [list(row) for row in workbook["填写说明"].iter_rows(values_only=True)]
    for name, example in example_rows().items():
        header_at = next(i for i, row in enumerate(notes) if row[: len(COLUMNS[name])] == COLUMNS[name])
        assert notes[header_at - 1][0] == f"“{name}”表示例（不会导入）："
        assert notes[header_at + 1][: len(example)] == example
    assert EXAMPLE_CREDIT_CODE in example_rows()["企业"]


def test_the_template_uploaded_unchanged_imports_nothing_and_says_the_sheets_are_empty():
    report = import_directory(workbook_file=io.BytesIO(build_import_template()), actor=None)
    assert [(e.sheet, e.row, e.message) for e in report.errors] == [
        ("", None, "工作簿里没有要导入的数据：请从第2行起填写“组织”“企业”“账号”表（第1行是表头），再重新上传。")
    ]
    assert not Organisation.objects.filter(name="示范区园区科协").exists()
    assert not get_user_model().objects.filter(username="shifan01").exists()
    assert not AuditEvent.objects.filter(action=AuditAction.DIRECTORY_IMPORTED).exists()


def test_example_rows_left_on_the_data_sheets_of_an_old_template_are_refused():
    """Templates handed out before the fix had the example as row 2 of every sheet."""
    factories.county(factories.city("太原市"), name="小店区科学技术协会")
    examples = example_rows()
    report = import_directory(
        workbook_file=workbook_bytes([examples["组织"]], [examples["企业"]], [examples["账号"]]), actor=None
    )
    assert [(e.sheet, e.row) for e in report.errors] == [("组织", 2), ("企业", 2), ("账号", 2)]
    assert {e.message for e in report.errors} == {"这是模板中的示例行，不会导入：请删除这一行，或改为真实数据。"}
    assert not Organisation.objects.filter(name="示范区园区科协").exists()
    assert not Enterprise.objects.filter(credit_code=EXAMPLE_CREDIT_CODE).exists()
    assert not get_user_model().objects.filter(username="shifan01").exists()


def test_the_placeholder_password_is_refused_on_any_row():
    placeholder = GOOD_ACCOUNT.copy()
    placeholder[5] = PASSWORD_PLACEHOLDER
    report = import_directory(
        workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE], [placeholder]), actor=None
    )
    assert [(e.sheet, e.row, e.column, e.message) for e in report.errors] == [
        ("账号", 2, "初始密码", "这还是模板里的提示文字，不是密码：请填写这个账号真正的初始密码。")
    ]
    assert not get_user_model().objects.filter(username="yingze01").exists()


def test_a_user_name_twice_in_the_file_is_an_error_naming_the_first_row():
    first = ["qa_dup", "王五", "wangwu@example.com", "企业用户", CREDIT_CODE, "Wangwu#2024strong"]
    second = ["qa_dup", "赵六", "zhaoliu@example.com", "县（市、区）科协工作人员", "迎泽区科学技术协会", "Zhaoliu#2024strong"]
    report = import_directory(
        workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE], [first, second]), actor=None
    )
    assert [(e.sheet, e.row, e.column) for e in report.errors] == [("账号", 3, "用户名")]
    assert report.errors[0].message == (
        "用户名 qa_dup 在第 2 行已经填写过：每行新建一个账号，同一用户名只能写一次（另一个人请换一个用户名）。"
    )
    assert not get_user_model().objects.filter(username="qa_dup").exists()


@pytest.mark.parametrize("role", ["企业用户", "省级工作人员"])
def test_a_row_for_an_existing_account_is_refused_and_changes_nothing(role):
    enterprise = factories.enterprise()
    existing = factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise, username="shifan01")
    target = factories.province().name if role == "省级工作人员" else enterprise.credit_code
    row = ["shifan01", "新名字", "new@example.com", role, target, "Another#2024strong"]
    report = import_directory(workbook_file=workbook_bytes(accounts=[row]), actor=None)
    assert [(e.sheet, e.row, e.column, e.message) for e in report.errors] == [(
        "账号", 2, "用户名",
        "账号 shifan01 已存在：导入只能新建账号。请删除这一行；如需给已有账号增加角色，请在管理后台修改。",
    )]
    existing.refresh_from_db()
    assert (existing.first_name, existing.is_staff) == ("测试用户", False)
    assert not existing.check_password("Another#2024strong")
    assert list(Membership.objects.filter(user=existing).values_list("role", flat=True)) == [Role.ENTERPRISE_USER]


def test_a_credit_code_twice_is_an_error_naming_the_first_row_and_accounts_are_told_which_row_to_fix():
    same_code = GOOD_ENTERPRISE.copy()
    same_code[0] = "山西迎泽第二有限公司"
    account = GOOD_ACCOUNT.copy()
    account[4] = "山西迎泽第二有限公司"
    report = import_directory(
        workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE, same_code], [account]), actor=None
    )
    assert [(e.sheet, e.row, e.column, e.message) for e in report.errors] == [
        ("企业", 3, "统一社会信用代码",
         f"统一社会信用代码 {CREDIT_CODE} 在第 2 行已经填写过：每家企业只写一行，请改正或删除其中一行。"),
        ("账号", 2, "所属组织或企业", "“山西迎泽第二有限公司”在“企业”表第 3 行，那一行有错误，没有导入：请先改正那一行。"),
    ]
    assert not Enterprise.objects.exists()


def test_an_enterprise_name_twice_is_an_error_naming_the_first_row():
    same_name = GOOD_ENTERPRISE.copy()
    same_name[1] = OTHER_CREDIT_CODE
    report = import_directory(
        workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE, same_name]), actor=None
    )
    assert [(e.sheet, e.row, e.column, e.message) for e in report.errors] == [
        ("企业", 3, "企业名称", "企业“山西迎泽新材料有限公司”在第 2 行已经填写过：每家企业只写一行，请改正或删除其中一行。"),
    ]


def test_an_organisation_twice_under_the_same_parent_is_an_error_naming_the_first_row():
    chained_parent = GOOD_PARK.copy()
    chained_parent[1], chained_parent[2] = "企业科协", "太原市科学技术协会/迎泽区科学技术协会"
    report = import_directory(workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK, chained_parent]), actor=None)
    assert [(e.sheet, e.row, e.column, e.message) for e in report.errors] == [
        ("组织", 4, "名称", "“迎泽区科学技术协会”下的“迎泽园区科协”在第 3 行已经填写过：每个组织只写一行，请删除其中一行。"),
    ]
    assert not Organisation.objects.filter(name="迎泽园区科协").exists()


def test_the_same_organisation_name_under_two_parents_is_allowed():
    other_county = ["杏花岭区科学技术协会", "县（市、区）科协", "太原市科学技术协会", "杏花岭区", "", "", ""]
    other_park = ["迎泽园区科协", "园区科协", "杏花岭区科学技术协会", "杏花岭区", "", "", ""]
    report = import_directory(workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK, other_county, other_park]), actor=None)
    assert report.errors == []
    assert Organisation.objects.filter(name="迎泽园区科协").count() == 2


def test_a_workbook_without_the_expected_sheets_says_so():
    workbook = openpyxl.Workbook()
    workbook.active.title = "Sheet1"
    workbook.active.append(COLUMNS["组织"])
    workbook.active.append(GOOD_ORG)
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = import_directory(workbook_file=buffer, actor=None)
    assert [(e.sheet, e.row, e.message) for e in report.errors] == [(
        "", None,
        "这个工作簿里没有找到名为“组织”“企业”或“账号”的工作表。请下载模板，在其中的工作表里填写（不要改表名），再重新上传。",
    )]
    assert not Organisation.objects.filter(name="迎泽区科学技术协会").exists()


def test_several_password_problems_read_as_sentences():
    weak = GOOD_ACCOUNT.copy()
    weak[5] = "12345678"
    report = import_directory(workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE], [weak]), actor=None)
    assert report.errors[0].message == "密码太短：至少需要 10 个字符。这个密码太常见了。密码只包含数字。"


def test_a_successful_import_writes_one_audit_event_with_counts_and_new_user_names():
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    second = ["yingze02", "王五", "", "县（市、区）科协工作人员", "迎泽区科学技术协会", "Yingze#2024second"]
    report = import_directory(
        workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE], [GOOD_ACCOUNT, second]), actor=staff
    )
    assert report.errors == []
    event = AuditEvent.objects.get(action=AuditAction.DIRECTORY_IMPORTED)
    assert event.actor == staff
    assert event.summary == (
        "导入 import.xlsx：组织：新增 2 个，更新 0 个；企业：新增 1 个，更新 0 个；账号：新增 2 个。"
        "新建账号：yingze01、yingze02。"
    )
    assert event.details == {
        "file": "import.xlsx",
        "created": {"organisations": 2, "enterprises": 1, "accounts": 2},
        "updated": {"organisations": 0, "enterprises": 0, "accounts": 0},
        "usernames": ["yingze01", "yingze02"],
    }


def test_the_audit_summary_fits_its_column_when_many_accounts_are_created():
    accounts = [[f"bulk_user_{n:03d}", "批量", "", "企业用户", CREDIT_CODE, "Bulk#2024strong"] for n in range(40)]
    report = import_directory(workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE], accounts), actor=None)
    assert report.errors == []
    event = AuditEvent.objects.get(action=AuditAction.DIRECTORY_IMPORTED)
    assert len(event.summary) <= 300
    assert event.summary.endswith("个。") and "等另外" in event.summary
    assert len(event.details["usernames"]) == 40


def test_a_failed_import_writes_no_audit_event():
    weak = GOOD_ACCOUNT.copy()
    weak[5] = "12345678"
    import_directory(workbook_file=workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE], [weak]), actor=None)
    assert not AuditEvent.objects.filter(action=AuditAction.DIRECTORY_IMPORTED).exists()


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


def test_import_view_shows_a_file_problem_without_a_row_number(client):
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    client.force_login(staff)
    upload = io.BytesIO(b"PK\x03\x04 not really a workbook")
    upload.name = "broken.xlsx"
    response = client.post(reverse("cases:directory_import"), {"workbook": upload})
    page = response.content.decode()
    assert (
        '<tr><td class="nowrap"></td><td class="nowrap"></td><td class="nowrap"></td>'
        "<td>这不是 Excel .xlsx 工作簿。请下载模板，填写后重新上传。</td></tr>"
    ) in page
    assert '<td class="nowrap">0</td>' not in page


def test_import_view_keeps_sheet_row_and_column_on_one_line(client):
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    client.force_login(staff)
    wrong = GOOD_ENTERPRISE.copy()
    wrong[4] = "可能"
    response = client.post(reverse("cases:directory_import"), {"workbook": workbook_bytes([GOOD_ORG, GOOD_PARK], [wrong])})
    assert (
        '<td class="nowrap">企业</td><td class="nowrap">2</td><td class="nowrap">园区是否已建立园区科协</td>'
    ) in response.content.decode()


def test_import_view_records_the_import_in_the_audit_log(client):
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    client.force_login(staff)
    client.post(reverse("cases:directory_import"), {"workbook": workbook_bytes([GOOD_ORG, GOOD_PARK], [GOOD_ENTERPRISE], [GOOD_ACCOUNT])})
    event = AuditEvent.objects.get(action=AuditAction.DIRECTORY_IMPORTED)
    assert event.actor == staff
    assert event.get_action_display() == "导入组织和账号"
    assert event.summary.startswith("导入 import.xlsx：组织：新增 2 个")


def test_each_missing_column_is_reported_on_the_header_row():
    workbook = openpyxl.Workbook()
    workbook.active.title = "组织"
    workbook.active.append([column for column in COLUMNS["组织"] if column not in ("类型", "联系电话")])
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    report = import_directory(workbook_file=buffer, actor=None)
    assert [(e.sheet, e.row, e.column, e.message) for e in report.errors] == [
        ("组织", 1, "类型", "缺少这一列：请从模板中复制表头行（第1行）。"),
        ("组织", 1, "联系电话", "缺少这一列：请从模板中复制表头行（第1行）。"),
    ]
