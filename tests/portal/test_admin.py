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


def test_provincial_staff_cannot_make_a_superuser_or_touch_one(client):
    from django.contrib.auth import get_user_model

    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    expert = factories.user(Role.PROVINCE_EXPERT, organisation_=factories.province())
    root = get_user_model().objects.create_superuser("root-admin", "root@example.com", "Root#2024-secret")
    client.force_login(staff)
    page = client.get(reverse("admin:auth_user_change", args=[expert.pk])).content.decode()
    assert 'name="is_superuser"' not in page and 'name="user_permissions"' not in page
    response = client.post(reverse("admin:auth_user_change", args=[expert.pk]), {
        "username": expert.username, "first_name": "专家", "last_name": "", "email": "", "is_active": "on",
        "is_superuser": "on", "is_staff": "on", "date_joined_0": "2024-01-01", "date_joined_1": "00:00:00",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
    })
    expert.refresh_from_db()
    assert expert.is_superuser is False and response.status_code in (200, 302)
    root_page = client.get(reverse("admin:auth_user_change", args=[root.pk])).content.decode()
    assert 'name="_save"' not in root_page  # view only
    assert client.get(reverse("admin:auth_user_password_change", args=[root.pk])).status_code == 403
