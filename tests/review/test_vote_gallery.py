"""The vote gallery people reach from WeChat (issue 20): search and filters, a page per candidate
with its share card and QR code, the public summary, 查看已选 and the vote without JavaScript,
anonymous pages served from the cache and made stale by a change."""

import gzip
import re

import pytest
from django.test import Client
from django.urls import reverse

from cases.enums import CaseStatus, CaseType, UploadSlot
from review.models import Ballot
from sms.gateways import MemoryGateway
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db


@pytest.fixture
def candidates(settings):
    settings.SMS_GATEWAY = "sms.gateways.MemoryGateway"
    MemoryGateway.outbox.clear()
    world.open_vote_window()
    made = []
    for region, title, unit, case_type in (("太原市", "智能焊接机器人工艺创新", "太原重工ABC公司", CaseType.PROCESS),
                                           ("大同市", "煤矸石综合利用技术", "大同煤业有限公司", CaseType.TECHNOLOGICAL),
                                           ("太原市", "数字化车间管理创新", "晋阳管理咨询公司", CaseType.ORGANISATIONAL)):
        case = world.city_case(region, title=title, completing_unit=unit, contact_name="王联系", contact_phone="13700001234")
        case.case_type = case_type
        case.save(update_fields=["case_type"])
        world.add_upload(case, UploadSlot.PHOTO_EXTERIOR, world.jpeg_bytes())
        made.append(case)
    return made


def _titles(client, **query) -> list[str]:
    page = client.get(reverse("review:vote_gallery"), query).content.decode()
    return re.findall(r'<h2 class="vote-title">([^<]+)</h2>', page)


def test_search_by_title_or_unit_and_filter_by_city_and_type(client, candidates):
    assert _titles(client) == ["煤矸石综合利用技术", "数字化车间管理创新", "智能焊接机器人工艺创新"]
    assert _titles(client, q="焊接") == ["智能焊接机器人工艺创新"]
    assert _titles(client, q="ａｂｃ") == ["智能焊接机器人工艺创新"]  # full-width letters of a Chinese input method
    assert _titles(client, q="煤业") == ["煤矸石综合利用技术"]  # the unit
    assert _titles(client, city="太原市") == ["数字化车间管理创新", "智能焊接机器人工艺创新"]
    assert _titles(client, city="太原市", type="organisational") == ["数字化车间管理创新"]
    page = client.get(reverse("review:vote_gallery"), {"q": "不存在"}).content.decode()
    assert "没有符合条件的案例" in page and "共3个案例，找到0个。" in page


def test_the_candidate_page_has_its_share_card_and_no_personal_data(client, candidates):
    case = candidates[1]
    photo = case.uploads.get(slot=UploadSlot.PHOTO_EXTERIOR)
    narrative = factories.docx_bytes("大同煤业有限公司", "一、企业简介及所获荣誉奖励", "公司成立于1990年。",
                                     "先后获得省科技进步奖。", "二、聚焦典型案例", "不应出现的第二部分。")
    world.add_upload(case, UploadSlot.NARRATIVE, narrative, name="案例概要.docx")

    page = client.get(reverse("review:vote_candidate", args=[case.pk])).content.decode()

    url = f"http://testserver/vote/cases/{case.pk}/"
    assert f'<meta property="og:title" content="煤矸石综合利用技术 · 大同煤业有限公司">' in page
    assert '<meta property="og:description" content="公司成立于1990年。先后获得省科技进步奖。">' in page
    assert f'<meta property="og:url" content="{url}">' in page
    assert f'<meta property="og:image" content="http://testserver/vote/photos/{photo.pk}.jpg">' in page
    assert f'<link rel="canonical" href="{url}">' in page
    assert re.findall(r'<p class="vote-story">([^<]+)</p>', page) == ["公司成立于1990年。", "先后获得省科技进步奖。"]
    assert f'value="{url}"' in page and f'src="/vote/cases/{case.pk}/qr.png"' in page
    assert "王联系" not in page and "13700001234" not in page and "不应出现" not in page


def test_the_qr_code_is_a_png_of_the_page_and_non_candidates_are_404(client, candidates):
    response = client.get(reverse("review:vote_candidate_qr", args=[candidates[0].pk]))
    outsider = world.city_case("朔州市", status=CaseStatus.CITY_SELECTED)

    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    assert response.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert client.get(reverse("review:vote_candidate", args=[outsider.pk])).status_code == 404
    assert client.get(reverse("review:vote_candidate_qr", args=[outsider.pk])).status_code == 404


def test_thumbnails_are_small_webp_and_the_gallery_shows_them_lazily(client, candidates):
    photo = candidates[0].uploads.get(slot=UploadSlot.PHOTO_EXTERIOR)

    response = client.get(reverse("review:vote_thumb", args=[photo.pk]))
    page = client.get(reverse("review:vote_gallery")).content.decode()

    assert response.status_code == 200 and response["Content-Type"] == "image/webp" and len(response.content) <= 100 * 1024
    assert page.count('loading="lazy"') == 2 and page.count('loading="eager"') == 1


def test_a_voter_without_javascript_picks_reviews_verifies_and_votes(client, candidates):
    # The gallery's form sends the ticks by GET to 查看已选.
    picks = client.get(reverse("review:vote_picks"), {"case": [candidates[0].pk, candidates[2].pk, "x", 999999]})
    page = picks.content.decode()
    assert re.findall(r'<li><a href="/vote/cases/\d+/">([^<]+)</a>', page) == ["智能焊接机器人工艺创新", "数字化车间管理创新"]
    assert "已选2个案例；每张选票需选2至3个。" in page and "验证手机号并投票" in page
    # Keep the picks and verify the number.
    response = client.post(reverse("review:vote_picks"), {"case": [candidates[0].pk, candidates[2].pk]})
    assert response.url == reverse("review:vote_phone")
    client.post(reverse("review:vote_phone"), {"phone": "13912345678"})
    code = re.search(r"\d{6}", MemoryGateway.outbox[-1][1]).group()
    client.post(reverse("review:vote_verify"), {"code": code})
    # Back on the gallery the picks are ticked, and the ballot goes in.
    gallery = client.get(reverse("review:vote_gallery")).content.decode()
    ticked = re.findall(r'name="case" value="(\d+)" checked', gallery)
    assert sorted(map(int, ticked)) == sorted([candidates[0].pk, candidates[2].pk])
    response = client.post(reverse("review:vote_ballot"), {"case": ticked})
    ballot = Ballot.objects.get()
    assert response.url == reverse("review:vote_receipt", args=[ballot.receipt])
    assert sorted(ballot.choices.values_list("case_id", flat=True)) == sorted([candidates[0].pk, candidates[2].pk])


def test_too_few_picks_say_how_to_fix_it(client, candidates):
    page = client.get(reverse("review:vote_picks"), {"case": [candidates[0].pk]}).content.decode()
    assert "请至少选择2个案例：返回候选案例继续勾选。" in page and "验证手机号并投票" not in page


def test_a_pick_from_a_candidate_page_without_javascript_is_ticked_on_the_gallery(client, candidates):
    page = client.get(reverse("review:vote_gallery"), {"pick": candidates[1].pk}).content.decode()
    assert re.findall(r'name="case" value="(\d+)" checked', page) == [str(candidates[1].pk)]


def test_anonymous_pages_come_from_the_cache_until_something_changes(candidates):
    anonymous = Client()
    url = reverse("review:vote_candidate", args=[candidates[0].pk])
    first, second = anonymous.get(url), anonymous.get(url)
    assert (first["X-Public-Cache"], second["X-Public-Cache"]) == ("miss", "hit")
    assert second.content == first.content and not second.cookies
    # A browser asking for gzip gets the copy compressed when it was stored.
    compressed = anonymous.get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert compressed["Content-Encoding"] == "gzip" and gzip.decompress(compressed.content) == first.content

    # A change of the case (here its title, through any writer) makes the stored page stale.
    candidates[0].title = "智能焊接机器人工艺创新（更新）"
    candidates[0].save(update_fields=["title"])
    third = anonymous.get(url)
    assert third["X-Public-Cache"] == "miss" and "（更新）" in third.content.decode()


def test_a_visitor_with_a_session_gets_the_page_rendered_for_them(client, candidates):
    session = client.session
    session["anything"] = 1
    session.save()

    responses = [client.get(reverse("review:vote_gallery")) for _ in range(2)]

    assert [r.has_header("X-Public-Cache") for r in responses] == [False, False]


def test_a_phone_number_or_the_contact_person_in_the_narrative_never_reaches_the_public(client, candidates):
    case = candidates[0]
    narrative = factories.docx_bytes("太原重工ABC公司", "一、企业简介及所获荣誉奖励",
                                     "公司专注焊接机器人。联系人王联系，电话0351-7333497。", "咨询热线 400-123-4567；欢迎来访。")
    world.add_upload(case, UploadSlot.NARRATIVE, narrative, name="案例概要.docx")

    page = client.get(reverse("review:vote_candidate", args=[case.pk])).content.decode()
    gallery = client.get(reverse("review:vote_gallery")).content.decode()

    assert re.findall(r'<p class="vote-story">([^<]+)</p>', page) == ["公司专注焊接机器人。", "欢迎来访。"]
    for text in (page, gallery):
        assert "0351" not in text and "400-123" not in text and "王联系" not in text
