"""Headless Chromium on a phone viewport: a voter browses the candidates, verifies a number, picks
cases and gets a receipt."""

import re

import pytest

from cases.enums import UploadSlot
from review.models import Ballot
from sms.gateways import MemoryGateway
from tests.browser.conftest import screenshot
from tests.review import review_world as world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COLOURS = [(180, 40, 40), (40, 120, 180), (60, 150, 80), (200, 150, 30), (120, 60, 160)]


def test_a_voter_votes_on_a_phone(phone_page, live_server, settings):
    settings.SMS_GATEWAY = "sms.gateways.MemoryGateway"
    MemoryGateway.outbox.clear()
    world.open_vote_window()
    candidates = []
    for index, (region, title) in enumerate([("太原市", "智能焊接机器人工艺创新"), ("大同市", "煤矸石综合利用技术"),
                                             ("朔州市", "风光储一体化运维平台"), ("忻州市", "杂粮精深加工工艺"),
                                             ("晋中市", "数字化车间管理创新")]):
        case = world.city_case(region, title=title, completing_unit=f"{region[:2]}示范科技有限公司",
                               contact_name="王联系", contact_phone="13700001234")
        world.add_upload(case, UploadSlot.PHOTO_EXTERIOR, world.jpeg_bytes(colour=COLOURS[index]))
        candidates.append(case)
    page = phone_page
    page.goto(f"{live_server.url}/vote/")
    assert page.locator(".vote-card").count() == 5
    body = page.locator("main").inner_text()
    assert "13700001234" not in body and "王联系" not in body
    assert page.locator(".vote-count").count() == 0  # counts hidden while the vote runs
    # The gallery shows the thumbnails made at upload (WebP, 480 px wide), not the photos.
    page.wait_for_function("() => { const img = document.querySelector('img.vote-thumb'); return img && img.complete && img.naturalWidth > 0; }")
    assert page.locator("img.vote-thumb").first.evaluate("img => img.naturalWidth") == 480
    screenshot(page, "vote-gallery-phone")

    page.click("a[href='/vote/phone/']")
    page.fill("input[name=phone]", "139 1234 5678")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/vote/verify/")
    code = re.search(r"\d{6}", MemoryGateway.outbox[-1][1]).group()
    page.fill("input[name=code]", code)
    screenshot(page, "vote-verify-phone")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/vote/")

    submit = page.locator(".vote-submit")
    assert submit.is_disabled()
    boxes = page.locator("input[name=case]")
    for index in range(3):
        boxes.nth(index).check()
    assert submit.is_enabled()
    assert boxes.nth(3).is_disabled()  # at most 3 picks in this campaign
    screenshot(page, "vote-picks-phone")
    submit.click()
    page.wait_for_url(re.compile(r".*/vote/receipt/[2-9A-Z]{12}/$"))
    ballot = Ballot.objects.get()
    assert page.locator(".receipt-number").inner_text() == ballot.receipt
    assert page.locator(".vote-receipt ol li").count() == 3
    screenshot(page, "vote-receipt-phone")
