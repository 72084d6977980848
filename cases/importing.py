"""Bulk import of organisations, enterprises and accounts from one Excel workbook.

All or nothing: every row is checked inside one transaction; a single bad row rolls the whole
import back and the report lists every problem by sheet, row and column.
"""

import io
from dataclasses import dataclass, field

import openpyxl
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from cases.credit_code import check_character
from cases.enums import EnterpriseType, OrganisationKind, Role
from cases.models import Enterprise, Organisation
from cases.services import create_user, grant_role

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_ROWS_PER_SHEET = 5000

SHEET_ORGANISATIONS = "组织"
SHEET_ENTERPRISES = "企业"
SHEET_ACCOUNTS = "账号"
COLUMNS = {
    SHEET_ORGANISATIONS: ["名称", "类型", "上级组织", "地区", "简称", "联系人", "联系电话"],
    SHEET_ENTERPRISES: ["企业名称", "统一社会信用代码", "企业类型", "所属园区科协或企业科协", "园区是否已建立园区科协",
                        "是否已建立企业科协", "简称", "地址"],
    SHEET_ACCOUNTS: ["用户名", "姓名", "邮箱", "角色", "所属组织或企业", "初始密码"],
}
IMPORTABLE_KINDS = [kind for kind in OrganisationKind if kind != OrganisationKind.PROVINCE]
YES, NO = "是", "否"
EXAMPLE_CREDIT_CODE = "91140100MA0K00001" + check_character("91140100MA0K00001")


@dataclass
class RowError:
    sheet: str
    row: int
    column: str
    message: str


@dataclass
class ImportReport:
    errors: list[RowError] = field(default_factory=list)
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> str:
        labels = {"organisations": _("organisations"), "enterprises": _("enterprises"), "accounts": _("accounts")}
        return "；".join(
            _("%(what)s: %(created)d new, %(updated)d updated")
            % {"what": labels[key], "created": self.created.get(key, 0), "updated": self.updated.get(key, 0)}
            for key in labels
        )


class _RowFailed(Exception):
    def __init__(self, column: str, message: str):
        self.column, self.message = column, str(message)


def _label_map(choices) -> dict[str, str]:
    return {str(choice.label): choice.value for choice in choices}


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _yes_no(value, column: str) -> bool:
    text = _text(value)
    if text in (YES, NO):
        return text == YES
    raise _RowFailed(column, _("Write 是 or 否."))


def _resolve_organisation(reference: str, column: str) -> Organisation:
    """An organisation by unique name, or by a chain "上级/名称" when the name is not unique."""
    parts = [part.strip() for part in reference.split("/") if part.strip()]
    if not parts:
        raise _RowFailed(column, _("This column is required."))
    candidates = list(Organisation.objects.filter(name=parts[-1]).select_related("parent"))
    if len(parts) > 1:
        candidates = [org for org in candidates if org.parent and org.parent.name == parts[-2]]
    if not candidates:
        raise _RowFailed(column, _("No organisation named “%(name)s”: check the spelling or add it on the 组织 sheet above this row.") % {"name": reference})
    if len(candidates) > 1:
        raise _RowFailed(column, _("Several organisations are named “%(name)s”: write it as 上级组织名称/组织名称.") % {"name": reference})
    return candidates[0]


def _messages(error: ValidationError) -> str:
    return "；".join(str(message) for message in error.messages)


def _import_organisation(values: dict) -> bool:
    kind = _label_map(IMPORTABLE_KINDS).get(values["类型"])
    if kind is None:
        raise _RowFailed("类型", _("Unknown type; use one of: %(choices)s.") % {"choices": "、".join(str(k.label) for k in IMPORTABLE_KINDS)})
    parent = _resolve_organisation(values["上级组织"], "上级组织")
    name = values["名称"]
    if not name:
        raise _RowFailed("名称", _("This column is required."))
    organisation = Organisation.objects.filter(parent=parent, name=name).first()
    created = organisation is None
    organisation = organisation or Organisation(parent=parent, name=name)
    organisation.kind = kind
    organisation.region = values["地区"] or organisation.region
    organisation.short_name = values["简称"] or organisation.short_name
    organisation.contact_name = values["联系人"] or organisation.contact_name
    organisation.contact_phone = values["联系电话"] or organisation.contact_phone
    try:
        organisation.full_clean(validate_unique=False)
    except ValidationError as error:
        raise _RowFailed("上级组织" if "parent" in getattr(error, "error_dict", {}) else "类型", _messages(error)) from None
    organisation.save()
    return created


def _import_enterprise(values: dict) -> bool:
    code = values["统一社会信用代码"].upper()
    enterprise_type = _label_map(EnterpriseType).get(values["企业类型"])
    if enterprise_type is None:
        raise _RowFailed("企业类型", _("Unknown enterprise type; use one of: %(choices)s.") % {"choices": "、".join(str(t.label) for t in EnterpriseType)})
    association = _resolve_organisation(values["所属园区科协或企业科协"], "所属园区科协或企业科协")
    enterprise = Enterprise.objects.filter(credit_code=code).first()
    created = enterprise is None
    enterprise = enterprise or Enterprise(credit_code=code)
    enterprise.name = values["企业名称"]
    enterprise.enterprise_type = enterprise_type
    enterprise.association = association
    enterprise.has_park_association = _yes_no(values["园区是否已建立园区科协"], "园区是否已建立园区科协")
    enterprise.has_enterprise_association = _yes_no(values["是否已建立企业科协"], "是否已建立企业科协")
    enterprise.short_name = values["简称"]
    enterprise.address = values["地址"]
    try:
        enterprise.full_clean(validate_unique=False)
    except ValidationError as error:
        field_columns = {"credit_code": "统一社会信用代码", "name": "企业名称", "association": "所属园区科协或企业科协",
                         "has_park_association": "园区是否已建立园区科协", "has_enterprise_association": "是否已建立企业科协"}
        first_field = next(iter(getattr(error, "error_dict", {"name": None})))
        raise _RowFailed(field_columns.get(first_field, "企业名称"), _messages(error)) from None
    enterprise.save()
    return created


def _import_account(values: dict) -> bool:
    role = _label_map(Role).get(values["角色"])
    if role is None:
        raise _RowFailed("角色", _("Unknown role; use one of: %(choices)s.") % {"choices": "、".join(str(r.label) for r in Role)})
    username = values["用户名"]
    if not username:
        raise _RowFailed("用户名", _("This column is required."))
    target = values["所属组织或企业"]
    if role == Role.ENTERPRISE_USER:
        enterprise = Enterprise.objects.filter(credit_code=target.upper()).first() or Enterprise.objects.filter(name=target).first()
        if enterprise is None:
            raise _RowFailed("所属组织或企业", _("No enterprise with this name or credit code; add it on the 企业 sheet first."))
        where = {"enterprise": enterprise}
    else:
        where = {"organisation": _resolve_organisation(target, "所属组织或企业")}
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    created = user is None
    if created:
        password = values["初始密码"]
        if not password:
            raise _RowFailed("初始密码", _("A new account needs an initial password."))
        try:
            validate_password(password, User(username=username, first_name=values["姓名"], email=values["邮箱"]))
        except ValidationError as error:
            raise _RowFailed("初始密码", _messages(error)) from None
        try:
            user = create_user(username=username, password=password, full_name=values["姓名"], email=values["邮箱"])
        except ValidationError as error:
            raise _RowFailed("用户名", _messages(error)) from None
    try:
        grant_role(user=user, role=role, **where)
    except ValidationError as error:
        raise _RowFailed("角色", _messages(error)) from None
    return created


IMPORTERS = [
    (SHEET_ORGANISATIONS, _import_organisation, "organisations"),
    (SHEET_ENTERPRISES, _import_enterprise, "enterprises"),
    (SHEET_ACCOUNTS, _import_account, "accounts"),
]


def import_directory(*, workbook_file, actor) -> ImportReport:
    """Import the three sheets in order (organisations, enterprises, accounts).

    Rows may refer to rows above them. Nothing is saved unless every row is valid.
    `actor` is the provincial staff member importing (kept for the audit log).
    """
    report = ImportReport()
    try:
        workbook = openpyxl.load_workbook(workbook_file, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many types for a bad file; the message is what matters
        report.errors.append(RowError("", 0, "", _("This is not an Excel .xlsx workbook. Download the template, fill it in and upload it again.")))
        return report
    with transaction.atomic():
        for sheet_name, importer, key in IMPORTERS:
            report.created[key] = report.updated[key] = 0
            if sheet_name not in workbook.sheetnames:
                continue
            _import_sheet(workbook[sheet_name], sheet_name, importer, key, report)
        if report.errors:
            transaction.set_rollback(True)
            report.created, report.updated = {}, {}
    workbook.close()
    return report


def _import_sheet(sheet, sheet_name, importer, key, report: ImportReport) -> None:
    rows = sheet.iter_rows(values_only=True)
    header = [_text(cell) for cell in next(rows, ())]
    missing = [column for column in COLUMNS[sheet_name] if column not in header]
    if missing:
        report.errors.append(RowError(sheet_name, 1, "、".join(missing), _("Missing columns: use the header row of the template.")))
        return
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS_PER_SHEET + 1:
            report.errors.append(RowError(sheet_name, number, "", _("Too many rows: split the workbook into files of at most %(max)d rows.") % {"max": MAX_ROWS_PER_SHEET}))
            return
        values = {column: _text(row[header.index(column)]) if header.index(column) < len(row) else "" for column in COLUMNS[sheet_name]}
        if not any(values.values()):
            continue
        try:
            with transaction.atomic():
                created = importer(values)
        except _RowFailed as failure:
            report.errors.append(RowError(sheet_name, number, failure.column, failure.message))
            continue
        except IntegrityError:
            report.errors.append(RowError(sheet_name, number, "", _("This row duplicates another one (same name under the same parent, or the same account).")))
            continue
        (report.created if created else report.updated)[key] += 1


def build_import_template() -> bytes:
    """The workbook to fill in: the three sheets with their headers, drop-downs and an example row."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    examples = {
        SHEET_ORGANISATIONS: ["示范区园区科协", str(OrganisationKind.PARK_ASSOCIATION.label), "太原市科学技术协会/小店区科学技术协会", "小店区", "示范区", "张三", "0351-1234567"],
        SHEET_ENTERPRISES: ["山西示范科技有限公司", EXAMPLE_CREDIT_CODE, str(EnterpriseType.HIGH_TECH.label), "示范区园区科协", YES, NO, "示范科技", "太原市小店区"],
        SHEET_ACCOUNTS: ["shifan01", "李四", "lisi@example.com", str(Role.ENTERPRISE_USER.label), "山西示范科技有限公司", "请改为至少10位的强密码"],
    }
    choices = {
        (SHEET_ORGANISATIONS, "类型"): [str(kind.label) for kind in IMPORTABLE_KINDS],
        (SHEET_ENTERPRISES, "企业类型"): [str(t.label) for t in EnterpriseType],
        (SHEET_ENTERPRISES, "园区是否已建立园区科协"): [YES, NO],
        (SHEET_ENTERPRISES, "是否已建立企业科协"): [YES, NO],
        (SHEET_ACCOUNTS, "角色"): [str(r.label) for r in Role],
    }
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for sheet_name, columns in COLUMNS.items():
        sheet = workbook.create_sheet(sheet_name)
        sheet.append(columns)
        sheet.append(examples[sheet_name])
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index)
            cell.font, cell.fill = Font(bold=True), header_fill
            sheet.column_dimensions[cell.column_letter].width = max(14, len(column) * 2 + 4)
            allowed = choices.get((sheet_name, column))
            if allowed:
                # A hidden list sheet keeps long choice lists under Excel's 255-character formula limit.
                validation = DataValidation(type="list", formula1=_choice_range(workbook, allowed), allow_blank=True)
                validation.error = _("Choose a value from the list.")
                sheet.add_data_validation(validation)
                validation.add(f"{cell.column_letter}2:{cell.column_letter}{MAX_ROWS_PER_SHEET + 1}")
        sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明", 0)
    for line in [
        "按顺序填写“组织”“企业”“账号”三张表；每张表第2行是示例，请删除或改为真实数据。",
        "“上级组织”“所属园区科协或企业科协”“所属组织或企业”填写已存在或本表上方行中的组织名称；名称重复时写成“上级组织名称/组织名称”。",
        "统一社会信用代码为18位，平台会校验最后一位校验码。",
        "账号的初始密码至少10位，不能是纯数字或常见密码；已存在的用户名只会增加角色，不会改密码。",
        "任何一行有错误时整份文件都不会导入，请按错误报告逐行改正后重新上传。",
    ]:
        notes.append([line])
    notes.column_dimensions["A"].width = 120
    workbook.move_sheet("选项", offset=len(workbook.sheetnames) - 1 - workbook.sheetnames.index("选项"))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _choice_range(workbook, allowed: list[str]) -> str:
    if "选项" not in workbook.sheetnames:
        hidden = workbook.create_sheet("选项")
        hidden.sheet_state = "hidden"
    hidden = workbook["选项"]
    column = hidden.max_column + 1 if hidden.max_row > 1 or hidden.cell(1, 1).value else 1
    for row, value in enumerate(allowed, start=1):
        hidden.cell(row=row, column=column, value=value)
    letter = hidden.cell(row=1, column=column).column_letter
    return f"'选项'!${letter}$1:${letter}${len(allowed)}"
