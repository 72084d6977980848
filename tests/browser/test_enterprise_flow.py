"""Headless Chromium: an enterprise creates its case, fills the form (autosave, a kept draft),
uploads files watching the progress bar, reads the findings, submits and downloads the package."""

import datetime
import io
import re
import zipfile

import pytest
from playwright.sync_api import expect

from cases.enums import CaseStatus, Role, UploadSlot
from cases.models import Case, CaseTransition, Upload
from tests import factories
from tests.browser.conftest import screenshot, sign_in
from tests.validation.builders import CASE_NAME, UNIT_NAME, camera_photos, conforming_narrative_with_photos, pdf_bytes, scan_page_image

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)



def upload_in_slot(page, slot: str, path) -> None:
    form = page.locator(f"#slot-{slot} form[data-upload-form]")
    form.locator("input[type=file]").set_input_files(str(path))
    form.locator("button[type=submit]").click()


def test_enterprise_prepares_submits_and_downloads_its_case(page, live_server, tmp_path):
    enterprise = factories.enterprise(factories.park(factories.county(name="小店区科学技术协会")), name=UNIT_NAME)
    factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise, username="qiye-flow")
    exterior, product, scene = camera_photos()
    files = {
        "small.jpg": factories.jpeg_bytes(),
        f"{CASE_NAME}+企业外景.jpg": exterior, f"{CASE_NAME}+实物图.jpg": product, f"{CASE_NAME}+场景图.jpg": scene,
        "案例概要.docx": conforming_narrative_with_photos(),
        "推荐表盖章扫描版.pdf": pdf_bytes([{"image": scan_page_image(seal=None)}, {"image": scan_page_image(seal="ring")}]),
        "伪装的照片.jpg": factories.png_bytes(),
    }
    paths = {}
    for name, data in files.items():
        paths[name] = tmp_path / name
        paths[name].write_bytes(data)

    # Sign in, start a new case from the workbench.
    sign_in(page, live_server, "qiye-flow")
    page.click("text=新建案例")
    assert page.input_value("#id_completing_unit") == UNIT_NAME
    page.fill("#id_title", CASE_NAME)
    page.check("input[name=case_type][value=technological]")
    page.fill("#id_team", "张三、李四、王五")
    page.fill("#id_contact_name", "张三")
    page.fill("#id_contact_position", "总工程师")
    page.fill("#id_contact_phone", "0351-12")
    page.fill("#id_contact_address", "山西省太原市小店区示例路1号")
    screenshot(page, "case-create-desktop")
    page.click("button[value=stay]")
    # The bad phone is kept as typed, the rest is saved.
    assert "请填写11位手机号码" in page.locator(".field-contact_phone .field-error").inner_text()
    assert page.input_value("#id_contact_phone") == "0351-12"
    case = Case.objects.get()
    assert (case.title, case.contact_name, case.contact_phone) == (CASE_NAME, "张三", "")
    screenshot(page, "case-form-error-desktop")

    # Autosave as the user types: the phone is fixed without pressing a button.
    page.goto(f"{live_server.url}/cases/{case.pk}/edit/")
    page.fill("#id_contact_phone", "0351-7333497")
    expect(page.locator("[data-autosave-status]")).to_have_text(re.compile("^已自动保存"))
    case.refresh_from_db()
    assert case.contact_phone == "0351-7333497"
    # Text typed and not yet saved survives a reload (localStorage), and can be restored.
    page.fill("#id_honours", "2023年山西省科学技术进步奖一等奖")
    page.reload()
    page.wait_for_selector("[data-draft-restore]:not([hidden])")
    screenshot(page, "case-form-restore-desktop")
    page.click("[data-draft-apply]")
    assert page.input_value("#id_honours") == "2023年山西省科学技术进步奖一等奖"
    expect(page.locator("[data-autosave-status]")).to_have_text(re.compile("^已自动保存"))
    case.refresh_from_db()
    assert case.honours == "2023年山西省科学技术进步奖一等奖"

    # Files: a renamed PNG is refused, a small photo shows its findings, the real ones replace it.
    page.click(".steps-nav >> text=材料")
    assert "每个文件不超过 100 MB" in page.locator("#slot-photo_exterior").inner_text()
    upload_in_slot(page, UploadSlot.PHOTO_EXTERIOR, paths["伪装的照片.jpg"])
    error = page.locator("#slot-photo_exterior [data-upload-error]")
    error.wait_for(state="visible")
    assert "内容实际是PNG 图片" in error.inner_text()
    upload_in_slot(page, UploadSlot.PHOTO_EXTERIOR, paths["small.jpg"])
    page.wait_for_selector("#slot-photo_exterior .finding-error")
    assert "须修改" in page.locator("#slot-photo_exterior .findings").inner_text()
    screenshot(page, "case-files-findings-desktop")

    progress_seen = []
    page.expose_function("reportProgress", lambda value: progress_seen.append(value))
    page.evaluate("""() => document.querySelectorAll('[data-progress]').forEach(bar =>
        new MutationObserver(() => window.reportProgress(bar.value)).observe(bar, {attributes: true}))""")
    for slot, name in [
        (UploadSlot.PHOTO_EXTERIOR, f"{CASE_NAME}+企业外景.jpg"), (UploadSlot.PHOTO_PRODUCT, f"{CASE_NAME}+实物图.jpg"),
        (UploadSlot.PHOTO_SCENE, f"{CASE_NAME}+场景图.jpg"), (UploadSlot.NARRATIVE, "案例概要.docx"),
        (UploadSlot.FORM_SCAN, "推荐表盖章扫描版.pdf"),
    ]:
        upload_in_slot(page, slot, paths[name])
        page.wait_for_selector(f"#slot-{slot} .upload-message")
        page.wait_for_selector(f"#slot-{slot} .check-ok", timeout=60_000)
    assert 100 in progress_seen
    assert "1 个早期版本" in page.locator("#slot-photo_exterior .versions summary").inner_text()
    assert Upload.objects.filter(superseded_at__isnull=True).count() == 5
    screenshot(page, "case-files-desktop")

    # Submit from the overview, then download the package.
    page.click(".steps-nav >> text=概览")
    assert page.locator(".ready").inner_text() == "所需内容已齐全且检查通过，可以提交。"
    # The browser asks first; saying no leaves the case a draft.
    questions = []
    page.once("dialog", lambda dialog: (questions.append(dialog.message), dialog.dismiss()))
    page.click("text=提交至所属科协")
    page.wait_for_timeout(300)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT
    assert questions == ["确定将此案例提交至所属科协吗？提交后不能再修改，除非被退回。"]
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("text=提交至所属科协")
    assert "已提交至所属科协" in page.locator(".messages").inner_text()
    assert page.locator(".case-meta .status").inner_text() == "待园区（企业）科协审核"
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert CaseTransition.objects.filter(case=case).count() == 1
    screenshot(page, "case-detail-submitted-desktop")
    with page.expect_download() as download_info:
        page.click("a[data-download=package]")
    download = download_info.value
    assert download.suggested_filename == f"太原市+{UNIT_NAME}+{CASE_NAME}.zip"
    archive = zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read()))
    assert archive.read(f"{UNIT_NAME}+照片/{CASE_NAME}+企业外景.jpg") == exterior


def test_a_returned_case_reads_well_on_a_phone(phone_page, live_server):
    case = factories.complete_case(title="智能焊接机器人工艺创新", short_title="焊接机器人", unit_short_name="示范智能")
    member = factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise, username="qiye-phone")
    reviewer = factories.user(Role.ASSOCIATION_STAFF, organisation_=case.enterprise.association)
    from cases.services import submit_case
    from cases.workflow import transition_case

    submit_case(case=case, actor=member, now=OPEN)
    transition_case(case, to=CaseStatus.RETURNED, actor=reviewer, reason="企业外景照片不清晰，请更换为相机原图。", now=OPEN)
    sign_in(phone_page, live_server, "qiye-phone")
    phone_page.click(f"text={case.title}")
    assert "企业外景照片不清晰，请更换为相机原图。" in phone_page.locator(".returned").inner_text()
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "case-detail-returned-phone")
    phone_page.click(".steps-nav >> text=材料")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "case-files-phone")
    phone_page.click(".steps-nav >> text=推荐表")
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(phone_page, "case-form-phone")
