"""Issue 20 on a 390 px phone with WeChat's user agent: find a case by search, its share card, vote
from its page (and without JavaScript), the first screen under 300 KB transferred (network log);
after the result is final the showcase lists the winners and plays a talk video with seeking
(range requests answered 206); a consent withdrawn takes the case off."""

import re

import pytest
from django.urls import reverse

from cases.enums import CaseStatus, UploadSlot
from review.models import Ballot
from showcase.models import ShowcaseStory
from sms.gateways import MemoryGateway
from tests.browser.conftest import screenshot, sign_in
from tests import factories
from tests.review import review_world as world
from tests.showcase import showcase_world as show

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WECHAT_ANDROID = ("Mozilla/5.0 (Linux; Android 13; V2148A Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) "
                  "Version/4.0 Chrome/116.0.0.0 Mobile Safari/537.36 XWEB/1160083 MMWEBSDK/20231202 MMWEBID/4105 "
                  "MicroMessenger/8.0.47.2560(0x28002F3B) WeChat/arm64 Weixin NetType/4G Language/zh_CN ABI/arm64")
WECHAT_IOS = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_2 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
              "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/4G Language/zh_CN")
FIRST_SCREEN_BUDGET = 300 * 1024
TITLES = ["智能焊接机器人工艺创新", "煤矸石综合利用技术", "风光储一体化运维平台", "杂粮精深加工工艺", "数字化车间管理创新",
          "氢能重卡示范运营", "光伏玻璃窑炉节能改造", "矿山井下5G通信", "陈醋智能酿造工艺", "铝镁合金轻量化部件"]
REGIONS = ["太原市", "大同市", "朔州市", "忻州市", "晋中市", "长治市", "晋城市", "临汾市", "运城市", "吕梁市"]


def _wechat(browser, *, user_agent=WECHAT_ANDROID, javascript=True):
    return browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
                               user_agent=user_agent, java_script_enabled=javascript)


@pytest.fixture
def wechat_page(browser):
    context = _wechat(browser)
    yield context.new_page()
    context.close()


@pytest.fixture
def ballot_candidates(settings):
    settings.SMS_GATEWAY = "sms.gateways.MemoryGateway"
    MemoryGateway.outbox.clear()
    world.open_vote_window()
    cases = []
    for index, (region, title) in enumerate(zip(REGIONS, TITLES)):
        case = world.city_case(region, title=title, completing_unit=f"{region[:2]}示范科技有限公司",
                               contact_name="王联系", contact_phone="13700001234")
        # Camera-sized photos (2.5 MB each): the gallery must send their thumbnails, not them.
        world.add_upload(case, UploadSlot.PHOTO_EXTERIOR, show.photo_bytes(2400, 1600, seed=index))
        world.add_upload(case, UploadSlot.NARRATIVE, factories.docx_bytes(
            f"{region[:2]}示范科技有限公司", "一、企业简介及所获荣誉奖励", f"{title}团队扎根{region}十余年，获省科技进步奖。"),
            name="案例概要.docx")
        cases.append(case)
    return cases


def _verify(page, live_server, phone="13912345678"):
    page.fill("input[name=phone]", phone)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/vote/verify/")
    code = re.search(r"\d{6}", MemoryGateway.outbox[-1][1]).group()
    page.fill("input[name=code]", code)
    page.click("button[type=submit]")
    page.wait_for_url(f"{live_server.url}/vote/")


def test_a_wechat_voter_finds_a_case_shares_it_and_votes_from_its_page(wechat_page, live_server, ballot_candidates):
    page = wechat_page
    # The first screen: everything the phone fetched before scrolling, from the network log.
    fetched = []
    page.on("requestfinished", lambda request: fetched.append(request))
    page.goto(f"{live_server.url}/vote/")
    page.wait_for_load_state("networkidle")
    transferred = sum(request.sizes()["responseBodySize"] + request.sizes()["responseHeadersSize"] for request in fetched)
    assert page.locator(".vote-card").count() == 10
    assert transferred < FIRST_SCREEN_BUDGET, [(r.url, r.sizes()["responseBodySize"]) for r in fetched]
    assert not [r.url for r in fetched if r.url.endswith(".jpg")]  # thumbnails only, never a display photo
    assert "13700001234" not in page.content() and "王联系" not in page.content()
    screenshot(page, "wechat-gallery-first-screen")

    # Find a case by search.
    page.fill("input[name=q]", "焊接")
    page.click(".vote-search button[type=submit]")
    page.wait_for_url(re.compile(r".*/vote/\?q=.*"))
    assert page.locator(".vote-card .vote-title").all_inner_texts() == ["智能焊接机器人工艺创新"]
    screenshot(page, "wechat-gallery-search")

    # Its page carries the share card.
    page.click(".vote-card-link")
    case = ballot_candidates[0]
    page.wait_for_url(f"{live_server.url}/vote/cases/{case.pk}/")
    card = {name: page.locator(f'meta[property="og:{name}"]').get_attribute("content") for name in ("title", "description", "url", "image")}
    photo = case.uploads.get(slot=UploadSlot.PHOTO_EXTERIOR)
    assert card == {"title": "智能焊接机器人工艺创新 · 太原示范科技有限公司",
                    "description": "智能焊接机器人工艺创新团队扎根太原市十余年，获省科技进步奖。",
                    "url": f"{live_server.url}/vote/cases/{case.pk}/", "image": f"{live_server.url}/vote/photos/{photo.pk}.jpg"}
    assert page.title() == "智能焊接机器人工艺创新 · 太原示范科技有限公司 · 网络投票"
    page.wait_for_function("() => { const img = document.querySelector('.vote-qr'); return img && img.complete && img.naturalWidth > 0; }")

    # Vote from its page: pick it here, one more on the gallery, then 查看已选.
    page.click(".pick-toggle")
    assert page.locator(".pick-toggle").inner_text() == "已选 ✓（点击取消）"
    assert page.locator(".vote-bar-floating .vote-counter").inner_text() == "已选：1 / 2–3"
    screenshot(page, "wechat-candidate-page")
    page.goto(f"{live_server.url}/vote/")
    assert page.locator(f"input[name=case][value='{case.pk}']").is_checked()
    page.locator(f"input[name=case][value='{ballot_candidates[4].pk}']").check()
    assert page.locator(".vote-counter").inner_text() == "已选：2 / 2–3"
    page.click(".vote-review")
    page.wait_for_url(re.compile(r".*/vote/picks/\?.*"))
    assert page.locator(".vote-picks-list a").all_inner_texts() == ["智能焊接机器人工艺创新", "数字化车间管理创新"]
    screenshot(page, "wechat-picks")
    page.click(".vote-verify")
    page.wait_for_url(f"{live_server.url}/vote/phone/")
    _verify(page, live_server)
    assert page.locator("input[name=case]:checked").count() == 2
    page.click(".vote-submit")
    page.wait_for_url(re.compile(r".*/vote/receipt/[2-9A-Z]{12}/$"))
    ballot = Ballot.objects.get()
    assert sorted(ballot.choices.values_list("case_id", flat=True)) == sorted([case.pk, ballot_candidates[4].pk])
    assert page.evaluate("() => localStorage.length") == 0  # the picks are done with
    screenshot(page, "wechat-receipt")


def test_the_vote_works_in_wechat_without_javascript(browser, live_server, ballot_candidates):
    context = _wechat(browser, user_agent=WECHAT_IOS, javascript=False)
    page = context.new_page()
    try:
        page.goto(f"{live_server.url}/vote/")
        page.locator(f"input[name=case][value='{ballot_candidates[1].pk}']").check()
        page.locator(f"input[name=case][value='{ballot_candidates[2].pk}']").check()
        page.click(".vote-review")
        page.wait_for_url(re.compile(r".*/vote/picks/\?.*"))
        assert page.locator(".vote-picks-list a").all_inner_texts() == ["煤矸石综合利用技术", "风光储一体化运维平台"]
        page.click(".vote-verify")
        page.wait_for_url(f"{live_server.url}/vote/phone/")
        _verify(page, live_server, phone="13812345678")
        assert page.locator("input[name=case]:checked").count() == 2
        screenshot(page, "wechat-nojs-gallery-verified")
        page.click(".vote-submit")
        page.wait_for_url(re.compile(r".*/vote/receipt/[2-9A-Z]{12}/$"))
        assert sorted(page.locator(".vote-receipt ol li").all_inner_texts()) == ["煤矸石综合利用技术", "风光储一体化运维平台"]
    finally:
        context.close()


def test_the_showcase_lists_the_winners_and_plays_a_talk_video_with_seeking(wechat_page, live_server):
    # Arrange: two published winners of a final result; one has photos and a 12-second talk video.
    first = show.winner("太原市", "智能焊接机器人工艺创新", rank=1, presenter=True)
    second = show.winner("大同市", "煤矸石综合利用技术", rank=2)
    show.add_photo(first, data=show.photo_bytes(2400, 1600))
    video = show.add_video(first, show.mp4_bytes(12))
    show.add_photo(second, data=show.photo_bytes(2400, 1600, seed=2))
    show.publish(first)
    show.publish(second)
    page = wechat_page
    video_answers = []
    page.on("response", lambda response: video_answers.append(response.status) if "/video.mp4" in response.url else None)

    # Act / Assert: the list
    page.goto(f"{live_server.url}/showcase/")
    assert page.locator(".showcase-card .vote-title").all_inner_texts() == ["煤矸石综合利用技术", "智能焊接机器人工艺创新"]
    assert "13700001234" not in page.content() and "王联系" not in page.content()
    screenshot(page, "wechat-showcase-list")

    # The case page plays its video and seeks.
    page.click(f".showcase-card a[href='/showcase/cases/{first.pk}/']")
    page.wait_for_url(f"{live_server.url}/showcase/cases/{first.pk}/")
    assert page.locator("video.showcase-video").get_attribute("poster") == f"/showcase/media/{video.pk}/poster"
    page.wait_for_function("() => document.querySelector('video').readyState >= 1")
    duration = page.evaluate("() => document.querySelector('video').duration")
    assert 11.5 < duration < 12.5
    page.evaluate("""() => new Promise(resolve => {
        const video = document.querySelector('video');
        video.muted = true;
        video.addEventListener('seeked', () => resolve(), {once: true});
        video.currentTime = 9;
    })""")
    page.evaluate("() => document.querySelector('video').play()")
    page.wait_for_function("() => document.querySelector('video').currentTime > 9.2")
    assert 206 in video_answers and set(video_answers) <= {200, 206}
    screenshot(page, "wechat-showcase-video")


def test_a_consent_withdrawn_takes_the_case_off_the_showcase(wechat_page, browser, live_server):
    case = show.winner("太原市", "智能焊接机器人工艺创新")
    show.add_photo(case)
    show.publish(case)
    visitor = _wechat(browser).new_page()
    visitor.goto(f"{live_server.url}/showcase/cases/{case.pk}/")
    assert visitor.locator("h1").inner_text() == "智能焊接机器人工艺创新"

    # The enterprise withdraws on its phone.
    page = wechat_page
    sign_in(page, live_server, case.enterprise_user.username)
    page.goto(f"{live_server.url}{reverse('showcase:story_edit', args=[case.pk])}")
    assert page.locator(".showcase-status .check").inner_text() == "已在展示页公开"
    page.click(".consent-withdraw")
    page.wait_for_url(f"{live_server.url}{reverse('showcase:story_edit', args=[case.pk])}")
    assert page.locator(".showcase-status .check").inner_text() == "未公开"
    screenshot(page, "wechat-consent-withdrawn")

    # At once: the page is gone for the public, and the list no longer shows it.
    response = visitor.goto(f"{live_server.url}/showcase/cases/{case.pk}/")
    assert response.status == 404
    visitor.goto(f"{live_server.url}/showcase/")
    assert visitor.locator(".showcase-card").count() == 0
    assert ShowcaseStory.objects.get(case=case).consent_given is False
    visitor.context.close()
