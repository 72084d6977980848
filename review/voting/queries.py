"""Reads of the public vote: the gallery of candidates, their public photos and summaries, counts.

Only public facts leave here: title, unit, city, the photos of the photo slots and a summary taken
from the case narrative. Never contact names or phones.
"""

from __future__ import annotations

import unicodedata
import re
from collections import defaultdict
from dataclasses import dataclass, field

from django.core.cache import cache
from django.db.models import Count

from cases.documents.confined import check_passed, word_paragraphs
from cases.documents.naming import case_region
from cases.enums import CaseStatus, RenditionKind, UploadSlot
from cases.models import Campaign, Case, Rendition, Upload
from review.models.voting import COUNTED_BALLOT_STATUSES, Ballot, BallotChoice, BallotStatus, SuspicionFlag
from review.voting.fraud import RULE_LABELS, describe_flag

PHOTO_SLOTS = (UploadSlot.PHOTO_EXTERIOR, UploadSlot.PHOTO_PRODUCT, UploadSlot.PHOTO_SCENE)
SUMMARY_CHARS = 160


@dataclass
class Candidate:
    pk: int
    title: str
    unit: str
    region: str
    summary: str
    photo_ids: list[int] = field(default_factory=list)


def candidate_cases(campaign: Campaign):
    return Case.objects.filter(campaign=campaign, status=CaseStatus.PROVINCE_REVIEW)


def gallery(campaign: Campaign) -> list[Candidate]:
    """The candidates in a stable order (region, then title), in three queries whatever their number."""
    cases = list(candidate_cases(campaign).select_related("enterprise__association__parent__parent").order_by("title", "pk"))
    photos = defaultdict(list)
    narratives = {}
    for upload in Upload.objects.filter(case__in=cases, superseded_at__isnull=True,
                                        slot__in=[*PHOTO_SLOTS, UploadSlot.NARRATIVE]).order_by("slot", "pk"):
        if upload.slot == UploadSlot.NARRATIVE:
            narratives[upload.case_id] = upload
        else:
            photos[upload.case_id].append(upload.pk)
    result = [
        Candidate(pk=case.pk, title=case.title, unit=case.completing_unit or case.enterprise.name,
                  region=case_region(case), summary=narrative_summary(narratives.get(case.pk)),
                  photo_ids=photos[case.pk])
        for case in cases
    ]
    result.sort(key=lambda c: (c.region, c.title, c.pk))
    return result


# A numbered outline heading at the start of a line: 一、 / 1. / （一） / 第一部分.
NUMBERED_HEADING = re.compile(r"^\s*(第?[一二三四五六七八九十]+[、．.部分章节]|\d{1,2}\s*[、．.)）]|[（(][一二三四五六七八九十\d]{1,2}[)）])")
HEADING_MAX_CHARS = 40
SENTENCE_END = ("。", "！", "？", "；", ".", "!", "?", "…")


def looks_like_heading(paragraph: str) -> bool:
    """A short numbered line, or a short line without a sentence's end: a heading or a caption."""
    text = paragraph.strip()
    if len(text) > HEADING_MAX_CHARS:
        return False
    return bool(NUMBERED_HEADING.match(text)) or not text.endswith(SENTENCE_END)


def narrative_summary(upload: Upload | None) -> str:
    """The first body paragraphs of the narrative (案例概要), shortened; cached by file hash."""
    if upload is None:
        return ""
    key = f"vote:summary:2:{upload.sha256}"  # 2: headings left out
    cached = cache.get(key)
    if cached is not None:
        return cached
    # Only a narrative whose check passed, through the guarded reader, with a small part cap.
    body = [text.strip() for style, text in word_paragraphs(upload)
            if text.strip() and not (style or "").lower().startswith(("heading", "title", "标题"))]
    # Skip the subtitle (the unit's name) when it is the first line, and the outline's headings
    # typed in the body style (一、企业简介及所获荣誉奖励): joined, they ran into the text.
    body = body[1:] if len(body) > 1 and len(body[0]) <= 40 else body
    text = "".join(paragraph for paragraph in body if not looks_like_heading(paragraph))
    if len(text) > SUMMARY_CHARS:
        text = text[:SUMMARY_CHARS] + "…"
    if check_passed(upload):  # a narrative still being checked gets its summary later
        cache.set(key, text, 60 * 60 * 24)
    return text


def public_photo(campaign: Campaign, upload_id: int) -> bytes | None:
    """The display-size JPEG (≤ 960 px, EXIF and its GPS stripped) of a current photo of a
    candidate, as a worker made it after the photo's check passed (cases.renditions); None when
    the photo is not a candidate's or its copy is not made yet. Nothing is decoded here."""
    rendition = Rendition.objects.filter(
        upload_id=upload_id, kind=RenditionKind.DISPLAY, upload__superseded_at__isnull=True,
        upload__slot__in=PHOTO_SLOTS, upload__case__in=candidate_cases(campaign),
    ).first()
    if rendition is None:
        return None
    with rendition.file.storage.open(rendition.file.name, "rb") as handle:
        return handle.read()


def public_counts(campaign: Campaign) -> dict[int, int]:
    """Counted votes per case — for the public only after the vote closed (the view decides)."""
    rows = (BallotChoice.objects.filter(ballot__campaign=campaign, ballot__status__in=COUNTED_BALLOT_STATUSES)
            .values("case_id").annotate(n=Count("id")))
    return {row["case_id"]: row["n"] for row in rows}


def public_under_review(campaign: Campaign) -> dict[int, int]:
    """Votes per case still in quarantine — shown apart from the counted ones after the vote."""
    rows = (BallotChoice.objects.filter(ballot__campaign=campaign, ballot__status=BallotStatus.QUARANTINED)
            .values("case_id").annotate(n=Count("id")))
    return {row["case_id"]: row["n"] for row in rows}


def ballot_totals(campaign: Campaign) -> dict[str, int]:
    rows = Ballot.objects.filter(campaign=campaign).values("status").annotate(n=Count("id"))
    totals = {status: 0 for status in BallotStatus.values}
    totals.update({row["status"]: row["n"] for row in rows})
    return totals


@dataclass
class FlagLine:
    """One rule that flagged a ballot, for staff: the rule's label and its evidence in words."""

    rule: str
    label: str
    text: str


def quarantined_ballots(campaign: Campaign, limit: int = 200):
    """Ballots waiting for a decision, oldest first; each carries `flag_lines` (FlagLine)."""
    ballots = list(
        Ballot.objects.filter(campaign=campaign, status=BallotStatus.QUARANTINED)
        .prefetch_related("flags", "choices__case").order_by("cast_at", "pk")[:limit]
    )
    for ballot in ballots:
        titles = {choice.case_id: choice.case.title for choice in ballot.choices.all()}
        ballot.flag_lines = [
            FlagLine(rule=flag.rule, label=str(RULE_LABELS.get(flag.rule, flag.rule)),
                     text=describe_flag(flag.rule, flag.detail, titles))
            for flag in ballot.flags.all()
        ]
    return ballots


# --- the public receipt lookup (回执查询) -----------------------------------------------------------

RECEIPT_MAX_LENGTH = 20  # Ballot.receipt's column; longer input is no receipt


class ReceiptState:
    COUNTED = "counted"
    UNDER_REVIEW = "under_review"
    EXCLUDED = "excluded"


# What the public learns of a ballot: only whether it counts. Released ballots count like valid ones.
RECEIPT_STATES = {
    BallotStatus.VALID: ReceiptState.COUNTED,
    BallotStatus.RELEASED: ReceiptState.COUNTED,
    BallotStatus.QUARANTINED: ReceiptState.UNDER_REVIEW,
    BallotStatus.EXCLUDED: ReceiptState.EXCLUDED,
}


@dataclass(frozen=True)
class ReceiptStatus:
    """A ballot as the public receipt lookup shows it: nothing personal (no phone, no address, no
    device, not even its choices), only the campaign, the day it was cast and whether it counts."""

    receipt: str
    campaign_title: str
    cast_at: object  # datetime
    state: str


def normalise_receipt(raw: str) -> str:
    """The receipt as stored: full-width characters of a Chinese input method as ASCII, spaces and
    hyphens dropped (a number copied in groups), letters in upper case."""
    text = unicodedata.normalize("NFKC", raw or "")
    return "".join(char for char in text if char not in " -\u00a0\t").upper()


def receipt_status(raw: str) -> ReceiptStatus | None:
    """The ballot with exactly this receipt number (after normalise_receipt), or None."""
    receipt = normalise_receipt(raw)
    if not receipt or len(receipt) > RECEIPT_MAX_LENGTH:
        return None
    ballot = Ballot.objects.filter(receipt=receipt).select_related("campaign").only(
        "receipt", "cast_at", "status", "campaign__title").first()
    if ballot is None:
        return None
    return ReceiptStatus(receipt=ballot.receipt, campaign_title=ballot.campaign.title, cast_at=ballot.cast_at,
                         state=RECEIPT_STATES[ballot.status])


@dataclass
class QuarantineGroup:
    """A suspicious group with ballots waiting in quarantine: what they share, in words."""

    rule: str
    group: str
    label: str
    text: str
    waiting: int
    flag_id: int  # one flag of the group: the decision form names the group by it


def quarantine_groups(campaign: Campaign) -> list[QuarantineGroup]:
    """The groups that hold ballots in quarantine, largest first (one query for the counts, one for
    a flag of each group to describe it)."""
    rows = list(SuspicionFlag.objects.filter(ballot__campaign=campaign, ballot__status=BallotStatus.QUARANTINED)
                .values("rule", "group").annotate(waiting=Count("ballot_id", distinct=True)).order_by("-waiting", "rule", "group"))
    samples = {}
    for flag in SuspicionFlag.objects.filter(ballot__campaign=campaign, ballot__status=BallotStatus.QUARANTINED).order_by("pk"):
        samples.setdefault((flag.rule, flag.group), flag)
    titles = dict(Case.objects.filter(campaign=campaign).values_list("pk", "title"))
    return [QuarantineGroup(rule=row["rule"], group=row["group"], label=str(RULE_LABELS.get(row["rule"], row["rule"])),
                            text=describe_flag(row["rule"], samples[(row["rule"], row["group"])].detail, titles),
                            waiting=row["waiting"], flag_id=samples[(row["rule"], row["group"])].pk)
            for row in rows]
