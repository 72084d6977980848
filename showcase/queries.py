"""Reads of the showcase. `published_cases` is the one rule of what the public sees; every public
page, photo, poster and video asks it, so a withdrawn consent or an unpublished case is gone from
all of them at once.

Only public facts leave here: title, unit, city, type, year, the approved story, photos, video,
certificate number. Never the contact person or a phone number.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import QuerySet

from cases.documents.confined import check_passed
from cases.documents.naming import case_region
from cases.enums import CaseStatus, CaseType, RenditionKind, UploadSlot
from cases.models import Campaign, Case, Rendition, Upload
from cases.renditions import PHOTO_SLOTS, renditions_by_upload
from cases.rules import without_personal_data
from review.models.results import Certificate, SelectionEntry, SelectionState
from showcase.models import PresenterTalk, ShowcaseStory, StoryState


def published_cases() -> QuerySet[Case]:
    """是否公开: a winner of a campaign whose result is final, whose enterprise consents for this
    campaign, whose story the province approved, and which the province has not taken down."""
    return (Case.objects.filter(status=CaseStatus.WINNER, campaign__selection__state=SelectionState.FINAL,
                                showcase_story__consent_given=True, showcase_story__hidden_at__isnull=True)
            .exclude(showcase_story__public_text=""))


def is_published(case_id: int) -> bool:
    return published_cases().filter(pk=case_id).exists()


@dataclass
class ShowcaseCase:
    pk: int
    year: int
    campaign_title: str
    title: str
    unit: str
    region: str
    case_type: str
    story: list[str]  # the approved public summary, as paragraphs
    is_presenter: bool = False
    certificate_number: str = ""
    photos: list[dict] = field(default_factory=list)  # {"upload_id", "thumb", "display"}
    video: Upload | None = None
    poster: Rendition | None = None
    video_thumb: Rendition | None = None

    @property
    def case_type_label(self) -> str:
        return str(CaseType(self.case_type).label) if self.case_type in CaseType.values else ""

    @property
    def summary(self) -> str:
        text = "".join(self.story)
        return text if len(text) <= 90 else text[:90] + "…"

    @property
    def cover(self) -> dict | None:
        return next((photo for photo in self.photos if photo["thumb"] or photo["display"]), None)


def _build(cases: list[Case]) -> list[ShowcaseCase]:
    """Five queries whatever the number of cases."""
    ids = [case.pk for case in cases]
    presenters = set(SelectionEntry.objects.filter(case_id__in=ids, is_presenter=True).values_list("case_id", flat=True))
    certificates = dict(Certificate.objects.filter(case_id__in=ids).values_list("case_id", "number"))
    uploads = list(Upload.objects.filter(case_id__in=ids, superseded_at__isnull=True,
                                         slot__in=[*PHOTO_SLOTS, UploadSlot.VIDEO]).order_by("uploaded_at", "pk"))
    copies = renditions_by_upload(upload.pk for upload in uploads)
    slot_order = {slot: index for index, slot in enumerate(PHOTO_SLOTS)}
    photos: dict[int, list[tuple]] = {}
    videos: dict[int, Upload] = {}
    for upload in uploads:
        if upload.slot == UploadSlot.VIDEO:
            if check_passed(upload):
                videos[upload.case_id] = upload  # the latest checked one
            continue
        kinds = copies.get(upload.pk, {})
        photos.setdefault(upload.case_id, []).append((slot_order[upload.slot], upload.pk, {
            "upload_id": upload.pk, "thumb": kinds.get(RenditionKind.THUMB), "display": kinds.get(RenditionKind.DISPLAY)}))
    result = []
    for case in cases:
        video = videos.get(case.pk)
        video_copies = copies.get(video.pk, {}) if video else {}
        result.append(ShowcaseCase(
            pk=case.pk, year=case.campaign.year, campaign_title=case.campaign.title, title=case.title,
            unit=case.completing_unit or case.enterprise.name, region=case_region(case), case_type=case.case_type,
            story=without_personal_data([line.strip() for line in case.showcase_story.public_text.splitlines() if line.strip()],
                                        names=(case.contact_name,)),
            is_presenter=case.pk in presenters, certificate_number=certificates.get(case.pk, ""),
            photos=[photo for *_order, photo in sorted(photos.get(case.pk, []), key=lambda item: item[:2])],
            video=video, poster=video_copies.get(RenditionKind.POSTER), video_thumb=video_copies.get(RenditionKind.THUMB),
        ))
    return result


def _published(**filters):
    return (published_cases().filter(**filters)
            .select_related("campaign", "showcase_story", "enterprise__association__parent__parent"))


def showcase_list(*, year: int | None = None, region: str = "", case_type: str = "") -> list[ShowcaseCase]:
    """Published cases, newest campaign first, then by city and title; filtered by year, city, type."""
    filters = {"campaign__year": year} if year else {}
    if case_type:
        filters["case_type"] = case_type
    items = _build(list(_published(**filters)))
    if region:
        items = [item for item in items if item.region == region]
    items.sort(key=lambda item: (-item.year, item.region, item.title, item.pk))
    return items


def showcase_case(pk: int) -> ShowcaseCase | None:
    found = _build(list(_published(pk=pk)))
    return found[0] if found else None


def showcase_years() -> list[int]:
    return sorted(set(published_cases().values_list("campaign__year", flat=True)), reverse=True)


def showcase_regions(items: list[ShowcaseCase]) -> list[str]:
    return sorted({item.region for item in items if item.region})


def published_video(pk: int) -> Upload | None:
    """The talk video of a published case, once its check passed; None otherwise."""
    case = published_cases().filter(pk=pk).first()
    if case is None:
        return None
    video = (Upload.objects.filter(case=case, slot=UploadSlot.VIDEO, superseded_at__isnull=True)
             .order_by("-uploaded_at", "-pk").first())
    return video if video is not None and check_passed(video) else None


def published_rendition(upload_id: int, kind: str) -> Rendition | None:
    """A public copy of a photo or video of a published case."""
    return (Rendition.objects.filter(upload_id=upload_id, kind=kind, upload__superseded_at__isnull=True,
                                     upload__case__in=published_cases())
            .select_related("upload").first())


@dataclass
class ProgrammeLine:
    talk: PresenterTalk
    item: ShowcaseCase | None  # None: the case is not (or no longer) published; the line shows its time and place only


def programme(*, year: int | None = None) -> list[ProgrammeLine]:
    """The presenters' talks (宣讲) in date order; a talk of an unpublished case keeps its date and
    place but names no case (its page is not public)."""
    talks = list(PresenterTalk.objects.filter(**({"campaign__year": year} if year else {}))
                 .select_related("campaign").order_by("starts_at", "pk"))
    published = {item.pk: item for item in _build(list(_published(pk__in=[talk.case_id for talk in talks])))}
    return [ProgrammeLine(talk=talk, item=published.get(talk.case_id)) for talk in talks]


# --- for the enterprise and the province ---------------------------------------------------------

def story_of(case: Case) -> ShowcaseStory | None:
    return ShowcaseStory.objects.filter(case=case).first()


def stories_for_province(campaign: Campaign) -> list[Case]:
    """The campaign's winners with their story (or None) and whether each is public, for the
    province's showcase page."""
    cases = list(Case.objects.filter(campaign=campaign, status=CaseStatus.WINNER)
                 .select_related("enterprise__association__parent__parent").order_by("title", "pk"))
    stories = {story.case_id: story for story in ShowcaseStory.objects.filter(case__in=cases)}
    public = set(published_cases().filter(pk__in=[case.pk for case in cases]).values_list("pk", flat=True))
    for case in cases:
        case.story = stories.get(case.pk)
        case.region = case_region(case)
        case.is_public = case.pk in public
        case.waiting = case.story is not None and case.story.state == StoryState.SUBMITTED
    cases.sort(key=lambda case: (not case.waiting, case.region, case.title))
    return cases
