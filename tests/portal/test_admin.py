import pytest
from django.urls import reverse

from cases.enums import Role
from tests import factories

pytestmark = pytest.mark.django_db

ADMIN_PAGES = [
    "admin:index", "admin:cases_campaign_changelist", "admin:cases_organisation_changelist",
    "admin:cases_enterprise_changelist", "admin:cases_membership_changelist", "admin:quotas_cityquota_changelist",
    "admin:auth_user_changelist", "admin:cases_organisation_add", "admin:cases_enterprise_add",
]


@pytest.mark.parametrize("name", ADMIN_PAGES)
def test_provincial_staff_get_the_admin_in_chinese(client, name):
    client.force_login(factories.user(Role.PROVINCE_STAFF, organisation_=factories.province()))
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "创新案例征集平台 管理后台" in response.content.decode()


def test_campaign_page_shows_its_quota_table(client):
    from cases.models import Campaign

    client.force_login(factories.user(Role.PROVINCE_STAFF, organisation_=factories.province()))
    page = client.get(reverse("admin:cases_campaign_change", args=[Campaign.objects.get(year=2024).pk])).content.decode()
    assert "名额分配" in page and "太原市科学技术协会" in page


@pytest.mark.parametrize("role", [Role.CITY_STAFF, Role.COUNTY_STAFF])
def test_other_tiers_cannot_open_the_admin(client, role):
    organisation = factories.city() if role == Role.CITY_STAFF else factories.county()
    client.force_login(factories.user(role, organisation_=organisation))
    response = client.get(reverse("admin:cases_enterprise_changelist"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))
