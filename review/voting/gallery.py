"""Reads of the public vote's gallery and candidate pages: the candidates with their public
copies of photos (thumbnails made at upload, cases.renditions), a summary for the public, search
and filters, and what a shared link's card shows.

Only public facts leave here: title, unit, city, case type, photos, the summary. Never the
contact person or a phone number.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.core.cache import cache

from cases.documents.confined import check_passed, word_paragraphs
from cases.documents.naming import case_region
from cases.enums import CaseType, RenditionKind, UploadSlot
from cases.models import Campaign, Rendition, Upload
from cases.renditions import PHOTO_SLOTS, renditions_by_upload
from cases.rules import without_personal_data
from review.voting.queries import candidate_cases, looks_like_heading

CARD_SUMMARY_CHARS = 90
PUBLIC_SUMMARY_CHARS = 360
SEARCH_MAX_CHARS = 40
MAX_PICKS_IN_QUERY = 50  # far above any campaign's most picks; a longer list is cut, never an error


@dataclass
class Photo:
    upload_id: int
    slot: str
    thumb: Rendition | None = None
    display: Rendition | None = None


@dataclass
class GalleryCandidate:
    pk: int
    title: str
    unit: str
    region: str
    case_type: str
    paragraphs: list[str] = field(default_factory=list)  # the public summary
    photos: list[Photo] = field(default_factory=list)

    @property
    def case_type_label(self) -> str:
        return str(CaseType(self.case_type).label) if self.case_type in CaseType.values else ""

    @property
    def summary(self) -> str:
        """The card's line: the start of the public summary."""
        text = "".join(self.paragraphs)
        return text if len(text) <= CARD_SUMMARY_CHARS else text[:CARD_SUMMARY_CHARS] + "…"

    @property
    def description(self) -> str:
        """The share card's description (Open Graph, WeChat)."""
        text = "".join(self.paragraphs)
        return text if len(text) <= 120 else text[:120] + "…"

    @property
    def cover(self) -> Photo | None:
        """The first photo with a public copy (the exterior photo comes first)."""
        return next((photo for photo in self.photos if photo.thumb or photo.display), None)

    @property
    def photo_ids(self) -> list[int]:
        return [photo.upload_id for photo in self.photos if photo.display]


def _cases(campaign: Campaign, pk: int | None = None):
    cases = candidate_cases(campaign).select_related("enterprise__association__parent__parent")
    if pk is not None:
        cases = cases.filter(pk=pk)
    return list(cases.order_by("title", "pk"))


def _candidates(cases) -> list[GalleryCandidate]:
    uploads = list(Upload.objects.filter(case__in=cases, superseded_at__isnull=True,
                                         slot__in=[*PHOTO_SLOTS, UploadSlot.NARRATIVE]).order_by("pk"))
    copies = renditions_by_upload(upload.pk for upload in uploads if upload.slot in PHOTO_SLOTS)
    slot_order = {slot: index for index, slot in enumerate(PHOTO_SLOTS)}
    photos: dict[int, list[Photo]] = {}
    narratives: dict[int, Upload] = {}
    for upload in uploads:
        if upload.slot == UploadSlot.NARRATIVE:
            narratives[upload.case_id] = upload
        else:
            kinds = copies.get(upload.pk, {})
            photos.setdefault(upload.case_id, []).append(Photo(
                upload_id=upload.pk, slot=upload.slot, thumb=kinds.get(RenditionKind.THUMB),
                display=kinds.get(RenditionKind.DISPLAY)))
    result = []
    for case in cases:
        own = sorted(photos.get(case.pk, []), key=lambda photo: (slot_order[photo.slot], photo.upload_id))
        result.append(GalleryCandidate(
            pk=case.pk, title=case.title, unit=case.completing_unit or case.enterprise.name, region=case_region(case),
            case_type=case.case_type, photos=own,
            # Never a phone number or the contact person on a public page, whatever the narrative says.
            paragraphs=without_personal_data(public_summary(narratives.get(case.pk)), names=(case.contact_name,))))
    return result


def gallery_candidates(campaign: Campaign) -> list[GalleryCandidate]:
    """Every candidate, by city then title. Four queries whatever their number (the summaries are
    cached by file hash)."""
    result = _candidates(_cases(campaign))
    result.sort(key=lambda c: (c.region, c.title, c.pk))
    return result


def gallery_candidate(campaign: Campaign, pk: int) -> GalleryCandidate | None:
    found = _candidates(_cases(campaign, pk))
    return found[0] if found else None


def normalise_search(raw: str) -> str:
    """What a search matches on: full-width letters and digits of a Chinese input method as ASCII,
    case and spaces ignored."""
    text = unicodedata.normalize("NFKC", raw or "").casefold()
    return "".join(text.split())[:SEARCH_MAX_CHARS]


def filter_candidates(candidates: list[GalleryCandidate], *, query: str = "", region: str = "",
                      case_type: str = "") -> list[GalleryCandidate]:
    """Candidates whose title or unit contains `query`, of city `region` and type `case_type`
    (each ignored when empty)."""
    needle = normalise_search(query)
    return [
        c for c in candidates
        if (not needle or needle in normalise_search(c.title) or needle in normalise_search(c.unit))
        and (not region or c.region == region) and (not case_type or c.case_type == case_type)
    ]


def regions_of(candidates: list[GalleryCandidate]) -> list[str]:
    return sorted({c.region for c in candidates if c.region})


def public_summary(upload: Upload | None) -> list[str]:
    """The summary a voter reads: the paragraphs of the narrative's first part (企业简介, after the
    title and the unit's subtitle, up to the next outline heading), kept as paragraphs and never
    with a heading run into them; cut near PUBLIC_SUMMARY_CHARS at a sentence's end. Cached by the
    file's hash once its check passed; [] for a narrative not checked or not readable."""
    if upload is None or not check_passed(upload):
        return []
    key = f"vote:public-summary:1:{upload.sha256}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    paragraphs = _first_part(word_paragraphs(upload))
    cache.set(key, paragraphs, 60 * 60 * 24)
    return paragraphs


def _is_heading(style: str, text: str) -> bool:
    return (style or "").lower().startswith(("heading", "title", "标题")) or looks_like_heading(text)


def _first_part(paragraphs: list[tuple[str, str]]) -> list[str]:
    lines = [(style, text.strip()) for style, text in paragraphs if text.strip()]
    # The title (a heading style) and the unit's subtitle (a short line right after it) come first.
    while lines and (lines[0][0] or "").lower().startswith(("heading", "title", "标题")):
        lines = lines[1:]
    if len(lines) > 1 and len(lines[0][1]) <= 40 and not lines[0][1].endswith(("。", "！", "？")):
        lines = lines[1:]
    part: list[str] = []
    for style, text in lines:
        if _is_heading(style, text):
            if part:
                break  # the next section starts
            continue
        part.append(text)
    return _shorten(part)


def _shorten(paragraphs: list[str]) -> list[str]:
    result, total = [], 0
    for paragraph in paragraphs:
        if total + len(paragraph) <= PUBLIC_SUMMARY_CHARS:
            result.append(paragraph)
            total += len(paragraph)
            continue
        room = PUBLIC_SUMMARY_CHARS - total
        cut = max((paragraph.rfind(end, 0, room) for end in "。！？；"), default=-1)
        if cut > room // 3:
            result.append(paragraph[:cut + 1])
        elif room > 20:
            result.append(paragraph[:room] + "…")
        break
    return result


def picked_ids(values) -> list[int]:
    """Case ids from a query (`case=…`, `pick=…`), in order, without repeats or garbage."""
    ids: list[int] = []
    for value in list(values)[:MAX_PICKS_IN_QUERY]:
        try:
            number = int(value)
        except (TypeError, ValueError):
            continue
        if number not in ids:
            ids.append(number)
    return ids


def seconds_until_vote_changes(campaign: Campaign, now) -> int | None:
    """Seconds until the vote opens or closes (the public pages change then), or None."""
    upcoming = [moment for moment in (campaign.vote_opens_at, campaign.vote_closes_at) if moment and moment > now]
    return int((min(upcoming) - now).total_seconds()) + 1 if upcoming else None
