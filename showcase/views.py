"""The showcase (展示): public pages of the winning cases, their photos and talk videos; the
enterprise's page for its public summary and consent; the province's page to approve and unpublish.

Public pages ask showcase.queries.published_cases (directly or through its helpers) and are served
from the cache to anonymous visitors (portal.public_cache); every write makes them stale.
"""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from cases.enums import CaseStatus, CaseType, RenditionKind, Tier
from cases.models import Case
from cases.queries import cases_visible_to, current_campaign
from cases.rules import can_administer, may_act_for_tier
from portal.actions import perform
from portal.public_cache import public_page
from portal.ratelimit import limit_misses
from portal.qr import qr_png
from portal.streaming import file_response
from showcase import queries, services
from showcase.forms import ReasonForm, StoryForm

MEDIA_KINDS = {"thumb": RenditionKind.THUMB, "display": RenditionKind.DISPLAY, "poster": RenditionKind.POSTER}


def _year(raw: str) -> int | None:
    return int(raw) if raw.isdigit() and len(raw) == 4 else None


@public_page
@require_safe
def showcase_index(request):
    """Every published case of every campaign (earlier ones stay), by year, city and type."""
    year, region, case_type = _year(request.GET.get("year", "")), request.GET.get("city", ""), request.GET.get("type", "")
    everything = queries.showcase_list()
    items = queries.showcase_list(year=year, region=region, case_type=case_type) if (year or region or case_type) else everything
    return render(request, "showcase/index.html", {
        "items": items, "years": queries.showcase_years(), "regions": queries.showcase_regions(everything),
        "case_types": CaseType.choices, "year": year, "region": region, "case_type": case_type,
    })


@public_page
@limit_misses("showcase:case")
@require_safe
def showcase_case(request, pk: int):
    item = queries.showcase_case(pk)
    if item is None:
        raise Http404
    share_url = request.build_absolute_uri(request.path)
    cover = item.cover
    image = (cover or {}).get("display") or item.poster
    image_url = None
    if image is not None:
        image_url = request.build_absolute_uri(reverse("showcase:media", args=[image.upload_id, image.kind]))
    return render(request, "showcase/case.html", {
        "item": item, "share_url": share_url, "image_url": image_url,
        "verify_url": (reverse("review:certificate_verify") + "?number=" + item.certificate_number) if item.certificate_number else "",
    })


@public_page
@limit_misses("showcase:case_qr")
@require_safe
def showcase_case_qr(request, pk: int):
    if not queries.is_published(pk):
        raise Http404
    response = HttpResponse(qr_png(request.build_absolute_uri(reverse("showcase:case", args=[pk]))), content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@public_page
@require_safe
def showcase_programme(request):
    """宣讲: the presenters' talks with date and place."""
    year = _year(request.GET.get("year", ""))
    return render(request, "showcase/programme.html", {"lines": queries.programme(year=year), "year": year})


@public_page
@require_safe
def showcase_videos(request):
    """微视频: the published cases that have a talk video."""
    items = [item for item in queries.showcase_list(year=_year(request.GET.get("year", ""))) if item.video]
    return render(request, "showcase/videos.html", {"items": items})


@limit_misses("showcase:video")
@require_safe
def showcase_video(request, pk: int):
    """The talk video of a published case, with HTTP range requests (206): seekable on a phone,
    never read whole into the worker (portal.streaming). Not cached as a page: each range differs."""
    video = queries.published_video(pk)
    if video is None:
        raise Http404
    return file_response(request, video.file, content_type="video/mp4", size=video.size, etag=video.sha256[:32],
                         cache_seconds=300)


@limit_misses("showcase:media")
@require_safe
def showcase_media(request, upload_id: int, kind: str):
    """A public copy (thumbnail, display size, poster frame) of a published case's photo or video."""
    if kind not in MEDIA_KINDS:
        raise Http404
    rendition = queries.published_rendition(upload_id, MEDIA_KINDS[kind])
    if rendition is None:
        raise Http404
    return file_response(request, rendition.file, content_type=rendition.content_type, size=rendition.size,
                         etag=f"{rendition.upload_id}-{rendition.kind}-{rendition.size}", cache_seconds=600)


# --- the enterprise ------------------------------------------------------------------------------

@login_required
def story_edit(request, pk: int):
    """The enterprise's page of its winning case on the showcase: the public summary (sent for the
    province's approval) and the consent. Staff who may open the case read it."""
    case = get_object_or_404(cases_visible_to(request.user), pk=pk)
    if case.status != CaseStatus.WINNER:
        raise Http404
    story = queries.story_of(case)
    may_edit = may_act_for_tier(request.user, case, Tier.ENTERPRISE)
    form = StoryForm(request.POST or None, initial={"text": story.text if story else ""})
    if request.method == "POST":
        if not may_edit:
            raise Http404
        if form.is_valid() and perform(request, lambda: services.submit_story(case=case, actor=request.user, text=form.cleaned_data["text"]),
                                       success=_("Sent to the provincial center for approval.")):
            return redirect("showcase:story_edit", pk=case.pk)
    return render(request, "showcase/story_edit.html", {
        "case": case, "story": story, "form": form, "may_edit": may_edit, "is_public": queries.is_published(case.pk),
        "events": case.showcase_events.select_related("actor")[:20],
    })


@login_required
@require_POST
def story_consent(request, pk: int):
    case = get_object_or_404(cases_visible_to(request.user), pk=pk)
    given = request.POST.get("consent") == "give"
    perform(request, lambda: services.set_consent(case=case, actor=request.user, given=given),
            success=_("Consent recorded: the case may appear on the showcase once its summary is approved.") if given
            else _("Consent withdrawn: the case is no longer on the showcase."))
    return redirect("showcase:story_edit", pk=case.pk)


# --- the province --------------------------------------------------------------------------------

def _province(request):
    if not can_administer(request.user):
        raise Http404


@login_required
def manage(request):
    """The province's showcase page: every winner of the current campaign with its consent,
    summary waiting for approval, and whether it is public; approve, return, unpublish."""
    _province(request)
    campaign = current_campaign()
    if campaign is None:
        raise Http404
    return render(request, "showcase/manage.html", {
        "campaign": campaign, "cases": queries.stories_for_province(campaign), "reason_form": ReasonForm(),
    })


def _managed_case(request, pk: int) -> Case:
    _province(request)
    return get_object_or_404(Case, pk=pk, status=CaseStatus.WINNER)


@login_required
@require_POST
def manage_approve(request, pk: int):
    case = _managed_case(request, pk)
    perform(request, lambda: services.approve_story(case=case, actor=request.user), success=_("Public summary approved."))
    return redirect("showcase:manage")


@login_required
@require_POST
def manage_return(request, pk: int):
    case = _managed_case(request, pk)
    perform(request, lambda: services.return_story(case=case, actor=request.user, reason=request.POST.get("reason", "")),
            success=_("Returned to the enterprise with your reason."))
    return redirect("showcase:manage")


@login_required
@require_POST
def manage_unpublish(request, pk: int):
    case = _managed_case(request, pk)
    perform(request, lambda: services.unpublish_case(case=case, actor=request.user, reason=request.POST.get("reason", "")),
            success=_("The case is off the showcase."))
    return redirect("showcase:manage")


@login_required
@require_POST
def manage_republish(request, pk: int):
    case = _managed_case(request, pk)
    perform(request, lambda: services.republish_case(case=case, actor=request.user),
            success=_("The case is back on the showcase (while the enterprise consents)."))
    return redirect("showcase:manage")
