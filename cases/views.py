from functools import lru_cache

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseRedirect,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST, require_safe

from cases.documents.cover import build_paper_checklist, build_proof_cover
from cases.documents.naming import join_name
from cases.documents.narrative_template import narrative_template
from cases.documents.package import package_filename, photo_folder_filename, stream_package, stream_photo_folder
from cases.documents.recommendation_form import build_blank_form, form_title, printed_form_fingerprint
from cases.documents.wechat import suggest_short_names, wechat_display_name
from cases.enums import AuditAction, CaseStatus, Tier, UploadSlot, ValidationState
from cases.forms import CaseForm, DirectoryImportForm
from cases.generation import request_filled_form, request_filled_forms
from cases.deadlines import winner_materials_window
from cases.guidance import case_guidance, cases_guidance, new_case_refusal, new_case_window
from cases.importing import import_directory
from cases.importing_template import build_import_template
from cases.models import Case
from cases.narrative_fixes import fix_offer, open_fix
from cases.queries import (
    PRINTED_FORM_KEY,
    SUBMISSION_REQUIRED_FIELDS,
    case_history,
    case_uploads,
    cases_visible_to,
    current_campaign,
    enterprise_cases,
    enterprises_of,
    is_editable,
    latest_return,
    submission_problems,
    submission_reminders,
)
from cases.rules import (
    PERSONAL_DATA_SLOTS,
    can_administer,
    may_act_for_tier,
    may_download_upload,
    may_see_contact_details,
)
from cases.services import (
    ENTERPRISE_FIELDS,
    CaseNotEditable,
    StaleVersion,
    create_case,
    record_download,
    save_case_draft,
    store_upload,
    submit_case,
    withdraw_upload,
)
from cases.slots import SLOT_RULES, SUBMISSION_SLOTS, slot_rules_for
from cases.uploads import FILE_FIELD, SlotUploadHandler, UploadRejected
from cases.validation.units import describe_bytes
from portal.actions import perform

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


# --- the enterprise's case (附件3), its files, its submission, its documents ------------------

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

CASE_RELATED = ("campaign", "enterprise__association__parent__parent")


def _wants_json(request) -> bool:
    return request.headers.get("X-Requested-With") == "XMLHttpRequest"


def _visible_case_or_404(request, pk: int) -> Case:
    return get_object_or_404(cases_visible_to(request.user).select_related(*CASE_RELATED), pk=pk)


def _own_case_or_404(request, pk: int) -> Case:
    """A case of the user's own enterprise; anyone else (staff who may read it included) gets a 404."""
    case = _visible_case_or_404(request, pk)
    if not may_act_for_tier(request.user, case, Tier.ENTERPRISE):
        raise Http404
    return case


@login_required
def case_list(request):
    campaign = current_campaign()
    now = timezone.now()
    cases = list(enterprise_cases(request.user, campaign))
    enterprises = enterprises_of(request.user)
    if not enterprises:
        raise Http404
    window = new_case_window(campaign, enterprises[0], now) if campaign is not None else None
    guidance = cases_guidance(cases, now)
    rows = [{"case": case, "guidance": guidance[case.pk]} for case in cases]
    return render(request, "cases/case_list.html", {
        "campaign": campaign, "rows": rows, "window": window, "can_create": bool(window and window.is_open),
        "new_case_refusal": new_case_refusal(window) if window else "",
    })


def _new_case_draft_key(enterprise) -> str:
    """Where case-form.js keeps, in the browser, the text typed on the new-case page."""
    return f"case-draft:new:{enterprise.pk}"


def _case_form_context(case: Case | None, form: CaseForm, *, enterprise, saved: dict | None = None) -> dict:
    title = form["title"].value() or (case.title if case else "")
    unit = form["completing_unit"].value() or enterprise.name
    suggested_title, suggested_unit = suggest_short_names(title or "", unit or "")
    saved = saved or {}
    suggestions = {"short_title": suggested_title, "unit_short_name": suggested_unit}
    rows = [
        {"field": field, "saved": saved.get(field.name), "suggestion": suggestions.get(field.name),
         "required": field.name in SUBMISSION_REQUIRED_FIELDS}
        for field in form
    ]
    return {
        "case": case, "form": form, "rows": rows, "version": case.version if case else 0, "conflict": bool(saved),
        "suggested_title": suggested_title, "suggested_unit": suggested_unit, "enterprise": enterprise,
        "draft_key": f"case-draft:{case.pk}" if case else _new_case_draft_key(enterprise),
        # What the reviewer asked to fix, kept in view while fixing it.
        "returned": latest_return(case) if case and case.status == CaseStatus.RETURNED else None,
    }


@login_required
def case_create(request):
    campaign = current_campaign()
    enterprises = enterprises_of(request.user)
    if campaign is None or not enterprises:
        raise Http404
    enterprise = enterprises[0]
    refusal = new_case_refusal(new_case_window(campaign, enterprise, timezone.now()))
    if refusal:
        # No form to fill in that could only be refused on saving: say why, and what is still possible.
        messages.error(request, refusal)
        return redirect("cases:case_list")
    if request.method == "POST":
        form = CaseForm(request.POST)
        form.is_valid()
        if "title" in form.errors:
            # A case is created under its name: say what is wrong with the name typed (create_case
            # would only see it missing and ask for one). The typed text stays in the form.
            form.add_error(None, _("The case was not created because its name is not valid: %(error)s") % {
                "error": " ".join(form.errors["title"])})
            return render(request, "cases/case_create.html", _case_form_context(None, form, enterprise=enterprise))
        try:
            case = create_case(actor=request.user, enterprise=enterprise, campaign=campaign, values=form.valid_values(),
                               now=timezone.now())
        except CaseNotEditable as refusal:
            form.add_error(None, str(refusal))
        else:
            if form.errors:
                # Saved what was valid; the rest is shown as typed with its errors on the new case's
                # page, reached by a redirect so that reloading it cannot create the case again.
                _keep_unsaved_form(request, case, form, from_new_case=True)
                return _see_other(reverse("cases:case_edit", kwargs={"pk": case.pk}))
            messages.success(request, _("The draft is saved. Now upload the files."))
            return redirect("cases:case_files", pk=case.pk)
    else:
        form = CaseForm(initial={
            "completing_unit": enterprise.name, "enterprise_type": enterprise.enterprise_type,
            "has_park_association": enterprise.has_park_association,
            "has_enterprise_association": enterprise.has_enterprise_association, "contact_address": enterprise.address,
        })
    return render(request, "cases/case_create.html", _case_form_context(None, form, enterprise=enterprise))


def _case_initial(case: Case) -> dict:
    return {name: getattr(case, name) for name in ENTERPRISE_FIELDS}


def _see_other(url: str) -> HttpResponseRedirect:
    """303 See Other: after a POST the browser GETs `url`, and a reload repeats only that GET."""
    response = HttpResponseRedirect(url)
    response.status_code = 303
    return response


# Post/Redirect/Get for a form saved only in part: what the user typed (the invalid fields as well)
# waits in the session, per case, for the case's edit page to show it with its errors.
def _unsaved_form_key(case: Case) -> str:
    return f"case-form-unsaved:{case.pk}"


def _keep_unsaved_form(request, case: Case, form: CaseForm, *, from_new_case: bool = False) -> None:
    """Keep the posted values of a partly saved form, stamped with the version the save produced:
    they stand for the case only while it stays at that version."""
    data = {name: request.POST[name] for name in form.fields if name in request.POST}
    request.session[_unsaved_form_key(case)] = {"data": data, "version": case.version, "from_new_case": from_new_case}


def _unsaved_form(request, case: Case) -> dict | None:
    """The kept values of the case's partly saved form, or None. Kept until the next save from the
    page, so a reload shows them again; dropped once the case has moved on (saved elsewhere since):
    then the saved values win, and the page's copy in the browser (case-form.js) offers the rest."""
    unsaved = request.session.get(_unsaved_form_key(case))
    if unsaved is None:
        return None
    if unsaved.get("version") != case.version:
        _forget_unsaved_form(request, case)
        return None
    return unsaved


def _forget_unsaved_form(request, case: Case) -> None:
    request.session.pop(_unsaved_form_key(case), None)


def _expected_version(request) -> int:
    try:
        return int(request.POST.get("version", ""))
    except ValueError:
        return -1


def _save_posted_form(request, case: Case):
    """Bind the posted form and save its valid fields. Returns (form, saved case or None, stale
    current case or None); raises CaseNotEditable."""
    _forget_unsaved_form(request, case)  # this post supersedes what an earlier one left unsaved
    form = CaseForm(request.POST)
    form.is_valid()
    try:
        saved = save_case_draft(case=case, actor=request.user, values=form.valid_values(),
                                expected_version=_expected_version(request), now=timezone.now())
    except StaleVersion as stale:
        return form, None, stale.current
    return form, saved, None


def _display(case: Case, name: str) -> str:
    value = getattr(case, name)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if Case._meta.get_field(name).choices:
        return getattr(case, f"get_{name}_display")() if value else _("(empty)")
    return value or _("(empty)")


def _differences(form: CaseForm, current: Case) -> dict:
    """Field → the value saved elsewhere, where it differs from what this page posted."""
    differences = {}
    for name in ENTERPRISE_FIELDS:
        posted = form.cleaned_data[name] if name in form.cleaned_data else form[name].value()
        if str(posted or "") != str(getattr(current, name) or ""):
            differences[name] = _display(current, name)
    return differences


@login_required
def case_edit(request, pk: int):
    case = _own_case_or_404(request, pk)
    guidance = case_guidance(case, timezone.now())
    if not guidance.may_edit:
        messages.error(request, " ".join(filter(None, (_("This case cannot be changed now."), guidance.still_possible))))
        return redirect("cases:case_detail", pk=case.pk)
    enterprise = case.enterprise
    if request.method == "POST":
        try:
            form, saved, stale = _save_posted_form(request, case)
        except CaseNotEditable as refusal:
            messages.error(request, str(refusal))
            return redirect("cases:case_detail", pk=case.pk)
        if stale is not None:
            form.add_error(None, str(StaleVersion(stale)))
            # The next save from this page is made against the version now saved: the user has seen it.
            return render(request, "cases/case_edit.html",
                          _case_form_context(stale, form, enterprise=enterprise, saved=_differences(form, stale)), status=409)
        if form.errors:
            # Shown by the GET below: a reload then repeats the GET, not this save (which, made
            # from the version this page was opened with, would look like another tab's).
            _keep_unsaved_form(request, saved, form)
            return _see_other(reverse("cases:case_edit", kwargs={"pk": case.pk}))
        messages.success(request, _("Saved."))
        if request.POST.get("next") == "files":
            return redirect("cases:case_files", pk=case.pk)
        return redirect("cases:case_edit", pk=case.pk)
    unsaved = _unsaved_form(request, case)
    if unsaved is None:
        form = CaseForm(initial=_case_initial(case))
    else:
        form = CaseForm(unsaved["data"])
        form.is_valid()  # shows the errors again
    context = _case_form_context(case, form, enterprise=enterprise)
    if unsaved and unsaved["from_new_case"]:
        # The new-case page's copy in the browser holds this very text: case-form.js moves it to this case.
        context["draft_key_from"] = _new_case_draft_key(enterprise)
    return render(request, "cases/case_edit.html", context)


@login_required
@require_POST
def case_autosave(request, pk: int):
    """Saves the form as the user types (static/js/case-form.js). JSON: the new version, or the
    field errors (valid fields are saved all the same), or a conflict (409) with another tab."""
    case = _own_case_or_404(request, pk)
    try:
        form, saved, stale = _save_posted_form(request, case)
    except CaseNotEditable as refusal:
        return JsonResponse({"ok": False, "message": str(refusal)}, status=403)
    if stale is not None:
        return JsonResponse({"ok": False, "conflict": True, "version": stale.version,
                             "message": str(StaleVersion(stale))}, status=409)
    errors = {name: [str(error) for error in errors] for name, errors in form.errors.items()}
    return JsonResponse({
        "ok": not errors, "version": saved.version, "errors": errors,
        "saved_at": timezone.localtime(saved.updated_at).strftime("%H:%M:%S"),
    })


@login_required
def case_detail(request, pk: int):
    case = _visible_case_or_404(request, pk)
    now = timezone.now()
    own = may_act_for_tier(request.user, case, Tier.ENTERPRISE)
    guidance = case_guidance(case, now)
    editable = own and guidance.may_edit
    uploads, _earlier = case_uploads(case)
    rules = slot_rules_for(case.campaign)
    context = {
        "case": case, "own": own, "editable": editable, "guidance": guidance,
        "returned": latest_return(case) if case.status == CaseStatus.RETURNED else None,
        "history": case_history(case),
        "problems": submission_problems(case, uploads) if editable else [],
        "wechat_name": wechat_display_name(case),
        "reminders": submission_reminders(case, uploads) if editable else [],
        "slots": [(rules[slot], uploads.get(slot, [])) for slot in SUBMISSION_SLOTS],
        "show_contact": may_see_contact_details(request.user, case),
        "winner_window": winner_materials_window(case, now) if case.status == CaseStatus.WINNER else None,
    }
    return render(request, "cases/case_detail.html", context)


def _slot_context(case: Case, slot: str, current: dict, earlier: dict, editable: bool, user=None) -> dict:
    rule = slot_rules_for(case.campaign)[slot]
    files = current.get(slot, [])
    offered = slot == UploadSlot.NARRATIVE and bool(files) and user is not None and fix_offer(case, files[0], user)
    return {
        "fix_offered": offered, "open_fix": open_fix(files[0]) if offered else None,
        "case": case, "rule": rule, "slot": slot, "files": files, "earlier": earlier.get(slot, []),
        "editable": editable, "max_bytes": rule.max_bytes(), "max_size": describe_bytes(rule.max_bytes()),
        "checking": any(upload.validation_state in (ValidationState.PENDING, ValidationState.RUNNING) for upload in files),
    }


@login_required
def case_files(request, pk: int):
    case = _visible_case_or_404(request, pk)
    editable = may_act_for_tier(request.user, case, Tier.ENTERPRISE) and is_editable(case, timezone.now())
    current, earlier = case_uploads(case)
    slots = [_slot_context(case, slot, current, earlier, editable, request.user) for slot in SUBMISSION_SLOTS]
    return render(request, "cases/upload_list.html", {"case": case, "slots": slots, "editable": editable})


@login_required
def slot_status(request, pk: int, slot: str):
    """One slot as an HTML fragment: polled while its files are being checked."""
    if slot not in SUBMISSION_SLOTS:
        raise Http404
    case = _visible_case_or_404(request, pk)
    editable = may_act_for_tier(request.user, case, Tier.ENTERPRISE) and is_editable(case, timezone.now())
    current, earlier = case_uploads(case)
    return render(request, "cases/upload_slot.html", _slot_context(case, slot, current, earlier, editable, request.user))


@csrf_exempt
@login_required
@require_POST
def upload_file(request, pk: int, slot: str):
    """Receive a file into a slot. The upload handler must be in place before anything reads
    request.POST, so the CSRF check runs inside (csrf_protect), after the permission check:
    nobody streams a file to this server for a case that is not theirs."""
    if slot not in SUBMISSION_SLOTS:
        raise Http404
    case = _own_case_or_404(request, pk)
    handler = SlotUploadHandler(request, max_bytes=SLOT_RULES[slot].max_bytes())
    request.upload_handlers = [handler]
    return _receive_upload(request, case, slot, handler)


@csrf_protect
def _receive_upload(request, case: Case, slot: str, handler: SlotUploadHandler):
    files = request.FILES  # parses the body through `handler`
    error = handler.error
    upload = None
    if error is None:
        try:
            upload = store_upload(case=case, actor=request.user, slot=slot, uploaded_file=files.get(FILE_FIELD),
                                  now=timezone.now())
        except (UploadRejected, CaseNotEditable) as refusal:
            error = str(refusal)
    if upload is not None:
        message = _("“%(name)s” is uploaded (%(size)s). The check runs now; its result appears below.") % {
            "name": upload.original_name, "size": describe_bytes(upload.size)}
    if _wants_json(request):
        current, earlier = case_uploads(case)
        editable = is_editable(case, timezone.now())
        html = render_to_string("cases/upload_slot.html", _slot_context(case, slot, current, earlier, editable, request.user), request)
        if error:
            return JsonResponse({"ok": False, "message": error, "html": html}, status=400)
        return JsonResponse({"ok": True, "message": message, "html": html, "upload": upload.pk})
    if error:
        messages.error(request, error)
    else:
        messages.success(request, message)
    return redirect(f"{reverse('cases:case_files', kwargs={'pk': case.pk})}#slot-{slot}")


@login_required
@require_POST
def withdraw_file(request, pk: int, upload_id: int):
    case = _own_case_or_404(request, pk)
    upload = get_object_or_404(case.uploads.select_related("case"), pk=upload_id)
    try:
        withdraw_upload(upload=upload, actor=request.user, now=timezone.now())
    except CaseNotEditable as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("“%(name)s” is removed from the case; it is kept as an earlier version.") % {
            "name": upload.original_name})
    return redirect(f"{reverse('cases:case_files', kwargs={'pk': case.pk})}#slot-{upload.slot}")


@login_required
@require_POST
def case_submit(request, pk: int):
    case = _own_case_or_404(request, pk)
    if perform(request, lambda: submit_case(case=case, actor=request.user, now=timezone.now()),
               success=_("Submitted to your association. You can follow its review on this page.")):
        for reminder in submission_reminders(case):
            messages.info(request, reminder)
    return redirect("cases:case_detail", pk=case.pk)


# --- downloads: every one permission-checked through cases_visible_to; never a media URL ------

@login_required
def download_file(request, pk: int, upload_id: int):
    case = _visible_case_or_404(request, pk)
    upload = get_object_or_404(case.uploads, pk=upload_id)
    if not may_download_upload(request.user, upload):
        raise Http404  # the stamped form with the contact's phone: not for experts or observers
    personal = upload.slot in PERSONAL_DATA_SLOTS
    record_download(actor=request.user, case=case,
                    action=AuditAction.PERSONAL_DATA_DOWNLOADED if personal else AuditAction.FILE_DOWNLOADED,
                    summary=f"{upload.get_slot_display()}: {upload.original_name}",
                    details={"upload": upload.pk, "sha256": upload.sha256})
    response = FileResponse(upload.file.storage.open(upload.file.name, "rb"), as_attachment=True,
                            filename=upload.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


def _docx_response(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def blank_form(request):
    """The blank official 推荐表 (附件3) for any signed-in user."""
    campaign = current_campaign()
    if campaign is None:
        raise Http404
    return _docx_response(build_blank_form(campaign), join_name(form_title(campaign), extension="docx"))


@lru_cache(maxsize=1)
def _narrative_template_bytes() -> bytes:
    return narrative_template()  # the same for everyone: built once per process (about 0.3 s)


@require_safe  # a public download: a POST is 405 like every public reading page
def narrative_template_download(request):
    """The blank 案例概要 in the notice's format, for anyone (the public campaign page links here)."""
    response = HttpResponse(_narrative_template_bytes(), content_type=DOCX)
    response["Content-Disposition"] = content_disposition_header(True, "案例概要模板.docx")
    return response


def document_wait_page(request, *, title: str, progress=None, back_url: str) -> HttpResponse:
    """"正在生成…": the document is being built by a worker; the page reloads itself (meta refresh,
    no script) and the same URL then serves the file. 202: nothing to save yet."""
    return render(request, "cases/document_wait.html", {
        "title": title, "progress": progress, "back_url": back_url,
    }, status=202)


@login_required
def filled_form(request, pk: int):
    """The 推荐表 filled from the case with the current narrative as 附页: holds personal data, logged;
    only for those who may see the contact details (not experts or observers). Built by a worker
    (cases.generation): this serves the stored form, or waits for it, or says why it was refused."""
    case = _visible_case_or_404(request, pk)
    if not may_see_contact_details(request.user, case):
        raise Http404
    document = request_filled_form(case)
    if document is None:
        return document_wait_page(request, title=_("The recommendation form is being generated…"),
                                  back_url=reverse("cases:case_detail", kwargs={"pk": case.pk}))
    if document.state != ValidationState.DONE:
        # Never a form without its 案例概要: it would be printed, stamped and scanned incomplete.
        messages.error(request, document.problem)
        return redirect("cases:case_detail", pk=case.pk)
    # What the printed rows say, so the case page can tell a stamped scan made from an older form.
    record_download(actor=request.user, case=case, action=AuditAction.PERSONAL_DATA_DOWNLOADED,
                    summary=_("Filled recommendation form downloaded"),
                    details={PRINTED_FORM_KEY: printed_form_fingerprint(case)})
    response = FileResponse(document.file.open("rb"), as_attachment=True, content_type=DOCX,
                            filename=join_name(case.title, "推荐表", extension="docx"))
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def package_download(request, pk: int):
    """The electronic package, streamed: holds personal data, logged; only for those who may see the
    contact details (not experts or observers). Waits first for the worker to build the 推荐表
    it carries (cases.generation)."""
    case = _visible_case_or_404(request, pk)
    if not may_see_contact_details(request.user, case):
        raise Http404
    filename = package_filename(case)
    progress = request_filled_forms([case])
    if not progress.done:
        return document_wait_page(request, title=_("The package “%(name)s” is being prepared…") % {"name": filename},
                                  progress=progress, back_url=reverse("cases:case_detail", kwargs={"pk": case.pk}))
    record_download(actor=request.user, case=case, action=AuditAction.PERSONAL_DATA_DOWNLOADED,
                    summary=_("Package downloaded: %(name)s") % {"name": filename})
    response = StreamingHttpResponse(stream_package(case), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def photo_folder_download(request, pk: int):
    """The photo folder `单位名称+照片` zipped on its own (附件1 “照片压缩文件夹”), streamed. Photos
    carry no personal data: whoever may open the case and its photos may have it."""
    case = _visible_case_or_404(request, pk)
    filename = photo_folder_filename(case)
    record_download(actor=request.user, case=case, action=AuditAction.FILE_DOWNLOADED,
                    summary=_("Photo folder downloaded: %(name)s") % {"name": filename})
    response = StreamingHttpResponse(stream_photo_folder(case), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def proof_cover(request, pk: int):
    case = _visible_case_or_404(request, pk)
    return _docx_response(build_proof_cover(case), join_name(case.title, "证明材料封面", extension="docx"))


@login_required
def paper_checklist(request, pk: int):
    case = _visible_case_or_404(request, pk)
    return _docx_response(build_paper_checklist(case), join_name(case.title, "纸质材料报送清单", extension="docx"))
