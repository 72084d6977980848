"""Issue 13 item 10: every workbench and the vote read on a 390 px phone without anything cut off:
the page never scrolls sideways, and no table inside it hides columns behind a sideways scroll.
Screenshots land in test-artifacts/screenshots/ (workbench-<role>-phone.png, vote-phone.png)."""

from io import StringIO

import pytest
from django.core.management import call_command

from cases.enums import CaseStatus, UploadSlot
from cases.models import Case, Membership
from portal.demo import DEMO_PASSWORD
from tests import factories
from tests.browser.conftest import screenshot, sign_in
from tests.review import review_world as world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WORKBENCHES = [
    ("qiye", "enterprise"), ("yuanqu", "association"), ("xianji", "county"), ("shiji", "city"),
    ("shengji", "province"), ("shizhuanjia", "city-expert"), ("shengzhuanjia", "province-expert"), ("guancha", "observer"),
]

# What sticks out sideways: the page itself, and each element that scrolls its content sideways.
OVERFLOW = """() => ({
  page: [document.documentElement.scrollWidth, window.innerWidth],
  hidden: [...document.querySelectorAll('main *')]
    .filter(el => el.scrollWidth > el.clientWidth + 1 && ['auto', 'scroll'].includes(getComputedStyle(el).overflowX))
    .map(el => el.className || el.tagName),
})"""


@pytest.fixture
def demo(transactional_db):
    """The demo province, and the enterprise's cases in the states with the longest labels and a
    winner's button, where its “我的案例” table was cut off."""
    call_command("seed_demo", stdout=StringIO())
    enterprise = Membership.objects.get(user__username="qiye").enterprise
    factories.case(enterprise, status=CaseStatus.SUBMITTED, title="基于数字孪生的智能焊接机器人柔性产线创新")
    factories.case(enterprise, status=CaseStatus.WINNER, title="煤矸石综合利用新工艺")


def assert_fits(page, name):
    overflow = page.evaluate(OVERFLOW)
    scroll_width, viewport_width = overflow["page"]
    assert scroll_width <= viewport_width, f"{name}: the page is {scroll_width} px wide on a {viewport_width} px phone"
    assert overflow["hidden"] == [], f"{name}: content cut off inside {overflow['hidden']}"


@pytest.mark.parametrize(("username", "name"), WORKBENCHES, ids=[name for _username, name in WORKBENCHES])
def test_each_workbench_fits_a_phone(phone_page, live_server, demo, username, name):
    sign_in(phone_page, live_server, username, DEMO_PASSWORD)

    screenshot(phone_page, f"workbench-{name}-phone")

    assert phone_page.locator("section.panel").count() >= 1
    assert_fits(phone_page, name)


def test_the_vote_fits_a_phone(phone_page, live_server, demo):
    for region, title in (("太原市", "智能焊接机器人工艺创新"), ("大同市", "煤矸石综合利用技术")):
        case = world.city_case(region, title=title, completing_unit=f"{region[:2]}示范科技有限公司")
        world.add_upload(case, UploadSlot.PHOTO_EXTERIOR, world.jpeg_bytes())
        world.add_upload(case, UploadSlot.NARRATIVE, factories.docx_bytes(
            "案例标题", "一、企业简介及所获荣誉奖励", "团队从2015年起专注工艺创新，年产值提高三成。"), "案例概要.docx")
    world.open_vote_window()

    phone_page.goto(f"{live_server.url}/vote/")
    phone_page.wait_for_load_state("networkidle")
    screenshot(phone_page, "vote-phone")

    # The two cases made here, beside the demo's own candidates (its cities forwarded their lists).
    for title in ("智能焊接机器人工艺创新", "煤矸石综合利用技术"):
        card = phone_page.locator(".vote-card", has_text=title)
        assert card.count() == 1
        assert card.locator(".vote-summary").inner_text() == "团队从2015年起专注工艺创新，年产值提高三成。"
    assert_fits(phone_page, "vote")


# Link-buttons (<a class="button">) and real buttons side by side: pairs on one line whose heights differ.
UNEVEN_BUTTONS = """() => {
  const items = [...document.querySelectorAll('main a.button, main button')]
    .map(el => [el, el.getBoundingClientRect()]).filter(([el, r]) => r.height);
  const uneven = [];
  for (const [a, ra] of items) for (const [b, rb] of items) {
    const sameLine = Math.abs((ra.top + ra.bottom) / 2 - (rb.top + rb.bottom) / 2) < 20;
    if (a.tagName === 'A' && b.tagName === 'BUTTON' && sameLine && Math.abs(ra.height - rb.height) > 1)
      uneven.push([a.textContent.trim(), Math.round(ra.height), b.textContent.trim(), Math.round(rb.height)]);
  }
  return uneven;
}"""


@pytest.mark.parametrize("viewport", [(1280, 900), (390, 844)], ids=["desktop", "phone"])
def test_link_buttons_are_as_tall_as_the_buttons_beside_them(browser, live_server, demo, viewport):
    """The enterprise's ready case page put 编辑推荐表 / 上传材料 (61 px) beside 提交至所属科协 (45 px)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": viewport[0], "height": viewport[1]})
    page = context.new_page()
    ready = Case.objects.get(enterprise__memberships__user__username="qiye", status=CaseStatus.DRAFT)
    sign_in(page, live_server, "qiye", DEMO_PASSWORD)

    page.goto(f"{live_server.url}/cases/{ready.pk}/")

    assert page.locator(".actions button[type=submit]").count() == 1
    assert page.evaluate(UNEVEN_BUTTONS) == []
    if viewport[0] == 390:
        screenshot(page, "case-detail-actions-phone")
    context.close()
