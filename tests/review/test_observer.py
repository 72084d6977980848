"""Issue 13 item 11: the observer (co-organising departments) reads the province's dashboard, the
list of all cities and the audit log: no write control is rendered, and every POST is refused."""

import re

import pytest
from django.urls import NoReverseMatch, URLPattern, URLResolver, get_resolver, reverse

from cases.enums import AuditAction, CaseStatus, Role
from cases.models import AuditEvent, Campaign, CaseTransition
from review.queries import workbench_for
from tests import factories

pytestmark = pytest.mark.django_db

READ_PAGES = ["review:closing_dashboard", "review:province_overview", "review:audit_log"]
# Pages anyone may post to (the public vote, signing in and out, one's own password).
PUBLIC_POSTS = {"login", "logout", "password_change", "review:vote_phone", "review:vote_verify", "review:vote_ballot",
                # The account pages anyone may post (resets, registration): they act on the poster's own
                # account or application, never on campaign data (the counts below prove nothing changed).
                "password_reset", "password_reset_confirm", "accounts:password_reset_sms",
                "accounts:password_reset_sms_confirm", "accounts:register", "accounts:registration_status",
                # 查看已选 without JavaScript: the voter's picks go into their own signed pass.
                "review:vote_picks"}


@pytest.fixture
def observer(db):
    return factories.user(Role.OBSERVER, organisation_=factories.province(), username="guancha")


@pytest.fixture
def activity(db):
    """A campaign with cases at the province and an audited event, so the pages have rows to show."""
    enterprise = factories.enterprise(factories.park(factories.county(factories.city("大同市"))), name="大同示例有限公司")
    case = factories.case(enterprise, status=CaseStatus.PROVINCE_REVIEW, title="煤矸石综合利用")
    staff = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province(), username="sheng")
    AuditEvent.objects.create(actor=staff, case=case, action=AuditAction.DEADLINE_EXTENDED, summary="延长大同市截止时间")
    return case


def post_forms(page: str) -> set[str]:
    """The actions of the page's POST forms."""
    forms = re.findall(r"<form\b[^>]*>", page)
    return {re.search(r'action="([^"]*)"', form).group(1) for form in forms if 'method="post"' in form}


def test_the_observers_workbench_links_its_read_only_pages_and_counts_the_cases(client, observer, activity):
    client.force_login(observer)

    page = client.get(reverse("home")).content.decode()

    for name in READ_PAGES:
        assert f'href="{reverse(name)}"' in page
    [panel] = workbench_for(observer, Campaign.objects.current())
    assert dict(panel.counts) == {"省级评选中": 1}
    assert post_forms(page) == {reverse("logout")}


@pytest.mark.parametrize("name", READ_PAGES)
def test_the_observer_reads_each_page_with_no_write_control(client, observer, activity, name):
    client.force_login(observer)

    response = client.get(reverse(name))

    page = response.content.decode()
    assert response.status_code == 200
    assert post_forms(page) == {reverse("logout")}
    for write_page in ("review:province_extend", "review:province_export", "review:province_packages", "review:closing_home"):
        assert f'href="{reverse(write_page)}"' not in page


def test_the_pages_show_what_the_observer_is_there_for(client, observer, activity):
    client.force_login(observer)

    dashboard = client.get(reverse("review:closing_dashboard")).content.decode()
    cities = client.get(reverse("review:province_overview")).content.decode()
    audit = client.get(reverse("review:audit_log")).content.decode()

    assert "<td>大同市</td>" in dashboard
    assert "<td>大同市</td>" in cities and "只读" in cities
    assert "延长大同市截止时间" in audit
    assert client.get(reverse("review:closing_dashboard_export", args=["xlsx"])).status_code == 200


def test_provincial_staff_still_get_their_write_controls_on_the_same_pages(client, activity):
    client.force_login(factories.user(Role.PROVINCE_STAFF, organisation_=factories.province()))

    cities = client.get(reverse("review:province_overview")).content.decode()
    dashboard = client.get(reverse("review:closing_dashboard")).content.decode()

    assert reverse("review:province_extend") in cities and reverse("review:province_export") in cities
    assert f'href="{reverse("review:closing_home")}"' in dashboard


def _every_url() -> list[tuple[str, str]]:
    """(name, a URL of it) for every named pattern of the portal, arguments filled with samples."""
    samples = {"int": 1, "str": "x", "slug": "province", "path": "x", "uuid": "00000000-0000-4000-8000-000000000000"}
    found = []

    def walk(patterns, namespace):
        for entry in patterns:
            if isinstance(entry, URLResolver):
                if entry.namespace == "admin":
                    continue
                walk(entry.url_patterns, entry.namespace or namespace)
            elif isinstance(entry, URLPattern) and entry.name:
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                converters = entry.pattern.converters
                kwargs = {key: samples.get(type(converter).__name__.replace("Converter", "").lower(), 1)
                          for key, converter in converters.items()}
                try:
                    url = reverse(name, kwargs=kwargs)
                except NoReverseMatch:  # a regex argument (a session id): the sample uuid fits
                    url = reverse(name, kwargs={key: samples["uuid"] for key in kwargs} | {
                        key: 1 for key in kwargs if key in ("pk", "id", "upload_id", "case_id")})
                found.append((name, url))

    walk(get_resolver().url_patterns, "")
    return found


def test_every_post_of_the_observer_is_refused_and_changes_nothing(client, observer, activity):
    client.force_login(observer)
    before = (AuditEvent.objects.count(), CaseTransition.objects.count(), Campaign.objects.filter(closed_at__isnull=True).count())
    accepted = []

    for name, url in _every_url():
        if name in PUBLIC_POSTS:
            continue
        status = client.post(url, {"confirm": "2024", "reason": "x", "to": "winner"}).status_code
        if status not in (403, 404, 405):
            accepted.append((name, status))

    assert accepted == [], accepted
    assert (AuditEvent.objects.count(), CaseTransition.objects.count(),
            Campaign.objects.filter(closed_at__isnull=True).count()) == before


@pytest.mark.parametrize("name", READ_PAGES)
def test_a_post_to_a_read_page_is_405_for_everybody(client, observer, name):
    client.force_login(observer)

    assert client.post(reverse(name)).status_code == 405
