"""The public vote: codes, verification, limits, one ballot per phone, receipts, public pages."""

import datetime
import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import timezone

from cases.enums import CaseStatus, UploadSlot
from review.models import Ballot, BallotLog, BallotLogOutcome
from review.models.voting import AppendOnlyError
from review.voting import limits
from review.voting.limits import ClientInfo, address_block, client_ip
from review.voting.services import (
    AlreadyVoted,
    VoteRefused,
    cast_ballot,
    close_vote,
    normalise_phone,
    open_vote,
    request_code,
    verify_code,
    voter_hash,
)
from sms.gateways import MemoryGateway
from tests.review import review_world as world

pytestmark = pytest.mark.django_db

PHONE = "13912345678"
CLIENT = ClientInfo(ip="198.51.100.7", block="198.51.100.0/24", device_hash="d" * 64, user_agent="MicroMessenger")


@pytest.fixture(autouse=True)
def memory_sms(settings):
    settings.SMS_GATEWAY = "sms.gateways.MemoryGateway"
    MemoryGateway.outbox.clear()
    yield MemoryGateway.outbox


@pytest.fixture
def candidates():
    world.open_vote_window()
    return [world.city_case(region, title=f"{region}候选", contact_name="李联系", contact_phone="13700009999")
            for region in ("太原市", "大同市", "朔州市", "忻州市")]


def device(n: int) -> ClientInfo:
    """A distinct device on a distinct address (so only the limit under test bites)."""
    return ClientInfo(ip=f"192.0.2.{n}", block=f"192.0.{n}.0/24", device_hash=f"{n:064d}", user_agent="test")


def last_code(outbox):
    return re.search(r"\d{6}", outbox[-1][1]).group()


def test_phone_numbers_are_normalised_and_only_a_keyed_hash_is_kept():
    assert normalise_phone("+86 139-1234-5678") == PHONE
    with pytest.raises(VoteRefused):
        normalise_phone("12345")
    digest = voter_hash(PHONE)
    assert len(digest) == 64 and PHONE not in digest and digest == voter_hash("+8613912345678".replace("+86", ""))


def test_request_and_verify_a_code(candidates, memory_sms):
    campaign = world.campaign()
    voter = request_code(campaign=campaign, phone=PHONE, client=CLIENT)
    assert memory_sms[-1][0] == PHONE
    with pytest.raises(VoteRefused):
        verify_code(campaign=campaign, phone=PHONE, code="000000" if last_code(memory_sms) != "000000" else "111111")
    assert verify_code(campaign=campaign, phone=PHONE, code=last_code(memory_sms)) == voter
    with pytest.raises(VoteRefused):  # spent
        verify_code(campaign=campaign, phone=PHONE, code=last_code(memory_sms))


def test_sms_cooldown_daily_cap_and_lockout(candidates, memory_sms, settings):
    campaign = world.campaign()
    request_code(campaign=campaign, phone=PHONE, client=CLIENT)
    with pytest.raises(VoteRefused, match="less than a minute|一分钟"):
        request_code(campaign=campaign, phone=PHONE, client=CLIENT)
    # Daily cap per phone: with the cooldown lifted, the sixth code of the day is refused.
    settings.VOTE_LIMITS = {"code_phone_cooldown": (100, 60)}
    other = "13800000001"
    for n in range(5):
        request_code(campaign=campaign, phone=other, client=device(n))
    with pytest.raises(VoteRefused):
        request_code(campaign=campaign, phone=other, client=device(9))
    # Lockout: five wrong codes lock the number, even with the right code after.
    third = "13800000002"
    request_code(campaign=campaign, phone=third, client=device(20))
    right = last_code(memory_sms)
    wrong = "000000" if right != "000000" else "111111"
    for _ in range(5):
        with pytest.raises(VoteRefused):
            verify_code(campaign=campaign, phone=third, code=wrong)
    with pytest.raises(VoteRefused, match="30"):
        verify_code(campaign=campaign, phone=third, code=right)


def test_codes_per_address_are_limited(candidates, settings):
    settings.VOTE_LIMITS = {"code_ip_hour": (2, 3600)}
    campaign = world.campaign()
    request_code(campaign=campaign, phone="13800000011", client=CLIENT)
    request_code(campaign=campaign, phone="13800000012", client=CLIENT)
    with pytest.raises(VoteRefused):
        request_code(campaign=campaign, phone="13800000013", client=CLIENT)


def test_a_ballot_counts_once_per_phone_and_every_attempt_is_logged(candidates):
    campaign = world.campaign()
    voter = voter_hash(PHONE)
    picks = [candidates[0].pk, candidates[1].pk]
    ballot = cast_ballot(campaign=campaign, voter=voter, case_ids=picks, client=CLIENT)
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{12}", ballot.receipt)
    assert sorted(ballot.choices.values_list("case_id", flat=True)) == sorted(picks)
    with pytest.raises(AlreadyVoted):
        cast_ballot(campaign=campaign, voter=voter, case_ids=[candidates[2].pk, candidates[3].pk], client=CLIENT)
    assert Ballot.objects.count() == 1
    log = list(BallotLog.objects.order_by("pk").values_list("outcome", "address_block", "user_agent"))
    assert log == [(BallotLogOutcome.ACCEPTED, "198.51.100.0/24", "MicroMessenger"),
                   (BallotLogOutcome.DUPLICATE, "198.51.100.0/24", "MicroMessenger")]
    # Append-only: the log cannot be changed or deleted.
    entry = BallotLog.objects.first()
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        BallotLog.objects.all().delete()
    with pytest.raises(AppendOnlyError):
        BallotLog.objects.update(outcome="accepted")


def test_ballot_guards(candidates):
    campaign = world.campaign()
    voter = voter_hash(PHONE)
    with pytest.raises(VoteRefused):  # too few
        cast_ballot(campaign=campaign, voter=voter, case_ids=[candidates[0].pk], client=CLIENT)
    with pytest.raises(VoteRefused):  # too many
        cast_ballot(campaign=campaign, voter=voter, case_ids=[c.pk for c in candidates], client=CLIENT)
    with pytest.raises(VoteRefused):  # a repeated pick
        cast_ballot(campaign=campaign, voter=voter, case_ids=[candidates[0].pk, candidates[0].pk], client=CLIENT)
    outsider = world.city_case("太原市", status=CaseStatus.CITY_SELECTED)
    with pytest.raises(VoteRefused):
        cast_ballot(campaign=campaign, voter=voter, case_ids=[candidates[0].pk, outsider.pk], client=CLIENT)
    assert Ballot.objects.count() == 0
    campaign = world.close_vote_window()
    with pytest.raises(VoteRefused):
        cast_ballot(campaign=campaign, voter=voter, case_ids=[candidates[0].pk, candidates[1].pk],
                    client=CLIENT, now=timezone.now())


def test_ballots_per_address_block_and_device_are_limited(candidates, settings):
    settings.VOTE_LIMITS = {"ballot_device_day": (2, 86400)}
    campaign = world.campaign()
    picks = [candidates[0].pk, candidates[1].pk]
    for phone in ("13800000021", "13800000022"):
        cast_ballot(campaign=campaign, voter=voter_hash(phone), case_ids=picks, client=CLIENT)
    with pytest.raises(VoteRefused):
        cast_ballot(campaign=campaign, voter=voter_hash("13800000023"), case_ids=picks, client=CLIENT)
    assert BallotLog.objects.filter(outcome=BallotLogOutcome.LIMITED).count() == 1
    # The block already counted three attempts (two accepted, one refused by the device limit).
    settings.VOTE_LIMITS = {"ballot_block_hour": (4, 3600)}
    neighbour = ClientInfo(ip="198.51.100.200", block="198.51.100.0/24", device_hash="e" * 64, user_agent="x")
    cast_ballot(campaign=campaign, voter=voter_hash("13800000024"), case_ids=picks, client=neighbour)
    with pytest.raises(VoteRefused):
        cast_ballot(campaign=campaign, voter=voter_hash("13800000025"), case_ids=picks, client=neighbour)


def test_the_real_client_address_behind_trusted_proxies(settings):
    factory = RequestFactory()
    settings.VOTE_TRUSTED_PROXIES = ["10.0.0.0/8"]
    spoofed = factory.get("/", REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.9, 10.0.0.7")
    assert client_ip(spoofed) == "203.0.113.9"
    direct = factory.get("/", REMOTE_ADDR="203.0.113.50", HTTP_X_FORWARDED_FOR="1.2.3.4")
    assert client_ip(direct) == "203.0.113.50"  # an untrusted peer's header is ignored
    assert address_block("203.0.113.50") == "203.0.113.0/24"
    assert address_block("2001:db8:abcd:12:1::5") == "2001:db8:abcd:12::/64"


def test_limits_count_in_the_cache_and_reset(settings):
    settings.VOTE_LIMITS = {"ballot_ip_hour": (2, 3600)}
    assert limits.hit("ballot_ip_hour", "k") and limits.hit("ballot_ip_hour", "k")
    assert not limits.hit("ballot_ip_hour", "k")
    limits.reset("ballot_ip_hour", "k")
    assert limits.hit("ballot_ip_hour", "k")


def test_the_whole_flow_through_the_pages(client, candidates, memory_sms):
    gallery = client.get(reverse("review:vote_gallery"))
    # The gallery sets no cookie (it is the same cached page for everybody); the phone page does,
    # before any code can be asked for.
    assert not gallery.cookies
    assert limits.DEVICE_COOKIE in client.get(reverse("review:vote_phone")).cookies
    page = gallery.content.decode()
    assert all(c.title in page for c in candidates)
    assert "13700009999" not in page and "李联系" not in page
    response = client.post(reverse("review:vote_phone"), {"phone": PHONE})
    assert response.status_code == 302
    response = client.post(reverse("review:vote_verify"), {"code": last_code(memory_sms)})
    assert response.status_code == 302
    page = client.get(reverse("review:vote_gallery")).content.decode()
    assert 'name="case"' in page and "139****5678" in page
    response = client.post(reverse("review:vote_ballot"), {"case": [candidates[0].pk, candidates[2].pk]})
    ballot = Ballot.objects.get()
    assert response.url == reverse("review:vote_receipt", args=[ballot.receipt])
    receipt = client.get(response.url).content.decode()
    assert ballot.receipt in receipt and candidates[0].title in receipt
    assert ballot.device_hash and ballot.voter_hash == voter_hash(PHONE)
    # The same phone again: refused, still one ballot.
    client.post(reverse("review:vote_phone"), {"phone": PHONE})
    assert Ballot.objects.count() == 1


def test_counts_hidden_until_close_and_no_vote_before_opening(client, candidates):
    world.add_votes(candidates[0], 7)
    page = client.get(reverse("review:vote_gallery")).content.decode()
    assert "7 票" not in page and "class=\"vote-count\"" not in page
    world.close_vote_window()
    page = client.get(reverse("review:vote_gallery")).content.decode()
    assert "class=\"vote-count\"" in page
    campaign = world.campaign()
    campaign.vote_opens_at = timezone.now() + datetime.timedelta(days=1)
    campaign.vote_closes_at = timezone.now() + datetime.timedelta(days=2)
    campaign.save()
    page = client.get(reverse("review:vote_gallery")).content.decode()
    assert candidates[0].title not in page
    assert client.get(reverse("review:vote_phone")).status_code == 302


def test_public_photos_only_for_candidates_and_only_photo_slots(client, candidates):
    photo = world.add_upload(candidates[0], UploadSlot.PHOTO_EXTERIOR, world.jpeg_bytes())
    narrative = world.add_upload(candidates[0], UploadSlot.NARRATIVE, b"PK not a photo", name="n.docx")
    outsider = world.city_case("大同市", status=CaseStatus.CITY_SELECTED)
    hidden = world.add_upload(outsider, UploadSlot.PHOTO_SCENE, world.jpeg_bytes())
    response = client.get(reverse("review:vote_photo", args=[photo.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    from PIL import Image
    import io

    image = Image.open(io.BytesIO(response.content))
    assert image.width == 960 and not image.info.get("exif")
    assert client.get(reverse("review:vote_photo", args=[narrative.pk])).status_code == 404
    assert client.get(reverse("review:vote_photo", args=[hidden.pk])).status_code == 404
    assert f'src="{reverse("review:vote_thumb", args=[photo.pk])}"' in client.get(reverse("review:vote_gallery")).content.decode()


def test_staff_open_and_close_the_vote_and_others_cannot(client, candidates):
    staff = world.province_staff()
    campaign = world.campaign()
    close_vote(campaign=campaign, actor=staff)
    campaign.refresh_from_db()
    with pytest.raises(VoteRefused):
        close_vote(campaign=campaign, actor=staff)
    client.force_login(staff)
    closes = (timezone.localtime() + datetime.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    client.post(reverse("review:vote_open"), {"closes_at": closes})
    campaign.refresh_from_db()
    assert campaign.vote_opens_at <= timezone.now() < campaign.vote_closes_at
    assert client.get(reverse("review:vote_control")).status_code == 200
    client.force_login(world.provincial_expert("大同市"))
    for name in ("review:vote_control", "review:vote_quarantine", "review:vote_report"):
        assert client.get(reverse(name)).status_code == 404
    with pytest.raises(VoteRefused):
        open_vote(campaign=campaign, actor=staff, closes_at=timezone.now() - datetime.timedelta(hours=1))


def test_a_phone_that_voted_is_refused_at_the_phone_step_without_an_sms(client, candidates, memory_sms):
    campaign = world.campaign()
    ballot = cast_ballot(campaign=campaign, voter=voter_hash(PHONE), case_ids=[candidates[0].pk, candidates[1].pk],
                         client=CLIENT)
    with pytest.raises(AlreadyVoted, match="该手机号已投过票，每个号码只能投一次"):
        request_code(campaign=campaign, phone=PHONE, client=CLIENT)
    assert memory_sms == []
    response = client.post(reverse("review:vote_phone"), {"phone": "+86 139-1234-5678"})
    page = response.content.decode()
    assert response.status_code == 200 and "该手机号已投过票，每个号码只能投一次" in page
    assert ballot.receipt not in page  # the receipt stays with whoever verified the phone and voted
    assert memory_sms == []
    assert reverse("review:vote_verify") != response.get("Location")


def test_a_refused_ballot_keeps_the_voters_ticks(client, candidates, memory_sms):
    client.post(reverse("review:vote_phone"), {"phone": PHONE})
    client.post(reverse("review:vote_verify"), {"code": last_code(memory_sms)})
    response = client.post(reverse("review:vote_ballot"), {"case": [candidates[1].pk]}, follow=True)
    page = response.content.decode()
    assert "请选择 2 至 3 个不同的案例。" in page
    assert f'name="case" value="{candidates[1].pk}" checked' in page
    assert f'name="case" value="{candidates[0].pk}" checked' not in page
    # Shown once: reloading the gallery starts from the voter's own choice again.
    page = client.get(reverse("review:vote_gallery")).content.decode()
    assert "checked" not in page
    response = client.post(reverse("review:vote_ballot"), {"case": [candidates[1].pk, candidates[2].pk]})
    assert Ballot.objects.get().receipt in response.url
