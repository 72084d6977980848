"""The review page shows each file's check results as reviewers read them: the message, not the
rule code (kept in title="" for support), and a verdict beside “已检查”."""

import re

import pytest
from django.urls import reverse

from cases.checks import check_upload
from cases.enums import CaseStatus, Role, UploadSlot
from cases.models import Campaign
from tests import factories
from tests.validation.builders import camera_photos


@pytest.fixture
def submitted_case_and_reviewer(db):
    park = factories.park(factories.county(factories.city("太原市")))
    enterprise = factories.enterprise(park, name="山西示例科技有限公司")
    case = factories.case(enterprise, status=CaseStatus.SUBMITTED, title="煤矸石综合利用新工艺")
    case.campaign = Campaign.objects.get(year=2024)
    case.save()
    reviewer = factories.user(Role.ASSOCIATION_STAFF, organisation_=park, username="park-reviewer")
    return case, reviewer, park


def review_page(client, case, reviewer, organisation) -> str:
    client.force_login(reviewer)
    response = client.get(reverse("review:case_review", args=[case.pk]), {"org": organisation.pk})
    assert response.status_code == 200
    return response.content.decode()


def visible_text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_findings_show_the_message_and_keep_the_rule_code_only_as_a_title(client, submitted_case_and_reviewer):
    case, reviewer, park = submitted_case_and_reviewer
    exterior, _, _ = camera_photos()
    upload = check_upload(factories.upload(case, UploadSlot.PHOTO_EXTERIOR, exterior, "c7_ext.jpg", state="pending").pk)

    page = review_page(client, case, reviewer, park)

    assert "文件名“c7_ext.jpg”不符合“煤矸石综合利用新工艺+企业外景”的要求。" in page
    assert 'title="photo.name"' in page
    assert "photo.name" not in visible_text(page)
    assert f"已检查：{upload.error_count} 个错误、{upload.warning_count} 个警告" in page
    assert upload.warning_count >= 1


def test_a_file_without_problems_is_shown_as_passed(client, submitted_case_and_reviewer):
    case, reviewer, park = submitted_case_and_reviewer
    exterior, _, _ = camera_photos()
    upload = check_upload(
        factories.upload(case, UploadSlot.PHOTO_EXTERIOR, exterior, "煤矸石综合利用新工艺+企业外景.jpg", state="pending").pk
    )
    assert (upload.error_count, upload.warning_count) == (0, 0)

    page = review_page(client, case, reviewer, park)

    assert "已检查：通过" in page
    assert "个错误" not in page


def test_a_file_still_being_checked_says_so(client, submitted_case_and_reviewer):
    case, reviewer, park = submitted_case_and_reviewer
    factories.upload(case, UploadSlot.PHOTO_EXTERIOR, camera_photos()[0], "x.jpg", state="pending")

    page = review_page(client, case, reviewer, park)

    assert "已检查" not in page
    assert "等待检查" in page


def test_a_broken_file_reads_in_chinese_with_the_library_text_folded_away(client, submitted_case_and_reviewer):
    """Issue 13 item 7: a truncated PDF scan says 文件已损坏; pypdf's English is the 技术信息 line."""
    case, reviewer, park = submitted_case_and_reviewer
    scan = factories.pdf_bytes()
    check_upload(factories.upload(case, UploadSlot.FORM_SCAN, scan[: len(scan) // 2], "推荐表盖章.pdf", state="pending").pk)

    page = review_page(client, case, reviewer, park)

    assert "文件无法作为 PDF 读取：文件已损坏。" in page
    details = re.search(r'<details class="tech-detail"><summary>技术信息</summary><code>([^<]+)</code></details>', page)
    assert details and details.group(1).startswith("PdfStreamError: ")
    assert page.count("PdfStreamError") == 1  # only inside the folded line, never in the message
