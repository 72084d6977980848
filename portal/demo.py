"""A realistic demo province for `manage.py seed_demo`: idempotent, deterministic.

All 11 cities (created by the 2024 data migration) get real county names, a park association
per county, enterprise associations, and 60 enterprises of every enterprise type; one login per
role. Nothing here runs in production unless an operator calls the command.
"""

import datetime
import itertools
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from cases.credit_code import check_character
from cases.enums import EnterpriseType, OrganisationKind, Role
from cases.models import Campaign, Case, Enterprise, Organisation
from cases.services import create_user, grant_role
from quotas.services import copy_scoring_criteria, start_campaign_from
from review.models import ExpertProfile

DEMO_PASSWORD = "Kexie@2024demo"

# Two or three real counties of each city, keyed by the city's region name.
COUNTIES = {
    "太原市": ["小店区", "迎泽区", "清徐县"],
    "大同市": ["平城区", "云冈区"],
    "朔州市": ["朔城区", "怀仁市"],
    "忻州市": ["忻府区", "原平市"],
    "吕梁市": ["离石区", "孝义市"],
    "晋中市": ["榆次区", "介休市"],
    "阳泉市": ["城区", "盂县"],
    "长治市": ["潞州区", "襄垣县"],
    "晋城市": ["泽州县", "高平市"],
    "临汾市": ["尧都区", "侯马市"],
    "运城市": ["盐湖区", "河津市"],
}
# Administrative codes used to build plausible credit codes (first six digits of the area).
CITY_AREA_CODES = {
    "太原市": "140100", "大同市": "140200", "阳泉市": "140300", "长治市": "140400", "晋城市": "140500",
    "朔州市": "140600", "晋中市": "140700", "运城市": "140800", "忻州市": "140900", "临汾市": "141000",
    "吕梁市": "141100",
}
BRANDS = ["晋阳", "汾河", "恒通", "华兴", "中鼎", "瑞丰", "宏达", "锦程", "天和", "龙城", "晋能", "太行",
          "吕梁山", "云冈", "黄河", "三晋", "沁水", "五台", "雁门", "尧都"]
INDUSTRIES = ["智能装备", "新材料", "煤化工", "光电科技", "生物医药", "精密铸造", "能源科技", "信息技术",
              "特钢", "农业科技", "电力设备", "环保科技", "半导体", "轨道交通", "氢能"]
SUFFIXES = ["有限公司", "股份有限公司", "集团有限公司"]
ENTERPRISES_PER_TYPE = 60


@dataclass(frozen=True)
class DemoAccount:
    username: str
    full_name: str
    role: str


DEMO_ACCOUNTS = [
    DemoAccount("qiye", "王企业", Role.ENTERPRISE_USER),
    DemoAccount("yuanqu", "李园区", Role.ASSOCIATION_STAFF),
    DemoAccount("xianji", "赵县级", Role.COUNTY_STAFF),
    DemoAccount("shiji", "刘市级", Role.CITY_STAFF),
    DemoAccount("shizhuanjia", "陈专家", Role.CITY_EXPERT),
    DemoAccount("shengji", "孙省级", Role.PROVINCE_STAFF),
    DemoAccount("shengzhuanjia", "周专家", Role.PROVINCE_EXPERT),
    DemoAccount("guancha", "吴观察", Role.OBSERVER),
]


def credit_code_for(area_code: str, serial: int) -> str:
    first_seventeen = f"91{area_code}{serial:09d}"
    return first_seventeen + check_character(first_seventeen)


def _short_enterprise_name(name: str) -> str:
    """三晋新材料有限公司 → 三晋新材料: the name without its legal form, at most 6 characters."""
    for legal_form in ("股份有限公司", "集团有限公司", "有限责任公司", "有限公司"):
        name = name.removesuffix(legal_form)
    return name[:6]


def _organisation(*, kind: str, parent: Organisation, name: str, short_name: str, region: str) -> Organisation:
    existing = Organisation.objects.filter(parent=parent, name=name).first()
    if existing:
        return existing
    organisation = Organisation(kind=kind, parent=parent, name=name, short_name=short_name, region=region)
    organisation.full_clean()
    organisation.save()
    return organisation


def _enterprise_names():
    """An endless, deterministic stream of distinct enterprise names (without the city prefix)."""
    for suffix, industry, brand in itertools.product(SUFFIXES, INDUSTRIES, BRANDS):
        yield f"{brand}{industry}{suffix}"


@transaction.atomic
def seed_demo_province() -> dict[str, int]:
    """Create the demo tree, enterprises, accounts and one draft case; return counts of what exists."""
    province = Organisation.objects.get(kind=OrganisationKind.PROVINCE)
    cities = {city.region: city for city in Organisation.objects.filter(kind=OrganisationKind.CITY)}
    associations: list[tuple[Organisation, Organisation]] = []  # (association, city)
    for region, county_names in COUNTIES.items():
        city = cities[region]
        for county_name in county_names:
            county = _organisation(
                kind=OrganisationKind.COUNTY, parent=city, name=f"{county_name}科学技术协会",
                short_name=county_name, region=county_name,
            )
            park = _organisation(
                kind=OrganisationKind.PARK_ASSOCIATION, parent=county,
                name=f"{county_name}经济技术开发区园区科协", short_name=f"{county_name}开发区", region=county_name,
            )
            associations.append((park, city))

    names = _enterprise_names()
    types = list(EnterpriseType)
    city_list = list(cities.values())
    parks_by_city = {}
    for park, city in associations:
        parks_by_city.setdefault(city.pk, []).append(park)
    serial = 0
    for enterprise_type in types:
        for index in range(ENTERPRISES_PER_TYPE):
            serial += 1
            city = city_list[serial % len(city_list)]
            name = f"{city.short_name}{next(names)}"
            code = credit_code_for(CITY_AREA_CODES[city.region], serial)
            if Enterprise.objects.filter(credit_code=code).exists():
                continue
            parks = parks_by_city[city.pk]
            park = parks[serial % len(parks)]
            # Every fifth enterprise has its own enterprise association and submits through it.
            if serial % 5 == 0:
                association = _organisation(
                    kind=OrganisationKind.ENTERPRISE_ASSOCIATION, parent=park.parent, name=f"{name}科协",
                    short_name=name[:8], region=park.region,
                )
                flags = {"has_park_association": True, "has_enterprise_association": True}
            else:
                association, flags = park, {"has_park_association": True, "has_enterprise_association": False}
            enterprise = Enterprise(
                name=name, short_name=_short_enterprise_name(name[len(city.short_name):]), credit_code=code,
                enterprise_type=enterprise_type, association=association, **flags,
            )
            enterprise.full_clean()
            enterprise.save()

    _seed_demo_campaign()
    _seed_accounts(province, cities["太原市"])
    return {
        "organisations": Organisation.objects.count(),
        "enterprises": Enterprise.objects.count(),
        "users": get_user_model().objects.count(),
        "cases": Case.objects.count(),
    }


def _seed_demo_campaign() -> None:
    """The 2024 campaign's deadlines have passed; the demo runs a copy of it for this year,
    with deadlines ahead of today and the same quotas and scoring criteria, made current. Created
    once: later runs leave it as it is, except that a demo campaign made before criteria were
    copied gets the 2024 criteria (experts cannot score without them)."""
    today = timezone.localdate()
    source = Campaign.objects.get(year=2024)
    existing = Campaign.objects.filter(year=today.year).first()
    if existing is not None:
        copy_scoring_criteria(source=source, target=existing)
        return
    start_campaign_from(
        source, year=today.year,
        title=f"{today.year}年山西省企业典型创新案例征集及宣讲活动（演示）",
        deadlines=tuple(today + datetime.timedelta(days=days) for days in (14, 18, 23, 26)),
    )


def _seed_accounts(province: Organisation, taiyuan: Organisation) -> None:
    park = Organisation.objects.get(name="小店区经济技术开发区园区科协")
    county = park.parent
    demo_enterprise = Enterprise.objects.filter(association=park).order_by("id").first()
    target = {
        Role.ENTERPRISE_USER: {"enterprise": demo_enterprise},
        Role.ASSOCIATION_STAFF: {"organisation": park},
        Role.COUNTY_STAFF: {"organisation": county},
        Role.CITY_STAFF: {"organisation": taiyuan},
        Role.CITY_EXPERT: {"organisation": taiyuan},
        Role.PROVINCE_STAFF: {"organisation": province},
        Role.PROVINCE_EXPERT: {"organisation": province},
        Role.OBSERVER: {"organisation": province},
    }
    User = get_user_model()
    for account in DEMO_ACCOUNTS:
        user = User.objects.filter(username=account.username).first()
        if user is None:
            user = create_user(username=account.username, password=DEMO_PASSWORD, full_name=account.full_name)
        grant_role(user=user, role=account.role, **target[account.role])
    _seed_expert_profiles()

    from portal.demo_cases import seed_demo_cases

    seed_demo_cases(park=park)


# The demo experts' pool details (recusal, 回避). The provincial expert comes from 晋中, not 太原
# where the demo cases are, so they can score those cases once they reach the province.
DEMO_EXPERT_PROFILES = {
    "shengzhuanjia": {"home_city_region": "晋中市", "expertise": "智能制造"},
    "shizhuanjia": {"home_city_region": "太原市", "expertise": "新材料"},
}


def _seed_expert_profiles() -> None:
    """Put the demo experts into their pools: the provincial pool lists only experts with a profile.
    Created once; a profile staff edited later is left as it is."""
    User = get_user_model()
    for username, details in DEMO_EXPERT_PROFILES.items():
        home_city = Organisation.objects.get(kind=OrganisationKind.CITY, region=details["home_city_region"])
        ExpertProfile.objects.get_or_create(
            user=User.objects.get(username=username),
            defaults={"home_city": home_city, "expertise": details["expertise"], "is_active": True},
        )
