"""Bulk import of organisations, enterprises and accounts from one Excel workbook.

All or nothing: every row is checked inside one transaction; a single bad row rolls the whole
import back and the report lists every problem by sheet, row and column.
"""

import zipfile
from dataclasses import dataclass, field

import openpyxl
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from cases.credit_code import check_character
from cases.enums import AuditAction, EnterpriseType, OrganisationKind, Role
from cases.models import AuditEvent, Enterprise, Organisation
from cases.services import create_user, grant_role
from cases.uploads import join_sentences
from cases.validation.limits import ValidationLimits
from cases.validation.ooxml import UnreadablePackage, guard_members

MAX_IMPORT_BYTES = 10 * 1024 * 1024
MAX_ROWS_PER_SHEET = 5000

SHEET_NOTES = "填写说明"
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
# The example's password cell. Templates handed out before examples moved to 填写说明 carried it on
# the 账号 sheet, and it passes the password rules, so it is refused wherever it turns up.
PASSWORD_PLACEHOLDER = "请改为至少10位的强密码"
# The columns that make a row "the example" (older templates had the example as row 2 of each sheet;
# users also copy it over): a real row never matches the example on all of them.
EXAMPLE_IDENTITY = {
    SHEET_ORGANISATIONS: ("名称", "联系人", "联系电话"),
    SHEET_ENTERPRISES: ("企业名称", "统一社会信用代码"),
    SHEET_ACCOUNTS: ("用户名", "姓名"),
}


def example_rows() -> dict[str, list[str]]:
    """One filled-in row per sheet, shown on 填写说明 (never on the sheets that are imported)."""
    return {
        SHEET_ORGANISATIONS: ["示范区园区科协", str(OrganisationKind.PARK_ASSOCIATION.label), "太原市科学技术协会/小店区科学技术协会", "小店区", "示范区", "张三", "0351-1234567"],
        SHEET_ENTERPRISES: ["山西示范科技有限公司", EXAMPLE_CREDIT_CODE, str(EnterpriseType.HIGH_TECH.label), "示范区园区科协", YES, NO, "示范科技", "太原市小店区"],
        SHEET_ACCOUNTS: ["shifan01", "李四", "lisi@example.com", str(Role.ENTERPRISE_USER.label), "山西示范科技有限公司", PASSWORD_PLACEHOLDER],
    }


@dataclass
class RowError:
    sheet: str
    row: int | None  # None: a problem with the whole file, not one row
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
        parts = []
        for key, label in labels.items():
            counts = {"what": label, "created": self.created.get(key, 0), "updated": self.updated.get(key, 0)}
            if key in UPDATABLE:
                parts.append(_("%(what)s: %(created)d new, %(updated)d updated") % counts)
            else:
                parts.append(_("%(what)s: %(created)d new") % counts)
        return "；".join(parts)


@dataclass
class _FileSoFar:
    """What the rows above hold, so a row can be checked against the rest of the file."""

    organisation_rows: dict[tuple[int, str], int] = field(default_factory=dict)  # (parent id, name) → row
    enterprise_code_rows: dict[str, int] = field(default_factory=dict)
    enterprise_name_rows: dict[str, int] = field(default_factory=dict)
    username_rows: dict[str, int] = field(default_factory=dict)
    # Names (and credit codes) of rows that failed: a later row referring to them is told to fix
    # that row rather than that the name does not exist.
    failed: dict[str, dict[str, int]] = field(default_factory=lambda: {SHEET_ORGANISATIONS: {}, SHEET_ENTERPRISES: {}})
    created_usernames: list[str] = field(default_factory=list)


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


def _messages(error: ValidationError) -> str:
    return join_sentences(*(str(message) for message in error.messages))


def _first_seen(rows: dict, key, row: int) -> int:
    """The row where `key` first appeared in the file (this row if it is the first)."""
    return rows.setdefault(key, row)


def _resolve_organisation(reference: str, column: str, so_far: _FileSoFar) -> Organisation:
    """An organisation by unique name, or by a chain "上级/名称" when the name is not unique."""
    parts = [part.strip() for part in reference.split("/") if part.strip()]
    if not parts:
        raise _RowFailed(column, _("This column is required."))
    candidates = list(Organisation.objects.filter(name=parts[-1]).select_related("parent"))
    if len(parts) > 1:
        candidates = [org for org in candidates if org.parent and org.parent.name == parts[-2]]
    if not candidates:
        failed_row = so_far.failed[SHEET_ORGANISATIONS].get(parts[-1])
        if failed_row:
            raise _RowFailed(column, _("“%(name)s” is on row %(row)d of the 组织 sheet, which has an error: correct that row first.") % {"name": reference, "row": failed_row})
        raise _RowFailed(column, _("No organisation named “%(name)s”: check the spelling or add it on the 组织 sheet above this row.") % {"name": reference})
    if len(candidates) > 1:
        raise _RowFailed(column, _("Several organisations are named “%(name)s”: write it as 上级组织名称/组织名称.") % {"name": reference})
    return candidates[0]


def _import_organisation(values: dict, *, row: int, so_far: _FileSoFar) -> bool:
    name = values["名称"]
    if not name:
        raise _RowFailed("名称", _("This column is required."))
    parent = _resolve_organisation(values["上级组织"], "上级组织", so_far)
    first_row = _first_seen(so_far.organisation_rows, (parent.pk, name), row)
    if first_row != row:
        raise _RowFailed("名称", _("“%(name)s” under “%(parent)s” is already on row %(row)d: write each organisation once and delete one of the two rows.") % {"name": name, "parent": parent.name, "row": first_row})
    kind = _label_map(IMPORTABLE_KINDS).get(values["类型"])
    if kind is None:
        raise _RowFailed("类型", _("Unknown type; use one of: %(choices)s.") % {"choices": "、".join(str(k.label) for k in IMPORTABLE_KINDS)})
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


def _import_enterprise(values: dict, *, row: int, so_far: _FileSoFar) -> bool:
    code, name = values["统一社会信用代码"].upper(), values["企业名称"]
    if code and (first_row := _first_seen(so_far.enterprise_code_rows, code, row)) != row:
        raise _RowFailed("统一社会信用代码", _("The credit code %(code)s is already on row %(row)d: write each enterprise once and correct or delete one of the two rows.") % {"code": code, "row": first_row})
    if name and (first_row := _first_seen(so_far.enterprise_name_rows, name, row)) != row:
        raise _RowFailed("企业名称", _("“%(name)s” is already on row %(row)d: write each enterprise once and correct or delete one of the two rows.") % {"name": name, "row": first_row})
    enterprise_type = _label_map(EnterpriseType).get(values["企业类型"])
    if enterprise_type is None:
        raise _RowFailed("企业类型", _("Unknown enterprise type; use one of: %(choices)s.") % {"choices": "、".join(str(t.label) for t in EnterpriseType)})
    association = _resolve_organisation(values["所属园区科协或企业科协"], "所属园区科协或企业科协", so_far)
    enterprise = Enterprise.objects.filter(credit_code=code).first()
    created = enterprise is None
    enterprise = enterprise or Enterprise(credit_code=code)
    enterprise.name = name
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


def _find_enterprise(target: str, so_far: _FileSoFar) -> Enterprise:
    enterprise = Enterprise.objects.filter(credit_code=target.upper()).first() or Enterprise.objects.filter(name=target).first()
    if enterprise is not None:
        return enterprise
    failed_row = so_far.failed[SHEET_ENTERPRISES].get(target) or so_far.failed[SHEET_ENTERPRISES].get(target.upper())
    if failed_row:
        raise _RowFailed("所属组织或企业", _("“%(name)s” is on row %(row)d of the 企业 sheet, which has an error: correct that row first.") % {"name": target, "row": failed_row})
    raise _RowFailed("所属组织或企业", _("No enterprise with this name or credit code; add it on the 企业 sheet first."))


def _import_account(values: dict, *, row: int, so_far: _FileSoFar) -> bool:
    username = values["用户名"]
    if not username:
        raise _RowFailed("用户名", _("This column is required."))
    if (first_row := _first_seen(so_far.username_rows, username, row)) != row:
        raise _RowFailed("用户名", _("The user name %(username)s is already on row %(row)d: each row creates one account, so write each user name once (give the second person another user name).") % {"username": username, "row": first_row})
    User = get_user_model()
    # Only new accounts: a spreadsheet row must not quietly change someone's roles or details.
    if User.objects.filter(username=username).exists():
        raise _RowFailed("用户名", _("The account %(username)s already exists: the import only creates new accounts. Delete this row; to give an existing account another role, change it in the admin (管理后台).") % {"username": username})
    role = _label_map(Role).get(values["角色"])
    if role is None:
        raise _RowFailed("角色", _("Unknown role; use one of: %(choices)s.") % {"choices": "、".join(str(r.label) for r in Role)})
    target = values["所属组织或企业"]
    if role == Role.ENTERPRISE_USER:
        where = {"enterprise": _find_enterprise(target, so_far)}
    else:
        where = {"organisation": _resolve_organisation(target, "所属组织或企业", so_far)}
    password = values["初始密码"]
    if not password:
        raise _RowFailed("初始密码", _("A new account needs an initial password."))
    if password == PASSWORD_PLACEHOLDER:
        raise _RowFailed("初始密码", _("This is still the template's placeholder text: write the real initial password of this account."))
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
    so_far.created_usernames.append(username)
    return True


# sheet, importer, report key, the columns naming what a failed row would have created
IMPORTERS = [
    (SHEET_ORGANISATIONS, _import_organisation, "organisations", ("名称",)),
    (SHEET_ENTERPRISES, _import_enterprise, "enterprises", ("企业名称", "统一社会信用代码")),
    (SHEET_ACCOUNTS, _import_account, "accounts", ()),
]
UPDATABLE = ("organisations", "enterprises")  # an existing account is refused, never updated


def import_directory(*, workbook_file, actor) -> ImportReport:
    """Import the three sheets in order (organisations, enterprises, accounts).

    Rows may refer to rows above them. Nothing is saved unless every row is valid.
    Side effect of a successful import: one AuditEvent (DIRECTORY_IMPORTED) by `actor`, with the
    counts and the user names created.
    """
    report = ImportReport()
    try:
        # The engine's guard first (part sizes, compression ratios, from the zip's directory):
        # openpyxl inflates what it reads without a cap. Not a zip at all: openpyxl says so below.
        if zipfile.is_zipfile(workbook_file):
            with zipfile.ZipFile(workbook_file) as archive:
                guard_members(archive.infolist(), ValidationLimits())
        workbook_file.seek(0)
        workbook = openpyxl.load_workbook(workbook_file, read_only=True, data_only=True)
    except UnreadablePackage as problem:
        report.errors.append(RowError("", None, "", _("The workbook was not opened: %(problem)s. Open it in Excel or WPS, save it as an .xlsx workbook and upload it again.") % {"problem": problem}))
        return report
    except Exception:  # openpyxl raises many types for a bad file; the message is what matters
        report.errors.append(RowError("", None, "", _("This is not an Excel .xlsx workbook. Download the template, fill it in and upload it again.")))
        return report
    if not any(sheet_name in workbook.sheetnames for sheet_name, *_rest in IMPORTERS):
        workbook.close()
        report.errors.append(RowError("", None, "", _("No sheet named 组织, 企业 or 账号 was found in this workbook. Download the template, fill in its sheets (keep their names) and upload it again.")))
        return report
    so_far = _FileSoFar()
    with transaction.atomic():
        for sheet_name, importer, key, identity in IMPORTERS:
            report.created[key] = report.updated[key] = 0
            if sheet_name in workbook.sheetnames:
                _import_sheet(workbook[sheet_name], sheet_name, importer, key, identity, report, so_far)
        if not report.errors and not any(report.created.values()) and not any(report.updated.values()):
            report.errors.append(RowError("", None, "", _("The workbook has no rows to import: fill in the sheets 组织, 企业 and 账号 from row 2 (row 1 is the header) and upload it again.")))
        if report.errors:
            transaction.set_rollback(True)
            report.created, report.updated = {}, {}
        else:
            _record_import(actor=actor, report=report, usernames=so_far.created_usernames,
                           filename=getattr(workbook_file, "name", "") or "")
    workbook.close()
    return report


def _import_sheet(sheet, sheet_name, importer, key, identity, report: ImportReport, so_far: _FileSoFar) -> None:
    rows = sheet.iter_rows(values_only=True)
    header = [_text(cell) for cell in next(rows, ())]
    missing = [column for column in COLUMNS[sheet_name] if column not in header]
    for column in missing:
        report.errors.append(RowError(sheet_name, 1, column, _("This column is missing: copy the header row from the template.")))
    if missing:
        return
    example = dict(zip(COLUMNS[sheet_name], example_rows()[sheet_name]))
    for number, row in enumerate(rows, start=2):
        if number > MAX_ROWS_PER_SHEET + 1:
            report.errors.append(RowError(sheet_name, number, "", _("Too many rows: split the workbook into files of at most %(max)d rows.") % {"max": MAX_ROWS_PER_SHEET}))
            return
        values = {column: _text(row[header.index(column)]) if header.index(column) < len(row) else "" for column in COLUMNS[sheet_name]}
        if not any(values.values()):
            continue
        if all(values[column] == example[column] for column in EXAMPLE_IDENTITY[sheet_name]):
            report.errors.append(RowError(sheet_name, number, "", _("This is the template's example row, which is never imported: delete it or replace it with real data.")))
            continue
        try:
            with transaction.atomic():
                created = importer(values, row=number, so_far=so_far)
        except _RowFailed as failure:
            error = RowError(sheet_name, number, failure.column, failure.message)
        except IntegrityError:
            error = RowError(sheet_name, number, "", _("This row duplicates another one (same name under the same parent, or the same account)."))
        else:
            (report.created if created else report.updated)[key] += 1
            continue
        report.errors.append(error)
        failed = so_far.failed.get(sheet_name, {})
        for column in identity:
            if values[column]:
                failed.setdefault(values[column].upper() if column == "统一社会信用代码" else values[column], number)


AUDIT_SUMMARY_LENGTH = AuditEvent._meta.get_field("summary").max_length


def _record_import(*, actor, report: ImportReport, usernames: list[str], filename: str) -> AuditEvent:
    """The audit row of a successful import; the summary is written in the importer's language."""
    counts = _("Imported %(file)s: %(counts)s.") % {"file": filename[:80] or _("workbook"), "counts": report.summary()}
    summary = counts
    # As many of the new user names as fit; the full list is kept in `details`.
    for shown in range(len(usernames), 0, -1):
        names = "、".join(usernames[:shown])
        if shown < len(usernames):
            names = ngettext("%(names)s and %(count)d more", "%(names)s and %(count)d more", len(usernames) - shown) % {
                "names": names, "count": len(usernames) - shown}
        summary = join_sentences(counts, _("New accounts: %(names)s.") % {"names": names})
        if len(summary) <= AUDIT_SUMMARY_LENGTH:
            break
    return AuditEvent.objects.create(
        action=AuditAction.DIRECTORY_IMPORTED, actor=actor, summary=summary[:AUDIT_SUMMARY_LENGTH],
        details={"file": filename, "created": report.created, "updated": report.updated, "usernames": usernames},
    )
