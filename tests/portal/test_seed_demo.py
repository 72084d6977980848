import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from portal.demo import DEMO_ACCOUNTS, DEMO_PASSWORD
from cases.enums import EnterpriseType, OrganisationKind, Role
from cases.models import Campaign, Case, Enterprise, Membership, Organisation

pytestmark = pytest.mark.django_db


def snapshot():
    return (
        sorted(Organisation.objects.values_list("id", "name", "path", "kind")),
        sorted(Enterprise.objects.values_list("id", "name", "credit_code", "association_id", "enterprise_type")),
        sorted(get_user_model().objects.values_list("id", "username", "password", "is_staff")),
        sorted(Membership.objects.values_list("id", "user_id", "role", "organisation_id", "enterprise_id")),
        sorted(Case.objects.values_list("id", "title", "status")),
    )


def test_seed_demo_builds_a_whole_province_and_twice_changes_nothing():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    first = snapshot()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert snapshot() == first

    for city in Organisation.objects.filter(kind=OrganisationKind.CITY):
        assert city.children.filter(kind=OrganisationKind.COUNTY).count() >= 2, city.name
    assert Organisation.objects.filter(kind=OrganisationKind.PARK_ASSOCIATION).count() >= 22
    assert Organisation.objects.filter(kind=OrganisationKind.ENTERPRISE_ASSOCIATION).count() >= 1
    for enterprise_type in EnterpriseType:
        assert Enterprise.objects.filter(enterprise_type=enterprise_type).count() >= 60, enterprise_type
    for enterprise in Enterprise.objects.select_related("association"):
        enterprise.full_clean()  # valid credit code, consistent association flags


def test_one_working_login_per_role():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    roles = set()
    for account in DEMO_ACCOUNTS:
        user = get_user_model().objects.get(username=account.username)
        assert user.check_password(DEMO_PASSWORD)
        roles.update(user.memberships.values_list("role", flat=True))
    assert roles == set(Role.values)


def test_demo_runs_a_current_campaign_with_deadlines_ahead_and_the_2024_quotas():
    from django.db.models import Sum
    from django.utils import timezone

    from quotas.models import CityQuota

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    campaign = Campaign.objects.current()
    today = timezone.localdate()
    assert campaign.year == today.year and campaign.title.endswith("（演示）")
    assert campaign.enterprise_deadline == today + datetime.timedelta(days=14)
    assert CityQuota.objects.filter(campaign=campaign).aggregate(Sum("cases"), Sum("presenters")) == {
        "cases__sum": 120, "presenters__sum": 14,
    }


def test_every_demo_login_finds_work_waiting_at_its_tier():
    from cases.enums import CaseStatus

    call_command("seed_demo", stdout=open("/dev/null", "w"))
    statuses = set(Case.objects.values_list("status", flat=True))
    assert statuses == {CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.COUNTY_REVIEW, CaseStatus.CITY_REVIEW}
    for case in Case.objects.exclude(status=CaseStatus.DRAFT):
        uploads = case.uploads.filter(superseded_at__isnull=True)
        assert uploads.count() == 5
        assert sum(upload.error_count for upload in uploads) == 0, case.title
