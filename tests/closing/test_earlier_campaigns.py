"""Once a new campaign is current, the province still reaches an earlier one: the closing page lists
every campaign, and each has its own closing page, close form and archive download."""

import datetime
import io
import json
import zipfile

import pytest
from django.urls import reverse

from cases.enums import AuditAction, Role
from cases.models import AuditEvent, Campaign
from quotas.services import start_campaign_from
from review.closing.archive import MANIFEST
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
NOW = datetime.datetime(2025, 3, 1, 10, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _frozen(monkeypatch):
    factories.freeze_now(monkeypatch, NOW)


@pytest.fixture
def years():
    """2024 with one case, and 2025 started from it and made current."""
    earlier = Campaign.objects.get(year=2024)
    world.city_case("太原市", title="二〇二四年的案例")
    dates = (datetime.date(2025, 9, 1), datetime.date(2025, 9, 5), datetime.date(2025, 9, 10), datetime.date(2025, 9, 13))
    current = start_campaign_from(earlier, year=2025, title="2025年活动", deadlines=dates)
    return earlier, current


def test_the_closing_page_lists_every_campaign_with_its_archive(client, years):
    earlier, current = years
    client.force_login(world.province_staff())
    page = client.get(reverse("review:closing_home")).content.decode()
    assert "2025年活动" in page and earlier.title in page
    assert reverse("review:closing_campaign", args=[2024]) in page
    assert reverse("review:closing_campaign_archive", args=[2024]) in page
    assert reverse("review:closing_archive") in page  # the current one keeps its URL
    assert page.count("未关闭") == 2


def test_an_earlier_campaign_has_its_own_closing_page(client, years):
    earlier, _current = years
    client.force_login(world.province_staff())
    page = client.get(reverse("review:closing_campaign", args=[2024])).content.decode()
    assert f'<p class="campaign">{earlier.title}</p>' in page
    assert "这是2024年度的活动，不是当前活动。" in page
    assert f'action="{reverse("review:closing_campaign_close", args=[2024])}"' in page


def test_the_archive_of_an_earlier_campaign_downloads_and_is_logged(client, years):
    earlier, _current = years
    staff = world.province_staff()
    client.force_login(staff)
    response = client.get(reverse("review:closing_campaign_archive", args=[2024]))
    assert response.streaming and response["Content-Type"] == "application/zip"
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).read(MANIFEST))
    assert manifest["campaign"]["year"] == 2024
    assert [case["title"] for case in manifest["cases"]] == ["二〇二四年的案例"]
    event = AuditEvent.objects.get(action=AuditAction.PERSONAL_DATA_DOWNLOADED)
    assert event.actor == staff and earlier.title in event.summary


def test_the_current_archive_url_still_gives_the_current_campaign(client, years):
    client.force_login(world.province_staff())
    response = client.get(reverse("review:closing_archive"))
    manifest = json.loads(zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content))).read(MANIFEST))
    assert manifest["campaign"]["year"] == 2025 and manifest["cases"] == []


def test_an_earlier_campaign_can_be_closed_from_its_page(client, years):
    earlier, current = years
    client.force_login(world.province_staff())
    url = reverse("review:closing_campaign_close", args=[2024])
    response = client.post(url, {"confirm": "2025"})
    assert response["Location"] == reverse("review:closing_campaign", args=[2024])
    assert Campaign.objects.get(pk=earlier.pk).closed_at is None
    client.post(url, {"confirm": "2024"})
    assert Campaign.objects.get(pk=earlier.pk).closed_at == NOW
    assert Campaign.objects.get(pk=current.pk).closed_at is None
    page = client.get(reverse("review:closing_home")).content.decode()
    assert "已于 2025-03-01 关闭" in page


def test_an_unknown_year_is_a_404(client, years):
    client.force_login(world.province_staff())
    assert client.get(reverse("review:closing_campaign", args=[1999])).status_code == 404
    assert client.get(reverse("review:closing_campaign_archive", args=[1999])).status_code == 404


@pytest.mark.parametrize("role", [Role.CITY_STAFF, Role.OBSERVER, Role.PROVINCE_EXPERT])
def test_only_provincial_staff_reach_an_earlier_campaign(client, years, role):
    organisation = factories.city("太原市") if role == Role.CITY_STAFF else factories.province()
    client.force_login(factories.user(role, organisation_=organisation))
    assert client.get(reverse("review:closing_campaign", args=[2024])).status_code == 404
    assert client.get(reverse("review:closing_campaign_archive", args=[2024])).status_code == 404
    assert client.post(reverse("review:closing_campaign_close", args=[2024]), {"confirm": "2024"}).status_code == 404
    assert Campaign.objects.get(year=2024).closed_at is None
