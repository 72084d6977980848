"""The campaign archive: one streamed zip of everything the province keeps when the campaign ends.

Layout (names in Chinese, as the staff file them):
- `案例/<地区>/<地区名+单位名称+案例名称>/…`: each submitted case's electronic package
  (cases.documents.package) plus the winners' talk text, slides and video;
- `汇总表/<阶段>/<单位>/…`: every batch's generated summary tables and its signed scan;
- `评分/专家评分.csv`, `投票/选票.csv`, `投票/投票日志.csv`, `投票/可疑标记.csv`: scores and the
  ballots' audit (phones only as the keyed hashes the vote stores);
- `结果/评选结果.csv`, `结果/宣讲代表名单.xlsx`, `结果/微信群名称.csv`, `证书/<地区>/…pdf`;
- `工作总结/…`, `活动方案/…`: every tier's and co-organiser's summary and plan, by city; `流转记录.csv`: every case transition;
- `manifest.json` last: every other member with its size and SHA-256 (computed from the bytes as
  they were streamed), and every case with its folder.

Streamed with cases.documents.package.stream_zip: memory stays at about one chunk whatever the
size of the videos inside.
"""

from __future__ import annotations

import datetime
import hashlib
import io
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO

from django.db.models.fields.files import FieldFile
from django.utils import timezone

from cases.documents.naming import case_region, join_name, sanitize_name_part
from cases.documents.package import package_members, package_stem, stream_zip
from cases.enums import CaseStatus, OrganisationKind, Tier, UploadSlot
from cases.models import Campaign, Case, CaseTransition, Organisation, Upload
from cases.slots import WINNER_SLOTS
from review.closing.common import city_of_path, csv_bytes
from review.closing.programme import programme_xlsx
from review.closing.wechat import wechat_csv
from review.voting.fraud import RULE_LABELS, describe_flag

MANIFEST = "manifest.json"
WINNER_LABELS = {UploadSlot.TALK_TEXT: "宣讲文字材料", UploadSlot.SLIDES: "宣讲PPT", UploadSlot.VIDEO: "视频"}
TIER_FOLDERS = {Tier.ASSOCIATION: "园区企业科协", Tier.COUNTY: "县级科协", Tier.CITY: "市级科协"}


class _HashingReader:
    """Reads through to `raw`, hashing and counting what passes; records the result on close."""

    def __init__(self, raw: IO[bytes], on_close: Callable[[str, int], None]) -> None:
        self._raw, self._on_close = raw, on_close
        self._hash, self._size = hashlib.sha256(), 0

    def read(self, size: int = -1) -> bytes:
        data = self._raw.read(size)
        self._hash.update(data)
        self._size += len(data)
        return data

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self._raw.close()
        self._on_close(self._hash.hexdigest(), self._size)


@dataclass
class ArchiveMember:
    """A member of the archive: its path and how to open its bytes (never loaded whole unless generated)."""

    arcname: str
    opener: Callable[[], IO[bytes]]
    size_hint: int | None = None
    when: datetime.datetime | None = None
    manifest: dict | None = None  # the manifest rows, filled as the member is streamed

    @property
    def modified(self) -> datetime.datetime:
        return timezone.localtime(self.when or timezone.now())

    def open(self):
        def record(sha256: str, size: int) -> None:
            self.manifest[self.arcname] = {"size": size, "sha256": sha256}

        return _HashingReader(self.opener(), record)


def _storage_opener(field: FieldFile) -> Callable[[], IO[bytes]]:
    return lambda: field.storage.open(field.name, "rb")


def _bytes_opener(build: Callable[[], bytes]) -> Callable[[], IO[bytes]]:
    return lambda: io.BytesIO(build())


def archive_cases(campaign: Campaign):
    """The cases the archive holds: every case ever submitted (drafts were never part of the campaign)."""
    return (Case.objects.filter(campaign=campaign).exclude(status=CaseStatus.DRAFT)
            .select_related("enterprise__association__parent__parent").order_by("enterprise__association__path", "title", "pk"))


def case_folder(case: Case) -> str:
    return f"案例/{sanitize_name_part(case_region(case) or '其他')}/{sanitize_name_part(package_stem(case))}"


def _case_members(case: Case) -> Iterator[tuple[str, Callable[[], IO[bytes]], int | None, datetime.datetime | None]]:
    folder = case_folder(case)
    for member in package_members(case):
        source = member.source
        if isinstance(source, Upload):
            yield f"{folder}/{member.arcname}", _storage_opener(source.file), source.size, source.uploaded_at
        else:
            yield f"{folder}/{member.arcname}", _bytes_opener(source), None, None
    for upload in case.uploads.filter(slot__in=WINNER_SLOTS, superseded_at__isnull=True).order_by("slot", "uploaded_at"):
        extension = upload.original_name.rsplit(".", 1)[-1].lower() if "." in upload.original_name else ""
        name = join_name(case.title, WINNER_LABELS[upload.slot], extension=extension)
        yield f"{folder}/{name}", _storage_opener(upload.file), upload.size, upload.uploaded_at


def _batch_members(campaign: Campaign):
    from review.queries import batches_received_by_province

    # Only forwarded lists: one still being prepared was never handed to anybody (batches_visible_to).
    for batch in batches_received_by_province().filter(campaign=campaign).select_related("organisation").order_by("tier", "organisation__path", "sequence"):
        # 第1批 is the list, 第2批… its supplements (补报), as the list page names them.
        folder = f"汇总表/{TIER_FOLDERS.get(batch.tier, str(batch.tier))}/{sanitize_name_part(batch.organisation.name)}/第{batch.sequence}批"
        for field, label in ((batch.summary_docx, "汇总表.docx"), (batch.summary_xlsx, "汇总表.xlsx"),
                             (batch.signed_scan, "汇总表（盖章扫描版）.pdf")):
            if field:
                yield f"{folder}/{label}", _storage_opener(field), None, batch.forwarded_at or batch.created_at


def scores_csv(campaign: Campaign) -> bytes:
    from review.models import ExpertScore

    rows = (
        ExpertScore.objects.filter(assignment__case__campaign=campaign)
        .select_related("assignment__case", "assignment__expert").order_by("assignment__tier", "assignment__case_id", "pk")
    )
    criteria = {str(criterion.pk): criterion.name for criterion in campaign.criteria.all()}

    def points_text(points: dict) -> str:
        # {"4": 88, …} as "案例典型性 88；…": criterion names, not their database ids.
        return "；".join(f"{criteria.get(str(key), key)} {value}" for key, value in points.items())

    return csv_bytes(
        ["案例编号", "案例名称", "阶段", "专家", "总分", "各项得分", "评语", "提交时间"],
        ([s.assignment.case_id, s.assignment.case.title, s.assignment.get_tier_display(),
          s.assignment.expert.get_full_name() or s.assignment.expert.username, s.total, points_text(s.points),
          s.comment, timezone.localtime(s.submitted_at).isoformat()] for s in rows),
    )


def ballots_csv(campaign: Campaign) -> bytes:
    from review.models import Ballot

    ballots = Ballot.objects.filter(campaign=campaign).prefetch_related("choices").order_by("cast_at", "pk")
    return csv_bytes(
        ["回执号", "投票时间", "状态", "投票人（哈希）", "地址段", "设备（哈希）", "所选案例编号"],
        ([b.receipt, timezone.localtime(b.cast_at).isoformat(), b.get_status_display(), b.voter_hash, b.address_block,
          b.device_hash, " ".join(str(c.case_id) for c in sorted(b.choices.all(), key=lambda c: c.case_id))] for b in ballots),
    )


def ballot_log_csv(campaign: Campaign) -> bytes:
    from review.models import BallotLog

    entries = BallotLog.objects.filter(campaign=campaign).order_by("at", "pk")
    return csv_bytes(
        ["时间", "结果", "选票编号", "地址段", "设备（哈希）", "投票人（哈希）"],
        ([timezone.localtime(e.at).isoformat(), e.get_outcome_display(), e.ballot_id or "", e.address_block, e.device_hash,
          e.voter_hash] for e in entries),
    )


def flags_csv(campaign: Campaign) -> bytes:
    from review.models import SuspicionFlag

    flags = list(SuspicionFlag.objects.filter(ballot__campaign=campaign).order_by("detected_at", "pk"))
    titles = dict(Case.objects.filter(campaign=campaign).values_list("pk", "title"))
    return csv_bytes(
        ["选票编号", "规则", "详情", "发现时间"],
        ([f.ballot_id, str(RULE_LABELS.get(f.rule, f.rule)), describe_flag(f.rule, f.detail, titles),
          timezone.localtime(f.detected_at).isoformat()] for f in flags),
    )


def results_csv(campaign: Campaign) -> bytes:
    from review.models import SelectionEntry

    entries = (SelectionEntry.objects.filter(selection__campaign=campaign)
               .select_related("case__enterprise__association__parent__parent").order_by("rank"))
    return csv_bytes(
        ["名次", "案例编号", "地区", "案例名称", "单位", "专家得分", "有效票数", "综合得分", "优秀案例", "宣讲代表"],
        ([e.rank, e.case_id, case_region(e.case), e.case.title, e.case.completing_unit or e.case.enterprise.name,
          "" if e.expert_score is None else round(e.expert_score, 2), e.votes, round(e.final_score, 4),
          "是" if e.is_winner else "否", "是" if e.is_presenter else "否"] for e in entries),
    )


def transitions_csv(campaign: Campaign) -> bytes:
    rows = CaseTransition.objects.filter(case__campaign=campaign).select_related("case", "actor").order_by("created_at", "pk")
    return csv_bytes(
        ["时间", "案例编号", "案例名称", "从", "到", "操作人", "理由"],
        ([timezone.localtime(t.created_at).isoformat(), t.case_id, t.case.title, CaseStatus(t.from_status).label,
          CaseStatus(t.to_status).label, (t.actor.get_full_name() or t.actor.username) if t.actor else "", t.reason] for t in rows),
    )


def _certificate_members(campaign: Campaign):
    from review.models import Certificate
    from review.selection.certificates import certificate_filename, render_certificate

    for certificate in Certificate.objects.filter(campaign=campaign).select_related(
        "campaign", "case__enterprise__association__parent__parent"
    ).order_by("number"):
        folder = sanitize_name_part(case_region(certificate.case) or "其他")
        yield (f"证书/{folder}/{certificate_filename(certificate)}",
               _bytes_opener(lambda c=certificate: render_certificate(c)), None, None)


def _summary_members(campaign: Campaign):
    """Every tier's and co-organiser's current 活动方案 and 工作总结: `工作总结/<市>/<单位>+工作总结.docx`
    (a city's own in its folder too; co-organisers in `工作总结/协办单位/`)."""
    from review.closing.work_documents import current_documents  # it imports deadlines and uploads: only here

    cities = {city.pk: city for city in Organisation.objects.filter(kind=OrganisationKind.CITY)}
    for (kind, _key), document in sorted(current_documents(campaign).items()):
        label = "活动方案" if kind == "plan" else "工作总结"
        extension = document.original_name.rsplit(".", 1)[-1].lower() if "." in document.original_name else "docx"
        holder = document.holder
        if document.organisation_id:
            city = cities.get(city_of_path(holder.path))
            folder = sanitize_name_part(city.region or city.name) if city else "其他"
        else:
            folder = "协办单位"
        name = f"{sanitize_name_part(holder.name)}+{label}.{extension}"
        yield f"{label}/{folder}/{name}", _storage_opener(document.file), document.size, document.uploaded_at


def archive_filename(campaign: Campaign) -> str:
    return join_name(campaign.title, "归档", extension="zip")


def archive_members(campaign: Campaign, *, generated_by: str = "") -> Iterator[ArchiveMember]:
    """Every member, the manifest last. Lazy: each query runs when the stream reaches it."""
    manifest: dict[str, dict] = {}
    cases_listed: list[dict] = []
    seen: set[str] = set()

    def member(arcname, opener, size_hint=None, when=None) -> ArchiveMember | None:
        if arcname.lower() in seen:  # two uploads mapping to one name: keep both, numbered
            stem, dot, ext = arcname.rpartition(".")
            counter = 2
            while f"{stem}（{counter}）{dot}{ext}".lower() in seen:
                counter += 1
            arcname = f"{stem}（{counter}）{dot}{ext}"
        seen.add(arcname.lower())
        return ArchiveMember(arcname, opener, size_hint, when, manifest)

    for case in archive_cases(campaign):
        cases_listed.append({"id": case.pk, "title": case.title, "region": case_region(case), "status": case.status,
                             "folder": case_folder(case)})
        for arcname, opener, size_hint, when in _case_members(case):
            yield member(arcname, opener, size_hint, when)
    for arcname, opener, size_hint, when in _batch_members(campaign):
        yield member(arcname, opener, size_hint, when)
    tables = [
        ("评分/专家评分.csv", scores_csv), ("投票/选票.csv", ballots_csv), ("投票/投票日志.csv", ballot_log_csv),
        ("投票/可疑标记.csv", flags_csv), ("结果/评选结果.csv", results_csv), ("结果/宣讲代表名单.xlsx", programme_xlsx),
        ("结果/微信群名称.csv", wechat_csv), ("流转记录.csv", transitions_csv),
    ]
    for arcname, build in tables:
        yield member(arcname, _bytes_opener(lambda build=build: build(campaign)))
    for arcname, opener, size_hint, when in _certificate_members(campaign):
        yield member(arcname, opener, size_hint, when)
    for arcname, opener, size_hint, when in _summary_members(campaign):
        yield member(arcname, opener, size_hint, when)

    def build_manifest() -> bytes:
        document = {
            "campaign": {"id": campaign.pk, "year": campaign.year, "title": campaign.title,
                         "closed_at": campaign.closed_at.isoformat() if campaign.closed_at else None},
            "generated_at": timezone.localtime().isoformat(), "generated_by": generated_by,
            "cases": cases_listed,
            "members": [{"name": name, **facts} for name, facts in manifest.items()],
        }
        return json.dumps(document, ensure_ascii=False, indent=1).encode("utf-8")

    yield ArchiveMember(MANIFEST, _bytes_opener(build_manifest), None, None, {})


def stream_archive(campaign: Campaign, *, generated_by: str = "") -> Iterator[bytes]:
    return stream_zip(archive_members(campaign, generated_by=generated_by))
