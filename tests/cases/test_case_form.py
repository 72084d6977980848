"""The 推荐表 form (附件3): create, edit, partial saves, phone numbers, autosave, two tabs, deadlines,
permissions, the case list and its query count."""

import datetime
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from cases.enums import CaseStatus, CaseType, EnterpriseType, Role, Tier
from cases.forms import CaseForm
from cases.models import Campaign, Case, DeadlineExtension
from cases.services import CaseNotEditable, StaleVersion, create_case, save_case_draft
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)
LAST_MINUTE = datetime.datetime(2024, 9, 2, 23, 59, tzinfo=BEIJING)
CLOSED = datetime.datetime(2024, 9, 3, 0, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


@pytest.fixture
def enterprise():
    return factories.enterprise(name="山西示范智能装备有限公司", enterprise_type=EnterpriseType.LITTLE_GIANT,
                                address="山西省太原市小店区创新街8号")


@pytest.fixture
def member(enterprise):
    return factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise)


def form_data(**overrides) -> dict:
    data = {
        "title": "智能焊接机器人工艺创新", "case_type": CaseType.PROCESS, "completing_unit": "山西示范智能装备有限公司",
        "team": "张三、李四", "contact_name": "张三", "contact_position": "总工程师", "contact_phone": "0351-7333497",
        "contact_address": "山西省太原市小店区创新街8号", "honours": "", "remarks": "", "enterprise_type": EnterpriseType.LITTLE_GIANT,
        "has_park_association": "on", "short_title": "焊接机器人", "unit_short_name": "示范智能",
    }
    data.update(overrides)
    return {key: value for key, value in data.items() if value is not None}


def input_value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


# --- phone numbers --------------------------------------------------------------------------

@pytest.mark.parametrize("phone", [
    "13812345678", "19912345678", "0351-7333497", "0351 7333497", "(0351)7333497",
    "（0351）7333497", "03517333497", "010-62345678", "0351-7333497-8001", "0351-7333497转8001",
])
def test_valid_phone_numbers_are_accepted(phone):
    form = CaseForm(data={"contact_phone": phone})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["contact_phone"] == phone


@pytest.mark.parametrize("phone", ["12345678901", "1381234567", "138123456789", "7333497", "0351-733", "电话", "0351-0333497"])
def test_invalid_phone_numbers_get_a_chinese_message(phone):
    form = CaseForm(data={"contact_phone": phone})
    assert not form.is_valid()
    assert form.errors["contact_phone"] == [
        "请填写11位手机号码（如13812345678），或带区号的固定电话（如0351-7333497，分机号可接在后面：0351-7333497-8001）。"
    ]


# --- creating -------------------------------------------------------------------------------

def test_new_case_form_is_prefilled_from_the_enterprise(signed_in, enterprise):
    response = signed_in.get(reverse("cases:case_create"))
    html = response.content.decode()
    assert response.status_code == 200
    assert input_value(html, "completing_unit") == "山西示范智能装备有限公司"
    assert input_value(html, "contact_address") == "山西省太原市小店区创新街8号"
    assert '<option value="little_giant" selected>' in html
    assert re.search(r'name="has_park_association"[^>]*checked', html)
    assert not re.search(r'name="has_enterprise_association"[^>]*checked', html)


def test_creating_a_case_saves_it_as_a_draft_of_the_enterprise(signed_in, enterprise, member):
    response = signed_in.post(reverse("cases:case_create"), form_data())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_files", args=[case.pk])
    assert (case.enterprise, case.campaign, case.status, case.version) == (enterprise, Campaign.objects.current(), CaseStatus.DRAFT, 1)
    assert (case.title, case.case_type, case.contact_phone, case.short_title) == (
        "智能焊接机器人工艺创新", CaseType.PROCESS, "0351-7333497", "焊接机器人")
    assert (case.has_park_association, case.has_enterprise_association) == (True, False)


def test_creating_with_a_bad_phone_saves_the_rest_and_keeps_the_typed_phone(signed_in):
    response = signed_in.post(reverse("cases:case_create"), form_data(contact_phone="0351-12"), follow=True)
    case = Case.objects.get()
    html = response.content.decode()
    assert response.redirect_chain == [(reverse("cases:case_edit", args=[case.pk]), 303)]
    assert (case.title, case.contact_name, case.contact_phone) == ("智能焊接机器人工艺创新", "张三", "")
    assert input_value(html, "contact_phone") == "0351-12"
    assert "请填写11位手机号码" in html
    assert f'action="{reverse("cases:case_edit", args=[case.pk])}"' in html
    assert f'name="version" value="{case.version}"' in html


def test_creating_without_a_name_saves_nothing_and_keeps_what_was_typed(signed_in):
    response = signed_in.post(reverse("cases:case_create"), form_data(title="  ", team="王五、赵六"))
    html = response.content.decode()
    assert response.status_code == 200
    assert Case.objects.count() == 0
    assert "案例名称不能为空：请填写案例名称。" in html
    assert "王五、赵六</textarea>" in html


def test_only_enterprise_users_may_create_cases(client):
    staff = factories.user(Role.COUNTY_STAFF, organisation_=factories.county())
    client.force_login(staff)
    assert client.get(reverse("cases:case_create")).status_code == 404
    assert client.post(reverse("cases:case_create"), form_data()).status_code == 404
    assert Case.objects.count() == 0


def test_create_case_service_refuses_another_enterprises_user(enterprise):
    stranger = factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise())
    with pytest.raises(CaseNotEditable, match="只有该企业的用户才能创建案例"):
        create_case(actor=stranger, enterprise=enterprise, campaign=Campaign.objects.current(), values={"title": "案例"}, now=OPEN)


@pytest.mark.parametrize("moment, allowed", [(LAST_MINUTE, True), (CLOSED, False)])
def test_creating_closes_at_midnight_after_the_deadline_in_beijing_time(enterprise, member, moment, allowed):
    campaign = Campaign.objects.current()
    if allowed:
        case = create_case(actor=member, enterprise=enterprise, campaign=campaign, values={"title": "案例"}, now=moment)
        assert case.status == CaseStatus.DRAFT
    else:
        with pytest.raises(CaseNotEditable, match="2024年9月2日 24:00"):
            create_case(actor=member, enterprise=enterprise, campaign=campaign, values={"title": "案例"}, now=moment)


# --- editing --------------------------------------------------------------------------------

@pytest.fixture
def case(enterprise):
    return factories.case(enterprise, title="智能焊接机器人工艺创新", completing_unit="山西示范智能装备有限公司")


def test_saving_the_form_bumps_the_version_and_redirects(signed_in, case):
    response = signed_in.post(reverse("cases:case_edit", args=[case.pk]), form_data(version=case.version, team="王五"))
    case.refresh_from_db()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_edit", args=[case.pk])
    assert (case.team, case.version) == ("王五", 2)


def test_save_and_continue_goes_to_the_files(signed_in, case):
    response = signed_in.post(reverse("cases:case_edit", args=[case.pk]), form_data(version=1, next="files"))
    assert response["Location"] == reverse("cases:case_files", args=[case.pk])


def test_an_invalid_field_is_kept_as_typed_and_the_valid_ones_are_saved(signed_in, case):
    response = signed_in.post(reverse("cases:case_edit", args=[case.pk]),
                              form_data(version=1, contact_phone="12345", contact_name="李四", case_type="nonsense"), follow=True)
    case.refresh_from_db()
    html = response.content.decode()
    assert response.redirect_chain == [(reverse("cases:case_edit", args=[case.pk]), 303)]
    assert (case.contact_name, case.contact_phone, case.case_type, case.version) == ("李四", "", CaseType.TECHNOLOGICAL, 2)
    assert input_value(html, "contact_phone") == "12345"
    assert "请填写11位手机号码" in html
    assert "选择一个有效的选项" in html
    assert 'name="version" value="2"' in html
    assert "有效的内容已保存" in html


def test_an_emptied_case_name_is_not_saved(signed_in, case):
    signed_in.post(reverse("cases:case_edit", args=[case.pk]), form_data(version=1, title=""))
    case.refresh_from_db()
    assert case.title == "智能焊接机器人工艺创新"


def test_a_second_tab_with_a_stale_version_is_refused_and_keeps_its_text(signed_in, case):
    first = signed_in.post(reverse("cases:case_edit", args=[case.pk]), form_data(version=1, team="第一个标签页的团队"))
    second = signed_in.post(reverse("cases:case_edit", args=[case.pk]), form_data(version=1, team="第二个标签页的团队"))
    case.refresh_from_db()
    html = second.content.decode()
    assert first.status_code == 302
    assert second.status_code == 409
    assert (case.team, case.version) == ("第一个标签页的团队", 2)
    assert "第二个标签页的团队</textarea>" in html
    assert "此案例已在其他窗口或设备上保存过" in html
    assert "其他窗口中保存的内容：" in html and "第一个标签页的团队" in html
    # The page now carries the version it has shown: saving again keeps the second tab's text, knowingly.
    assert 'name="version" value="2"' in html
    third = signed_in.post(reverse("cases:case_edit", args=[case.pk]), form_data(version=2, team="第二个标签页的团队"))
    case.refresh_from_db()
    assert third.status_code == 302
    assert (case.team, case.version) == ("第二个标签页的团队", 3)


def test_save_case_draft_refuses_a_stale_version_and_changes_nothing(case, member):
    save_case_draft(case=case, actor=member, values={"team": "甲"}, expected_version=1, now=OPEN)
    with pytest.raises(StaleVersion) as refused:
        save_case_draft(case=case, actor=member, values={"team": "乙"}, expected_version=1, now=OPEN)
    case.refresh_from_db()
    assert refused.value.current.version == 2
    assert (case.team, case.version) == ("甲", 2)


def test_saving_unchanged_values_keeps_the_version(case, member):
    saved = save_case_draft(case=case, actor=member, values={"title": case.title}, expected_version=1, now=OPEN)
    assert saved.version == 1


def test_save_case_draft_ignores_fields_the_enterprise_does_not_edit(case, member):
    save_case_draft(case=case, actor=member, values={"status": CaseStatus.WINNER, "city_opinion": "同意"}, expected_version=1, now=OPEN)
    case.refresh_from_db()
    assert (case.status, case.city_opinion, case.version) == (CaseStatus.DRAFT, "", 1)


# --- autosave -------------------------------------------------------------------------------

def test_autosave_saves_and_answers_with_the_new_version(signed_in, case):
    response = signed_in.post(reverse("cases:case_autosave", args=[case.pk]), form_data(version=1, honours="省科技进步奖"),
                              HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    case.refresh_from_db()
    assert response.status_code == 200
    assert response.json() == {"ok": True, "version": 2, "errors": {}, "saved_at": "10:00:00"}
    assert case.honours == "省科技进步奖"


def test_autosave_saves_the_valid_fields_and_reports_the_others(signed_in, case):
    response = signed_in.post(reverse("cases:case_autosave", args=[case.pk]), form_data(version=1, contact_phone="abc", team="新团队"))
    case.refresh_from_db()
    body = response.json()
    assert response.status_code == 200
    assert (body["ok"], body["version"], list(body["errors"])) == (False, 2, ["contact_phone"])
    assert body["errors"]["contact_phone"][0].startswith("请填写11位手机号码")
    assert (case.team, case.contact_phone) == ("新团队", "")


def test_autosave_from_a_stale_tab_is_a_conflict(signed_in, case, member):
    save_case_draft(case=case, actor=member, values={"team": "另一个标签页"}, expected_version=1, now=OPEN)
    response = signed_in.post(reverse("cases:case_autosave", args=[case.pk]), form_data(version=1, team="这个标签页"))
    case.refresh_from_db()
    assert response.status_code == 409
    assert response.json()["conflict"] is True
    assert "此案例已在其他窗口或设备上保存过" in response.json()["message"]
    assert case.team == "另一个标签页"


def test_autosave_after_the_deadline_is_refused(signed_in, case, member, monkeypatch):
    factories.freeze_now(monkeypatch, CLOSED)
    signed_in.force_login(member)
    response = signed_in.post(reverse("cases:case_autosave", args=[case.pk]), form_data(version=1))
    assert response.status_code == 403
    assert "截止时间已过" in response.json()["message"]


def test_autosave_needs_a_post(signed_in, case):
    assert signed_in.get(reverse("cases:case_autosave", args=[case.pk])).status_code == 405


def test_the_form_page_has_no_inline_script_or_style(signed_in, case):
    html = signed_in.get(reverse("cases:case_edit", args=[case.pk])).content.decode()
    scripts = re.findall(r"<script[^>]*>", html)
    assert '<script src="/static/js/case-form.js" defer>' in scripts
    assert all(re.fullmatch(r'<script src="/static/js/[a-z-]+\.js" defer>', script) for script in scripts), scripts
    assert "style=" not in html and "<style" not in html
    assert f'data-autosave-url="{reverse("cases:case_autosave", args=[case.pk])}"' in html
    assert f'data-draft-key="case-draft:{case.pk}"' in html


def test_short_name_suggestions_are_offered(signed_in, case):
    html = signed_in.get(reverse("cases:case_edit", args=[case.pk])).content.decode()
    assert 'data-fill="id_short_title"' in html
    assert 'data-fill="id_unit_short_name" data-value="示范智能装备"' in html


# --- who may edit, and until when -----------------------------------------------------------

def test_another_enterprises_user_gets_404_everywhere(client, case):
    stranger = factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise())
    client.force_login(stranger)
    for name in ("case_detail", "case_edit", "case_files"):
        assert client.get(reverse(f"cases:{name}", args=[case.pk])).status_code == 404
    assert client.post(reverse("cases:case_edit", args=[case.pk]), form_data(version=1)).status_code == 404
    assert client.post(reverse("cases:case_autosave", args=[case.pk]), form_data(version=1)).status_code == 404
    case.refresh_from_db()
    assert case.version == 1


def test_association_staff_may_read_a_submitted_case_but_not_edit_it(client, case):
    case.status = CaseStatus.SUBMITTED
    case.save()
    staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=case.enterprise.association)
    client.force_login(staff)
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 200
    assert client.get(reverse("cases:case_edit", args=[case.pk])).status_code == 404


def test_association_staff_do_not_see_drafts(client, case):
    staff = factories.user(Role.ASSOCIATION_STAFF, organisation_=case.enterprise.association)
    client.force_login(staff)
    assert client.get(reverse("cases:case_detail", args=[case.pk])).status_code == 404


@pytest.mark.parametrize("moment, editable", [(LAST_MINUTE, True), (CLOSED, False)])
def test_a_draft_is_editable_until_the_end_of_the_deadline_day_beijing_time(signed_in, case, member, monkeypatch, moment, editable):
    factories.freeze_now(monkeypatch, moment)
    signed_in.force_login(member)
    response = signed_in.post(reverse("cases:case_edit", args=[case.pk]), form_data(version=1, team="最后一分钟"))
    case.refresh_from_db()
    if editable:
        assert response.status_code == 302
        assert case.team == "最后一分钟"
    else:
        assert response["Location"] == reverse("cases:case_detail", args=[case.pk])
        assert case.team == ""
        page = signed_in.get(reverse("cases:case_edit", args=[case.pk]), follow=True)
        assert "此案例现在不能修改。" in page.content.decode()


def test_an_extension_for_the_enterprise_reopens_editing(signed_in, case, member, monkeypatch):
    DeadlineExtension.objects.create(campaign=case.campaign, tier=Tier.ENTERPRISE, enterprise=case.enterprise,
                                     closes_on=datetime.date(2024, 9, 5), reason="系统故障")
    factories.freeze_now(monkeypatch, CLOSED)
    signed_in.force_login(member)
    response = signed_in.post(reverse("cases:case_edit", args=[case.pk]), form_data(version=1, team="延期后"))
    case.refresh_from_db()
    assert response.status_code == 302
    assert case.team == "延期后"


def test_a_submitted_case_is_read_only(case, member):
    case.status = CaseStatus.SUBMITTED
    case.save()
    with pytest.raises(CaseNotEditable, match="不能再修改"):
        save_case_draft(case=case, actor=member, values={"team": "x"}, expected_version=1, now=OPEN)


def test_a_returned_case_is_editable_until_the_association_deadline(case, member):
    case.status = CaseStatus.RETURNED
    case.save()
    after_enterprise_deadline = datetime.datetime(2024, 9, 6, 23, 59, tzinfo=BEIJING)
    saved = save_case_draft(case=case, actor=member, values={"team": "修改后"}, expected_version=1, now=after_enterprise_deadline)
    assert saved.team == "修改后"
    with pytest.raises(CaseNotEditable):
        save_case_draft(case=case, actor=member, values={"team": "太晚"}, expected_version=2,
                        now=datetime.datetime(2024, 9, 7, 0, 0, tzinfo=BEIJING))


# --- the list -------------------------------------------------------------------------------

def test_the_list_shows_only_the_enterprises_own_cases_with_the_next_step(signed_in, case):
    other = factories.case(factories.enterprise(), title="别家的案例")
    html = signed_in.get(reverse("cases:case_list")).content.decode()
    assert f'href="{reverse("cases:case_detail", args=[case.pk])}"' in html
    assert "智能焊接机器人工艺创新" in html
    assert other.title not in html
    assert "填写推荐表、上传材料，并在截止时间前提交。" in html
    assert "截止时间 2024年9月2日 24:00（北京时间）：剩余 13 天 14 小时 0 分钟" in html


def test_the_list_costs_the_same_queries_for_one_and_three_cases(signed_in, enterprise, django_assert_num_queries):
    factories.case(enterprise)
    signed_in.get(reverse("cases:case_list"))  # warm the session
    with CaptureQueriesContext(connection) as one:
        signed_in.get(reverse("cases:case_list"))
    factories.case(enterprise)
    factories.case(enterprise, status=CaseStatus.RETURNED)
    with django_assert_num_queries(len(one.captured_queries)) as three:
        response = signed_in.get(reverse("cases:case_list"))
    assert response.content.decode().count('class="card case-card"') == 3
    assert len(three.captured_queries) == len(one.captured_queries)


def test_the_workbench_links_each_case_and_offers_a_new_one(signed_in, case):
    html = signed_in.get(reverse("home")).content.decode()
    assert f'<a href="{reverse("cases:case_detail", args=[case.pk])}">智能焊接机器人工艺创新</a>' in html
    assert f'href="{reverse("cases:case_create")}">新建案例</a>' in html


def test_the_case_page_shows_the_wechat_display_name(signed_in, case):
    case.short_title, case.unit_short_name = "焊接机器人", "示范智能"
    case.save()
    html = signed_in.get(reverse("cases:case_detail", args=[case.pk])).content.decode()
    assert "<strong>太原 焊接机器人 示范智能</strong>" in html
