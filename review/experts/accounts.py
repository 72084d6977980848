"""Expert accounts created by city and provincial staff from the pool page (专家库), one by one or
from an Excel sheet. Each new expert gets the tier's expert role (in the staff's own city, or the
province), a pool profile with what recusal needs (home city, employer) and a mail to set a password.

Scoping: a city's staff create experts only for their own city (its role, its home city, employers
among its own enterprises); provincial staff for the provincial pool.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import openpyxl
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from accounts.services import AccountRefused, create_account_with_phone, mobile_or_refuse
from cases.documents.spreadsheets import xlsx_row
from cases.enums import AuditAction, OrganisationKind, Tier
from cases.models import AuditEvent, Campaign, Enterprise, Organisation
from cases.rules import ensure_campaign_open
from cases.services import grant_role
from review.experts.queries import employer_choices, home_city_choices
from review.experts.rules import EXPERT_ROLE, cities_managed_by, may_manage_pool
from review.experts.services import ReviewRefused, add_expert_to_pool

MAX_SHEET_BYTES = 2 * 1024 * 1024
MAX_SHEET_ROWS = 500
COLUMNS = ["姓名", "手机号码", "邮箱", "所在城市", "工作单位", "专业领域"]
REQUIRED = ("姓名", "手机号码", "邮箱")
NAME_LENGTH, EXPERTISE_LENGTH = 150, 200


def _city_for(actor, tier: Tier, city: Organisation | None, home_city: Organisation | None) -> Organisation | None:
    """The organisation the expert role is held in at the city tier: one of the actor's own cities.
    At the provincial tier, the home city only (or none)."""
    if tier == Tier.PROVINCE:
        if home_city is not None and home_city.kind != OrganisationKind.CITY:
            raise ReviewRefused(_("Choose a city as the expert's home city."))
        return home_city
    managed = cities_managed_by(actor)
    city = city or home_city
    if city is None and len(managed) == 1:
        return Organisation.objects.get(pk=managed[0])
    if city is None or city.pk not in managed:
        raise ReviewRefused(_("A city creates expert accounts only for itself: choose your own city."))
    return city


@transaction.atomic
def create_expert_account(*, campaign: Campaign, tier: Tier, actor, full_name: str, phone: str, email: str,
                          base_url: str, city: Organisation | None = None, home_city: Organisation | None = None,
                          employer: Enterprise | None = None, expertise: str = ""):
    """A new expert account in the tier's pool.

    Guards, in order: the campaign is open; the actor keeps this pool; at the city tier the city is
    one of the actor's own; a name is given; the employer is one the actor may name (their city's
    enterprises at the city tier); the phone is a mobile number no account holds yet (it is also
    the user name); a mail address is given.
    Side effects, in order: the account (no usable password) and its phone; the expert role (the
    city's, or the province's); the pool profile (add_expert_to_pool, audited); an audit event;
    the mail with the link to set a password (queued on commit)."""
    ensure_campaign_open(campaign, error=ReviewRefused)
    if not may_manage_pool(actor, tier):
        raise ReviewRefused(_("You may not change this expert pool."))
    home_city = _city_for(actor, tier, city, home_city)
    full_name = (full_name or "").strip()
    if not full_name:
        raise ReviewRefused(_("Enter the expert's name."))
    if employer is not None and not employer_choices(actor, tier).filter(pk=employer.pk).exists():
        raise ReviewRefused(_("Choose the employer among the enterprises of your city, or leave it empty."))
    organisation = home_city if tier == Tier.CITY else Organisation.objects.get(kind=OrganisationKind.PROVINCE)
    try:
        phone = mobile_or_refuse(phone)
        user = create_account_with_phone(username=phone, full_name=full_name, email=email, phone=phone,
                                         actor=actor, base_url=base_url)
    except AccountRefused as refused:
        raise ReviewRefused(str(refused)) from None
    grant_role(user=user, role=EXPERT_ROLE[tier], organisation=organisation)
    add_expert_to_pool(campaign=campaign, tier=tier, expert=user, actor=actor, home_city=home_city,
                       employer=employer, expertise=expertise)
    AuditEvent.objects.create(
        action=AuditAction.EXPERT_ACCOUNT_CREATED, actor=actor,
        summary=(_("Expert account created: %(name)s (%(username)s)") % {"name": full_name, "username": user.username})[:300],
        details={"expert": user.pk, "tier": int(tier), "home_city": home_city.pk if home_city else None},
    )
    return user


# --- from an Excel sheet ---------------------------------------------------------------------------------

@dataclass
class ExpertRowError:
    row: int | None  # None: the whole file
    column: str
    message: str


@dataclass
class ExpertImportReport:
    errors: list[ExpertRowError] = field(default_factory=list)
    created: list[str] = field(default_factory=list)  # the new experts' names

    @property
    def ok(self) -> bool:
        return not self.errors


class _Damaged(Exception):
    """The workbook broke while its rows were read."""


def _readable(rows):
    """The sheet's rows; a read error (damaged zip or XML, many types) becomes _Damaged."""
    while True:
        try:
            row = next(rows)
        except StopIteration:
            return
        except Exception as error:
            raise _Damaged from error
        yield row


class _RowFailed(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column, self.message = column, str(message)


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed as a number comes back as 13812345678.0
    return str(value).strip()


def _find_city(reference: str) -> Organisation | None:
    return home_city_choices().filter(Q(region=reference) | Q(name=reference) | Q(short_name=reference)).first()


def _row_values(values: dict, *, actor, tier: Tier, seen: dict[str, dict[str, int]], number: int) -> dict:
    for column in REQUIRED:
        if not values[column]:
            raise _RowFailed(column, _("This column is required."))
    if len(values["姓名"]) > NAME_LENGTH:
        raise _RowFailed("姓名", _("The name is longer than %(max)d characters.") % {"max": NAME_LENGTH})
    if len(values["专业领域"]) > EXPERTISE_LENGTH:
        raise _RowFailed("专业领域", _("The field of expertise is longer than %(max)d characters.") % {"max": EXPERTISE_LENGTH})
    try:
        phone = mobile_or_refuse(values["手机号码"])
    except AccountRefused as refused:
        raise _RowFailed("手机号码", str(refused)) from None
    try:
        validate_email(values["邮箱"])
    except ValidationError:
        raise _RowFailed("邮箱", _("This is not a mail address (e.g. zhang@example.com).")) from None
    for column, key in (("手机号码", phone), ("邮箱", values["邮箱"].lower())):
        first = seen[column].setdefault(key, number)
        if first != number:
            raise _RowFailed(column, _("Row %(row)d has the same value: each expert once, one account per number and mail address.") % {"row": first})
    city = None
    if values["所在城市"]:
        city = _find_city(values["所在城市"])
        if city is None:
            raise _RowFailed("所在城市", _("No city named “%(name)s”: write it as 太原市, 大同市 ….") % {"name": values["所在城市"]})
        if tier == Tier.CITY and city.pk not in cities_managed_by(actor):
            raise _RowFailed("所在城市", _("A city creates expert accounts only for itself: write your own city or leave the column empty."))
    employer = None
    if values["工作单位"]:
        reference = values["工作单位"]
        employer = employer_choices(actor, tier).filter(Q(credit_code=reference.upper()) | Q(name=reference)).first()
        if employer is None:
            raise _RowFailed("工作单位", _("No enterprise of your campaign has this name or credit code. Fill this column only "
                                        "when the expert works for an enterprise that submits cases; otherwise leave it empty."))
    return {"full_name": values["姓名"], "phone": phone, "email": values["邮箱"], "city": city,
            "employer": employer, "expertise": values["专业领域"]}


def import_expert_accounts(*, campaign: Campaign, tier: Tier, actor, workbook_file, base_url: str) -> ExpertImportReport:
    """Create one expert account per row of the first sheet (columns COLUMNS, header on row 1).

    All or nothing: every row is checked in one transaction; any bad row rolls everything back (no
    account, no mail) and the report lists each problem by row and column, in Chinese.
    Refusals for the whole file: not a readable .xlsx; no or wrong header; no rows; too many rows.
    """
    report = ExpertImportReport()
    if not may_manage_pool(actor, tier):
        report.errors.append(ExpertRowError(None, "", _("You may not change this expert pool.")))
        return report
    try:
        workbook = openpyxl.load_workbook(workbook_file, read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = [_text(cell) for cell in next(rows, ())]
    except Exception:  # openpyxl raises many types for a damaged or disguised file
        report.errors.append(ExpertRowError(None, "", _("This is not an Excel .xlsx workbook that can be read. Download the template, fill it in and upload it again.")))
        return report
    missing = [column for column in COLUMNS if column not in header]
    if missing:
        workbook.close()
        report.errors.append(ExpertRowError(1, "、".join(missing), _("These columns are missing from row 1: %(columns)s. Copy the header row from the template.") % {"columns": "、".join(missing)}))
        return report
    seen: dict[str, dict[str, int]] = {"手机号码": {}, "邮箱": {}}
    with transaction.atomic():
        try:
            for number, row in enumerate(_readable(rows), start=2):
                values = {column: _text(row[header.index(column)]) if header.index(column) < len(row) else "" for column in COLUMNS}
                if not any(values.values()):
                    continue
                if number > MAX_SHEET_ROWS + 1:
                    report.errors.append(ExpertRowError(number, "", _("Too many rows: at most %(max)d experts per file; split the sheet.") % {"max": MAX_SHEET_ROWS}))
                    break
                try:
                    data = _row_values(values, actor=actor, tier=tier, seen=seen, number=number)
                    with transaction.atomic():
                        create_expert_account(campaign=campaign, tier=tier, actor=actor, base_url=base_url,
                                              home_city=data.pop("city"), **data)
                except _RowFailed as failure:
                    report.errors.append(ExpertRowError(number, failure.column, failure.message))
                except ReviewRefused as refused:
                    report.errors.append(ExpertRowError(number, "", str(refused)))
                else:
                    report.created.append(values["姓名"])
        except _Damaged:
            report.errors.append(ExpertRowError(None, "", _("The workbook could not be read to the end: it is damaged. Save it again in Excel or WPS and upload it again.")))
        workbook.close()
        if not report.errors and not report.created:
            report.errors.append(ExpertRowError(None, "", _("The sheet has no expert: fill in one expert per row from row 2 (row 1 is the header).")))
        if report.errors:
            transaction.set_rollback(True)
            report.created = []
    return report


def expert_sheet_template() -> bytes:
    """The workbook to fill in: the header row, text-formatted cells below it."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "专家"
    sheet.append(xlsx_row(sheet, COLUMNS))
    for letter in "ABCDEF":
        sheet.column_dimensions[letter].width = 20
        # Text cells: a phone number stays 11 digits instead of becoming 1.38E+10.
        for row in range(2, MAX_SHEET_ROWS + 2):
            sheet[f"{letter}{row}"].number_format = "@"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
