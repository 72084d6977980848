"""一键修正格式 in the portal (issue 18): asking, the worker's run behind the file's own check,
the changes page, accepting into the slot as a new version or discarding; reviewers' 宣传性 mark
in the inbox and the marked passages on the case page."""

from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse

from cases.checks import check_upload
from cases.enums import CaseStatus, Role, UploadSlot, ValidationState
from cases.models import FixDecision, NarrativeFix, Upload
from cases.narrative_fixes import FixRefused, accept_narrative_fix, request_narrative_fix, run_narrative_fix
from tests import factories
from tests.validation.bad_narratives import body_in_xiao_si_direct
from tests.validation.builders import conforming_narrative_with_photos, open_docx, save_docx

UNIT = "山西示例科技有限公司"
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def world(db, monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)  # the enterprise's stage of the 2024 campaign is open
    park = factories.park(factories.county(factories.city("太原市")))
    enterprise = factories.enterprise(park, name=UNIT)
    case = factories.case(enterprise, title="煤矸石综合利用新工艺", completing_unit=UNIT)
    member = factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise)
    reviewer = factories.user(Role.ASSOCIATION_STAFF, organisation_=park)
    return case, member, reviewer, park


def checked_narrative(case, data: bytes, name: str = "案例概要.docx") -> Upload:
    return check_upload(factories.upload(case, UploadSlot.NARRATIVE, data, name, state="pending").pk)


@pytest.fixture
def no_previews(monkeypatch):
    monkeypatch.setattr("cases.narrative_fixes._first_page", lambda document, folder: None)


def test_the_enterprise_fixes_sees_the_changes_and_accepts_a_new_version(client, world, django_capture_on_commit_callbacks):
    case, member, _reviewer, _park = world
    source = checked_narrative(case, body_in_xiao_si_direct())
    assert "narrative.body_size" in [f["rule"] for f in source.findings]
    client.force_login(member)
    files_page = client.get(reverse("cases:case_files", args=[case.pk])).content.decode()
    assert "一键修正格式" in files_page

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("cases:fix_request", args=[case.pk]))
    fix = NarrativeFix.objects.get(case=case)
    page = client.get(response["Location"]).content.decode()

    assert (fix.state, fix.source_id, fix.findings) == (ValidationState.DONE, source.pk, [])
    assert "正文 8 段：字号 小四（12磅）→四号" in page
    assert "无需再处理：修正后的案例概要符合通知的全部格式要求。" in page
    assert bool(fix.preview_before) and bool(fix.preview_after)  # first pages rendered by LibreOffice
    assert client.get(reverse("cases:fix_preview", args=[case.pk, fix.pk, "after"]))["Content-Type"] == "image/png"

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("cases:fix_accept", args=[case.pk, fix.pk]))

    current = Upload.objects.get(case=case, slot=UploadSlot.NARRATIVE, superseded_at__isnull=True)
    assert current.original_name == "案例概要（格式已修正）.docx"
    assert Upload.objects.get(pk=source.pk).superseded_at is not None
    assert (current.validation_state, current.findings) == (ValidationState.DONE, [])
    fix.refresh_from_db()
    assert (fix.decision, fix.accepted_upload_id) == (FixDecision.ACCEPTED, current.pk)


def test_a_file_its_check_found_unopenable_is_never_opened_by_the_fixer(world, monkeypatch):
    case, member, _reviewer, _park = world
    source = factories.upload(case, UploadSlot.NARRATIVE, body_in_xiao_si_direct(), "案例概要.docx",
                              findings=[{"rule": "docx.unreadable", "severity": "error", "message": "文件无法作为 Word 文档读取。", "fix": "请另存为 .docx。"}])
    fix = NarrativeFix.objects.create(case=case, source=source, requested_by=member)
    opened = []
    monkeypatch.setattr("cases.narrative_fixes.fix_narrative_file", lambda *args, **kwargs: opened.append(args))

    assert run_narrative_fix(fix.pk) == ValidationState.FAILED

    fix.refresh_from_db()
    assert opened == []
    assert fix.problem.startswith("文件“案例概要.docx”（案例概要（Word））未被打开：文件无法作为 Word 文档读取。")


def test_nothing_to_fix_is_refused_and_not_offered(client, world):
    case, member, _reviewer, _park = world
    checked_narrative(case, conforming_narrative_with_photos())
    client.force_login(member)

    assert "一键修正格式" not in client.get(reverse("cases:case_files", args=[case.pk])).content.decode()
    with pytest.raises(FixRefused):
        request_narrative_fix(case=case, actor=member)


def test_asking_twice_gives_the_same_open_fix(world, no_previews):
    case, member, _reviewer, _park = world
    checked_narrative(case, body_in_xiao_si_direct())

    first = request_narrative_fix(case=case, actor=member)
    second = request_narrative_fix(case=case, actor=member)

    assert first.pk == second.pk and NarrativeFix.objects.count() == 1


def test_a_reviewer_asks_and_reads_the_fix_but_only_the_enterprise_accepts(client, world, no_previews):
    case, _member, reviewer, park = world
    checked_narrative(case, body_in_xiao_si_direct())
    case.status = CaseStatus.SUBMITTED
    case.save()
    client.force_login(reviewer)
    review_page = client.get(reverse("review:case_review", args=[case.pk]), {"org": park.pk}).content.decode()
    assert "一键修正格式" in review_page

    fix = request_narrative_fix(case=case, actor=reviewer)
    run_narrative_fix(fix.pk)
    page = client.get(reverse("cases:fix_detail", args=[case.pk, fix.pk])).content.decode()

    assert "下载修正后的文件" in page and "接受：作为新版本放入该栏" not in page
    with pytest.raises(Exception) as refused:
        accept_narrative_fix(fix=fix, actor=reviewer)
    assert str(refused.value) == "只有该案例所属企业的用户才能修改。"


def test_another_enterprise_cannot_see_a_fix(client, world, no_previews):
    case, member, _reviewer, _park = world
    checked_narrative(case, body_in_xiao_si_direct())
    fix = request_narrative_fix(case=case, actor=member)
    stranger = factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise())
    client.force_login(stranger)

    assert client.get(reverse("cases:fix_detail", args=[case.pk, fix.pk])).status_code == 404
    assert client.get(reverse("cases:fix_download", args=[case.pk, fix.pk])).status_code == 404


def test_promotional_narrative_is_marked_in_the_inbox_and_its_passages_on_the_case_page(client, world):
    case, _member, reviewer, park = world
    document = open_docx(conforming_narrative_with_photos())
    next(p for p in document.paragraphs if p.text.startswith("总结可复制")).runs[0].text = "欢迎新老客户来电咨询，24小时服务热线：400-123-4567。"
    upload = checked_narrative(case, save_docx(document))
    plain = factories.case(case.enterprise, title="另一个案例", status=CaseStatus.SUBMITTED)
    checked_narrative(plain, conforming_narrative_with_photos())
    case.status = CaseStatus.SUBMITTED
    case.save()
    client.force_login(reviewer)

    inbox = client.get(reverse("review:inbox"), {"org": park.pk}).content.decode()
    review = client.get(reverse("review:case_review", args=[case.pk]), {"org": park.pk}).content.decode()

    assert upload.advertising is True
    assert inbox.count('class="badge ad-badge"') == 1
    rows = inbox.split("<tr>")
    assert "宣传性" in next(row for row in rows if case.title in row)
    assert "宣传性" not in next(row for row in rows if plain.title in row)
    assert '<mark class="ad-sign" title="联系方式">服务热线</mark>' in review
    assert '<mark class="ad-sign" title="招揽购买或合作">欢迎新老客户来电</mark>' in review


def test_the_enterprise_sees_the_warning_with_the_reason_before_submitting(client, world):
    case, member, _reviewer, _park = world
    document = open_docx(conforming_narrative_with_photos())
    next(p for p in document.paragraphs if p.text.startswith("总结可复制")).runs[0].text = "本产品是国内唯一一款同类设备，欢迎来电订购。"
    checked_narrative(case, save_docx(document))
    client.force_login(member)

    overview = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    files = client.get(reverse("cases:case_files", args=[case.pk])).content.decode()

    assert "您的案例概要中有读起来像企业宣传的文字" in overview
    assert '<mark class="ad-sign" title="绝对化用语">国内唯一</mark>' in files
    assert "把标出的文字改写成故事的一部分" in files
