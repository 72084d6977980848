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
PROVINCE_READ = "province_read"  # the observer reads it (GET only, every other method a 405); a 404 for other roles
OBJECT = "object"  # takes the id of a foreign object: a 404 (or 405 for a GET on a POST-only view)

CLASSIFICATION = {
    "cases:narrative_template": PUBLIC,
    "home": SCOPED, "campaign_page": PUBLIC, "campaign_attachment": PUBLIC, "healthz": PUBLIC, "readyz": PUBLIC, "login": PUBLIC, "logout": PUBLIC,
    "password_change": SCOPED, "password_change_done": SCOPED,
    "cases:directory_import": PROVINCE_ONLY, "cases:directory_import_template": PROVINCE_ONLY,
    "cases:case_list": SCOPED, "cases:case_create": SCOPED, "cases:blank_form": PUBLIC,
    "review:inbox": SCOPED, "review:batch_detail": SCOPED, "review:batch_rank": SCOPED,
    "review:batch_generate": SCOPED, "review:batch_scan": SCOPED, "review:batch_forward": SCOPED,
    "review:batch_restore_order": SCOPED,
    "review:city_selection": SCOPED, "review:city_selection_check": SCOPED, "review:city_selection_apply": SCOPED,
    "review:province_overview": PROVINCE_READ, "review:province_extend": PROVINCE_ONLY,
    "review:province_export": PROVINCE_ONLY, "review:province_packages": PROVINCE_ONLY, "review:audit_log": PROVINCE_READ,
    "review:expert_home": SCOPED, "review:score_overview": SCOPED, "review:expert_board": SCOPED,
    "review:expert_board_auto": SCOPED,
    "review:vote_gallery": PUBLIC, "review:vote_phone": PUBLIC, "review:vote_verify": PUBLIC, "review:vote_ballot": PUBLIC,
    "review:publicity": PUBLIC, "review:certificate_verify": PUBLIC, "review:vote_receipt_lookup": PUBLIC,
    "review:vote_control": PROVINCE_ONLY, "review:vote_open": PROVINCE_ONLY, "review:vote_close": PROVINCE_ONLY,
    "review:vote_quarantine": PROVINCE_ONLY, "review:vote_quarantine_run": PROVINCE_ONLY, "review:vote_report": PROVINCE_ONLY,
    "review:vote_quarantine_group_decide": PROVINCE_ONLY, "review:vote_report_export": PROVINCE_ONLY,
    "review:selection_board": PROVINCE_ONLY, "review:selection_compute": PROVINCE_ONLY,
    "review:selection_publish": PROVINCE_ONLY, "review:selection_withdraw": PROVINCE_ONLY,
    "review:selection_finalise": PROVINCE_ONLY, "review:certificate_list": PROVINCE_ONLY,
    "review:certificate_issue": PROVINCE_ONLY, "review:certificate_zip": PROVINCE_ONLY,
    "review:closing_home": PROVINCE_ONLY, "review:campaign_close": PROVINCE_ONLY, "review:closing_dashboard": PROVINCE_READ,
    "review:closing_dashboard_export": PROVINCE_READ, "review:closing_wechat": PROVINCE_ONLY,
    "review:closing_wechat_export": PROVINCE_ONLY, "review:closing_programme": PROVINCE_ONLY,
    "review:closing_programme_export": PROVINCE_ONLY, "review:closing_archive": PROVINCE_ONLY,
    "review:closing_campaign": PROVINCE_ONLY, "review:closing_campaign_close": PROVINCE_ONLY,
    "review:closing_campaign_archive": PROVINCE_ONLY,
    "review:closing_summaries": SCOPED, "review:paper_overview": SCOPED,
    "password_reset": PUBLIC, "password_reset_done": PUBLIC, "password_reset_confirm": PUBLIC,
    "password_reset_complete": PUBLIC, "accounts:password_reset_sms": PUBLIC, "accounts:password_reset_sms_confirm": PUBLIC,
    "accounts:register": PUBLIC, "accounts:register_invited": PUBLIC, "accounts:registration_status": SCOPED,
    "accounts:registration_list": SCOPED, "accounts:invite_create": SCOPED, "review:expert_sheet": SCOPED,
    "review:mail_outbox": PROVINCE_ONLY, "review:mail_resend_failed": PROVINCE_ONLY, "review:mail_templates": PROVINCE_ONLY,
    "review:mail_template_edit": PROVINCE_ONLY, "review:announcement_list": PROVINCE_ONLY,
    "review:similar_clusters": PROVINCE_ONLY, "review:similar_clusters_export": PROVINCE_ONLY,
    "review:vote_picks": PUBLIC, "showcase:index": PUBLIC, "showcase:programme": PUBLIC, "showcase:videos": PUBLIC,
    "showcase:manage": PROVINCE_ONLY,
}
# URLs whose arguments name a foreign object; every argument is filled from the foreign world.
OBJECT_ARGUMENTS = {
    "pk": "case", "upload_id": "upload", "batch_id": "batch", "assignment_id": "assignment", "expert_id": "expert",
    "session_id": "session", "number": "certificate", "receipt": "receipt", "city_id": "city", "mail_id": "mail",
    "holder": "holder", "shipment_id": "shipment",
}
FIXED_ARGUMENTS = {"attachment": 4, "slot": UploadSlot.PHOTO_EXTERIOR, "kind": "docx", "tier_slug": "city", "source": "employer",
                   "fmt": "csv", "year": 2024, "uidb64": "MQ", "token": "no-such-token", "mail_kind": "case_returned",
                   # a format fix belongs to its case: the foreign case (pk) already decides the answer
                   "fix_id": 1, "which": "before"}
# Pages a role may open whatever it holds, so only the leak check applies to them.
# (review:certificate_pdf is an OBJECT: only the winner's own enterprise, the staff above it and the province get it.)
OBJECT_PUBLIC = {"review:vote_photo", "review:vote_receipt"}


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
    from review.models import PaperShipment

    shipment = PaperShipment.objects.create(campaign=foreign_case.campaign, sender_tier=Tier.ENTERPRISE, case=foreign_case,
                                            courier="顺丰速运", tracking_number="SF0000000001", sent_on=timezone.localdate(),
                                            recorded_at=timezone.now())
    objects = {
        "holder": f"organisation-{foreign_park.pk}", "shipment": shipment.pk,
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
            if kind == PROVINCE_READ and role == Role.OBSERVER:
                if response.status_code != (200 if method == "get" else 405):
                    failures.append((name, method, response.status_code, "observer's read-only page"))
            elif kind == PROVINCE_READ and response.status_code not in (404, 405):
                failures.append((name, method, response.status_code, "province page open"))
        if role is not None and kind == OBJECT and 404 not in statuses:
            failures.append((name, "any", statuses, "no method reached the object check"))
    assert failures == []


# --- what stays hidden inside a subtree: drafts, lists not forwarded yet, recused experts (issue 11) ---

def text_of(data: bytes, depth: int = 0) -> str:
    """What a leak check reads in a body: its text, or for a zip (packages, Word, Excel) the names and
    texts of its members, unpacked (a compressed title would otherwise slip through unseen)."""
    import io
    import zipfile

    if data[:4] == b"PK\x03\x04" and depth < 3:
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return "\n".join(name + "\n" + text_of(archive.read(name), depth + 1) for name in archive.namelist())
        except zipfile.BadZipFile:
            pass
    return data.decode("utf-8", "replace")


def body_text(response) -> str:
    data = b"".join(response.streaming_content) if getattr(response, "streaming", False) else response.content
    return text_of(data)


BATCH_KINDS = ("docx", "xlsx", "scan")


def _batch_with_files(case, organisation, *, status, marker: str):
    from django.core.files.base import ContentFile

    from review.models import BatchItem

    batch = Batch.objects.create(campaign=case.campaign, organisation=organisation, tier=organisation.tier, status=status,
                                 sequence=Batch.objects.filter(organisation=organisation).count() + 1)
    BatchItem.objects.create(batch=batch, case=case, rank=1)
    for field in ("summary_docx", "summary_xlsx", "signed_scan"):
        getattr(batch, field).save(f"{field}.bin", ContentFile(f"{marker}-{field}".encode()), save=False)
    batch.save()
    return batch


@pytest.fixture
def hidden():
    """Two subtrees with a user of every role (太原: a park with its county and city; 大同 likewise,
    plus a sibling park in 太原's county) and, in 太原, what only its owner may see: a draft, a park's
    list not forwarded yet, a park's list forwarded to the county (not to the city), and a case a
    provincial expert was assigned to and must now recuse from (a conflict recorded outside the services)."""
    from django.utils import timezone
    from guardian.shortcuts import assign_perm

    from cases.enums import CaseStatus
    from review.models import BatchStatus, ConflictOfInterest, ConflictSource, ExpertAssignment, ExpertProfile

    province = factories.province()
    trees = {}
    for key, region in (("home", "太原市"), ("second", "大同市")):
        city = factories.city(region)
        county = factories.county(city)
        park = factories.park(county)
        trees[key] = {"city": city, "county": county, "park": park, "enterprise": factories.enterprise(park)}
    sibling_park = factories.park(trees["home"]["county"])
    home = trees["home"]
    draft_enterprise = factories.enterprise(home["park"], name="草稿保密科技有限公司")
    draft = factories.complete_case(draft_enterprise, title="草稿保密案例", contact_phone="13700001111", contact_name="草稿联系人")
    recommended = factories.complete_case(home["enterprise"], title="未报送名单案例", contact_phone="13700002222")
    recommended.status = CaseStatus.ASSOCIATION_RECOMMENDED
    recommended.save()
    passed_on = factories.complete_case(home["enterprise"], title="县级名单案例", contact_phone="13700003333")
    passed_on.status = CaseStatus.COUNTY_REVIEW
    passed_on.save()
    open_list = _batch_with_files(recommended, home["park"], status=BatchStatus.OPEN, marker="OPENLIST")
    county_list = _batch_with_files(passed_on, home["park"], status=BatchStatus.FORWARDED, marker="PARKLIST")
    scored = factories.complete_case(home["enterprise"], title="回避保密案例", contact_phone="13700004444")
    scored.status = CaseStatus.PROVINCE_REVIEW
    scored.save()
    users = {}
    for key, tree in trees.items():
        users[(key, Role.ENTERPRISE_USER)] = factories.user(Role.ENTERPRISE_USER, enterprise_=tree["enterprise"])
        users[(key, Role.ASSOCIATION_STAFF)] = factories.user(Role.ASSOCIATION_STAFF, organisation_=tree["park"])
        users[(key, Role.COUNTY_STAFF)] = factories.user(Role.COUNTY_STAFF, organisation_=tree["county"])
        users[(key, Role.CITY_STAFF)] = factories.user(Role.CITY_STAFF, organisation_=tree["city"])
        users[(key, Role.CITY_EXPERT)] = factories.user(Role.CITY_EXPERT, organisation_=tree["city"])
    users[("sibling", Role.ASSOCIATION_STAFF)] = factories.user(Role.ASSOCIATION_STAFF, organisation_=sibling_park)
    users[("province", Role.PROVINCE_STAFF)] = factories.user(Role.PROVINCE_STAFF, organisation_=province)
    superuser = factories.user(Role.PROVINCE_STAFF, organisation_=province)
    superuser.is_superuser = superuser.is_staff = True
    superuser.save()
    users[("province", "superuser")] = superuser
    users[("province", Role.OBSERVER)] = factories.user(Role.OBSERVER, organisation_=province)
    experts = {}
    for name in ("recused", "allowed"):
        expert = factories.user(Role.PROVINCE_EXPERT, organisation_=province)
        ExpertProfile.objects.create(user=expert, home_city=factories.city("晋城市"))
        ExpertAssignment.objects.create(case=scored, expert=expert, tier=Tier.PROVINCE, assigned_at=timezone.now())
        assign_perm("cases.view_case", expert, scored)
        experts[name] = expert
    ConflictOfInterest.objects.create(expert=experts["recused"], case=scored, source=ConflictSource.DECLARED, reason="亲属")
    users[("province", Role.PROVINCE_EXPERT)] = experts["recused"]
    return {
        "users": users, "draft": draft, "draft_owner": factories.user(Role.ENTERPRISE_USER, enterprise_=draft_enterprise),
        "open_list": open_list, "county_list": county_list, "scored": scored, "allowed_expert": experts["allowed"],
        "home": home,
    }


def _case_urls(case) -> list[tuple[str, str]]:
    """(name, url) of every URL that takes a case (and one of its files), from the resolver."""
    upload = case.uploads.filter(slot=UploadSlot.NARRATIVE).first()
    objects = {"case": case.pk, "upload": upload.pk, "batch": 0, "assignment": 0, "expert": 0, "city": 0,
               "session": uuid.uuid4(), "certificate": "SX2024-001-XXXX", "receipt": "NOSUCHRECEIPT"}
    urls = []
    for name, arguments in named_patterns():
        if any(OBJECT_ARGUMENTS.get(arg) in ("case", "upload") for arg in arguments) and name not in OBJECT_PUBLIC:
            urls.append((name, url_for(name, arguments, objects)))
    return urls


def _batch_urls(batch) -> list[tuple[str, str]]:
    return [("review:batch_packages", reverse("review:batch_packages", args=[batch.pk]))] + [
        (f"review:batch_file:{kind}", reverse("review:batch_file", args=[batch.pk, kind])) for kind in BATCH_KINDS
    ]


def _probe(client, user, urls, secrets) -> list:
    """Every URL by GET, POST and PUT as `user`: each must be a 404 (405 for a method refused
    before any lookup) and no body may carry a secret."""
    client.force_login(user)
    failures = []
    for name, url in urls:
        statuses = []
        for method in ("get", "post", "put"):
            response = getattr(client, method)(url)
            statuses.append(response.status_code)
            leaked = [secret for secret in secrets if secret in body_text(response)]
            if response.status_code not in (404, 405) or leaked:
                failures.append((name, method, response.status_code, leaked))
        if 404 not in statuses:
            failures.append((name, "any", statuses, "no method reached the object check"))
    return failures


DRAFT_SECRETS = ["草稿保密案例", "草稿保密科技有限公司", "13700001111", "草稿联系人"]


def test_a_draft_is_hidden_from_every_role_but_its_own_enterprise(client, hidden):
    """Defect 7: provincial staff (and a superuser) no more than anyone else, in both subtrees."""
    urls = _case_urls(hidden["draft"])
    failures = {}
    for (tree, role), user in hidden["users"].items():
        found = _probe(client, user, urls, DRAFT_SECRETS)
        if found:
            failures[(tree, str(role))] = found
    assert failures == {}
    client.force_login(hidden["draft_owner"])  # the control: its enterprise reads it
    assert "草稿保密案例" in client.get(reverse("cases:case_detail", args=[hidden["draft"].pk])).content.decode()


def test_no_list_search_count_or_export_names_a_draft(client, hidden):
    """Every page without an object argument (lists, search, workbench, exports, audit log), for every
    role including provincial staff: no draft's title, enterprise, contact or phone, zips unpacked."""
    from cases.enums import AuditAction
    from cases.models import AuditEvent

    AuditEvent.objects.create(action=AuditAction.PERSONAL_DATA_DOWNLOADED, actor=hidden["draft_owner"], case=hidden["draft"],
                              summary="Package downloaded: 草稿保密案例.zip")
    extra = [("review:inbox?q", reverse("review:inbox") + "?q=草稿保密"), ("review:audit_log?q", reverse("review:audit_log") + "?q=草稿")]
    failures = []
    for (tree, role), user in hidden["users"].items():
        client.force_login(user)
        for name, arguments in named_patterns() + [(name, "url") for name, _url in extra]:
            if name == "logout" or (arguments and arguments != "url"):
                continue
            url = dict(extra)[name] if arguments == "url" else reverse(name)
            response = client.get(url)
            leaked = [secret for secret in DRAFT_SECRETS if secret in body_text(response)]
            if leaked:
                failures.append((tree, str(role), name, response.status_code, leaked))
    assert failures == []


def test_a_list_not_forwarded_is_seen_by_its_own_organisation_only(client, hidden):
    """Defect 3: the park's open list (tables, signed scan, packages) is a 404 for the county, the city,
    the province and everybody of the second subtree; its own staff download it."""
    secrets = ["未报送名单案例", "13700002222", "OPENLIST"]
    owner = hidden["users"][("home", Role.ASSOCIATION_STAFF)]
    urls = _batch_urls(hidden["open_list"])
    failures = {}
    for key, user in hidden["users"].items():
        if user == owner:
            continue
        found = _probe(client, user, urls, secrets)
        if found:
            failures[(key[0], str(key[1]))] = found
    assert failures == {}
    client.force_login(owner)
    assert "未报送名单案例" in body_text(client.get(reverse("review:batch_packages", args=[hidden["open_list"].pk])))
    assert body_text(client.get(reverse("review:batch_file", args=[hidden["open_list"].pk, "scan"]))) == "OPENLIST-signed_scan"


def test_a_forwarded_list_is_seen_by_the_tier_it_went_to_and_the_province_only(client, hidden):
    """A park's forwarded list goes to its county: the county and the province read it, the city above
    the county does not (the county has not forwarded those cases), nor the second subtree."""
    secrets = ["县级名单案例", "13700003333", "PARKLIST"]
    readers = {hidden["users"][("home", role)] for role in (Role.ASSOCIATION_STAFF, Role.COUNTY_STAFF)}
    readers |= {hidden["users"][("province", Role.PROVINCE_STAFF)], hidden["users"][("province", "superuser")]}
    urls = _batch_urls(hidden["county_list"])
    failures = {}
    for key, user in hidden["users"].items():
        if user in readers:
            client.force_login(user)
            response = client.get(reverse("review:batch_file", args=[hidden["county_list"].pk, "scan"]))
            if body_text(response) != "PARKLIST-signed_scan":
                failures[(key[0], str(key[1]))] = ("reader refused", response.status_code)
            continue
        found = _probe(client, user, urls, secrets)
        if found:
            failures[(key[0], str(key[1]))] = found
    assert failures == {}


def test_a_recused_expert_reaches_nothing_of_the_case(client, hidden):
    """Defect 2: a conflict recorded outside the services (admin, import, shell) hides the case from
    the expert on every page, file, preview and download at once; the other assigned expert reads it."""
    scored = hidden["scored"]
    urls = _case_urls(scored)
    assert _probe(client, hidden["users"][("province", Role.PROVINCE_EXPERT)], urls, ["回避保密案例"]) == []
    client.force_login(hidden["users"][("province", Role.PROVINCE_EXPERT)])
    assert "回避保密案例" not in client.get(reverse("review:expert_home")).content.decode()
    client.force_login(hidden["allowed_expert"])
    assert client.get(reverse("review:expert_case", args=[scored.pk])).status_code == 200
    assert "回避保密案例" in client.get(reverse("review:expert_home")).content.decode()
