"""Issue 13 item 10: the note “已上传…正在检查” above a slot followed by “1 处须修改” stayed green.
It now turns into the check's verdict in the verdict's colour once the check has run."""

import datetime

import pytest

from cases.enums import Role, UploadSlot
from tests import factories
from tests.browser.conftest import screenshot, sign_in
from tests.validation.builders import CASE_NAME, camera_photos

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

BEIJING = datetime.timezone(datetime.timedelta(hours=8))


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING))


def upload(page, slot: str, path) -> str:
    form = page.locator(f"#slot-{slot} form[data-upload-form]")
    form.locator("input[type=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()
    page.locator(f"#slot-{slot} .file-name a", has_text=path.name).wait_for(timeout=60_000)
    page.wait_for_selector(f"#slot-{slot} .upload-message")
    page.wait_for_selector(f"#slot-{slot} .file .check:not(.check-running)", timeout=60_000)
    return f"#slot-{slot} .upload-message"


def test_the_upload_note_turns_red_with_problems_and_green_when_the_file_passes(page, live_server, tmp_path):
    enterprise = factories.enterprise(name="山西示例科技有限公司")
    case = factories.case(enterprise, title=CASE_NAME)
    factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise, username="qy")
    small = tmp_path / "small.jpg"
    small.write_bytes(factories.jpeg_bytes())
    good = tmp_path / f"{CASE_NAME}+企业外景.jpg"
    good.write_bytes(camera_photos()[0])
    sign_in(page, live_server, "qy")
    page.goto(f"{live_server.url}/cases/{case.pk}/files/")

    note = page.locator(upload(page, UploadSlot.PHOTO_EXTERIOR, small))

    assert page.locator("#slot-photo_exterior .file-name .check").inner_text().endswith("处须修改")
    assert note.get_attribute("class") == "message upload-message error"
    assert note.inner_text() == "“small.jpg”已上传，检查完成：有须修改的问题，见下方。"
    screenshot(page, "upload-note-problems")

    note = page.locator(upload(page, UploadSlot.PHOTO_EXTERIOR, good))

    assert page.locator("#slot-photo_exterior .file-name .check").inner_text() == "符合要求"
    assert note.get_attribute("class") == "message upload-message"
    assert note.inner_text() == f"“{CASE_NAME}+企业外景.jpg”已上传，检查完成：符合要求。"
