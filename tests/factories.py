"""Small builders for test data. Each returns a saved object with sensible defaults."""

import itertools

from django.contrib.auth import get_user_model

from cases.credit_code import check_character
from cases.enums import CaseStatus, CaseType, EnterpriseType, OrganisationKind, Role
from cases.models import Campaign, Case, Enterprise, Organisation
from cases.services import grant_role

_serial = itertools.count(1)
PASSWORD = "Test-password-2024"


def city(region: str = "太原市") -> Organisation:
    return Organisation.objects.get(kind=OrganisationKind.CITY, region=region)


def province() -> Organisation:
    return Organisation.objects.get(kind=OrganisationKind.PROVINCE)


def organisation(kind: str, parent: Organisation, name: str | None = None) -> Organisation:
    name = name or f"测试{OrganisationKind(kind).label}{next(_serial)}"
    return Organisation.objects.create(kind=kind, parent=parent, name=name, region=name[:6])


def county(parent: Organisation | None = None, name: str | None = None) -> Organisation:
    return organisation(OrganisationKind.COUNTY, parent or city(), name)


def park(parent: Organisation | None = None, name: str | None = None) -> Organisation:
    return organisation(OrganisationKind.PARK_ASSOCIATION, parent or county(), name)


def credit_code() -> str:
    first = f"91140100{next(_serial):09d}"
    return first + check_character(first)


def enterprise(association: Organisation | None = None, name: str | None = None, **fields) -> Enterprise:
    association = association or park()
    defaults = {
        "name": name or f"测试企业{next(_serial)}有限公司",
        "credit_code": credit_code(),
        "enterprise_type": EnterpriseType.HIGH_TECH,
        "has_park_association": association.kind == OrganisationKind.PARK_ASSOCIATION,
        "has_enterprise_association": association.kind == OrganisationKind.ENTERPRISE_ASSOCIATION,
    }
    defaults.update(fields)
    return Enterprise.objects.create(association=association, **defaults)


def case(enterprise_: Enterprise | None = None, status: str = CaseStatus.DRAFT, title: str | None = None, **fields) -> Case:
    enterprise_ = enterprise_ or enterprise()
    return Case.objects.create(
        campaign=Campaign.objects.current(), enterprise=enterprise_, status=status,
        title=title or f"测试案例{next(_serial)}", case_type=CaseType.TECHNOLOGICAL, **fields,
    )


def user(role: str, *, organisation_: Organisation | None = None, enterprise_: Enterprise | None = None,
         username: str | None = None):
    account = get_user_model().objects.create_user(
        username=username or f"user{next(_serial)}", password=PASSWORD, first_name="测试用户"
    )
    if role == Role.ENTERPRISE_USER:
        grant_role(user=account, role=role, enterprise=enterprise_)
    else:
        grant_role(user=account, role=role, organisation=organisation_)
    return account
