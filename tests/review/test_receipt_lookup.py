"""Issue 13 item 6: the public receipt lookup (回执查询). A receipt number tells counted / under
review / excluded and nothing personal; lookups are rate-limited per address (portal.ratelimit);
the receipt page and the vote pages link to it and write "回执编号：" with Chinese punctuation."""

import re

import pytest
from django.urls import reverse

from review.models import Ballot, BallotStatus
from review.voting.queries import receipt_status
from tests.review import review_world as world

pytestmark = pytest.mark.django_db
NOT_FOUND = "没有与此回执编号对应的选票。请核对后重试：回执编号由 12 位字母和数字组成，不含 0、O、1、I、L。"
STATES = {
    BallotStatus.VALID: "已计入：这张选票计入网络投票结果。",
    BallotStatus.RELEASED: "已计入：这张选票计入网络投票结果。",
    BallotStatus.QUARANTINED: "审核中：这张选票被防刷票自动检查标记，由省科技创新服务中心审核后决定是否计入。",
    BallotStatus.EXCLUDED: "未计入：经省科技创新服务中心审核，这张选票按投票规则不计入结果。",
}


@pytest.fixture
def ballot():
    case = world.city_case("太原市", title="煤矸石综合利用")
    world.open_vote_window()
    world.add_votes(case, 1)
    return Ballot.objects.get()


def _lookup(client, receipt, address="198.51.100.7"):
    return client.get(reverse("review:vote_receipt_lookup"), {"receipt": receipt}, REMOTE_ADDR=address)


@pytest.mark.parametrize("status", list(STATES))
def test_a_receipt_tells_whether_the_ballot_counts_and_nothing_personal(client, ballot, status):
    Ballot.objects.filter(pk=ballot.pk).update(status=status)
    page = _lookup(client, ballot.receipt).content.decode()
    assert STATES[status] in page
    assert f'<dt>回执编号：</dt><dd class="receipt-number">{ballot.receipt}</dd>' in page
    assert "2024年山西省企业典型创新案例征集及宣讲活动" in page
    # Nothing personal and not the choices: no case title, no address block, no device or voter hash.
    for private in ("煤矸石综合利用", ballot.address_block, ballot.voter_hash):
        assert private not in page


def test_a_receipt_typed_in_lower_case_full_width_or_in_groups_is_found(client, ballot):
    grouped = " ".join(re.findall("....", ballot.receipt.lower()))
    full_width = "".join(chr(ord(char) + 0xFEE0) for char in ballot.receipt)
    for typed in (grouped, full_width, f"-{ballot.receipt}-"):
        assert receipt_status(typed).receipt == ballot.receipt
        assert STATES[BallotStatus.VALID] in _lookup(client, typed).content.decode()


@pytest.mark.parametrize("typed", ["ABCDEFGHJKMN", "x" * 60, "'; DROP TABLE"])
def test_an_unknown_receipt_says_how_to_check_it(client, ballot, typed):
    page = _lookup(client, typed).content.decode()
    assert NOT_FOUND in page
    assert STATES[BallotStatus.VALID] not in page


def test_the_empty_page_shows_the_form_only(client):
    page = client.get(reverse("review:vote_receipt_lookup")).content.decode()
    assert 'name="receipt"' in page and NOT_FOUND not in page


def test_lookups_are_rate_limited_per_address(client, ballot, settings):
    from review.views import voting

    limit = int(voting.RECEIPT_LOOKUP_RATE.split("/")[0])
    for _ in range(limit):
        assert _lookup(client, "ABCDEFGHJKMN").status_code == 200
    refused = _lookup(client, ballot.receipt)
    assert refused.status_code == 429 and "Retry-After" in refused
    assert re.search(r"短时间内尝试次数过多。请等待 \d+ 分钟后再试。", refused.content.decode())
    assert STATES[BallotStatus.VALID] not in refused.content.decode()
    # Another address is not affected; a plain visit of the form does not count.
    assert _lookup(client, ballot.receipt, address="203.0.113.9").status_code == 200
    assert client.get(reverse("review:vote_receipt_lookup"), REMOTE_ADDR="198.51.100.7").status_code == 200


def test_the_receipt_page_writes_chinese_punctuation_shows_the_status_and_links_the_lookup(client, ballot):
    page = client.get(reverse("review:vote_receipt", args=[ballot.receipt])).content.decode()
    assert f'回执编号：<strong class="receipt-number">{ballot.receipt}</strong>' in page
    assert "回执编号:" not in page
    assert STATES[BallotStatus.VALID] in page
    assert f'href="{reverse("review:vote_receipt_lookup")}?receipt={ballot.receipt}"' in page
    Ballot.objects.filter(pk=ballot.pk).update(status=BallotStatus.EXCLUDED)
    page = client.get(reverse("review:vote_receipt", args=[ballot.receipt])).content.decode()
    assert "您的投票已计入" not in page and STATES[BallotStatus.EXCLUDED] in page


def test_the_vote_pages_link_the_lookup(client, ballot):
    link = f'href="{reverse("review:vote_receipt_lookup")}"'
    assert link in client.get(reverse("review:vote_gallery")).content.decode()
    assert link in client.get(reverse("review:vote_phone")).content.decode()
    world.close_vote_window()
    assert link in client.get(reverse("review:vote_gallery")).content.decode()
