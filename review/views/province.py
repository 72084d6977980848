"""The provincial center's pages: all cities' lists, exports, deadline extensions, the audit log."""

import io

import openpyxl
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from cases.documents.spreadsheets import xlsx_row
from cases.enums import AuditAction, OrganisationKind, Stage
from cases.generation import request_filled_forms
from cases.rules import can_administer
from cases.services import record_download
from cases.views import document_wait_page
from review.forms import AuditFilterForm, ExtensionForm
from cases.documents.naming import case_region, organisation_region
from review.documents.summary_tables import summary_table_members
from review.queries import audit_entries, lists_received_by_province, province_cases, province_city_rows
from review.services import extend_deadline
from review.views.access import campaign_or_404, require_province_reader, require_province_staff

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"




@login_required
@require_safe
def province_overview(request):
    """Every city's progress. Observers read it too, without the exports of personal data and
    the deadline extension (`can_administer` in the template)."""
    require_province_reader(request)
    campaign = campaign_or_404()
    context = {"campaign": campaign, "rows": province_city_rows(campaign, timezone.now()),
               "can_administer": can_administer(request.user)}
    return render(request, "review/province_overview.html", context)


@login_required
def province_extend(request):
    require_province_staff(request)
    campaign = campaign_or_404()
    form = ExtensionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            extend_deadline(campaign=campaign, tier=Stage(data["tier"]), closes_on=data["closes_on"], reason=data["reason"],
                            actor=request.user, organisation=data["organisation"], enterprise=data["enterprise"])
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The deadline is extended; the organisation is informed by mail."))
            return redirect("review:province_overview")
    return render(request, "review/province_extend.html", {"campaign": campaign, "form": form})


EXPORT_COLUMNS = ["序号", "地区", "县（市、区）", "推荐单位", "案例名称", "单位名称", "联系人", "联系电话", "案例类型", "企业类型",
                  "是否已建立园区科协", "是否已建立企业科协", "是否为候选案例宣讲代表", "状态", "提交时间"]


@login_required
def province_export(request):
    """Excel of every case of the campaign. Holds contact phones: the download is logged. Titles, names
    and units are the enterprises' own text: `xlsx_row` keeps them text, never formulas."""
    require_province_staff(request)
    campaign = campaign_or_404()
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Cases"))
    sheet.append(EXPORT_COLUMNS)
    yes, no = "是", "否"
    for number, case in enumerate(province_cases(campaign), start=1):
        association = case.enterprise.association
        county = association.ancestor(OrganisationKind.COUNTY)  # none above county level
        sheet.append(xlsx_row(sheet, [
            number, organisation_region(association), county.region if county else "", association.name, case.title,
            case.completing_unit or case.enterprise.name, case.contact_name, case.contact_phone,
            case.get_case_type_display(), case.get_enterprise_type_display(),
            yes if case.has_park_association else no, yes if case.has_enterprise_association else no,
            yes if case.is_presenter_candidate else no, case.status_label,
            timezone.localtime(case.submitted_at).strftime("%Y-%m-%d %H:%M") if case.submitted_at else "",
        ]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    record_download(actor=request.user, case=None, action=AuditAction.PERSONAL_DATA_DOWNLOADED,
                    summary=_("Export of all cases of %(campaign)s") % {"campaign": campaign}, details={"export": "cases.xlsx"})
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, f"{campaign.year}年全省案例汇总.xlsx")
    return response


@login_required
def province_packages(request):
    """One streamed zip of the packages of every case that reached the province, a folder per city."""
    from cases.documents.package import package_members, package_stem, stream_zip

    require_province_staff(request)
    campaign = campaign_or_404()
    cases = list(province_cases(campaign, reached_province_only=True).select_related("campaign"))
    # Each package carries the 推荐表 a worker builds from the case's narrative: wait for them all.
    progress = request_filled_forms(cases)
    if not progress.done:
        return document_wait_page(request, title=_("The packages of all cases are being prepared…"), progress=progress,
                                  back_url=reverse("review:province_overview"))

    received = lists_received_by_province(campaign)

    def members():
        # Each 地区 folder starts with the 推荐汇总表 (Word and stamped PDF) of the lists it sent
        # the province (附件1), then a folder per case package.
        for batch, fingerprint in received:
            for member in summary_table_members(batch, fingerprint):
                yield member.in_folder(organisation_region(batch.organisation))
        for case in cases:
            folder = f"{case_region(case)}/{package_stem(case)}"
            for member in package_members(case):
                yield member.in_folder(folder)

    record_download(actor=request.user, case=None, action=AuditAction.PERSONAL_DATA_DOWNLOADED,
                    summary=_("Packages of all cases of %(campaign)s") % {"campaign": campaign}, details={"export": "packages.zip"})
    response = StreamingHttpResponse(stream_zip(members()), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, f"{campaign.year}年全省案例材料.zip")
    return response


@login_required
@require_safe
def audit_log(request):
    require_province_reader(request)
    form = AuditFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    entries = audit_entries(**filters, limit=500)
    if request.GET.get("format") == "xlsx":
        return _audit_export(request, audit_entries(**filters, limit=None))
    return render(request, "review/audit_list.html", {"form": form, "entries": entries,
                                                      "export_url": f"{reverse('review:audit_log')}?{_with_format(request)}"})


def _with_format(request) -> str:
    query = request.GET.copy()
    query["format"] = "xlsx"
    return query.urlencode()


def _audit_export(request, entries) -> HttpResponse:
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit log"))
    sheet.append(["时间", "操作人", "类别", "案例", "内容", "原因或详情"])
    for entry in entries:
        sheet.append(xlsx_row(sheet, [timezone.localtime(entry.at).strftime("%Y-%m-%d %H:%M:%S"), entry.actor, entry.kind,
                                      entry.case_title, entry.summary, entry.detail]))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "审计日志.xlsx")
    return response
