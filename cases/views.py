from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _

from cases.forms import DirectoryImportForm
from cases.importing import build_import_template, import_directory
from cases.rules import can_administer

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _require_administrator(request) -> None:
    if not can_administer(request.user):
        raise Http404


@login_required
def directory_import(request):
    _require_administrator(request)
    report = None
    if request.method == "POST":
        form = DirectoryImportForm(request.POST, request.FILES)
        if form.is_valid():
            report = import_directory(workbook_file=form.cleaned_data["workbook"], actor=request.user)
            if report.ok:
                messages.success(request, _("Imported: %(summary)s.") % {"summary": report.summary()})
                return redirect("cases:directory_import")
    else:
        form = DirectoryImportForm()
    return render(request, "cases/directory_import.html", {"form": form, "report": report})


@login_required
def directory_import_template(request):
    _require_administrator(request)
    response = HttpResponse(build_import_template(), content_type=XLSX)
    response["Content-Disposition"] = content_disposition_header(True, "组织企业账号导入模板.xlsx")
    return response
