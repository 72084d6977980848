"""Headless Chromium on a phone: a voter verifies a number with a code that the portal sent
through the Aliyun adapter to the local Aliyun API (which checked its signature), then votes."""

import re

import pytest

from review.models import Ballot
from sms.enums import SmsKind, SmsState
from sms.models import SmsMessage
from tests.browser.conftest import screenshot
from tests.review import review_world as world
from tests.sms.fakes import FakeAliyun

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def aliyun(settings):
    provider = FakeAliyun().start()
    for name, value in provider.settings().items():
        setattr(settings, name, value)
    yield provider
    provider.stop()


def test_a_voter_votes_with_a_code_sent_by_the_aliyun_adapter(phone_page, live_server, aliyun):
    world.open_vote_window()
    for region, title in [("太原市", "智能焊接机器人工艺创新"), ("大同市", "煤矸石综合利用技术"), ("朔州市", "风光储一体化运维平台")]:
        world.city_case(region, title=title, completing_unit=f"{region[:2]}示范科技有限公司")
    page = phone_page

    page.goto(f"{live_server.url}/vote/phone/")
    page.fill("input[name=phone]", "139 1234 5678")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/vote/verify/")

    # The code as the provider received it: signed request accepted, template and sign as configured.
    [received] = aliyun.received
    assert (received["phone"], received["sign"], received["template"]) == ("13912345678", "创新案例平台", "SMS_000001")
    assert aliyun.rejected == []
    message = SmsMessage.objects.get()
    assert (message.kind, message.state, message.params, message.provider_message_id) == (
        SmsKind.VOTE_CODE, SmsState.SENT, {}, "000001^0")
    page.fill("input[name=code]", received["params"]["code"])
    screenshot(page, "vote-verify-aliyun-phone")
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/vote/")

    boxes = page.locator("input[name=case]")
    for index in range(3):
        boxes.nth(index).check()
    page.locator(".vote-submit").click()
    page.wait_for_url(re.compile(r".*/vote/receipt/[2-9A-Z]{12}/$"))
    ballot = Ballot.objects.get()
    assert page.locator(".receipt-number").inner_text() == ballot.receipt
    assert page.locator(".vote-receipt ol li").count() == 3
    screenshot(page, "vote-receipt-aliyun-phone")
