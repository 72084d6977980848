"""Every URL the project defines × every role: objects of another subtree are a 404 and no page,
download or export leaks their names, phone numbers or files.

The URL list comes from the resolver, so a new view that is not classified here fails the suite.
"""

import uuid

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from cases.enums import CaseStatus, Role, Tier, UploadSlot
from review.models import Batch
from tests import factories

pytestmark = pytest.mark.django_db

# How each named URL is treated.
PUBLIC = "public"  # anyone may open it; it must still leak nothing of the foreign subtree
SCOPED = "scoped"  # lists what the user may see: it must show nothing of the foreign subtree
PROVINCE_ONLY = "province_only"  # a 404 for every other role
OBJECT = "object"  # takes the id of a foreign object: a 404 (or 405 for a GET on a POST-only view)

CLASSIFICATION = {
    "home": SCOPED, "healthz": PUBLIC, "readyz": PUBLIC, "login": PUBLIC, "logout": PUBLIC,
    "password_change": SCOPED, "password_change_done": SCOPED,
    "cases:directory_import": PROVINCE_ONLY, "cases:directory_import_template": PROVINCE_ONLY,
    "cases:case_list": SCOPED, "cases:case_create": SCOPED, "cases:blank_form": PUBLIC,
    "review:inbox": SCOPED, "review:batch_detail": SCOPED, "review:batch_rank": SCOPED,
    "review:batch_generate": SCOPED, "review:batch_scan": SCOPED, "review:batch_forward": SCOPED,
    "review:city_selection": SCOPED, "review:city_selection_check": SCOPED, "review:city_selection_apply": SCOPED,
    "review:province_overview": PROVINCE_ONLY, "review:province_extend": PROVINCE_ONLY,
    "review:province_export": PROVINCE_ONLY, "review:province_packages": PROVINCE_ONLY, "review:audit_log": PROVINCE_ONLY,
    "review:expert_home": SCOPED, "review:score_overview": SCOPED, "review:expert_board": SCOPED,
    "review:expert_board_auto": SCOPED,
    "review:vote_gallery": PUBLIC, "review:vote_phone": PUBLIC, "review:vote_verify": PUBLIC, "review:vote_ballot": PUBLIC,
    "review:publicity": PUBLIC, "review:certificate_verify": PUBLIC,
    "review:vote_control": PROVINCE_ONLY, "review:vote_open": PROVINCE_ONLY, "review:vote_close": PROVINCE_ONLY,
    "review:vote_quarantine": PROVINCE_ONLY, "review:vote_quarantine_run": PROVINCE_ONLY, "review:vote_report": PROVINCE_ONLY,
    "review:selection_board": PROVINCE_ONLY, "review:selection_compute": PROVINCE_ONLY,
    "review:selection_publish": PROVINCE_ONLY, "review:selection_withdraw": PROVINCE_ONLY,
    "review:selection_finalise": PROVINCE_ONLY, "review:certificate_list": PROVINCE_ONLY,
    "review:certificate_issue": PROVINCE_ONLY, "review:certificate_zip": PROVINCE_ONLY,
    "review:closing_home": PROVINCE_ONLY, "review:campaign_close": PROVINCE_ONLY, "review:closing_dashboard": PROVINCE_ONLY,
    "review:closing_dashboard_export": PROVINCE_ONLY, "review:closing_wechat": PROVINCE_ONLY,
    "review:closing_wechat_export": PROVINCE_ONLY, "review:closing_programme": PROVINCE_ONLY,
    "review:closing_programme_export": PROVINCE_ONLY, "review:closing_archive": PROVINCE_ONLY,
    "review:closing_campaign": PROVINCE_ONLY, "review:closing_campaign_close": PROVINCE_ONLY,
    "review:closing_campaign_archive": PROVINCE_ONLY,
    "review:closing_summaries": SCOPED,
    "review:mail_outbox": PROVINCE_ONLY, "review:mail_resend_failed": PROVINCE_ONLY, "review:mail_templates": PROVINCE_ONLY,
    "review:mail_template_edit": PROVINCE_ONLY, "review:announcement_list": PROVINCE_ONLY,
}
# URLs whose arguments name a foreign object; every argument is filled from the foreign world.
OBJECT_ARGUMENTS = {
    "pk": "case", "upload_id": "upload", "batch_id": "batch", "assignment_id": "assignment", "expert_id": "expert",
    "session_id": "session", "number": "certificate", "receipt": "receipt", "city_id": "city", "mail_id": "mail",
}
FIXED_ARGUMENTS = {"slot": UploadSlot.PHOTO_EXTERIOR, "kind": "docx", "tier_slug": "city", "source": "employer", "fmt": "csv",
                   "year": 2024, "mail_kind": "case_returned"}
# Pages a role may open whatever it holds, so only the leak check applies to them.
OBJECT_PUBLIC = {"review:vote_photo", "review:vote_receipt", "review:certificate_pdf"}


def named_patterns():
    def walk(patterns, namespace=""):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue  # the Django admin checks is_staff and model permissions itself
                yield from walk(pattern.url_patterns, namespace + (f"{pattern.namespace}:" if pattern.namespace else ""))
            elif isinstance(pattern, URLPattern):
                yield f"{namespace}{pattern.name}", list(pattern.pattern.converters)

    return list(walk(get_resolver().url_patterns))


def test_every_url_is_classified():
    unclassified = []
    for name, arguments in named_patterns():
        if arguments and not all(arg in OBJECT_ARGUMENTS or arg in FIXED_ARGUMENTS for arg in arguments):
            unclassified.append((name, arguments))
        elif not any(arg in OBJECT_ARGUMENTS for arg in arguments) and name not in CLASSIFICATION:
            unclassified.append((name, arguments))
    assert unclassified == [], "classify these URLs in the permission matrix"


@pytest.fixture
def worlds():
    """A home subtree in 太原 with a user of every role, and a foreign one in 大同 full of data."""
    home_city = factories.city("太原市")
    home_county = factories.county(home_city)
    home_park = factories.park(home_county)
    home_enterprise = factories.enterprise(home_park)
    foreign_city = factories.city("大同市")
    foreign_park = factories.park(factories.county(foreign_city))
    foreign_enterprise = factories.enterprise(foreign_park, name="外地保密科技有限公司")
    foreign_case = factories.complete_case(foreign_enterprise, title="外地保密案例", contact_phone="13912345678",
                                           contact_name="外地联系人")
    foreign_case.status = CaseStatus.CITY_REVIEW
    foreign_case.save()
    foreign_upload = foreign_case.uploads.filter(slot=UploadSlot.PHOTO_EXTERIOR).first()
    batch = Batch.objects.create(campaign=foreign_case.campaign, organisation=foreign_park, tier=Tier.ASSOCIATION)
    foreign_expert = factories.user(Role.CITY_EXPERT, organisation_=foreign_city)
    from django.utils import timezone

    from review.models.scoring import ExpertAssignment

    assignment = ExpertAssignment.objects.create(case=foreign_case, expert=foreign_expert, tier=Tier.CITY, assigned_at=timezone.now())
    users = {
        Role.ENTERPRISE_USER: factories.user(Role.ENTERPRISE_USER, enterprise_=home_enterprise),
        Role.ASSOCIATION_STAFF: factories.user(Role.ASSOCIATION_STAFF, organisation_=home_park),
        Role.COUNTY_STAFF: factories.user(Role.COUNTY_STAFF, organisation_=home_county),
        Role.CITY_STAFF: factories.user(Role.CITY_STAFF, organisation_=home_city),
        Role.CITY_EXPERT: factories.user(Role.CITY_EXPERT, organisation_=home_city),
        Role.PROVINCE_EXPERT: factories.user(Role.PROVINCE_EXPERT, organisation_=factories.province()),
        Role.OBSERVER: factories.user(Role.OBSERVER, organisation_=factories.province()),
    }
    objects = {
        "case": foreign_case.pk, "upload": foreign_upload.pk, "batch": batch.pk, "assignment": assignment.pk,
        "expert": foreign_expert.pk, "city": foreign_city.pk, "session": uuid.uuid4(), "certificate": "SX2024-001-XXXX", "receipt": "NOSUCHRECEIPT",
    }
    from mail.models import OutboxMail

    objects["mail"] = OutboxMail.objects.create(kind="case_returned", to="waidi@example.com", from_email="p@example.com",
                                                subject="外地保密案例", body="外地联系人 13912345678").pk
    secrets = ["外地保密案例", "外地保密科技有限公司", "13912345678", "外地联系人", foreign_upload.sha256]
    return {"users": users, "objects": objects, "secrets": secrets}


def url_for(name: str, arguments: list[str], objects: dict) -> str:
    kwargs = {arg: objects[OBJECT_ARGUMENTS[arg]] if arg in OBJECT_ARGUMENTS else FIXED_ARGUMENTS[arg] for arg in arguments}
    return reverse(name, kwargs=kwargs)


def body_of(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


ROLES = [Role.ENTERPRISE_USER, Role.ASSOCIATION_STAFF, Role.COUNTY_STAFF, Role.CITY_STAFF, Role.CITY_EXPERT,
         Role.PROVINCE_EXPERT, Role.OBSERVER, None]  # None: not signed in


@pytest.mark.parametrize("role", ROLES, ids=[str(role) for role in ROLES])
def test_no_role_reaches_or_sees_another_subtree(client, worlds, role):
    if role is not None:
        client.force_login(worlds["users"][role])
    failures = []
    for name, arguments in named_patterns():
        if name in ("logout",):
            continue  # would end the session for the rest of the loop
        url = url_for(name, arguments, worlds["objects"])
        names_an_object = any(arg in OBJECT_ARGUMENTS for arg in arguments)
        kind = OBJECT if names_an_object and name not in OBJECT_PUBLIC else CLASSIFICATION.get(name, PUBLIC)
        statuses = []
        for method in ("get", "post", "put"):
            response = getattr(client, method)(url)
            statuses.append(response.status_code)
            body = body_of(response)
            leaked = [secret for secret in worlds["secrets"] if secret in body]
            if leaked:
                failures.append((name, method, response.status_code, "leaks", leaked))
            if role is None:
                if kind != PUBLIC and name not in OBJECT_PUBLIC and response.status_code not in (302, 404, 405):
                    failures.append((name, method, response.status_code, "anonymous got through"))
                continue
            # 405: the method is refused before any lookup, so nothing is reached either.
            if kind == OBJECT and response.status_code not in (404, 405):
                failures.append((name, method, response.status_code, "foreign object not a 404"))
            if kind == PROVINCE_ONLY and response.status_code not in (404, 405):
                failures.append((name, method, response.status_code, "province page open"))
        if role is not None and kind == OBJECT and 404 not in statuses:
            failures.append((name, "any", statuses, "no method reached the object check"))
    assert failures == []
