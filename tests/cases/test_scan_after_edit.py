"""The stamped scan (盖章扫描件) after the form changes: when what the printed 推荐表 says changes after
the scan was made from it, the case page asks for a new scan and submitting waits for it. And the
edit page of a returned case keeps the reviewer's reasons in view."""

import datetime

import pytest
from django.urls import reverse

from cases.enums import CaseStatus, EnterpriseType, Role, UploadSlot
from cases.queries import submission_problems
from cases.services import ENTERPRISE_FIELDS, submit_case
from cases.workflow import transition_case
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
RESCAN = "推荐表内容已在盖章扫描件上传后修改，请重新下载推荐表、盖章扫描后上传。"


class Clock:
    """Moves the frozen `timezone.now()` on, a minute per step, so downloads, uploads and saves
    happen in the order the test performs them."""

    def __init__(self, monkeypatch) -> None:
        self.monkeypatch = monkeypatch
        self.now = OPEN
        factories.freeze_now(monkeypatch, self.now)

    def tick(self) -> datetime.datetime:
        self.now += datetime.timedelta(minutes=1)
        factories.freeze_now(self.monkeypatch, self.now)
        return self.now


@pytest.fixture
def clock(monkeypatch):
    return Clock(monkeypatch)


@pytest.fixture
def case(clock):
    return factories.complete_case(title="煤矸石综合利用新工艺", contact_phone="13812345678")


@pytest.fixture
def member(case):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)


def download_form(client, case, clock) -> None:
    clock.tick()
    response = client.get(reverse("cases:filled_form", args=[case.pk]))
    assert response.status_code == 200


def upload_scan(case, clock) -> None:
    clock.tick()
    case.uploads.filter(slot=UploadSlot.FORM_SCAN).update(superseded_at=clock.now)
    factories.upload(case, UploadSlot.FORM_SCAN, factories.pdf_bytes(), "推荐表盖章扫描.pdf")


def save_form(client, case, clock, **changes) -> None:
    """Post the whole form as the edit page does, with `changes`."""
    clock.tick()
    case.refresh_from_db()
    values = {name: getattr(case, name) for name in ENTERPRISE_FIELDS} | changes
    data = {name: ("on" if value is True else value) for name, value in values.items() if value is not False}
    response = client.post(reverse("cases:case_edit", args=[case.pk]), {**data, "version": case.version})
    assert response.status_code == 302, response.content.decode()
    case.refresh_from_db()


def page(client, case) -> str:
    return client.get(reverse("cases:case_detail", args=[case.pk])).content.decode()


def test_a_scan_of_the_form_as_it_still_is_asks_for_nothing(signed_in, case, clock):
    download_form(signed_in, case, clock)
    upload_scan(case, clock)

    assert submission_problems(case) == []


def test_changing_a_printed_field_after_the_scan_asks_for_a_new_scan(signed_in, case, clock):
    download_form(signed_in, case, clock)
    upload_scan(case, clock)

    save_form(signed_in, case, clock, contact_phone="0351-7333497")

    assert submission_problems(case) == [RESCAN]
    assert f"<li>{RESCAN}</li>" in page(signed_in, case)


def test_a_change_made_after_the_download_but_before_the_scan_upload_counts_too(signed_in, case, clock):
    # The scan shows the form as downloaded: a later save is not on it, whenever the scan arrives.
    download_form(signed_in, case, clock)
    save_form(signed_in, case, clock, team="张三、李四、王五")
    upload_scan(case, clock)

    assert submission_problems(case) == [RESCAN]


def test_a_new_scan_of_the_downloaded_new_form_clears_the_problem(signed_in, case, clock):
    download_form(signed_in, case, clock)
    upload_scan(case, clock)
    save_form(signed_in, case, clock, contact_phone="0351-7333497")

    download_form(signed_in, case, clock)
    assert submission_problems(case) == [RESCAN]  # downloaded, not yet scanned
    upload_scan(case, clock)

    assert submission_problems(case) == []


@pytest.mark.parametrize("changes", [
    {"short_title": "煤矸石利用"},  # for the WeChat group name, not printed on the form
    {"enterprise_type": EnterpriseType.LITTLE_GIANT},
    {"has_enterprise_association": True},
])
def test_changing_what_the_form_does_not_print_asks_for_no_new_scan(signed_in, case, clock, changes):
    download_form(signed_in, case, clock)
    upload_scan(case, clock)

    save_form(signed_in, case, clock, **changes)

    assert case.version == 2
    assert submission_problems(case) == []


def test_a_change_undone_again_asks_for_no_new_scan(signed_in, case, clock):
    download_form(signed_in, case, clock)
    upload_scan(case, clock)

    save_form(signed_in, case, clock, remarks="临时备注")
    save_form(signed_in, case, clock, remarks="")

    assert submission_problems(case) == []


def test_a_scan_not_made_from_a_downloaded_form_is_not_judged(signed_in, case, clock):
    # complete_case's scan came without a download (e.g. the blank form filled in by hand).
    save_form(signed_in, case, clock, contact_phone="0351-7333497")
    download_form(signed_in, case, clock)  # after the scan: not what the scan shows

    assert submission_problems(case) == []


def test_a_returned_case_edited_after_its_scan_cannot_be_resubmitted_until_rescanned(signed_in, case, member, clock):
    download_form(signed_in, case, clock)
    upload_scan(case, clock)
    submit_case(case=case, actor=member, now=clock.tick())
    reviewer = factories.user(Role.ASSOCIATION_STAFF, organisation_=case.enterprise.association)
    transition_case(case, to=CaseStatus.RETURNED, actor=reviewer, reason="联系人电话有误，请更正。", now=clock.tick())
    assert submission_problems(case) == []  # the return itself changes nothing printed

    save_form(signed_in, case, clock, contact_phone="0351-7333497")
    response = signed_in.post(reverse("cases:case_submit", args=[case.pk]), follow=True)
    case.refresh_from_db()

    assert case.status == CaseStatus.RETURNED
    assert RESCAN in response.content.decode()


# --- the edit page of a returned case shows why it was returned -------------------------------

def test_the_edit_page_of_a_returned_case_shows_the_latest_return_reasons(signed_in, case, member, clock):
    submit_case(case=case, actor=member, now=clock.tick())
    reviewer = factories.user(Role.ASSOCIATION_STAFF, organisation_=case.enterprise.association)
    transition_case(case, to=CaseStatus.RETURNED, actor=reviewer, reason="旧的理由。", now=clock.tick())
    submit_case(case=case, actor=member, now=clock.tick())
    returned_at = clock.tick()
    transition_case(case, to=CaseStatus.RETURNED, actor=reviewer, reason="企业外景照片不清晰。\n联系人电话有误。", now=returned_at)

    html = signed_in.get(reverse("cases:case_edit", args=[case.pk])).content.decode()

    assert '<section class="card returned" role="alert">' in html
    assert '<blockquote class="reason">企业外景照片不清晰。<br>联系人电话有误。</blockquote>' in html
    assert "旧的理由。" not in html
    assert html.index('class="card returned"') < html.index("<form method=\"post\" class=\"card case-form\"")
    assert f"测试用户 于 {returned_at:%Y-%m-%d %H:%M} 退回。请修改推荐表和材料后重新提交。" in html


def test_the_edit_page_of_a_draft_shows_no_return_box(signed_in, case):
    html = signed_in.get(reverse("cases:case_edit", args=[case.pk])).content.decode()

    assert "card returned" not in html
