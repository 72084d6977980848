"""Issue 13 item 4, the enterprise's side: every next step, countdown and button follows the stage
window (cases.deadlines.stage_window). Each page is read before the deadline, after it and after
the campaign is closed (its deadlines still ahead), and says what is still possible."""

import datetime

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from cases.enums import CaseStatus, Role
from cases.models import Campaign, Case, DeadlineExtension
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)  # every 2024 stage open
AFTER_ENTERPRISE = datetime.datetime(2024, 9, 3, 10, 0, tzinfo=BEIJING)  # enterprises closed, associations open (09-06)
AFTER_ASSOCIATION = datetime.datetime(2024, 9, 7, 10, 0, tzinfo=BEIJING)

ASK_EXTENSION = "如仍需提交，请联系所属园区（企业）科协向省科技创新服务中心申请延期；批准后本页面会重新开放。"
CAMPAIGN_CLOSED = "活动已关闭并归档：不能再提交或修改任何内容，也不能再延长截止时间；文件和文档仍可下载。"
COUNTDOWN_WORDS = ("还剩", "剩余")


@pytest.fixture
def enterprise():
    return factories.enterprise(name="示范智能装备有限公司")


@pytest.fixture
def member(enterprise):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise)


@pytest.fixture
def signed_in(client, member):
    client.force_login(member)
    return client


def _at(monkeypatch, moment, *, closed: bool = False):
    factories.freeze_now(monkeypatch, moment)
    if closed:
        Campaign.objects.filter(year=2024).update(closed_at=moment)


def _page(client, name, *args) -> str:
    response = client.get(reverse(name, args=args))
    assert response.status_code == 200
    return response.content.decode()


# --- the workbench and the list of my cases ------------------------------------------------------

def test_workbench_before_the_deadline_counts_down_and_offers_a_new_case(signed_in, monkeypatch):
    _at(monkeypatch, OPEN)
    page = _page(signed_in, "home")
    assert "截止时间 2024年9月2日 24:00（北京时间），还剩 14 天。" in page
    assert "填写推荐表、上传材料，并报送所属园区（企业）科协。" in page
    assert f'href="{reverse("cases:case_create")}"' in page


def test_workbench_after_the_deadline_says_it_closed_and_how_to_get_an_extension(signed_in, monkeypatch):
    _at(monkeypatch, AFTER_ENTERPRISE)
    page = _page(signed_in, "home")
    assert "本阶段已于 2024年9月2日 24:00（北京时间）截止。" in page
    assert ASK_EXTENSION in page
    assert "新案例的提交截止时间已过：请在下方查看已有案例的进展。" in page
    assert not any(word in page for word in COUNTDOWN_WORDS)
    assert "填写推荐表、上传材料，并报送" not in page
    assert f'href="{reverse("cases:case_create")}"' not in page


def test_workbench_of_a_closed_campaign_counts_nothing_down_even_before_its_dates(signed_in, monkeypatch):
    _at(monkeypatch, OPEN, closed=True)
    page = _page(signed_in, "home")
    assert CAMPAIGN_CLOSED in page
    assert not any(word in page for word in COUNTDOWN_WORDS)
    assert "填写推荐表、上传材料，并报送" not in page
    assert f'href="{reverse("cases:case_create")}"' not in page


@pytest.mark.parametrize("moment, closed, expected, new_case", [
    (OPEN, False, "截止时间 2024年9月2日 24:00（北京时间）：剩余 13 天 14 小时 0 分钟。", True),
    (AFTER_ENTERPRISE, False, ASK_EXTENSION, False),
    (OPEN, True, CAMPAIGN_CLOSED, False),
])
def test_my_cases_list_follows_the_window(signed_in, enterprise, monkeypatch, moment, closed, expected, new_case):
    factories.case(enterprise, title="草稿案例")
    _at(monkeypatch, moment, closed=closed)
    page = _page(signed_in, "cases:case_list")
    assert expected in page
    assert (f'href="{reverse("cases:case_create")}"' in page) is new_case
    assert ("在截止时间前提交" in page) is new_case  # the draft's next step


# --- /cases/new/ ---------------------------------------------------------------------------------

def test_the_new_case_form_is_shown_while_the_stage_is_open(signed_in, monkeypatch):
    _at(monkeypatch, OPEN)
    page = _page(signed_in, "cases:case_create")
    assert 'name="title"' in page


@pytest.mark.parametrize("moment, closed, message", [
    (AFTER_ENTERPRISE, False, "新建案例的截止时间（2024年9月2日 24:00，北京时间）已过，不能再新建案例。 " + ASK_EXTENSION),
    (OPEN, True, CAMPAIGN_CLOSED),
])
def test_the_new_case_page_refuses_before_showing_the_form(signed_in, monkeypatch, moment, closed, message):
    _at(monkeypatch, moment, closed=closed)
    response = signed_in.get(reverse("cases:case_create"))
    assert response.status_code == 302 and response.url == reverse("cases:case_list")
    assert [str(m) for m in get_messages(response.wsgi_request)] == [message]
    posted = signed_in.post(reverse("cases:case_create"), {"title": "迟到的案例"})
    assert posted.status_code == 302 and posted.url == reverse("cases:case_list")
    assert not Case.objects.filter(title="迟到的案例").exists()


def test_an_extension_opens_the_new_case_page_again(signed_in, enterprise, monkeypatch):
    _at(monkeypatch, AFTER_ENTERPRISE)
    DeadlineExtension.objects.create(campaign=Campaign.objects.get(year=2024), tier=1, enterprise=enterprise,
                                     closes_on=datetime.date(2024, 9, 5), reason="系统故障")
    assert 'name="title"' in _page(signed_in, "cases:case_create")


# --- the case page -------------------------------------------------------------------------------

def test_an_open_draft_asks_to_submit_before_the_deadline_and_counts_down(signed_in, enterprise, monkeypatch):
    case = factories.case(enterprise)
    _at(monkeypatch, OPEN)
    page = _page(signed_in, "cases:case_detail", case.pk)
    assert '<p class="next-step">填写推荐表、上传材料，并在截止时间前提交。</p>' in page
    assert "剩余 13 天 14 小时 0 分钟" in page
    assert reverse("cases:case_submit", args=[case.pk]) in page


def test_a_draft_after_the_deadline_says_so_first_and_what_is_possible(signed_in, enterprise, monkeypatch):
    case = factories.case(enterprise)
    _at(monkeypatch, AFTER_ENTERPRISE)
    page = _page(signed_in, "cases:case_detail", case.pk)
    assert '<p class="next-step">提交截止时间（2024年9月2日 24:00，北京时间）已过：此草稿不能再提交。</p>' in page
    assert ASK_EXTENSION in page
    assert "在截止时间前提交" not in page and "剩余" not in page
    assert reverse("cases:case_submit", args=[case.pk]) not in page
    assert reverse("cases:case_edit", args=[case.pk]) not in page


def test_a_draft_of_a_closed_campaign_says_nothing_more_can_be_done(signed_in, enterprise, monkeypatch):
    case = factories.case(enterprise)
    _at(monkeypatch, OPEN, closed=True)
    page = _page(signed_in, "cases:case_detail", case.pk)
    assert '<p class="next-step">活动已关闭：此案例未提交，按现状保存。</p>' in page
    assert CAMPAIGN_CLOSED in page
    assert "在截止时间前提交" not in page and "剩余" not in page
    assert reverse("cases:case_submit", args=[case.pk]) not in page


def test_a_returned_case_follows_its_associations_deadline(signed_in, enterprise, monkeypatch):
    case = factories.case(enterprise, status=CaseStatus.RETURNED)
    _at(monkeypatch, AFTER_ENTERPRISE)  # the enterprise's own day has passed; the association's has not
    page = _page(signed_in, "cases:case_detail", case.pk)
    assert '<p class="next-step">请阅读退回原因，修改后在截止时间前重新提交。</p>' in page
    assert "截止时间 2024年9月6日 24:00（北京时间）：剩余 3 天 14 小时 0 分钟。" in page
    assert reverse("cases:case_submit", args=[case.pk]) in page
    _at(monkeypatch, AFTER_ASSOCIATION)
    page = _page(signed_in, "cases:case_detail", case.pk)
    assert '<p class="next-step">重新提交的截止时间（2024年9月6日 24:00，北京时间）已过：此案例不能再重新提交。</p>' in page
    assert reverse("cases:case_submit", args=[case.pk]) not in page


def test_the_form_page_after_the_deadline_sends_back_with_what_is_possible(signed_in, enterprise, monkeypatch):
    case = factories.case(enterprise)
    _at(monkeypatch, AFTER_ENTERPRISE)
    response = signed_in.get(reverse("cases:case_edit", args=[case.pk]))
    assert response.url == reverse("cases:case_detail", args=[case.pk])
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["此案例现在不能修改。 " + ASK_EXTENSION]
    files = _page(signed_in, "cases:case_files", case.pk)
    assert "返回概览并提交" not in files and "返回案例" in files


# --- the winner ----------------------------------------------------------------------------------

def test_a_winner_is_asked_for_its_talk_materials_only_while_the_campaign_is_open(signed_in, enterprise, monkeypatch):
    case = factories.case(enterprise, status=CaseStatus.WINNER, title="获奖案例")
    _at(monkeypatch, AFTER_ASSOCIATION)
    home = _page(signed_in, "home")
    assert "您的案例已入选优秀案例：请上传宣讲文字材料、宣讲PPT和视频。" in home
    assert reverse("cases:winner_files", args=[case.pk]) in home
    Campaign.objects.filter(year=2024).update(closed_at=AFTER_ASSOCIATION)
    home = _page(signed_in, "home")
    assert "请上传宣讲文字材料" not in home
    assert reverse("cases:winner_files", args=[case.pk]) not in home
    detail = _page(signed_in, "cases:case_detail", case.pk)
    assert "已入选优秀案例。活动已关闭：证书和以下材料可以下载，不能再修改。" in detail
    assert "请上传宣讲文字材料" not in detail
