"""网络投票, the public side people reach from WeChat: the gallery's page of one candidate (share
card, QR code), the thumbnails, and 查看已选 (the voter's picks before the ballot).

The gallery and candidate pages are the same for every anonymous visitor and are served from the
cache (portal.public_cache). The voter's picks live in the browser (static/js/vote-picks.js); without
JavaScript the gallery's form sends them here by GET, so the vote works without it too.
"""

from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe

from cases.enums import RenditionKind
from cases.models import Rendition
from portal.public_cache import public_page
from portal.qr import qr_png
from portal.ratelimit import limit_misses
from review.views.access import campaign_or_404
from review.views.voting import MAX_KEPT_PICKS
from review.voting import voter_pass
from review.voting.gallery import gallery_candidate, gallery_candidates, picked_ids, seconds_until_vote_changes
from review.voting.queries import candidate_cases
from review.voting.services import vote_has_closed, vote_is_open

def _gallery_visible(campaign, now) -> bool:
    return vote_is_open(campaign, now) or vote_has_closed(campaign, now)


@public_page
@limit_misses("review:vote_candidate")
@require_safe
def vote_candidate(request, pk: int):
    """A candidate's own page: photos, title, unit, city, type, the public summary, its share link
    and QR code, and the pick button. Public while the vote is open and after it closed."""
    campaign = campaign_or_404()
    now = timezone.now()
    if not _gallery_visible(campaign, now):
        raise Http404
    candidate = gallery_candidate(campaign, pk)
    if candidate is None:
        raise Http404
    share_url = request.build_absolute_uri(request.path)
    cover = candidate.cover
    image_url = None
    if cover is not None and cover.display is not None:
        image_url = request.build_absolute_uri(reverse("review:vote_photo", args=[cover.upload_id]))
    response = render(request, "review/vote_candidate.html", {
        "campaign": campaign, "c": candidate, "open": vote_is_open(campaign, now), "share_url": share_url,
        "image_url": image_url,
    })
    expires = seconds_until_vote_changes(campaign, now)
    if expires is not None:
        response.public_cache_seconds = expires
    return response


@public_page
@limit_misses("review:vote_candidate_qr")
@require_safe
def vote_candidate_qr(request, pk: int):
    """The QR code of a candidate's page (PNG), for posters and for scanning a screen."""
    campaign = campaign_or_404()
    if not _gallery_visible(campaign, timezone.now()) or not candidate_cases(campaign).filter(pk=pk).exists():
        raise Http404
    response = HttpResponse(qr_png(request.build_absolute_uri(reverse("review:vote_candidate", args=[pk]))),
                            content_type="image/png")
    response["Cache-Control"] = "public, max-age=3600"
    return response


@limit_misses("review:vote_thumb")
@require_safe
def vote_thumb(request, upload_id: int):
    """Public: the thumbnail (WebP, ≤ 100 KB, made by a worker at upload) of a candidate's photo.
    Ids are guessable: an address whose ids keep finding nothing is refused for a while."""
    campaign = campaign_or_404()
    if not _gallery_visible(campaign, timezone.now()):
        raise Http404
    rendition = (Rendition.objects.filter(upload_id=upload_id, kind=RenditionKind.THUMB, upload__superseded_at__isnull=True,
                                          upload__case__in=candidate_cases(campaign)).first())
    if rendition is None:
        raise Http404
    with rendition.file.storage.open(rendition.file.name, "rb") as handle:
        response = HttpResponse(handle.read(), content_type=rendition.content_type)
    # Short: a candidate taken off the ballot disappears from phones within minutes.
    response["Cache-Control"] = "public, max-age=600"
    return response


@never_cache
def vote_picks(request):
    """查看已选: the cases the voter picked, before the ballot. GET shows them (the gallery's form
    sends `case=…` by GET, the page writes nothing); from there a verified voter submits the ballot
    (review:vote_ballot), anyone else goes to verify the number with the picks kept in their pass
    (POST), and finds them ticked on the gallery afterwards."""
    campaign = campaign_or_404()
    now = timezone.now()
    if not vote_is_open(campaign, now):
        return redirect("review:vote_gallery")
    source = request.POST if request.method == "POST" else request.GET
    ids = picked_ids(source.getlist("case"))
    state = voter_pass.read(request)
    if request.method == "POST":
        # Kept in the voter's signed pass (not a database session) through the phone's verification.
        response = redirect("review:vote_phone")
        voter_pass.store(request, response, voter_pass.with_picks(state, ids[:MAX_KEPT_PICKS]))
        return response
    candidates = {c.pk: c for c in gallery_candidates(campaign)}
    picked = [candidates[pk] for pk in ids if pk in candidates]
    count = len(picked)
    return render(request, "review/vote_picks.html", {
        "campaign": campaign, "picked": picked, "count": count,
        "within_limits": campaign.vote_min_picks <= count <= campaign.vote_max_picks,
        "verified": bool(state.voter),
        # Back to the gallery with the picks ticked, for a browser without JavaScript.
        "back_query": urlencode([("pick", c.pk) for c in picked]),
    })
