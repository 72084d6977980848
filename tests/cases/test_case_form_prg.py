"""The 推荐表 form saved in part (Post/Redirect/Get: a reload neither creates a second case nor
looks like another tab), the short-name limits of the WeChat group name (附件1 九), and phone
numbers typed the way people type them."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from cases.enums import Role
from cases.forms import CaseForm
from cases.models import Case
from cases.queries import submission_problems
from cases.services import SubmissionRefused, submit_case
from tests import factories
# The 推荐表 page's fixtures and helpers (the clock at 2024-08-20, an enterprise and its signed-in
# member, a case, the form's POST data), shared rather than written twice.
from tests.cases.test_case_form import (  # noqa: F401  (fixtures are found by name)
    OPEN,
    _open_stage,
    case,
    enterprise,
    form_data,
    input_value,
    member,
)

pytestmark = pytest.mark.django_db
PHONE_ERROR = "请填写11位手机号码（如13812345678），或带区号的固定电话（如0351-7333497，分机号可接在后面：0351-7333497-8001）。"
PARTLY_SAVED = "有效的内容已保存。请修改下方标出的字段"
CONFLICT = "此案例已在其他窗口或设备上保存过"
SIXTEEN = "基于数字孪生的智能焦化工艺创新案例"[:16]


def field_errors(html: str) -> list[str]:
    return re.findall(r'<p class="field-error">([^<]*)</p>', html)


# --- creating with an error: Post/Redirect/Get ------------------------------------------------

def test_creating_with_an_error_redirects_to_the_new_cases_page_with_see_other(signed_in):
    response = signed_in.post(reverse("cases:case_create"), form_data(contact_phone="12345"))
    case = Case.objects.get()
    assert response.status_code == 303
    assert response["Location"] == reverse("cases:case_edit", args=[case.pk])
    assert (case.title, case.contact_name, case.contact_phone, case.version) == ("智能焊接机器人工艺创新", "张三", "", 1)


def test_the_page_after_creating_shows_the_errors_and_the_typed_value_and_a_reload_creates_nothing(signed_in, enterprise):
    signed_in.post(reverse("cases:case_create"), form_data(contact_phone="12345", team="王五、赵六"))
    case = Case.objects.get()
    edit_url = reverse("cases:case_edit", args=[case.pk])

    first = signed_in.get(edit_url)
    reload = signed_in.get(edit_url)

    assert Case.objects.count() == 1
    for page in (first, reload):
        html = page.content.decode()
        assert page.status_code == 200
        assert field_errors(html) == [PHONE_ERROR]
        assert input_value(html, "contact_phone") == "12345"
        assert "王五、赵六</textarea>" in html
        assert PARTLY_SAVED in html
        assert CONFLICT not in html
        assert f'name="version" value="{case.version}"' in html
        assert f'action="{edit_url}"' in html
        # The new-case page's browser copy is handed to this case (case-form.js moves it).
        assert f'data-draft-from="case-draft:new:{enterprise.pk}"' in html
        assert f'data-draft-key="case-draft:{case.pk}"' in html


def test_saving_the_corrected_page_after_creating_saves_the_case_and_drops_the_kept_values(signed_in):
    signed_in.post(reverse("cases:case_create"), form_data(contact_phone="12345"))
    case = Case.objects.get()
    edit_url = reverse("cases:case_edit", args=[case.pk])
    signed_in.get(edit_url)

    response = signed_in.post(edit_url, form_data(version=case.version, contact_phone="13812345678"))
    page = signed_in.get(edit_url).content.decode()
    case.refresh_from_db()

    assert response.status_code == 302
    assert (Case.objects.count(), case.contact_phone, case.version) == (1, "13812345678", 2)
    assert input_value(page, "contact_phone") == "13812345678"
    assert field_errors(page) == []
    assert "data-draft-from" not in page


def test_creating_without_errors_still_goes_to_the_files(signed_in):
    response = signed_in.post(reverse("cases:case_create"), form_data())
    case = Case.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("cases:case_files", args=[case.pk])


# --- editing with an error: a reload is no conflict -----------------------------------------

def test_editing_with_an_error_redirects_and_the_reload_shows_the_page_without_a_conflict(signed_in, case):
    edit_url = reverse("cases:case_edit", args=[case.pk])
    response = signed_in.post(edit_url, form_data(version=1, team="王五", contact_phone="12345"))
    case.refresh_from_db()
    assert response.status_code == 303
    assert response["Location"] == edit_url
    assert (case.team, case.contact_phone, case.version) == ("王五", "", 2)

    for page in (signed_in.get(edit_url), signed_in.get(edit_url)):
        html = page.content.decode()
        assert page.status_code == 200
        assert CONFLICT not in html
        assert "data-conflict" not in html
        assert field_errors(html) == [PHONE_ERROR]
        assert input_value(html, "contact_phone") == "12345"
        assert 'name="version" value="2"' in html
        assert "data-draft-from" not in html
    case.refresh_from_db()
    assert case.version == 2


def test_save_and_upload_with_an_error_stays_on_the_form(signed_in, case):
    edit_url = reverse("cases:case_edit", args=[case.pk])
    response = signed_in.post(edit_url, form_data(version=1, contact_phone="12345", next="files"))
    assert (response.status_code, response["Location"]) == (303, edit_url)


def test_a_second_tab_is_still_a_conflict_after_a_partly_saved_form(signed_in, case):
    edit_url = reverse("cases:case_edit", args=[case.pk])
    signed_in.post(edit_url, form_data(version=1, team="第一个标签页", contact_phone="12345"))

    second_tab = signed_in.post(edit_url, form_data(version=1, team="第二个标签页"))
    case.refresh_from_db()

    html = second_tab.content.decode()
    assert second_tab.status_code == 409
    assert CONFLICT in html
    assert "第二个标签页</textarea>" in html
    assert (case.team, case.version) == ("第一个标签页", 2)


def test_kept_values_give_way_when_the_case_was_saved_elsewhere_since(signed_in, case, member):
    edit_url = reverse("cases:case_edit", args=[case.pk])
    signed_in.post(edit_url, form_data(version=1, team="这个标签页", contact_phone="12345"))
    other_device = factories.user(Role.ENTERPRISE_USER, enterprise_=case.enterprise)
    other = Client()
    other.force_login(other_device)
    other.post(edit_url, form_data(version=2, team="另一台设备"))

    html = signed_in.get(edit_url).content.decode()
    case.refresh_from_db()
    assert case.version == 3
    assert 'name="version" value="3"' in html
    assert "另一台设备</textarea>" in html
    assert input_value(html, "contact_phone") == "0351-7333497"  # saved by the other device, not the typed 12345
    assert field_errors(html) == []


def test_an_autosave_from_the_page_replaces_the_kept_values(signed_in, case):
    edit_url = reverse("cases:case_edit", args=[case.pk])
    signed_in.post(edit_url, form_data(version=1, team="王五", contact_phone="12345"))

    autosave = signed_in.post(reverse("cases:case_autosave", args=[case.pk]),
                              form_data(version=2, team="王五", contact_phone="138 1234 5678"),
                              HTTP_X_REQUESTED_WITH="XMLHttpRequest")
    html = signed_in.get(edit_url).content.decode()

    assert autosave.json() == {"ok": True, "version": 3, "errors": {}, "saved_at": "10:00:00"}
    assert input_value(html, "contact_phone") == "13812345678"
    assert field_errors(html) == []
    assert 'name="version" value="3"' in html


def test_kept_values_are_per_case(signed_in, case, enterprise):
    other_case = factories.case(enterprise, title="另一个案例")
    signed_in.post(reverse("cases:case_edit", args=[case.pk]), form_data(version=1, contact_phone="12345"))
    html = signed_in.get(reverse("cases:case_edit", args=[other_case.pk])).content.decode()
    assert input_value(html, "title") == "另一个案例"
    assert field_errors(html) == []


# --- 案例简称 ≤ 10, 单位简称 ≤ 8 (the WeChat group display name) ---------------------------------

@pytest.mark.parametrize("field, value, message", [
    ("short_title", SIXTEEN, "案例简称最多10个字，现在是16个字，请缩短。"),
    ("short_title", "AI焊接机器人柔性产线1", "案例简称最多10个字，现在是12个字，请缩短。"),
    ("unit_short_name", "山西示范智能装备公司", "单位简称最多8个字，现在是10个字，请缩短。"),
    ("unit_short_name", "示范智能装备ABC", "单位简称最多8个字，现在是9个字，请缩短。"),
])
def test_too_long_short_names_are_refused_with_the_count(field, value, message):
    form = CaseForm(data={field: value})
    assert not form.is_valid()
    assert form.errors[field] == [message]
    assert field not in form.valid_values()


@pytest.mark.parametrize("field, value", [
    ("short_title", "焊接机器人柔性产线创新"[:10]),  # 10 汉字
    ("short_title", "AI焊接机器人产线1"),  # letters and digits count one each: 10
    ("short_title", "焊接 机器人 柔性产线创"),  # spaces are not counted (the group name drops them): 10
    ("unit_short_name", "示范智能装备公司"),  # 8
    ("unit_short_name", "美锦能源ABCD"),  # 8
])
def test_short_names_within_the_limit_are_accepted(field, value):
    form = CaseForm(data={field: value})
    assert form.is_valid(), form.errors
    assert form.cleaned_data[field] == value


def test_the_help_text_states_the_limits(signed_in, case):
    html = signed_in.get(reverse("cases:case_edit", args=[case.pk])).content.decode()
    assert "用于微信群昵称，不超过10个字。" in html
    assert "用于微信群昵称，不超过8个字。" in html


def test_a_case_saved_with_a_too_long_short_name_still_opens_and_saves_its_other_fields(signed_in, enterprise):
    case = factories.case(enterprise, short_title=SIXTEEN)
    edit_url = reverse("cases:case_edit", args=[case.pk])

    opened = signed_in.get(edit_url)
    saved = signed_in.post(edit_url, form_data(version=1, title=case.title, team="王五", short_title=SIXTEEN))
    shown = signed_in.get(edit_url).content.decode()
    case.refresh_from_db()

    assert opened.status_code == 200
    assert input_value(opened.content.decode(), "short_title") == SIXTEEN
    assert saved.status_code == 303
    assert (case.team, case.short_title, case.version) == ("王五", SIXTEEN, 2)
    assert field_errors(shown) == ["案例简称最多10个字，现在是16个字，请缩短。"]

    fixed = signed_in.post(edit_url, form_data(version=2, title=case.title, team="王五", short_title="数字孪生焦化"))
    case.refresh_from_db()
    assert fixed.status_code == 302
    assert case.short_title == "数字孪生焦化"


def test_submission_lists_too_long_short_names(enterprise, member):
    case = factories.complete_case(enterprise, title="煤矸石综合利用新工艺", short_title=SIXTEEN,
                                   unit_short_name="山西示范智能装备公司")
    expected = ["案例简称最多10个字，现在是16个字，请缩短。", "单位简称最多8个字，现在是10个字，请缩短。"]

    assert submission_problems(case) == expected
    with pytest.raises(SubmissionRefused) as refused:
        submit_case(case=case, actor=member, now=OPEN)
    assert refused.value.reasons == expected


def test_submission_accepts_short_names_within_the_limits_and_empty_ones(enterprise):
    within = factories.complete_case(enterprise, short_title="焊接机器人柔性产线创"[:10], unit_short_name="示范智能装备公司")
    empty = factories.complete_case(enterprise)
    assert submission_problems(within) == []
    assert submission_problems(empty) == []


# --- phone numbers as people type them ------------------------------------------------------

@pytest.mark.parametrize("typed, stored", [
    ("+86 138 1234 5678", "13812345678"),
    ("138-1234-5678", "13812345678"),
    ("138 1234 5678", "13812345678"),
    ("+86 13812345678", "13812345678"),
    ("+86-138-1234-5678", "13812345678"),
    ("8613812345678", "13812345678"),
    ("0086 138 1234 5678", "13812345678"),
    ("(+86) 138 1234 5678", "13812345678"),
    ("＋86 １３８ １２３４ ５６７８", "13812345678"),  # full-width, from a Chinese input method
    ("  13812345678 ", "13812345678"),
    ("0351-7333497", "0351-7333497"),
    ("0351  7333497", "0351 7333497"),
    ("(0351)7333497", "(0351)7333497"),
    ("0351-7333497-8001", "0351-7333497-8001"),
])
def test_phone_numbers_are_stored_normalised(typed, stored):
    form = CaseForm(data={"contact_phone": typed})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["contact_phone"] == stored


@pytest.mark.parametrize("typed", ["12345", "+86 138 1234 567", "+1 138 1234 5678", "86 0351 7333497", "138-1234-56789"])
def test_wrong_phone_numbers_are_still_refused(typed):
    form = CaseForm(data={"contact_phone": typed})
    assert not form.is_valid()
    assert form.errors["contact_phone"] == [PHONE_ERROR]


def test_the_case_stores_the_normalised_mobile_number(signed_in, case):
    response = signed_in.post(reverse("cases:case_edit", args=[case.pk]), form_data(version=1, contact_phone="+86 138 1234 5678"))
    case.refresh_from_db()
    assert response.status_code == 302
    assert case.contact_phone == "13812345678"
