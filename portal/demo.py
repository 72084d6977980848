"""A realistic demo province for `manage.py seed_demo`: idempotent, deterministic.

All 11 cities (created by the 2024 data migration) get real county names, a park association
per county, enterprise associations, and 60 enterprises of every enterprise type; one login per
role (DEMO_ACCOUNTS), expert pools large enough for the assignment rules, and a demo campaign at
the stage asked for (portal.demo_story). seed_demo refuses a database holding anything but the
demo (portal.demo_reset). Nothing here runs in production unless an operator calls the command.
"""

import itertools
from dataclasses import dataclass
from functools import lru_cache

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from cases.credit_code import check_character
from cases.enums import EnterpriseType, OrganisationKind, Role
from cases.models import Campaign, Case, Enterprise, Membership, Organisation
from cases.services import create_user, grant_role
from portal.demo_reset import REFERENCE_YEAR, delete_demo_campaigns, ensure_demo_database
from portal.demo_story import START, build_stage, stage_of
from quotas.services import copy_scoring_criteria
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


def _organisation(known: dict, *, kind: str, parent: Organisation, name: str, short_name: str, region: str) -> Organisation:
    """The organisation named `name` under `parent`, made if missing (`known`: those that exist, by
    parent id and name, read in one query). Validated field by field and by its clean(); the
    uniqueness the database enforces is not asked of it row by row."""
    existing = known.get((parent.pk, name))
    if existing:
        return existing
    organisation = Organisation(kind=kind, parent=parent, name=name, short_name=short_name, region=region)
    organisation.clean_fields(exclude=["parent"])
    organisation.clean()
    organisation.save()
    known[(parent.pk, name)] = organisation
    return organisation


def _enterprise_names():
    """An endless, deterministic stream of distinct enterprise names (without the city prefix)."""
    for suffix, industry, brand in itertools.product(SUFFIXES, INDUSTRIES, BRANDS):
        yield f"{brand}{industry}{suffix}"


def _seed_tree() -> None:
    """The counties, park associations, enterprise associations and enterprises of every city.
    Rows that exist are read in two queries and new enterprises written in one: this runs on
    every `make run`."""
    cities = {city.region: city for city in Organisation.objects.filter(kind=OrganisationKind.CITY)}
    known = {(org.parent_id, org.name): org for org in Organisation.objects.exclude(parent=None).select_related("parent")}
    associations: list[tuple[Organisation, Organisation]] = []  # (association, city)
    for region, county_names in COUNTIES.items():
        city = cities[region]
        for county_name in county_names:
            county = _organisation(
                known, kind=OrganisationKind.COUNTY, parent=city, name=f"{county_name}科学技术协会",
                short_name=county_name, region=county_name,
            )
            park = _organisation(
                known, kind=OrganisationKind.PARK_ASSOCIATION, parent=county,
                name=f"{county_name}经济技术开发区园区科协", short_name=f"{county_name}开发区", region=county_name,
            )
            associations.append((park, city))

    names = _enterprise_names()
    city_list = list(cities.values())
    parks_by_city = {}
    for park, city in associations:
        parks_by_city.setdefault(city.pk, []).append(park)
    existing_codes = set(Enterprise.objects.values_list("credit_code", flat=True))
    new = []
    serial = 0
    for enterprise_type in EnterpriseType:
        for _index in range(ENTERPRISES_PER_TYPE):
            serial += 1
            city = city_list[serial % len(city_list)]
            name = f"{city.short_name}{next(names)}"
            code = credit_code_for(CITY_AREA_CODES[city.region], serial)
            if code in existing_codes:
                continue
            parks = parks_by_city[city.pk]
            park = parks[serial % len(parks)]
            # Every fifth enterprise has its own enterprise association and submits through it.
            if serial % 5 == 0:
                association = _organisation(
                    known, kind=OrganisationKind.ENTERPRISE_ASSOCIATION, parent=park.parent, name=f"{name}科协",
                    short_name=name[:8], region=park.region,
                )
                flags = {"has_park_association": True, "has_enterprise_association": True}
            else:
                association, flags = park, {"has_park_association": True, "has_enterprise_association": False}
            enterprise = Enterprise(
                name=name, short_name=_short_enterprise_name(name[len(city.short_name):]), credit_code=code,
                enterprise_type=enterprise_type, association=association, **flags,
            )
            enterprise.clean_fields(exclude=["association"])  # the credit code's checksum among them
            enterprise.clean()
            new.append(enterprise)
    Enterprise.objects.bulk_create(new)


# --- accounts -----------------------------------------------------------------------------------

# The demo logins' places: the first park of 阳泉's 城区 and its county, the city of 阳泉, the
# province; the enterprise user belongs to the enterprise of the first demo case (its draft).
DEMO_PARK_NAME = "城区经济技术开发区园区科协"

# Expert pools as large as campaign.experts_per_case (5), so automatic assignment fills every case:
# (username, name, home city, expertise). The demo's own experts come first. The provincial experts
# come from cities without demo cases, so nobody has to recuse (回避) from them.
CITY_EXPERTS = {
    "阳泉市": [("shizhuanjia", "陈专家", "新材料"), ("shizhuanjia2", "杨国栋", "煤炭开采"), ("shizhuanjia3", "郭丽华", "环保科技"),
              ("shizhuanjia4", "赵建平", "智能装备"), ("shizhuanjia5", "范晓东", "管理创新")],
    "朔州市": [("shuozhou-zhuanjia1", "李文斌", "煤化工"), ("shuozhou-zhuanjia2", "王海燕", "食品工程"),
              ("shuozhou-zhuanjia3", "张志强", "新能源"), ("shuozhou-zhuanjia4", "刘晓红", "陶瓷材料"),
              ("shuozhou-zhuanjia5", "高永胜", "管理创新")],
}
PROVINCE_EXPERTS = [
    ("shengzhuanjia", "周专家", "晋中市", "智能制造"), ("shengzhuanjia2", "吴振华", "大同市", "能源化工"),
    ("shengzhuanjia3", "郑雅琴", "长治市", "新材料"), ("shengzhuanjia4", "冯立新", "临汾市", "装备制造"),
    ("shengzhuanjia5", "韩雪梅", "运城市", "管理创新"),
]
# Usernames of the supporting accounts the story creates where no demo login works (same password).
SUPPORTING_PREFIX = {Role.ENTERPRISE_USER: "qiye", Role.ASSOCIATION_STAFF: "yuanqu", Role.COUNTY_STAFF: "xianji",
                     Role.CITY_STAFF: "shiji"}
STAFF_ROLE_OF_KIND = {
    OrganisationKind.PARK_ASSOCIATION: Role.ASSOCIATION_STAFF, OrganisationKind.ENTERPRISE_ASSOCIATION: Role.ASSOCIATION_STAFF,
    OrganisationKind.COUNTY: Role.COUNTY_STAFF, OrganisationKind.CITY: Role.CITY_STAFF,
    OrganisationKind.PROVINCE: Role.PROVINCE_STAFF,
}


@lru_cache(maxsize=1)
def _demo_password_hash() -> str:
    # Hashed once for all demo accounts: a production hash costs ~0.5 s by design, times ~50 accounts.
    return make_password(DEMO_PASSWORD)


def _account(username: str, full_name: str, *, role: str, **where):
    """The account with exactly this demo role; made with the demo password if missing."""
    User = get_user_model()
    user = User.objects.filter(username=username).first()
    if user is None:
        user = create_user(username=username, password=None, full_name=full_name)
        user.password = _demo_password_hash()
        user.save(update_fields=["password"])
    grant_role(user=user, role=role, **where)
    Membership.objects.filter(user=user).exclude(role=role, **where).delete()
    return User.objects.get(pk=user.pk)  # fresh: no roles cached on the object


def _seed_accounts() -> None:
    """The demo logins, each holding exactly its demo role (what people tried on the sign-in page's
    accounts is put back), and the expert pools with their profiles."""
    province = Organisation.objects.get(kind=OrganisationKind.PROVINCE)
    park = Organisation.objects.get(name=DEMO_PARK_NAME)
    county, city = park.parent, park.parent.parent
    demo_enterprise = Enterprise.objects.filter(association=park).order_by("id").first()
    target = {
        Role.ENTERPRISE_USER: {"enterprise": demo_enterprise},
        Role.ASSOCIATION_STAFF: {"organisation": park},
        Role.COUNTY_STAFF: {"organisation": county},
        Role.CITY_STAFF: {"organisation": city},
        Role.CITY_EXPERT: {"organisation": city},
        Role.PROVINCE_STAFF: {"organisation": province},
        Role.PROVINCE_EXPERT: {"organisation": province},
        Role.OBSERVER: {"organisation": province},
    }
    for account in DEMO_ACCOUNTS:
        _account(account.username, account.full_name, role=account.role, **target[account.role])
    for region, experts in CITY_EXPERTS.items():
        home = Organisation.objects.get(kind=OrganisationKind.CITY, region=region)
        for username, full_name, expertise in experts:
            _expert_profile(_account(username, full_name, role=Role.CITY_EXPERT, organisation=home), home, expertise)
    for username, full_name, region, expertise in PROVINCE_EXPERTS:
        home = Organisation.objects.get(kind=OrganisationKind.CITY, region=region)
        _expert_profile(_account(username, full_name, role=Role.PROVINCE_EXPERT, organisation=province), home, expertise)


def _expert_profile(user, home_city: Organisation, expertise: str) -> None:
    """The pool details (recusal, 回避): the provincial pool lists only experts with a profile.
    Created once; a profile staff edited later is left as it is."""
    ExpertProfile.objects.get_or_create(user=user, defaults={"home_city": home_city, "expertise": expertise, "is_active": True})


class Cast:
    """Who acts in the demo's story: the demo login of an organisation or enterprise where there
    is one, a supporting account (yuanqu-<id>, xianji-<id>, shiji-<id>, qiye-<id>) elsewhere."""

    def __init__(self) -> None:
        self.demo_usernames = [account.username for account in DEMO_ACCOUNTS]

    def staff(self, organisation: Organisation):
        role = STAFF_ROLE_OF_KIND[organisation.kind]
        return self._demo_or_supporting(role, organisation=organisation, full_name=f"{organisation.short_name}工作人员",
                                        key=organisation.pk)

    def member(self, enterprise: Enterprise):
        return self._demo_or_supporting(Role.ENTERPRISE_USER, enterprise=enterprise, full_name=f"{enterprise.short_name}联系人",
                                        key=enterprise.pk)

    @property
    def province(self):
        return self.staff(Organisation.objects.get(kind=OrganisationKind.PROVINCE))

    def _demo_or_supporting(self, role: str, *, full_name: str, key: int, **where):
        demo = Membership.objects.filter(role=role, user__username__in=self.demo_usernames, **where).first()
        if demo is not None:
            return get_user_model().objects.get(pk=demo.user_id)
        return _account(f"{SUPPORTING_PREFIX[role]}-{key}", full_name, role=role, **where)


# --- the command's work -------------------------------------------------------------------------

@dataclass(frozen=True)
class DemoReport:
    stage: str
    rebuilt: bool
    organisations: int
    enterprises: int
    users: int
    cases: int


@transaction.atomic
def seed_demo(*, stage: str | None = None, reset: bool = False) -> DemoReport:
    """Make sure the demo exists, at `stage` when one is asked for.

    Refuses (DemoRefused) on a database holding anything but the demo. Then: the province's tree,
    enterprises and accounts are completed (idempotent); without a demo campaign, one is built at
    `stage` (START when none is asked for); with one at another stage than `stage`, or with
    `reset`, it is deleted and built again; otherwise it is left exactly as it is, with whatever
    people did in it (so `make run` never undoes a trainer's work).
    """
    campaign = ensure_demo_database()
    _seed_tree()
    _seed_accounts()
    current = stage_of(campaign) if campaign is not None else None
    wanted = stage or (START if reset or current is None else current)
    rebuilt = campaign is None or reset or wanted != current
    if rebuilt:
        delete_demo_campaigns()
        campaign = build_stage(wanted, cast=Cast())
    else:
        copy_scoring_criteria(source=Campaign.objects.get(year=REFERENCE_YEAR), target=campaign)
    return DemoReport(
        stage=wanted, rebuilt=rebuilt, organisations=Organisation.objects.count(),
        enterprises=Enterprise.objects.count(), users=get_user_model().objects.count(),
        cases=Case.objects.filter(campaign=campaign).count(),
    )
