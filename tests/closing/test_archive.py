"""The campaign archive of a seeded campaign, read back with zipfile: every member in the manifest
with a matching SHA-256, every case present, the tables holding the scores, ballots and results."""

import csv
import datetime
import hashlib
import io
import json
import zipfile

import pytest
from django.core.files.base import ContentFile
from django.urls import reverse

from cases.enums import AuditAction, CaseStatus, Tier, UploadSlot
from cases.models import AuditEvent
from review.closing.archive import MANIFEST, case_folder, stream_archive
from review.models import Batch, BatchStatus, Certificate, Selection, SelectionEntry
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2024, 11, 20, 10, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    factories.freeze_now(monkeypatch, NOW)


def seeded_campaign():
    campaign = world.campaign()
    winner = world.city_case("太原市", title="焊接机器人柔性产线创新")
    other = world.city_case("大同市", title="煤矸石综合利用新工艺")
    world.score_case(winner, [90, 80])
    for case, status in ((winner, CaseStatus.WINNER), (other, CaseStatus.NOT_WINNER)):
        case.status = status
        case.save(update_fields=["status"])
    returned = factories.complete_case(title="被退回的案例")
    returned.status = CaseStatus.RETURNED
    returned.save(update_fields=["status"])
    draft = factories.case(title="从未提交的草稿")
    for case in (winner, other):
        factories.upload(case, UploadSlot.NARRATIVE, factories.docx_bytes("案例概要"), "案例概要.docx")
        factories.upload(case, UploadSlot.PHOTO_EXTERIOR, factories.jpeg_bytes(), "外景.jpg")
    factories.upload(winner, UploadSlot.VIDEO, b"\x00\x00\x00\x18ftypmp42" + b"\x01" * 5000, "焊接机器人柔性产线创新+视频.mp4")
    factories.upload(winner, UploadSlot.SLIDES, b"PK\x03\x04slides", "宣讲.pptx")
    batch = Batch.objects.create(campaign=campaign, organisation=factories.city("太原市"), tier=Tier.CITY,
                                 status=BatchStatus.FORWARDED, forwarded_at=NOW)
    batch.summary_docx.save("x", ContentFile(factories.docx_bytes("汇总表")), save=False)
    batch.signed_scan.save("x", ContentFile(factories.pdf_bytes("盖章")), save=False)
    batch.save()
    world.add_votes(winner, 3)
    world.add_votes(other, 1, status="quarantined")
    selection = Selection.objects.create(campaign=campaign)
    SelectionEntry.objects.create(selection=selection, case=winner, rank=1, is_winner=True, is_presenter=True, votes=3, final_score=0.9)
    SelectionEntry.objects.create(selection=selection, case=other, rank=2, votes=0, final_score=0.5)
    Certificate.objects.create(case=winner, campaign=campaign, number="SX2024-001", case_title=winner.title,
                               unit_name=winner.enterprise.name, issued_on=NOW.date())
    return campaign, [winner, other, returned], draft


def test_the_archive_of_a_seeded_campaign_reads_back_complete():
    campaign, cases, draft = seeded_campaign()
    data = b"".join(stream_archive(campaign, generated_by="staff"))
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert archive.testzip() is None
    names = archive.namelist()
    assert names[-1] == MANIFEST
    manifest = json.loads(archive.read(MANIFEST))
    listed = {member["name"]: member for member in manifest["members"]}
    # Every member but the manifest is listed, with the SHA-256 and size of its bytes.
    assert set(listed) == set(names) - {MANIFEST}
    for name in listed:
        content = archive.read(name)
        assert (listed[name]["sha256"], listed[name]["size"]) == (hashlib.sha256(content).hexdigest(), len(content)), name
    # Every submitted case is present, with its folder; the never-submitted draft is not.
    assert sorted(entry["id"] for entry in manifest["cases"]) == sorted(case.pk for case in cases)
    for case in cases:
        assert any(name.startswith(case_folder(case) + "/") for name in names), case.title
    assert not any(draft.title in name for name in names)
    winner = cases[0]
    video = next(name for name in names if name.endswith("焊接机器人柔性产线创新+视频.mp4"))
    assert video.startswith(case_folder(winner) + "/") and archive.read(video).startswith(b"\x00\x00\x00\x18ftyp")
    assert any(name.startswith("汇总表/市级科协/") and "/第1批/" in name and name.endswith("汇总表（盖章扫描版）.pdf") for name in names)
    assert any(name.startswith("证书/太原市/SX2024-001") for name in names)

    def table(name):
        return list(csv.reader(io.StringIO(archive.read(name).decode("utf-8-sig"))))

    scores = table("评分/专家评分.csv")
    assert sorted(row[4] for row in scores[1:]) == ["80.00", "90.00"]
    criterion = campaign.criteria.order_by("pk").first().name
    assert all(row[5].startswith(criterion + " ") and "{" not in row[5] for row in scores[1:])  # names, not ids
    assert all(cell.isascii() is False for cell in scores[0])  # Chinese headers only
    ballots = table("投票/选票.csv")
    assert len(ballots) == 5 and sorted(row[2] for row in ballots[1:]).count("有效") == 3
    results = table("结果/评选结果.csv")
    assert [row[3] for row in results[1:]] == ["焊接机器人柔性产线创新", "煤矸石综合利用新工艺"]
    assert results[1][8:] == ["是", "是"]
    assert "结果/宣讲代表名单.xlsx" in names and "结果/微信群名称.csv" in names and "流转记录.csv" in names


def test_the_archive_download_is_streamed_and_logged(client):
    campaign, cases, _draft = seeded_campaign()
    staff = world.province_staff()
    client.force_login(staff)
    response = client.get(reverse("review:closing_archive"))
    assert response.streaming and response["Content-Type"] == "application/zip"
    archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
    assert len(json.loads(archive.read(MANIFEST))["cases"]) == 3
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_DOWNLOADED)
    assert event.actor == staff and event.details == {"export": "archive.zip"}


def test_the_archive_holds_forwarded_lists_only(client):
    """A list still being prepared was never handed up (issue 11, defect 3): its tables and scan stay
    out of the province's archive, as they stay out of every page above its organisation."""
    campaign, _cases, _draft = seeded_campaign()
    park = factories.park(factories.county(factories.city("大同市")), name="未报送园区科协")
    open_list = Batch.objects.create(campaign=campaign, organisation=park, tier=Tier.ASSOCIATION)
    open_list.signed_scan.save("x", ContentFile(factories.pdf_bytes("未报送")), save=False)
    open_list.save()
    names = zipfile.ZipFile(io.BytesIO(b"".join(stream_archive(campaign, generated_by="staff")))).namelist()
    assert [name for name in names if name.startswith("汇总表/")] == [
        name for name in names if name.startswith("汇总表/市级科协/")]
    assert not any("未报送园区科协" in name for name in names)
