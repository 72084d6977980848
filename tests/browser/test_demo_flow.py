"""Headless Chromium on a fresh database: `seed_demo --stage province`, then the demo's provincial
login ranks the cases, publishes the 公示, makes the result final and has certificates, with no
change in the admin (screenshots in test-artifacts/screenshots/demo-*.png)."""

import io

import pytest
from django.core.management import call_command

from cases.enums import CaseStatus
from cases.models import AuditEvent, Campaign, Case
from portal.demo import DEMO_PASSWORD
from review.models import Certificate, Selection
from review.models.results import SelectionState
from tests.browser.conftest import screenshot, sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CAMPAIGN_SETTINGS = ("winners_count", "presenters_count", "presenters_per_city_max", "objection_days", "vote_min_picks",
                     "expert_weight", "public_weight", "city_deadline", "vote_opens_at", "scoring_closes_at")


def test_the_provincial_login_ranks_publishes_and_issues_certificates_on_the_province_stage(page, live_server):
    call_command("seed_demo", "--stage", "province", stdout=io.StringIO())
    campaign = Campaign.objects.current()
    settings_before = [getattr(campaign, name) for name in CAMPAIGN_SETTINGS]
    candidates = list(Case.objects.filter(campaign=campaign, status=CaseStatus.PROVINCE_REVIEW).order_by("pk"))
    assert len(candidates) == 12

    sign_in(page, live_server, "shengji", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/review/province/selection/")
    screenshot(page, "demo-province-1-board")
    # Nothing blocks: the warnings (no vote held, cities that did not forward by the deadline) do not.
    assert page.locator("form[action$='/selection/compute/'] button").is_enabled()

    page.click("form[action$='/selection/compute/'] button")
    page.wait_for_selector("text=排名已计算")
    screenshot(page, "demo-province-2-ranked")
    for case in candidates:
        assert page.locator(f"text={case.title}").count() >= 1, case.title

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/selection/publish/'] button")
    page.wait_for_selector("form[action$='/selection/finalise/'] button")
    screenshot(page, "demo-province-3-published")
    assert Selection.objects.get(campaign=campaign).state == SelectionState.PUBLISHED

    page.once("dialog", lambda dialog: dialog.accept())
    page.click("form[action$='/selection/finalise/'] button")
    page.wait_for_selector("text=结果已确定")
    screenshot(page, "demo-province-4-final")

    page.goto(f"{live_server.url}/review/province/certificates/")
    screenshot(page, "demo-province-5-certificates")
    certificates = list(Certificate.objects.filter(campaign=campaign).order_by("number"))
    assert len(certificates) == campaign.winners_count == 10
    for certificate in certificates:
        assert page.locator(f"text={certificate.number}").count() == 1
    pdf = page.request.get(f"{live_server.url}/review/province/certificates/{certificates[0].number}.pdf")
    assert pdf.status == 200 and pdf.body().startswith(b"%PDF")
    page.goto(f"{live_server.url}/results/")
    screenshot(page, "demo-province-6-public-notice")
    for certificate in certificates:
        assert page.locator(f"text={certificate.case_title}").count() >= 1

    # The result is the campaign's own: winners and not, every move audited, no setting changed.
    assert Case.objects.filter(status=CaseStatus.WINNER).count() == 10
    assert Case.objects.filter(status=CaseStatus.NOT_WINNER).count() == 2
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {
        "ranking_computed", "selection_published", "selection_finalised", "certificates_issued"}
    campaign.refresh_from_db()
    assert [getattr(campaign, name) for name in CAMPAIGN_SETTINGS] == settings_before
