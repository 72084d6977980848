"""Length limits of the 推荐表 form: every limited field says, in Chinese, which field, the limit, the
current length and what to do; a new case whose name is too long says so instead of “请先填写案例名称”."""

import datetime
import re

import pytest
from django.urls import reverse

from cases.enums import CaseType, Role
from cases.forms import CaseForm
from cases.models import Case
from tests import factories

pytestmark = pytest.mark.django_db
BEIJING = datetime.timezone(datetime.timedelta(hours=8))
OPEN = datetime.datetime(2024, 8, 20, 10, 0, tzinfo=BEIJING)


@pytest.fixture(autouse=True)
def _open_stage(monkeypatch):
    factories.freeze_now(monkeypatch, OPEN)


@pytest.fixture
def enterprise():
    return factories.enterprise(name="山西示范智能装备有限公司")


@pytest.fixture
def signed_in(client, enterprise):
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=enterprise))
    return client


@pytest.mark.parametrize(("field", "length", "message"), [
    ("title", 300, "案例名称最多200个字，现在是300个字，请缩短。"),
    ("completing_unit", 201, "完成单位最多200个字，现在是201个字，请缩短。"),
    ("contact_name", 51, "联系人最多50个字，现在是51个字，请缩短。"),
    ("contact_position", 60, "联系人职务最多50个字，现在是60个字，请缩短。"),
    ("contact_address", 250, "联系地址最多200个字，现在是250个字，请缩短。"),
])
def test_every_length_limited_field_names_itself_its_limit_and_the_current_length(field, length, message):
    form = CaseForm(data={field: "创" * length})

    assert not form.is_valid()
    assert form.errors[field] == [message]


def test_the_phone_field_too_long_gets_the_same_kind_of_message():
    form = CaseForm(data={"contact_phone": "1" * 31})

    assert not form.is_valid()
    assert form.errors["contact_phone"] == ["联系电话最多30个字，现在是31个字，请缩短。"]


def test_a_value_at_the_limit_is_accepted():
    form = CaseForm(data={"title": "创" * 200, "contact_name": "张" * 50})

    assert form.is_valid(), form.errors
    assert len(form.cleaned_data["title"]) == 200


def test_no_field_keeps_djangos_generic_max_length_message():
    data = {name: "创" * 400 for name, field in CaseForm().fields.items() if getattr(field, "max_length", None)}
    form = CaseForm(data=data)

    form.is_valid()
    messages = [message for errors in form.errors.values() for message in errors]
    assert len(messages) == len(data)
    assert all(re.fullmatch(r".+最多\d+个字，现在是\d+个字，请缩短。", message) for message in messages), messages
    assert not any("确保" in message or "字符" in message for message in messages)


def test_a_short_name_past_its_column_length_gets_its_own_tighter_limit():
    # 案例简称 keeps to 10 字 (the WeChat display name), not to its 30-character column.
    form = CaseForm(data={"short_title": "焊" * 40})

    assert not form.is_valid()
    assert form.errors["short_title"] == ["案例简称最多10个字，现在是40个字，请缩短。"]


def test_a_short_name_padded_with_spaces_past_its_column_is_refused_too():
    # Spaces do not count as 字 for the display name, but the column holds at most 30 characters.
    value = "焊" + " " * 35 + "接"
    form = CaseForm(data={"short_title": value})

    assert not form.is_valid()
    assert form.errors["short_title"] == ["案例简称最多30个字，现在是37个字，请缩短。"]


def test_a_new_case_with_a_pasted_300_character_name_says_what_is_wrong_with_the_name(signed_in):
    response = signed_in.post(reverse("cases:case_create"), {
        "title": "智" * 300, "case_type": CaseType.PROCESS, "team": "王五、赵六", "contact_name": "王五"})
    html = response.content.decode()

    assert response.status_code == 200
    assert Case.objects.count() == 0
    assert "案例未创建，因为案例名称有误：案例名称最多200个字，现在是300个字，请缩短。" in html
    assert '<p class="field-error">案例名称最多200个字，现在是300个字，请缩短。</p>' in html
    assert "请先填写案例名称" not in html
    assert "确保该变量" not in html
    # Nothing typed is lost: the name and the other fields come back as typed.
    assert "智" * 300 in html
    assert "王五、赵六</textarea>" in html


def test_a_new_case_without_a_name_still_asks_for_one(signed_in):
    response = signed_in.post(reverse("cases:case_create"), {"title": "", "team": "王五"})

    assert response.status_code == 200
    assert Case.objects.count() == 0
    assert "案例名称不能为空：请填写案例名称。" in response.content.decode()


def test_editing_a_case_with_a_too_long_address_saves_the_rest_and_says_why(signed_in, enterprise):
    case = factories.case(enterprise, title="煤矸石综合利用新工艺")

    response = signed_in.post(reverse("cases:case_edit", args=[case.pk]), {
        "version": case.version, "title": "煤矸石综合利用新工艺", "contact_name": "王五", "contact_address": "址" * 201,
    }, follow=True)
    case.refresh_from_db()

    assert case.contact_name == "王五"
    assert case.contact_address != "址" * 201
    assert '<p class="field-error">联系地址最多200个字，现在是201个字，请缩短。</p>' in response.content.decode()
