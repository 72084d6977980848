import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from cases.enums import OrganisationKind, Role, Tier
from cases.models import Campaign, Case
from tests import factories

BEIJING = datetime.timezone(datetime.timedelta(hours=8))
EARLY = datetime.datetime(2024, 8, 1, 10, 0, tzinfo=BEIJING)
# A real one-page PDF: the signed scan is checked by the validation engine (readable, unprotected, pages).
PDF = factories.pdf_bytes("推荐汇总表盖章扫描件")


def pdf_upload(name: str = "盖章扫描.pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


@pytest.fixture
def campaign_2024(db):
    return Campaign.objects.get(year=2024)


@pytest.fixture
def county_world(campaign_2024):
    """太原: one county with a park association and an enterprise association; staff of every tier."""
    city = factories.city("太原市")
    county = factories.county(city, name="测试县科协")
    park = factories.park(county, name="测试园区科协")
    enterprise_association = factories.organisation(OrganisationKind.ENTERPRISE_ASSOCIATION, county, name="测试企业科协")
    enterprises = [factories.enterprise(park, name=f"园区企业{i}有限公司") for i in range(3)]
    enterprises.append(factories.enterprise(enterprise_association, name="自有科协企业有限公司"))
    staff = {
        Tier.ASSOCIATION: factories.user(Role.ASSOCIATION_STAFF, organisation_=park, username="park"),
        Tier.COUNTY: factories.user(Role.COUNTY_STAFF, organisation_=county, username="county"),
        Tier.CITY: factories.user(Role.CITY_STAFF, organisation_=city, username="city"),
        Tier.PROVINCE: factories.user(Role.PROVINCE_STAFF, organisation_=factories.province(), username="province"),
    }
    return {"city": city, "county": county, "park": park, "enterprise_association": enterprise_association,
            "enterprises": enterprises, "staff": staff, "campaign": campaign_2024}


def make_case(world, enterprise, status: str, title: str) -> Case:
    case = factories.case(enterprise, status=status, title=title)
    case.campaign = world["campaign"]
    case.save()
    return case


@pytest.fixture
def pipeline_clock(monkeypatch):
    """Every stage of the 2024 campaign is open: the clock stands at 2024-08-01 in these tests."""
    from django.utils import timezone

    monkeypatch.setattr(timezone, "now", lambda: EARLY)
