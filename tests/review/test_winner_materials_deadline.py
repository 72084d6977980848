"""The winners' materials (附件1 七、八: talk text, slides, video) have a deadline that is campaign
data: a countdown on the enterprise's pages, reminders, files after it kept and marked late, and an
extension for one enterprise like every other stage (cases.deadlines.stage_window)."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from docx import Document

from cases.deadlines import winner_materials_window
from cases.enums import CaseStatus, Role, Stage, UploadSlot
from review.models import Selection, SelectionEntry
from review.reminders import send_deadline_reminders
from review.services import extend_deadline
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
BEFORE = datetime.datetime(2024, 10, 28, 9, 0, tzinfo=BEIJING)  # 3 days before 10-31
AFTER = datetime.datetime(2024, 11, 2, 9, 0, tzinfo=BEIJING)


@pytest.fixture
def winner():
    campaign = world.campaign()
    campaign.winner_materials_deadline = datetime.date(2024, 10, 31)
    campaign.save()
    case = world.city_case("太原市", title="焊接机器人柔性产线创新", status=CaseStatus.WINNER)
    selection = Selection.objects.create(campaign=campaign)
    SelectionEntry.objects.create(selection=selection, case=case, rank=1, is_winner=True, is_presenter=True)
    return case


def test_the_window_counts_down_to_the_campaigns_day_and_then_is_passed(winner):
    before, after = winner_materials_window(winner, BEFORE), winner_materials_window(winner, AFTER)

    assert (before.is_open, before.last_day, before.days_left) == (True, datetime.date(2024, 10, 31), 4)
    assert after.deadline_passed
    assert after.still_possible == "现在提交的文件仍会接收，但标记为逾期。如需更多时间，请向省科技创新服务中心申请延期。"


def test_without_a_day_there_is_no_countdown_and_nothing_is_late(winner, monkeypatch):
    winner.campaign.winner_materials_deadline = None
    winner.campaign.save()
    factories.freeze_now(monkeypatch, AFTER)
    factories.upload(winner, UploadSlot.TALK_TEXT, factories.docx_bytes("宣讲"), "宣讲.docx")

    window = winner_materials_window(winner, AFTER)

    assert (window.is_open, window.counts_down) == (True, False)


def test_a_file_after_the_deadline_is_kept_and_marked_late_on_the_winners_page_and_the_programme(winner, client, monkeypatch):
    factories.freeze_now(monkeypatch, BEFORE)
    factories.upload(winner, UploadSlot.TALK_TEXT, factories.docx_bytes("让焊花绽放", "正文"), "宣讲.docx")
    factories.freeze_now(monkeypatch, AFTER)
    factories.upload(winner, UploadSlot.SLIDES, b"PK\x03\x04 slides", "宣讲.pptx")
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=winner.enterprise))

    page = client.get(reverse("cases:winner_files", args=[winner.pk])).content.decode()
    client.force_login(world.province_staff())
    document = Document(io.BytesIO(client.get(reverse("review:closing_programme_export", args=["docx"])).content))

    talk_slot = page.split('id="slot-talk_text"')[1].split("</section>")[0]
    slides_slot = page.split('id="slot-slides"')[1].split("</section>")[0]
    assert "逾期" not in talk_slot and 'class="badge warn late">逾期' in slides_slot
    assert "截止时间（2024年10月31日 24:00，北京时间）已过。" in page
    row = [cell.text for cell in document.tables[0].rows[1].cells]
    assert row[5].endswith("）") and "逾期" not in row[5]
    assert row[6].startswith("宣讲.pptx（") and row[6].endswith("（逾期）")


def test_an_extension_for_the_enterprise_moves_its_deadline_and_clears_the_late_mark(winner, monkeypatch, mailoutbox,
                                                                                      django_capture_on_commit_callbacks):
    member = factories.user(Role.ENTERPRISE_USER, enterprise_=winner.enterprise)
    member.email = "winner@example.com"
    member.save()
    factories.freeze_now(monkeypatch, AFTER)
    factories.upload(winner, UploadSlot.VIDEO, b"\x00\x00\x00\x18ftypmp42", "视频.mp4")

    with django_capture_on_commit_callbacks(execute=True):
        extend_deadline(campaign=winner.campaign, tier=Stage.WINNER_MATERIALS, closes_on=datetime.date(2024, 11, 10),
                        reason="视频重新拍摄", actor=world.province_staff(), enterprise=winner.enterprise)

    window = winner_materials_window(winner, AFTER)
    assert (window.is_open, window.last_day) == (True, datetime.date(2024, 11, 10))
    assert [message.to for message in mailoutbox] == [["winner@example.com"]]
    assert "2024-11-10" in mailoutbox[0].body and "优秀案例材料" in mailoutbox[0].body


def test_winners_missing_a_file_are_reminded_3_days_before(winner, mailoutbox):
    member = factories.user(Role.ENTERPRISE_USER, enterprise_=winner.enterprise)
    member.email = "winner@example.com"
    member.save()
    complete = world.city_case("大同市", title="已交齐", status=CaseStatus.WINNER)
    other = factories.user(Role.ENTERPRISE_USER, enterprise_=complete.enterprise)
    other.email = "done@example.com"
    other.save()
    for slot, name in ((UploadSlot.TALK_TEXT, "a.docx"), (UploadSlot.SLIDES, "b.pptx"), (UploadSlot.VIDEO, "c.mp4")):
        factories.upload(complete, slot, b"x", name)

    send_deadline_reminders(now=BEFORE)

    winner_mails = [message for message in mailoutbox if "优秀案例材料" in message.subject]
    assert [message.to for message in winner_mails] == [["winner@example.com"]]
    assert "2024-10-31" in winner_mails[0].subject


def test_the_deadline_cannot_be_before_the_cities_forward():
    campaign = world.campaign()
    campaign.winner_materials_deadline = datetime.date(2024, 9, 1)

    with pytest.raises(ValidationError) as refused:
        campaign.full_clean()

    assert refused.value.message_dict["winner_materials_deadline"] == [
        "优秀案例在各市报送名单（2024-09-14）之后才评出：请选择更晚的日期。"]
