"""The tiers' pages: inbox, one case under review, the ranked list (batch) and forwarding."""

import mimetypes

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from cases.deadlines import holder_of, stage_window
from cases.enums import TRANSITIONS, AuditAction, CaseStatus, OrganisationKind, Tier, UploadSlot, status_labels
from cases.queries import WAITING_FOR_TIER, cases_visible_to
from cases.rules import may_see_contact_details
from cases.generation import request_filled_forms
from cases.narrative_fixes import fix_offer, open_fix
from cases.services import record_download
from cases.similarity.queries import similar_cases
from cases.views import document_wait_page
from portal.actions import perform
from review.list_order import default_order_text, order_source
from review.views.access import campaign_or_404
from review.documents.summary_tables import SUMMARY_FILE_FIELDS, summary_file_name, summary_table_members
from review.forms import DecisionForm, InboxFilterForm, SignedScanForm
from review.models import Batch, BatchStatus
from review.queries import (
    case_history,
    forwarded_batches,
    inbox_page,
    staff_membership_for,
    staff_memberships,
    undecided_case_count,
    undecided_statuses,
)
from review.services import (
    DECISIONS,
    MAX_OPINION_CHARACTERS,
    OPINION_FIELDS,
    SUPPLEMENT_TIERS,
    attach_signed_scan,
    decide_case,
    forward_batch,
    forward_problems,
    forwarded_city_batch_of,
    list_fingerprint,
    open_batch,
    rank_batch,
    record_opinion,
    request_summary_tables,
    restore_default_order,
)

# What each decision is called on its button.
DECISION_LABELS = {
    "recommend": gettext_lazy("Recommend"), "return": gettext_lazy("Return for revision"),
    "decline": gettext_lazy("Do not recommend"), "pass": gettext_lazy("Passes the eligibility check"),
    "fail": gettext_lazy("Fails the eligibility check"), "select": gettext_lazy("Put on the city's list"),
    "reject": gettext_lazy("Leave off the city's list"), "reopen": gettext_lazy("Undo the decision"),
}


def _membership_or_404(request, *, with_province: bool = False):
    organisation_id = request.GET.get("org") or request.POST.get("org")
    membership = staff_membership_for(request.user, int(organisation_id) if str(organisation_id or "").isdigit() else None,
                                      with_province=with_province)
    if membership is None:
        raise Http404
    return membership



# Rows per inbox page: the province's list of every case runs to a thousand and more.
INBOX_PAGE_SIZE = 100


def _inbox_rows(cases, organisation_id: int) -> list[dict]:
    """The inbox's rows as plain values formatted once, here. A model instance per case and four
    related rows each, a URL reverse and a dozen template filters per row were most of the page's
    time (bench/README-pages.md); the list shows nothing that needs more."""
    link = case_review_link(organisation_id)
    labels = status_labels()
    rows = []
    for case in cases:
        errors, warnings = case["error_total"], case["warning_total"]
        submitted = case["submitted_at"]
        rows.append({
            "url": link(case["pk"]), "title": case["title"], "enterprise": case["enterprise__name"],
            "region": _place(case),
            "status": case["status"], "status_label": labels[case["status"]],
            "errors": ngettext("%(n)s error", "%(n)s errors", errors) % {"n": errors} if errors else "",
            "warnings": ngettext("%(n)s warning", "%(n)s warnings", warnings) % {"n": warnings} if warnings else "",
            "submitted": timezone.localtime(submitted).strftime("%Y-%m-%d %H:%M") if submitted else "—",
            "advertising": case["advertising"],
        })
    return rows


def _place(case: dict) -> str:
    """Organisation.place from the row's values: city and county under a county, the city alone
    for an association directly under a city, its own region directly under the province."""
    parent_kind = case["enterprise__association__parent__kind"]
    if parent_kind == OrganisationKind.COUNTY:
        parts = (case["enterprise__association__parent__parent__region"], case["enterprise__association__parent__region"])
    elif parent_kind == OrganisationKind.CITY:
        parts = (case["enterprise__association__parent__region"],)
    else:
        parts = (case["enterprise__association__region"],)
    return " ".join(part for part in parts if part)


def case_review_link(organisation_id: int):
    """A function of a case id giving its review page's URL for the organisation (one reverse for
    the whole list instead of one per row)."""
    prefix, _placeholder, suffix = reverse("review:case_review", args=[0]).rpartition("0")
    return lambda pk: f"{prefix}{pk}{suffix}?org={organisation_id}"


@login_required
def inbox(request):
    membership = _membership_or_404(request, with_province=True)
    campaign = campaign_or_404()
    filters = InboxFilterForm(request.GET or None)
    data = filters.cleaned_data if filters.is_valid() else {}
    page = inbox_page(request.user, membership.organisation, campaign, status=data.get("status", ""),
                      search=data.get("q", ""), order=data.get("order") or "updated",
                      number=request.GET.get("page"), size=INBOX_PAGE_SIZE)
    other_pages = request.GET.copy()
    other_pages.pop("page", None)
    context = {
        "membership": membership, "memberships": staff_memberships(request.user, with_province=True), "campaign": campaign,
        "filters": filters, "rows": _inbox_rows(page.object_list, membership.organisation_id), "page": page,
        "page_query": other_pages.urlencode(),
        "window": stage_window(campaign, membership.tier, organisation=membership.organisation),
    }
    return render(request, "review/inbox_list.html", context)


def _allowed_decisions(case, tier: Tier) -> list[tuple[str, str, bool]]:
    """(decision, label, needs a reason) for the decisions the table allows from the case's status;
    none for a city whose list is forwarded (its decisions are final)."""
    if tier == Tier.CITY and forwarded_city_batch_of(case) is not None:
        return []
    allowed = []
    for decision, target in DECISIONS.get(tier, {}).items():
        move = TRANSITIONS.get((case.status, target))
        if move is not None and move.actor == tier:
            allowed.append((decision, DECISION_LABELS[decision], move.reason_required))
    return allowed


OPINION_LABELS = {
    Tier.ASSOCIATION: gettext_lazy("Opinion of the recommending unit (推荐单位意见, printed on the form)"),
    Tier.CITY: gettext_lazy("Opinion of the city association (市级科协意见, printed on the form)"),
}


def _opinion_box(case, tier: Tier) -> dict | None:
    """The tier's 意见 field, offered while the case waits for that tier (and, for a city, its list is open)."""
    field = OPINION_FIELDS.get(tier)
    if field is None or case.status not in WAITING_FOR_TIER[tier]:
        return None
    if tier == Tier.CITY and forwarded_city_batch_of(case) is not None:
        return None
    return {"label": OPINION_LABELS[tier], "text": getattr(case, field), "limit": MAX_OPINION_CHARACTERS}


@login_required
def case_review(request, pk: int):
    membership = _membership_or_404(request, with_province=True)
    # A draft is not among them, for provincial staff neither: it is the enterprise's own (cases_visible_to).
    case = get_object_or_404(cases_visible_to(request.user).select_related("enterprise__association__parent__parent", "campaign"), pk=pk)
    uploads = list(case.uploads.order_by("slot", "-uploaded_at"))
    # The tier's window for this case: once it is shut no decision is offered (transition_case would refuse it).
    window = stage_window(case.campaign, membership.tier, **holder_of(case, membership.tier))
    context = {
        "membership": membership, "case": case, "history": case_history(case), "window": window,
        "current_uploads": [upload for upload in uploads if upload.superseded_at is None],
        "earlier_uploads": [upload for upload in uploads if upload.superseded_at is not None],
        "decisions": _allowed_decisions(case, membership.tier) if window.is_open else [], "form": DecisionForm(),
        "show_contact": may_see_contact_details(request.user, case),
        "city_list_forwarded": forwarded_city_batch_of(case) if membership.tier == Tier.CITY else None,
        "opinion": _opinion_box(case, membership.tier),
        "similar": similar_cases(case, request.user),
    }
    narrative = next((upload for upload in context["current_uploads"] if upload.slot == UploadSlot.NARRATIVE), None)
    context["fix_offered"] = fix_offer(case, narrative, request.user)
    context["open_fix"] = open_fix(narrative)
    return render(request, "review/case_review.html", context)


@login_required
@require_POST
def case_opinion(request, pk: int):
    """The association's or the city's 意见 on the case's 推荐表."""
    membership = _membership_or_404(request)
    case = get_object_or_404(cases_visible_to(request.user), pk=pk)
    perform(request, lambda: record_opinion(case=case, tier=membership.tier, text=request.POST.get("opinion", ""),
                                            actor=request.user),
            success=_("The opinion is saved; it is printed on the recommendation form."))
    return redirect(f"{reverse('review:case_review', args=[case.pk])}?org={membership.organisation_id}")


@login_required
@require_POST
def case_decide(request, pk: int):
    membership = _membership_or_404(request)
    case = get_object_or_404(cases_visible_to(request.user), pk=pk)
    form = DecisionForm(request.POST)
    back = f"{reverse('review:case_review', args=[case.pk])}?org={membership.organisation_id}"
    if not form.is_valid():
        messages.error(request, _("The decision could not be read; try again."))
        return redirect(back)
    def decide():
        # The opinion box shares the form: what was typed there is kept with the decision.
        if "opinion" in request.POST and membership.tier in OPINION_FIELDS:
            record_opinion(case=case, tier=membership.tier, text=request.POST["opinion"], actor=request.user)
        return decide_case(case=case, tier=membership.tier, decision=form.cleaned_data["decision"],
                           actor=request.user, reason=form.cleaned_data["reason"])

    perform(request, decide,
            success=lambda _result: _("Saved: the case is now “%(status)s”.") % {"status": CaseStatus(case.status).label})
    return redirect(back)


@login_required
def batch_detail(request):
    membership = _membership_or_404(request)
    campaign = campaign_or_404()
    organisation, tier = membership.organisation, membership.tier
    batch = open_batch(organisation=organisation, campaign=campaign)
    # The list being prepared: the first, or a supplement (补报) after a forward; none when the
    # forwarded list is the latest and nothing new is ready (a city never has one after forwarding).
    current = batch if batch.status == BatchStatus.OPEN else None
    items = list(current.items.select_related("case__enterprise__association").order_by("rank")) if current else []
    context = {
        "membership": membership, "campaign": campaign, "batch": current, "items": items,
        "forwarded_batches": forwarded_batches(organisation, campaign),
        "may_supplement": tier in SUPPLEMENT_TIERS,
        "undecided_count": undecided_case_count(organisation, campaign, tier),
        "undecided_status": undecided_statuses(tier)[0],
        "problems": forward_problems(current, items) if current else [],
        "order_source": order_source(current) if current else "",
        "default_order_text": default_order_text(tier),
        "scan_form": SignedScanForm(),
        "window": stage_window(campaign, tier, organisation=organisation),
    }
    if tier == Tier.CITY and current:
        from review.views.city import city_rule_context

        context.update(city_rule_context(current, items))
    return render(request, "review/batch_detail.html", context)


def _batch_of(request, membership) -> Batch:
    """The batch the page showed (its id is posted with every form), else the organisation's latest.
    A batch forwarded meanwhile is then refused by the service with the date it was forwarded."""
    batches = Batch.objects.filter(campaign=campaign_or_404(), organisation=membership.organisation)
    raw = request.POST.get("batch", "")
    batch = batches.filter(pk=int(raw)).first() if raw.isdigit() else batches.order_by("-sequence").first()
    if batch is None:
        raise Http404
    return batch


def _back_to_batch(membership):
    return redirect(f"{reverse('review:batch_detail')}?org={membership.organisation_id}")


def _batch_action(request, membership, action, success):
    """Run one batch service; show its refusal or `success(result)`, then back to the list page."""
    perform(request, action, success=success)
    return _back_to_batch(membership)


@login_required
@require_POST
def batch_rank(request):
    membership = _membership_or_404(request)
    batch = _batch_of(request, membership)
    items = list(batch.items.order_by("rank"))
    positions = {}
    for item in items:
        raw = request.POST.get(f"rank-{item.case_id}", "")
        positions[item.case_id] = int(raw) if raw.isdigit() else item.rank
    # Sort by the typed rank; ties keep the previous order, so typing "1" moves a case to the top.
    ordered = sorted(items, key=lambda item: (positions[item.case_id], item.rank != positions[item.case_id], item.rank))
    presenters = {int(value) for value in request.POST.getlist("presenter") if value.isdigit()}
    return _batch_action(
        request, membership,
        lambda: rank_batch(batch=batch, ordered_case_ids=[item.case_id for item in ordered], presenter_case_ids=presenters,
                           contact=request.POST.get("contact", ""), actor=request.user),
        lambda _batch: _("The order and presenter marks are saved."),
    )


@login_required
@require_POST
def batch_restore_order(request):
    membership = _membership_or_404(request)
    return _batch_action(
        request, membership, lambda: restore_default_order(batch=_batch_of(request, membership), actor=request.user),
        lambda _batch: _("The list is back in its default order."),
    )


@login_required
@require_POST
def batch_generate(request):
    membership = _membership_or_404(request)
    return _batch_action(
        request, membership, lambda: request_summary_tables(batch=_batch_of(request, membership), actor=request.user),
        lambda _result: _("The summary table is being generated; the page shows it when it is ready."),
    )


@login_required
@require_POST
def batch_scan(request):
    membership = _membership_or_404(request)
    form = SignedScanForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose the PDF scan of the signed and stamped summary table."))
        return _back_to_batch(membership)
    return _batch_action(
        request, membership,
        lambda: attach_signed_scan(batch=_batch_of(request, membership), upload=form.cleaned_data["scan"], actor=request.user),
        lambda _batch: _("The signed scan is stored."),
    )


@login_required
@require_POST
def batch_forward(request):
    membership = _membership_or_404(request)
    return _batch_action(
        request, membership, lambda: forward_batch(batch=_batch_of(request, membership), actor=request.user),
        lambda batch: _("Forwarded %(count)d cases to %(receiver)s.") % {
            "count": batch.items.count(), "receiver": membership.organisation.parent},
    )


@login_required
def batch_packages(request, batch_id: int):
    """The packages of every case of a batch in one streamed zip, a folder per case in rank order."""
    from django.http import StreamingHttpResponse

    from cases.documents.package import package_members, package_stem, stream_zip
    from review.queries import batch_items_visible_to, batches_visible_to

    batch = get_object_or_404(batches_visible_to(request.user).select_related("organisation"), pk=batch_id)
    items = list(batch_items_visible_to(request.user, batch)
                 .select_related("case__campaign", "case__enterprise__association__parent__parent"))
    # Each package carries the 推荐表 a worker builds from the case's narrative: wait for them all.
    progress = request_filled_forms([item.case for item in items])
    if not progress.done:
        return document_wait_page(request, title=_("The packages of the list are being prepared…"), progress=progress,
                                  back_url=reverse("review:inbox"))

    def members():
        # 附件1: the list's 推荐汇总表 (Word and stamped PDF) goes with the cases' materials.
        yield from summary_table_members(batch, list_fingerprint(items))
        for item in items:
            folder = f"{item.rank:02d} {package_stem(item.case)}"
            for member in package_members(item.case):
                yield member.in_folder(folder)

    record_download(actor=request.user, case=None, action=AuditAction.PERSONAL_DATA_DOWNLOADED,
                    summary=_("Packages of the list of %(organisation)s") % {"organisation": batch.organisation},
                    details={"batch": batch.pk, "file": "packages.zip"})
    response = StreamingHttpResponse(stream_zip(members()), content_type="application/zip")
    from review.documents.summary_tables import supplement_mark

    filename = f"{batch.organisation.name}报送材料{supplement_mark(batch.sequence)}.zip"
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


@login_required
def batch_file(request, batch_id: int, kind: str):
    """A batch's summary table or signed scan: for its own organisation's staff and the tiers above."""
    from review.queries import batches_visible_to

    batch = get_object_or_404(batches_visible_to(request.user), pk=batch_id)
    if kind not in SUMMARY_FILE_FIELDS:
        raise Http404
    stored = getattr(batch, SUMMARY_FILE_FIELDS[kind])
    if not stored:
        raise Http404
    filename = summary_file_name(batch, kind)
    record_download(actor=request.user, case=None, action=AuditAction.PERSONAL_DATA_DOWNLOADED,
                    summary=_("Summary table of %(organisation)s (%(file)s)") % {"organisation": batch.organisation, "file": filename},
                    details={"batch": batch.pk, "file": kind})
    # Stored under an opaque name, so the type comes from the name the user gets (Word, Excel, PDF).
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    response = FileResponse(stored.open("rb"), as_attachment=True, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response
