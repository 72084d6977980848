"""Public pages that look something up by a key anyone can try are limited per address, with the
Chinese 429 page (issue 11, defect 10 and its class): certificate verification, ballot receipts,
the vote's SMS code, vote photos by id."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.enums import CaseStatus, UploadSlot
from portal.ratelimit import DEFAULT_MISS_LIMITS, DEFAULT_RATE_LIMITS, Rate
from review.models import Ballot
from review.selection.certificates import issue_certificates
from review.voting import voter_pass
from tests.review import review_world as world

pytestmark = pytest.mark.django_db

TOO_MANY = "<h1>请求过于频繁</h1>"


@pytest.fixture(autouse=True)
def _one_window(monkeypatch):
    """The limits count in fixed windows: pin the limiter's clock inside one, so a slow run that
    crosses a window boundary does not reset the count half-way through a test."""
    import types

    from portal import ratelimit

    monkeypatch.setattr(ratelimit, "time", types.SimpleNamespace(time=lambda: 1_800_000_000.0))
HERE, ELSEWHERE = "198.51.100.7", "198.51.100.8"


def _limit(name: str) -> int:
    return Rate.parse(DEFAULT_RATE_LIMITS[name][0]).limit


def _assert_refused_in_chinese(response, period: int):
    assert response.status_code == 429
    assert TOO_MANY in response.content.decode()
    assert "短时间内尝试次数过多。请等待" in response.content.decode()
    assert 0 < int(response["Retry-After"]) <= period


def test_certificate_numbers_tried_from_one_address_are_refused_after_the_limit(client):
    # Arrange: one real certificate; its number tried after many wrong ones.
    staff = world.province_staff()
    world.city_case("太原市", status=CaseStatus.WINNER, title="真证书案例")
    [certificate] = issue_certificates(campaign=world.campaign(), actor=staff)
    url = reverse("review:certificate_verify")
    limit = _limit("review:certificate_verify")
    assert (limit, Rate.parse(DEFAULT_RATE_LIMITS["review:certificate_verify"][0]).period) == (60, 600)

    # Act
    answers = [client.get(url, {"number": f"SX2024-{n:03d}-AAAA"}, REMOTE_ADDR=HERE) for n in range(limit)]
    refused = client.get(url, {"number": certificate.number}, REMOTE_ADDR=HERE)
    elsewhere = client.get(url, {"number": certificate.number}, REMOTE_ADDR=ELSEWHERE)

    # Assert: each wrong number answered until the limit; then even the right one is refused
    # (nothing learnt), while another address still verifies.
    assert {answer.status_code for answer in answers} == {200}
    assert "没有该编号的证书，请核对后重试。" in answers[0].content.decode()
    _assert_refused_in_chinese(refused, 600)
    assert "真证书案例" not in refused.content.decode()
    assert elsewhere.status_code == 200 and "真证书案例" in elsewhere.content.decode()


def test_ballot_receipts_tried_from_one_address_are_refused_after_the_limit(client):
    world.open_vote_window()
    case = world.city_case("太原市", title="候选")
    world.add_votes(case, 1)
    receipt = Ballot.objects.get().receipt
    limit = _limit("review:vote_receipt")

    misses = [client.get(reverse("review:vote_receipt", args=[uuid.uuid4().hex[:12].upper()]), REMOTE_ADDR=HERE)
              for _ in range(limit)]
    refused = client.get(reverse("review:vote_receipt", args=[receipt]), REMOTE_ADDR=HERE)
    elsewhere = client.get(reverse("review:vote_receipt", args=[receipt]), REMOTE_ADDR=ELSEWHERE)

    assert {miss.status_code for miss in misses} == {404}
    _assert_refused_in_chinese(refused, 600)
    assert "候选" not in refused.content.decode()
    assert elsewhere.status_code == 200 and "候选" in elsewhere.content.decode()


def test_sms_codes_tried_from_one_address_are_refused_after_the_limit(client):
    world.open_vote_window()
    client.cookies[voter_pass.COOKIE] = voter_pass.encode(voter_pass.pending(voter="0" * 64, masked="139****5678"))
    limit = _limit("review:vote_verify")

    answers = [client.post(reverse("review:vote_verify"), {"code": f"{n:06d}"}, REMOTE_ADDR=HERE) for n in range(limit)]
    refused = client.post(reverse("review:vote_verify"), {"code": "123456"}, REMOTE_ADDR=HERE)

    assert {answer.status_code for answer in answers} == {200}
    _assert_refused_in_chinese(refused, 600)


def test_vote_photo_ids_that_find_nothing_are_limited_but_the_gallery_photos_never_count(client):
    world.open_vote_window()
    candidate = world.city_case("太原市", title="候选")
    photo = world.add_upload(candidate, UploadSlot.PHOTO_EXTERIOR, world.jpeg_bytes())
    limit = Rate.parse(DEFAULT_MISS_LIMITS["review:vote_photo"]).limit
    assert limit == 60

    shown = [client.get(reverse("review:vote_photo", args=[photo.pk]), REMOTE_ADDR=HERE) for _ in range(limit + 5)]
    misses = [client.get(reverse("review:vote_photo", args=[photo.pk + 1000 + n]), REMOTE_ADDR=HERE)
              for n in range(limit)]
    refused_miss = client.get(reverse("review:vote_photo", args=[photo.pk + 5000]), REMOTE_ADDR=HERE)
    refused_hit = client.get(reverse("review:vote_photo", args=[photo.pk]), REMOTE_ADDR=HERE)
    elsewhere = client.get(reverse("review:vote_photo", args=[photo.pk]), REMOTE_ADDR=ELSEWHERE)

    assert {response.status_code for response in shown} == {200}
    assert {response.status_code for response in misses} == {404}
    _assert_refused_in_chinese(refused_miss, 600)
    _assert_refused_in_chinese(refused_hit, 600)  # over the limit a hit and a miss look alike
    assert elsewhere.status_code == 200 and elsewhere["Content-Type"] == "image/jpeg"


# --- the class: every anonymous page that takes a key ----------------------------------------

# Public pages that look up by a key in the query string or check a secret (the resolver cannot
# see those): each must have a per-address limit too.
QUERY_KEYED = {"review:certificate_verify", "review:vote_verify", "login"}


def _patterns():
    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace != "admin":
                    yield from walk(pattern.url_patterns, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
            elif isinstance(pattern, URLPattern):
                yield f"{namespace}{pattern.name}", pattern.pattern.converters

    return list(walk(get_resolver().url_patterns))


def _dummy(converter) -> object:
    """A value the converter accepts that names nothing."""
    for value in (999999, uuid.uuid4(), "ZZZZZZZZZZZZ"):
        try:
            converter.to_url(value)
        except (ValueError, AttributeError):
            continue
        if re.fullmatch(converter.regex, str(value)):
            return value
    raise AssertionError(f"no dummy value for {converter!r}")


def test_every_anonymous_page_with_a_key_in_its_address_is_limited_per_address():
    # Arrange: which pages answer an anonymous visitor (not a redirect to the sign-in page)?
    world.open_vote_window()
    anonymous = Client()
    keyed_public = set()
    for name, converters in _patterns():
        if not converters:
            continue
        url = reverse(name, kwargs={key: _dummy(converter) for key, converter in converters.items()})
        response = anonymous.get(url)
        if not (response.status_code == 302 and response["Location"].startswith(reverse("login"))):
            keyed_public.add(name)

    # Assert: the resolver finds the pages we know, and each of them, and each query-keyed page,
    # has a per-address limit (every request, or the misses).
    assert keyed_public == {"review:vote_photo", "review:vote_receipt", "password_reset_confirm", "accounts:register_invited",
                            "campaign_attachment", "review:vote_thumb", "review:vote_candidate", "review:vote_candidate_qr",
                            "showcase:case", "showcase:case_qr", "showcase:video", "showcase:media"}
    limited = {name for name, (_rate, key, _methods) in DEFAULT_RATE_LIMITS.items() if key == "ip"}
    assert (keyed_public | QUERY_KEYED) - limited - set(DEFAULT_MISS_LIMITS) == set()
