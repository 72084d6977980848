"""Headless Chromium: a winner sends its video through the resumable uploader (chunks, checksums,
progress); the province's dashboard on a desktop and a phone (screenshots to look at)."""

import datetime
import hashlib
import os

import pytest

from cases.enums import CaseStatus, Role, UploadSlot
from cases.models import Upload
from tests import factories
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2024, 9, 5, 10, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    factories.freeze_now(monkeypatch, NOW)



def test_a_winner_uploads_its_video_in_chunks(page, live_server, tmp_path):
    county = factories.county(factories.city("太原市"))
    enterprise = factories.enterprise(factories.park(county), name="山西示范智能装备有限公司")
    case = factories.case(enterprise, title="焊接机器人柔性产线创新", status=CaseStatus.WINNER)
    factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise, username="w1")
    video = tmp_path / "焊接机器人柔性产线创新+视频.mp4"
    data = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + os.urandom(20 * 1024 * 1024)
    video.write_bytes(data)
    sign_in(page, live_server, "w1")
    page.goto(f"{live_server.url}/cases/{case.pk}/")
    page.click("text=获奖案例材料 >> nth=-1")
    form = page.locator("#slot-video form")
    form.locator("input[type=file]").set_input_files(str(video))
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#slot-video .upload-message", timeout=60000)
    screenshot(page, "closing-winner-upload")
    upload = Upload.objects.get(case=case, slot=UploadSlot.VIDEO)
    assert (upload.size, upload.sha256) == (len(data), hashlib.sha256(data).hexdigest())
    assert "已上传" in page.locator("#slot-video .upload-message").inner_text()


def test_the_dashboard_reads_at_a_glance_on_desktop_and_phone(page, phone_page, live_server):
    for region, count in (("太原市", 12), ("大同市", 15), ("朔州市", 2), ("长治市", 9)):
        county = factories.county(factories.city(region))
        park = factories.park(county)
        for index in range(count):
            factories.case(factories.enterprise(park), status=CaseStatus.PROVINCE_REVIEW if index % 3 else CaseStatus.CITY_REVIEW,
                           is_presenter_candidate=index == 0)
    factories.user(Role.PROVINCE_STAFF, organisation_=factories.province(), username="p1")
    for browser_page, name in ((page, "closing-dashboard-desktop"), (phone_page, "closing-dashboard-phone")):
        sign_in(browser_page, live_server, "p1")
        browser_page.goto(f"{live_server.url}/review/province/closing/dashboard/")
        assert browser_page.locator("svg.chart-svg").count() == 4
        screenshot(browser_page, name)
