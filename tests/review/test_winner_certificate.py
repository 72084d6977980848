"""Issue 13 item 5: the winning enterprise gets its certificate (download and public verification
link) and its 公示 entry on its case page; only its own enterprise and the staff above it (and the
province) may download the PDF."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from cases.enums import CaseStatus, Role, Tier
from cases.workflow import transition_case
from quotas.models import CityQuota
from review.models import Batch, BatchStatus, Certificate
from review.selection.services import compute_selection, finalise_selection, publish_selection
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def memory_sms(settings):
    settings.SMS_GATEWAY = "review.voting.sms.MemoryGateway"


def _campaign(**fields):
    campaign = world.campaign()
    for name, value in fields.items():
        setattr(campaign, name, value)
    campaign.save()
    return campaign


@pytest.fixture
def final():
    """Two scored candidates, every city forwarded, the vote closed; the 公示 published and made
    final: 胜 is a winner with its certificate, 负 is not."""
    _campaign(winners_count=1, presenters_count=1, objection_days=7, vote_min_picks=1, vote_max_picks=2)
    staff = world.province_staff()
    win, lose = world.city_case("太原市", title="胜"), world.city_case("大同市", title="负")
    world.score_case(win, [90], staff=staff)
    world.score_case(lose, [50], staff=staff)
    for quota in CityQuota.objects.filter(campaign=world.campaign()).select_related("city"):
        Batch.objects.create(campaign=world.campaign(), organisation=quota.city, tier=Tier.CITY,
                             status=BatchStatus.FORWARDED, forwarded_at=timezone.now() - datetime.timedelta(days=1))
    world.close_vote_window()
    compute_selection(campaign=world.campaign(), actor=staff)
    selection = publish_selection(campaign=world.campaign(), actor=staff)
    finalise_selection(campaign=world.campaign(), actor=staff, now=selection.objection_ends_at)
    win.refresh_from_db()
    lose.refresh_from_db()
    return {"staff": staff, "win": win, "lose": lose, "certificate": Certificate.objects.get(case=win)}


def _enterprise_user(case):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)


def test_the_winners_case_page_shows_its_notice_entry_certificate_and_verification_link(client, final):
    win, certificate = final["win"], final["certificate"]
    assert win.status == CaseStatus.WINNER
    client.force_login(_enterprise_user(win))
    page = client.get(reverse("cases:case_detail", args=[win.pk])).content.decode()
    assert "在优秀案例公示名单中序号为 1。" in page
    assert "公示期已结束，结果为最终结果。" in page
    assert f'<dd class="certificate-number">{certificate.number}</dd>' in page
    assert f'href="{reverse("review:certificate_pdf", args=[certificate.number])}"' in page
    assert f'href="{reverse("review:certificate_verify")}?number={certificate.number}"' in page
    assert f'href="{reverse("review:publicity")}"' in page


def test_the_winning_enterprise_downloads_its_certificate(client, final):
    certificate = final["certificate"]
    client.force_login(_enterprise_user(final["win"]))
    response = client.get(reverse("review:certificate_pdf", args=[certificate.number]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf" and response.content[:5] == b"%PDF-"
    assert certificate.number in response["Content-Disposition"]
    # The link on the case page leads to the public check, which confirms it.
    verified = client.get(reverse("review:certificate_verify"), {"number": certificate.number}).content.decode()
    assert "该证书真实有效。" in verified and certificate.case_title in verified


@pytest.mark.parametrize("who", ["association", "county", "city", "province"])
def test_the_staff_above_the_winner_may_download_it(client, final, who):
    win = final["win"]
    association = win.enterprise.association
    user = {
        "association": lambda: factories.user(Role.ASSOCIATION_STAFF, organisation_=association),
        "county": lambda: factories.user(Role.COUNTY_STAFF, organisation_=association.parent),
        "city": lambda: factories.user(Role.CITY_STAFF, organisation_=association.parent.parent),
        "province": lambda: final["staff"],
    }[who]()
    client.force_login(user)
    response = client.get(reverse("review:certificate_pdf", args=[final["certificate"].number]))
    assert response.status_code == 200 and response.content[:5] == b"%PDF-"


@pytest.mark.parametrize("who", ["other_enterprise", "same_park_enterprise", "other_city", "other_county",
                                 "provincial_expert", "city_expert", "observer"])
def test_nobody_else_may_download_it(client, final, who):
    win = final["win"]
    association = win.enterprise.association
    user = {
        "other_enterprise": lambda: _enterprise_user(final["lose"]),
        "same_park_enterprise": lambda: factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise(association)),
        "other_city": lambda: factories.user(Role.CITY_STAFF, organisation_=factories.city("大同市")),
        "other_county": lambda: factories.user(Role.COUNTY_STAFF, organisation_=factories.county(association.parent.parent)),
        "provincial_expert": lambda: world.provincial_expert("晋城市"),
        "city_expert": lambda: world.city_expert("太原市"),
        "observer": lambda: factories.user(Role.OBSERVER, organisation_=factories.province()),
    }[who]()
    client.force_login(user)
    assert client.get(reverse("review:certificate_pdf", args=[final["certificate"].number])).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, final):
    response = client.get(reverse("review:certificate_pdf", args=[final["certificate"].number]))
    assert response.status_code == 302 and reverse("login") in response.url


def test_a_winner_decision_taken_back_withholds_the_certificate_from_the_enterprise(client, final):
    win = final["win"]
    transition_case(win, to=CaseStatus.PROVINCE_REVIEW, actor=final["staff"], reason="复核")
    client.force_login(_enterprise_user(win))
    assert client.get(reverse("review:certificate_pdf", args=[final["certificate"].number])).status_code == 404
    page = client.get(reverse("cases:case_detail", args=[win.pk])).content.decode()
    assert reverse("review:certificate_pdf", args=[final["certificate"].number]) not in page


def test_a_winner_without_a_certificate_yet_is_told_when_it_comes(client):
    case = world.city_case("太原市", status=CaseStatus.WINNER, title="待发证案例")
    client.force_login(_enterprise_user(case))
    page = client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "优秀案例名单尚未公示。" in page
    assert "评选结果确定后，由省科技创新服务中心颁发证书，届时可在本页下载。" in page
    assert "review/province/certificates/" not in page
