"""The campaign's close: the province's dashboard, WeChat names, presenters' programme, the cities'
work summaries, the archive and closing the campaign. Provincial staff only, except a city's own
work summary, which its staff may open; anyone else gets a 404."""

import unicodedata

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.enums import AuditAction, OrganisationKind, Tier
from cases.models import Campaign, CoOrganiser, Organisation
from cases.queries import sees_whole_province
from cases.generation import request_filled_forms
from cases.rules import can_administer
from cases.services import record_download
from cases.views import document_wait_page
from cases.uploads import UploadRejected
from portal.actions import perform
from review.closing import dashboard as board
from review.closing.archive import archive_cases, archive_filename, stream_archive
from review.closing.charts import bar_chart, fill_class
from review.closing.common import DOCX, XLSX, csv_bytes, xlsx_bytes
from review.closing.programme import presenters, programme_docx, programme_title, programme_xlsx
from review.closing.services import close_campaign
from review.closing.models import WorkDocumentKind
from review.closing.summaries import (
    build_city_summary,
    city_summary,
    may_see_city_summary,
    summary_cities_for,
    summary_filename,
)
from review.closing.work_documents import (
    current_document,
    current_documents,
    delivery,
    document_window,
    holder_from_key,
    holder_key,
    is_late,
    may_read_work_document,
    may_upload_work_document,
    own_holders,
    store_work_document,
)
from review.closing.wechat import wechat_csv, wechat_rows, wechat_xlsx
from review.views.access import campaign_or_404, require_province_reader, require_province_staff

CSV = "text/csv; charset=utf-8"




def _download(data: bytes, filename: str, content_type: str) -> HttpResponse:
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _export(fmt: str, stem: str, formats: dict) -> HttpResponse:
    """One export in the format asked for: `formats` maps a format to (build bytes, content type)."""
    if fmt not in formats:
        raise Http404
    build, content_type = formats[fmt]
    return _download(build(), f"{stem}.{fmt}", content_type)


def _campaign_of(year: int | None) -> Campaign:
    """The campaign of `year` (an earlier one stays reachable once a new one is current), or the
    current campaign when the URL names no year."""
    if year is None:
        return campaign_or_404()
    return get_object_or_404(Campaign, year=year)


def _closing_page(campaign: Campaign):
    if campaign.is_current:
        return redirect("review:closing_home")
    return redirect("review:closing_campaign", year=campaign.year)


@login_required
def closing_home(request, year: int | None = None):
    require_province_staff(request)
    campaign = _campaign_of(year)
    return render(request, "review/closing_home.html", {
        "campaign": campaign, "campaigns": Campaign.objects.order_by("-year"),
        "gaps": [] if campaign.closed_at else board.closing_gaps(campaign),
    })


@login_required
@require_POST
def campaign_close(request, year: int | None = None):
    require_province_staff(request)
    campaign = _campaign_of(year)
    # NFKC: a year typed with a Chinese input method comes as full-width digits (２０２６).
    if unicodedata.normalize("NFKC", request.POST.get("confirm", "")).strip() != str(campaign.year):
        messages.error(request, _("Type the campaign's year to confirm closing it."))
        return _closing_page(campaign)
    perform(request, lambda: close_campaign(campaign=campaign, actor=request.user, now=timezone.now()),
            success=_("The campaign is closed: everything in it is read-only now. Download the archive to keep it."))
    return _closing_page(campaign)


@login_required
def wechat_list(request):
    require_province_staff(request)
    campaign = campaign_or_404()
    rows = wechat_rows(campaign)
    return render(request, "review/closing_wechat.html", {
        "campaign": campaign, "rows": rows, "names_text": "\n".join(row.display_name for row in rows),
    })


@login_required
def wechat_export(request, fmt: str):
    require_province_staff(request)
    campaign = campaign_or_404()
    return _export(fmt, f"{campaign.year}年候选案例微信群名称", {
        "csv": (lambda: wechat_csv(campaign), CSV), "xlsx": (lambda: wechat_xlsx(campaign), XLSX)})


@login_required
def programme(request):
    require_province_staff(request)
    campaign = campaign_or_404()
    return render(request, "review/closing_programme.html", {
        "campaign": campaign, "title": programme_title(campaign), "presenters": presenters(campaign),
    })


@login_required
def programme_export(request, fmt: str):
    require_province_staff(request)
    campaign = campaign_or_404()
    return _export(fmt, f"{campaign.year}年宣讲代表名单", {
        "docx": (lambda: programme_docx(campaign), DOCX), "xlsx": (lambda: programme_xlsx(campaign), XLSX)})


def _document_card(campaign, holder, user, documents, now) -> dict:
    """One holder's 活动方案 and 工作总结: the current file (late or not), its window, whether `user` may upload."""
    slots = []
    for kind in WorkDocumentKind:
        document = documents.get((kind, holder_key(holder)))
        window = document_window(campaign, kind, holder, now)
        slots.append({"kind": kind, "document": document, "window": window,
                      "late": document is not None and is_late(document, window)})
    return {"holder": holder, "key": holder_key(holder), "slots": slots,
            "is_city": getattr(holder, "kind", None) == OrganisationKind.CITY,
            "may_upload": may_upload_work_document(user, holder) and campaign.closed_at is None}


@login_required
def summary_list(request):
    """Every tier's and co-organiser's 活动方案 and 工作总结 (附件1 四(三)): the user's own to upload
    (a city also gets its generated summary draft); for the province, who has and has not delivered,
    per city and tier, the co-organisers' to upload for them, and every city's draft."""
    campaign = campaign_or_404()
    province = sees_whole_province(request.user)
    holders = own_holders(request.user, campaign)
    if province:
        holders += [co for co in CoOrganiser.objects.filter(campaign=campaign) if co not in holders]
    if not holders and not province:
        raise Http404
    now = timezone.now()
    documents = current_documents(campaign)
    return render(request, "review/closing_summaries.html", {
        "campaign": campaign, "cards": [_document_card(campaign, holder, request.user, documents, now) for holder in holders],
        "province": province, "draft_cities": summary_cities_for(request.user, campaign) if province else [],
        "deliveries": [delivery(campaign, kind, now) for kind in WorkDocumentKind] if province else [],
    })


def _summary_city_or_404(request, city_id: int) -> Organisation:
    city = get_object_or_404(Organisation, pk=city_id, kind=OrganisationKind.CITY)
    if not may_see_city_summary(request.user, city):
        raise Http404
    return city


@login_required
def summary_draft(request, city_id: int):
    """The generated 工作总结 draft of one city (Word), for the city to edit."""
    campaign = campaign_or_404()
    city = _summary_city_or_404(request, city_id)
    summary = city_summary(campaign, city)
    return _download(build_city_summary(summary), summary_filename(summary), DOCX)


def _holder_or_404(request, campaign, holder: str, kind: str, *, upload: bool):
    found = holder_from_key(campaign, holder)
    if found is None or kind not in WorkDocumentKind.values:
        raise Http404
    allowed = may_upload_work_document if upload else may_read_work_document
    if not allowed(request.user, found):
        raise Http404
    return found


@login_required
@require_POST
def document_upload(request, holder: str, kind: str):
    campaign = campaign_or_404()
    found = _holder_or_404(request, campaign, holder, kind, upload=True)
    try:
        store_work_document(campaign=campaign, kind=kind, holder=found, actor=request.user,
                            uploaded_file=request.FILES.get("file"), now=timezone.now())
    except UploadRejected as refusal:
        messages.error(request, str(refusal))
    else:
        messages.success(request, _("The %(document)s of %(holder)s is uploaded.") % {
            "document": WorkDocumentKind(kind).label, "holder": found.name})
    return redirect("review:closing_summaries")


@login_required
def document_download(request, holder: str, kind: str):
    """The holder's current 活动方案 or 工作总结 as uploaded."""
    campaign = campaign_or_404()
    found = _holder_or_404(request, campaign, holder, kind, upload=False)
    uploaded = current_document(campaign, kind, found)
    if uploaded is None:
        raise Http404
    from django.http import FileResponse

    response = FileResponse(uploaded.file.storage.open(uploaded.file.name, "rb"), as_attachment=True,
                            filename=uploaded.original_name)
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def archive_download(request, year: int | None = None):
    """The whole campaign (the current one, or the one of `year`) as one streamed zip (cases, files,
    tables, scores, ballots, results)."""
    require_province_staff(request)
    campaign = _campaign_of(year)
    filename = archive_filename(campaign)
    # Each case's package carries the 推荐表 a worker builds from its narrative: wait for them all.
    progress = request_filled_forms(archive_cases(campaign).select_related("campaign"))
    if not progress.done:
        return document_wait_page(request, title=_("The archive “%(name)s” is being prepared…") % {"name": filename},
                                  progress=progress, back_url=reverse("review:closing_home"))
    record_download(actor=request.user, case=None, action=AuditAction.PERSONAL_DATA_DOWNLOADED,
                    summary=_("Campaign archive downloaded: %(name)s") % {"name": filename}, details={"export": "archive.zip"})
    response = StreamingHttpResponse(stream_archive(campaign, generated_by=request.user.username), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, filename)
    response["Cache-Control"] = "private, no-store"
    return response


def _dashboard_charts(rows, problems) -> list:
    quota = bar_chart(_("Quota fill: cases forwarded to the province / quota"),
                      [(row.name, row.forwarded, row.quota_cases, fill_class(row.forwarded, row.quota_cases)) for row in rows])
    presenters_chart = bar_chart(
        _("Presenter candidates / quota"),
        [(row.name, row.presenter_candidates, row.quota_presenters, fill_class(row.presenter_candidates, row.quota_presenters))
         for row in rows])
    submitted = bar_chart(_("Cases submitted by the enterprises"),
                          [(row.name, row.stages["submitted"], None, "chart-neutral") for row in rows])
    rules = bar_chart(_("Files with problems, by rule"),
                      [(rule.code, rule.count, None, "chart-bad" if rule.severity == "error" else "chart-warn")
                       for rule in problems[:15]])
    return [quota, presenters_chart, submitted, rules]


@login_required
@require_safe
def dashboard(request):
    """Read by provincial staff and observers alike: it changes nothing."""
    require_province_reader(request)
    campaign = campaign_or_404()
    now = timezone.now()
    rows = board.city_rows(campaign)
    problems = board.problems_by_rule(campaign)
    return render(request, "review/closing_dashboard.html", {
        "campaign": campaign, "rows": rows, "totals": board.province_totals(rows), "stages": board.STAGES,
        "countdowns": board.deadline_countdowns(campaign, now), "problems": problems,
        "charts": _dashboard_charts(rows, problems), "tier_city": Tier.CITY, "read_only": not can_administer(request.user),
    })


@login_required
@require_safe
def dashboard_export(request, fmt: str):
    require_province_reader(request)
    campaign = campaign_or_404()
    header, table = board.dashboard_header(), board.dashboard_table(campaign)
    stem = f"{campaign.year}年全省进度"
    if fmt == "csv":
        return _download(csv_bytes(header, table), f"{stem}.csv", CSV)
    if fmt == "xlsx":
        return _download(xlsx_bytes(_("%(campaign)s: progress by city") % {"campaign": campaign.title}, header, table,
                                    sheet=_("Progress"), widths=[10] + [12] * (len(header) - 1)), f"{stem}.xlsx", XLSX)
    if fmt == "problems.csv":
        return _download(csv_bytes(board.problems_header(), board.problems_table(campaign)), f"{campaign.year}年校验问题统计.csv", CSV)
    raise Http404
