"""Indexing a case for the near-duplicate search and recording what it resembles (issue 19).

`index_case(case_id)` runs in a worker (cases.tasks.index_case_similarity, queued when a case is
submitted and for every case of a campaign when it is archived or imported). It is safe to run
twice: the case's index rows and every match it takes part in are replaced, under the case's row
lock. Its steps:
1. read the narrative: only a .docx whose check passed, through the guarded reader
   (cases.documents.confined.word_paragraphs); without one, the 推荐表's text fields;
2. store the text and its keys (LSH bands of the story and introduction, key facts) when they
   changed; hash each current photo whose check passed (cases.similarity.photos);
3. look up candidates among every other indexed case, this campaign's and earlier ones (closed
   campaigns included), through the keys; judge each with the text engine; compare the photos;
   look for the same enterprise (统一社会信用代码 or name) in the same campaign;
4. replace the case's SimilarityMatch rows with what was found.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass

import numpy as np
from django.db import connection, transaction
from django.db.models import Q

from cases.documents.confined import check_passed, word_paragraphs
from cases.enums import CaseStatus, UploadSlot
from cases.models import (
    Case,
    MatchKind,
    PhotoFingerprint,
    SimilarityKey,
    SimilarityKeyKind,
    SimilarityMatch,
    TextFingerprint,
)
from cases.similarity import signatures
from cases.similarity.photos import SAME_PHOTO_BITS, photo_hashes
from cases.similarity.text import COMPANY_SECTION, DUPLICATE, ENGINE_VERSION, compare, read_narrative

logger = logging.getLogger(__name__)

PHOTO_SLOTS = (UploadSlot.PHOTO_EXTERIOR, UploadSlot.PHOTO_PRODUCT, UploadSlot.PHOTO_SCENE)
# The exact check runs on at most this many candidates (those sharing the most keys first), so a
# query costs the same whatever the size of the index.
MAX_CANDIDATES = 25
COMMON_KEY_CASES = 100
# The 推荐表's text fields indexed when a case has no readable narrative.
FORM_FIELDS = ("title", "honours", "remarks")
COMPANY_SUFFIXES = re.compile(r"(股份有限公司|有限责任公司|集团有限公司|有限公司|股份公司|集团公司|公司)$")


@dataclass(frozen=True)
class IndexResult:
    case_id: int
    source: str
    matches: dict[str, int]


def narrative_text(case: Case) -> tuple[str, str]:
    """(source, text) of what the index reads from `case`: its current narrative when that is a
    .docx whose check passed (read through the guarded reader), else the 推荐表's text fields."""
    narrative = case.uploads.filter(slot=UploadSlot.NARRATIVE, superseded_at__isnull=True).order_by("-uploaded_at", "-pk").first()
    if narrative is not None:
        paragraphs = word_paragraphs(narrative)  # [] unless the check passed and it is a .docx
        text = "\n".join(paragraph for _style, paragraph in paragraphs if paragraph.strip())
        if text:
            return f"narrative:{narrative.pk}", text
    return "form", "\n".join(str(getattr(case, name) or "").strip() for name in FORM_FIELDS if getattr(case, name))


def _digest(text: str) -> str:
    return hashlib.sha256(f"{ENGINE_VERSION}\n{text}".encode("utf-8")).hexdigest()


def _store_text(case: Case) -> TextFingerprint:
    source, text = narrative_text(case)
    return store_text(case, source=source, text=text)


def store_text(case: Case, *, source: str, text: str) -> TextFingerprint:
    """Keep `text` as the case's fingerprint with its keys; nothing is written when it is unchanged."""
    digest = _digest(text)
    fingerprint = TextFingerprint.objects.filter(case=case).first()
    if fingerprint is not None and fingerprint.digest == digest and fingerprint.source == source:
        return fingerprint
    narrative = read_narrative(text)
    facts = signatures.fact_keys(narrative)
    keys = [(case.pk, SimilarityKeyKind.STORY_BAND.value, key) for key in signatures.story_keys(narrative)]
    keys += [(case.pk, SimilarityKeyKind.INTRODUCTION_BAND.value, key) for key in signatures.introduction_keys(narrative)]
    keys += [(case.pk, SimilarityKeyKind.FACT.value, key) for key in facts]
    values = {"source": source, "digest": digest, "text": text, "fact_count": len(facts)}
    if fingerprint is None:
        fingerprint = TextFingerprint.objects.create(case=case, **values)
    else:
        SimilarityKey.objects.filter(case=case).delete()
        for name, value in values.items():
            setattr(fingerprint, name, value)
        fingerprint.save()
    _insert_keys(keys)
    return fingerprint


def _insert_keys(rows: list[tuple[int, int, int]]) -> None:
    """(case id, kind, key) rows written as plain parameters: a case has about a hundred keys, and
    building a model instance for each was most of the worker's time when indexing a campaign.
    On PostgreSQL one statement takes the three columns as arrays (nothing to parse per row)."""
    if not rows:
        return
    table = connection.ops.quote_name(SimilarityKey._meta.db_table)
    cases, kinds, keys = (list(column) for column in zip(*rows))
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"INSERT INTO {table} (case_id, kind, key) "
                           "SELECT * FROM unnest(%s::bigint[], %s::smallint[], %s::bigint[])", [cases, kinds, keys])
        else:
            cursor.executemany(f"INSERT INTO {table} (case_id, kind, key) VALUES (%s, %s, %s)", rows)


def _store_photos(case: Case) -> list[PhotoFingerprint]:
    current = [upload for upload in case.uploads.filter(slot__in=PHOTO_SLOTS, superseded_at__isnull=True) if check_passed(upload)]
    PhotoFingerprint.objects.filter(case=case).exclude(upload__in=current).delete()
    known = {fingerprint.upload_id: fingerprint for fingerprint in PhotoFingerprint.objects.filter(case=case)}
    for upload in current:
        if upload.pk in known:
            continue
        try:
            with upload.file.storage.open(upload.file.name, "rb") as source:
                hashes = photo_hashes(source)
        except (OSError, ValueError, SyntaxError):  # Pillow's errors for a picture it cannot decode
            logger.warning("photo %s of case %s could not be hashed", upload.pk, case.pk, exc_info=True)
            continue
        known[upload.pk] = PhotoFingerprint.objects.create(upload=upload, case=case, windows=list(hashes.windows))
    return list(known.values())


def text_candidates(case: Case, fact_count: int) -> list[int]:
    """Ids of the indexed cases sharing an LSH band (story or introduction) with `case`, or enough
    of its key facts to be a retelling (signatures.facts_may_match), those sharing most first."""
    own = SimilarityKey.objects.filter(case=case)
    rows = list(SimilarityKey.objects.filter(key__in=own.values("key")).exclude(case=case)
                .values_list("case_id", "kind", "key"))
    # A key shared by very many cases (a common band of stock phrases, MES or 100%) tells nothing.
    # (Counting them in SQL first was slower: it reads the same rows twice.)
    spread = Counter(key for _other, _kind, key in rows)
    bands, facts = Counter(), Counter()
    for other, kind, key in rows:
        if spread[key] <= COMMON_KEY_CASES:
            (facts if kind == SimilarityKeyKind.FACT else bands)[other] += 1
    sharing = [other for other, count in facts.items() if other not in bands and count >= signatures.MIN_SHARED_FACT_KEYS]
    their_counts = dict(TextFingerprint.objects.filter(case_id__in=sharing).values_list("case_id", "fact_count"))
    chosen = set(bands) | {other for other in sharing
                           if signatures.facts_may_match(facts[other], fact_count, their_counts.get(other, 0))}
    return sorted(chosen, key=lambda other: (-(bands[other] + facts[other]), other))[:MAX_CANDIDATES]


def text_matches(case: Case, fingerprint: TextFingerprint) -> list[SimilarityMatch]:
    """The cases whose text the engine judges a duplicate of, or the same introduction as, the case's."""
    mine = read_narrative(fingerprint.text)
    matches = []
    others = TextFingerprint.objects.filter(case_id__in=text_candidates(case, fingerprint.fact_count)).exclude(case__status=CaseStatus.DRAFT)
    for other in others.only("case_id", "text"):
        result = compare(mine, read_narrative(other.text))
        if result.judgement == DUPLICATE:
            kind = MatchKind.TEXT
        elif result.judgement == COMPANY_SECTION:
            kind = MatchKind.INTRODUCTION
        else:
            continue
        passages = [passage.as_dict() for passage in result.passages]
        matches.append(_match(case.pk, other.case_id, kind, result.score,
                              {"passages": passages, "measures": result.measures}))
    return matches


def _photo_matches(case: Case, mine: list[PhotoFingerprint]) -> list[SimilarityMatch]:
    """Every other case with a photo within SAME_PHOTO_BITS of one of `mine` (one vectorised pass
    over the photo hashes: about 11 numbers per photo)."""
    if not mine:
        return []
    rows = list(PhotoFingerprint.objects.exclude(case=case).exclude(case__status=CaseStatus.DRAFT)
                .values_list("case_id", "upload_id", "windows"))
    if not rows:
        return []
    width = max(len(windows) for _case, _upload, windows in rows)
    theirs = np.array([windows + [windows[0]] * (width - len(windows)) for _c, _u, windows in rows], dtype=np.int64).view(np.uint64)
    pairs: dict[int, list[dict]] = {}
    for fingerprint in mine:
        own = np.array(fingerprint.windows, dtype=np.int64).view(np.uint64)
        # The whole of each picture against every window of the other.
        forward = np.bitwise_count(theirs ^ own[0]).min(axis=1)
        backward = np.bitwise_count(theirs[:, :1] ^ own[np.newaxis, :]).min(axis=1)
        nearest = np.minimum(forward, backward)
        for index in np.flatnonzero(nearest <= SAME_PHOTO_BITS):
            other_case, other_upload, _windows = rows[index]
            pairs.setdefault(other_case, []).append(
                {"mine": fingerprint.upload_id, "theirs": other_upload, "distance": int(nearest[index])})
    matches = []
    for other_case, found in pairs.items():
        oriented = [{"a": p["mine"], "b": p["theirs"], "distance": p["distance"]} if case.pk < other_case
                    else {"a": p["theirs"], "b": p["mine"], "distance": p["distance"]} for p in found]
        score = 1 - min(p["distance"] for p in found) / 64
        matches.append(SimilarityMatch(case_id=min(case.pk, other_case), other_id=max(case.pk, other_case),
                                       kind=MatchKind.PHOTO, score=round(score, 2), details={"photos": oriented}))
    return matches


def enterprise_name_key(name: str) -> str:
    """An enterprise name as compared: spaces, brackets and the company-form suffix dropped."""
    folded = re.sub(r"[\s（）()·]", "", name or "")
    return COMPANY_SUFFIXES.sub("", folded)


def _identity_matches(case: Case) -> list[SimilarityMatch]:
    """Other submitted cases of the same campaign from the same enterprise (统一社会信用代码, which
    is unique to one enterprise row) or from an enterprise of the same name, also as typed in
    完成单位: one case per enterprise (附件2). One query of the campaign's names."""
    names = {key for key in (enterprise_name_key(case.enterprise.name), enterprise_name_key(case.completing_unit)) if key}
    others = (Case.objects.filter(campaign_id=case.campaign_id).exclude(pk=case.pk).exclude(status=CaseStatus.DRAFT)
              .values_list("pk", "enterprise_id", "enterprise__name", "completing_unit"))
    matches = []
    for other_id, enterprise_id, enterprise_name, completing_unit in others.iterator(chunk_size=2000):
        if enterprise_id == case.enterprise_id:
            reason = "credit_code"
        elif names & {enterprise_name_key(enterprise_name), enterprise_name_key(completing_unit)} - {""}:
            reason = "name"
        else:
            continue
        matches.append(_match(case.pk, other_id, MatchKind.IDENTITY, 1.0, {"reason": reason}))
    return matches


def _match(case_id: int, other_id: int, kind: str, score: float, details: dict) -> SimilarityMatch:
    """A match stored lower id first: passages are flipped so that "a" is always `case`'s text."""
    if case_id > other_id:
        case_id, other_id = other_id, case_id
        details = {**details, "passages": [{**p, "a": p["b"], "b": p["a"]} for p in details.get("passages", [])]}
    return SimilarityMatch(case_id=case_id, other_id=other_id, kind=kind, score=score, details=details)


def index_case(case_id: int) -> IndexResult | None:
    """Index one case and record its matches (see the module docstring). None for a draft or a
    case that no longer exists (a draft belongs to its enterprise: it is neither indexed nor found)."""
    with transaction.atomic():
        case = (Case.objects.select_for_update(of=("self",)).select_related("enterprise", "campaign")
                .filter(pk=case_id).first())
        if case is None:
            return None
        if case.status == CaseStatus.DRAFT:
            forget_case(case)
            return None
        fingerprint = _store_text(case)
        photos = _store_photos(case)
        matches = text_matches(case, fingerprint) + _photo_matches(case, photos) + _identity_matches(case)
        SimilarityMatch.objects.filter(Q(case=case) | Q(other=case)).delete()
        # Another case indexed at the same moment may have written the same pair: keep one.
        SimilarityMatch.objects.bulk_create(matches, ignore_conflicts=True)
    return IndexResult(case_id=case.pk, source=fingerprint.source, matches=dict(Counter(match.kind for match in matches)))


def forget_case(case: Case) -> None:
    """Remove a case from the index and from every match (a case back in draft)."""
    SimilarityKey.objects.filter(case=case).delete()
    TextFingerprint.objects.filter(case=case).delete()
    PhotoFingerprint.objects.filter(case=case).delete()
    SimilarityMatch.objects.filter(Q(case=case) | Q(other=case)).delete()


def index_campaign(campaign_id: int) -> int:
    """Index every submitted case of a campaign (archived, imported); returns how many. Each case
    commits on its own, so a long run shows progress and a killed worker loses one case at most."""
    count = 0
    for case_id in Case.objects.filter(campaign_id=campaign_id).exclude(status=CaseStatus.DRAFT).order_by("pk").values_list("pk", flat=True):
        if index_case(case_id) is not None:
            count += 1
    return count
