"""The campaign's admin pages across years: a closed campaign is an archive (read-only, not
deletable, its quotas and criteria too); next year's campaign starts from a template; the
constraints of a campaign explain themselves beside the field to correct."""

import datetime
from decimal import Decimal

import pytest
from django.contrib.auth import get_user_model
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from cases.enums import Role
from cases.models import Campaign
from quotas.models import CityQuota
from review.models.scoring import ScoringCriterion
from tests import factories

pytestmark = pytest.mark.django_db
CLOSED_AT = datetime.datetime(2024, 12, 1, 9, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8)))


def staff_user():
    return factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())


def superuser():
    return get_user_model().objects.create_superuser(username="root", password=factories.PASSWORD)


@pytest.fixture(params=["province_staff", "superuser"])
def admin_user(request):
    return staff_user() if request.param == "province_staff" else superuser()


def closed_2024() -> Campaign:
    campaign = Campaign.objects.get(year=2024)
    campaign.closed_at = CLOSED_AT
    campaign.save(update_fields=["closed_at"])
    return campaign


def bare_campaign(year: int, **fields) -> Campaign:
    dates = {
        "enterprise_deadline": datetime.date(year, 9, 1), "association_deadline": datetime.date(year, 9, 5),
        "county_deadline": datetime.date(year, 9, 10), "city_deadline": datetime.date(year, 9, 13),
    }
    return Campaign.objects.create(year=year, title=f"{year}年活动", **{**dates, **fields})


def change_form_data(campaign: Campaign, **changes) -> dict:
    """What the admin's change form posts for `campaign` (no inline rows), with `changes`."""
    values = {
        "year": campaign.year, "title": campaign.title, "document_number": campaign.document_number,
        "is_current": campaign.is_current,
        "enterprise_deadline": campaign.enterprise_deadline, "association_deadline": campaign.association_deadline,
        "county_deadline": campaign.county_deadline, "city_deadline": campaign.city_deadline,
        "park_case_share_percent": campaign.park_case_share_percent,
        "park_presenter_share_percent": campaign.park_presenter_share_percent,
        "max_cases_per_enterprise": campaign.max_cases_per_enterprise, "experts_per_case": campaign.experts_per_case,
        "normalise_expert_scores": campaign.normalise_expert_scores, "expert_weight": campaign.expert_weight,
        "public_weight": campaign.public_weight, "winners_count": campaign.winners_count,
        "presenters_count": campaign.presenters_count, "presenters_per_city_max": campaign.presenters_per_city_max,
        "vote_min_picks": campaign.vote_min_picks, "vote_max_picks": campaign.vote_max_picks,
        "objection_days": campaign.objection_days,
        "narrative_notice_chars": campaign.narrative_notice_chars, "narrative_max_chars": campaign.narrative_max_chars,
        "proof_materials": campaign.proof_materials, "forward_requires_paper": campaign.forward_requires_paper,
    }
    values.update(changes)
    data = {}
    for name, value in values.items():
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif isinstance(value, datetime.date):
            data[name] = value.isoformat()
        else:
            data[name] = str(value)
    for prefix in ("quotas", "criteria", "notice", "contacts", "co_organisers"):
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0",
                     f"{prefix}-MIN_NUM_FORMS": "0", f"{prefix}-MAX_NUM_FORMS": "1000"})
    for name in ("scoring_closes_at", "vote_opens_at", "vote_closes_at"):
        data[f"{name}_0"] = data[f"{name}_1"] = ""
    return data


def message_texts(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


# --- a closed campaign is read-only ---------------------------------------------------------------

def test_the_page_of_a_closed_campaign_is_read_only_and_says_why(client, admin_user):
    campaign = closed_2024()
    client.force_login(admin_user)
    response = client.get(reverse("admin:cases_campaign_change", args=[campaign.pk]))
    page = response.content.decode()
    assert response.status_code == 200
    assert "已于 2024-12-01 09:00 关闭并归档" in page
    assert "其设置、名额分配和评分标准仅供查看" in page
    assert 'name="title"' not in page and 'name="enterprise_deadline"' not in page
    assert 'name="quotas-0-cases"' not in page and 'name="criteria-0-weight"' not in page
    assert 'name="_save"' not in page
    assert reverse("admin:cases_campaign_delete", args=[campaign.pk]) not in page
    assert "太原市科学技术协会" in page  # the quota table is still shown, read-only


def test_a_closed_campaign_refuses_changes_to_itself_and_its_quotas(client, admin_user):
    campaign = closed_2024()
    quotas_before = list(CityQuota.objects.filter(campaign=campaign).values_list("city_id", "cases", "presenters"))
    client.force_login(admin_user)
    data = change_form_data(campaign, title="改过的标题", city_deadline=datetime.date(2024, 12, 31), vote_max_picks=20)
    data.update({"quotas-TOTAL_FORMS": "1", "quotas-0-position": "1", "quotas-0-city": str(factories.city("太原市").pk),
                 "quotas-0-cases": "99", "quotas-0-presenters": "9"})
    response = client.post(reverse("admin:cases_campaign_change", args=[campaign.pk]), data)
    assert response.status_code == 403
    reloaded = Campaign.objects.get(pk=campaign.pk)
    assert (reloaded.title, reloaded.city_deadline, reloaded.vote_max_picks) == (campaign.title, datetime.date(2024, 9, 14), 10)
    assert list(CityQuota.objects.filter(campaign=campaign).values_list("city_id", "cases", "presenters")) == quotas_before


def test_a_closed_campaign_cannot_be_deleted_one_by_one(client, admin_user):
    campaign = closed_2024()
    client.force_login(admin_user)
    url = reverse("admin:cases_campaign_delete", args=[campaign.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"post": "yes"}).status_code == 403
    assert Campaign.objects.filter(pk=campaign.pk).exists()


def test_deleting_selected_campaigns_refuses_a_closed_one_and_says_which(client, admin_user):
    campaign = closed_2024()
    open_one = bare_campaign(2030)
    client.force_login(admin_user)
    selection = {"action": "delete_selected", "_selected_action": [campaign.pk, open_one.pk]}
    page = client.post(reverse("admin:cases_campaign_changelist"), selection).content.decode()
    assert f"“{campaign.title}”已关闭并归档：已关闭的活动不能删除。请在列表中取消勾选该活动。" in page
    client.post(reverse("admin:cases_campaign_changelist"), {**selection, "post": "yes"})
    assert Campaign.objects.filter(pk__in=[campaign.pk, open_one.pk]).count() == 2


def test_quota_and_criterion_rows_of_a_closed_campaign_are_read_only(client, admin_user):
    campaign = closed_2024()
    quota = CityQuota.objects.filter(campaign=campaign).order_by("position").first()
    criterion = ScoringCriterion.objects.filter(campaign=campaign).first()
    client.force_login(admin_user)
    for model, row, data in (
        ("quotas_cityquota", quota, {"campaign": campaign.pk, "position": 1, "city": quota.city_id, "cases": 99, "presenters": 1}),
        ("review_scoringcriterion", criterion, {"campaign": campaign.pk, "position": 1, "name": "改", "description": "",
                                                "weight": "0.5", "max_points": 100}),
    ):
        page = client.get(reverse(f"admin:{model}_change", args=[row.pk])).content.decode()
        assert "已于 2024-12-01 09:00 关闭并归档" in page and 'name="_save"' not in page
        assert client.post(reverse(f"admin:{model}_change", args=[row.pk]), data).status_code == 403
        assert client.post(reverse(f"admin:{model}_delete", args=[row.pk]), {"post": "yes"}).status_code == 403
    assert CityQuota.objects.get(pk=quota.pk).cases == quota.cases
    assert ScoringCriterion.objects.get(pk=criterion.pk).name == criterion.name


def test_no_quota_can_be_added_to_a_closed_campaign(client):
    campaign = closed_2024()
    open_one = bare_campaign(2030)
    client.force_login(staff_user())
    form = client.get(reverse("admin:quotas_cityquota_add")).context["adminform"].form
    assert list(form.fields["campaign"].queryset) == [open_one]
    response = client.post(reverse("admin:quotas_cityquota_add"),
                           {"campaign": campaign.pk, "position": 12, "city": factories.city("太原市").pk, "cases": 1, "presenters": 0})
    assert response.status_code == 200 and "campaign" in response.context["adminform"].form.errors
    assert CityQuota.objects.filter(campaign=campaign).count() == 11


def test_an_open_campaign_stays_editable(client):
    campaign = Campaign.objects.get(year=2024)
    client.force_login(staff_user())
    page = client.get(reverse("admin:cases_campaign_change", args=[campaign.pk])).content.decode()
    assert 'name="title"' in page and 'name="quotas-0-cases"' in page and 'name="_save"' in page
    assert "关闭并归档" not in page


# --- next year's campaign from a template ---------------------------------------------------------

def test_next_years_campaign_starts_from_the_selected_one(client):
    source = closed_2024()
    source.expert_weight, source.public_weight, source.winners_count = Decimal("0.60"), Decimal("0.40"), 80
    source.save()
    client.force_login(staff_user())
    response = client.post(reverse("admin:cases_campaign_changelist"),
                           {"action": "start_next_years_campaign", "_selected_action": [source.pk]})
    created = Campaign.objects.get(year=2025)
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:cases_campaign_change", args=[created.pk])
    assert created.title == "2025年山西省企业典型创新案例征集及宣讲活动"
    assert [created.enterprise_deadline, created.association_deadline, created.county_deadline, created.city_deadline] == [
        datetime.date(2025, 9, 2), datetime.date(2025, 9, 6), datetime.date(2025, 9, 11), datetime.date(2025, 9, 14),
    ]
    assert not created.is_current and created.closed_at is None and created.document_number == ""
    assert Campaign.objects.get(pk=source.pk).is_current  # the template stays current until staff tick the new one
    assert (created.expert_weight, created.public_weight, created.winners_count) == (Decimal("0.60"), Decimal("0.40"), 80)
    assert created.vote_opens_at is None and created.scoring_closes_at is None
    copied = list(created.quotas.order_by("position").values_list("city_id", "cases", "presenters"))
    assert copied == list(source.quotas.order_by("position").values_list("city_id", "cases", "presenters"))
    assert len(copied) == 11
    assert list(created.criteria.values_list("name", "weight")) == list(source.criteria.values_list("name", "weight"))
    assert created.criteria.count() == 3
    [message] = message_texts(response)
    assert message.startswith("已以“2024年山西省企业典型创新案例征集及宣讲活动”为模板新建2025年度活动")


def test_next_years_campaign_is_refused_when_that_year_exists(client):
    source = Campaign.objects.get(year=2024)
    existing = bare_campaign(2025)
    client.force_login(staff_user())
    response = client.post(reverse("admin:cases_campaign_changelist"),
                           {"action": "start_next_years_campaign", "_selected_action": [source.pk]}, follow=True)
    assert Campaign.objects.filter(year=2025).get() == existing
    assert existing.quotas.count() == 0
    assert "2025年度的活动已经存在（“2025年活动”）：如需修改，请在列表中打开它；或以最新年度的活动为模板。" in message_texts(response)


def test_next_years_campaign_needs_exactly_one_template(client):
    bare_campaign(2030)
    client.force_login(staff_user())
    response = client.post(reverse("admin:cases_campaign_changelist"), {
        "action": "start_next_years_campaign", "_selected_action": list(Campaign.objects.values_list("pk", flat=True)),
    }, follow=True)
    assert Campaign.objects.count() == 2
    assert "请只勾选一个活动作为模板（您勾选了 2 个），然后重新执行该操作。" in message_texts(response)


def test_the_action_is_offered_with_its_chinese_name(client):
    client.force_login(staff_user())
    page = client.get(reverse("admin:cases_campaign_changelist")).content.decode()
    assert "以所选活动为模板，新建下一年度活动" in page


# --- the constraints explain themselves ------------------------------------------------------------

def test_ticking_current_moves_it_from_the_previous_campaign(client):
    previous = Campaign.objects.get(year=2024)
    new = bare_campaign(2025)
    client.force_login(staff_user())
    response = client.post(reverse("admin:cases_campaign_change", args=[new.pk]), change_form_data(new, is_current=True))
    assert response.status_code == 302
    assert Campaign.objects.current() == new
    assert not Campaign.objects.get(pk=previous.pk).is_current
    assert message_texts(response)[0] == (
        "“2025年活动”已设为当前活动；“2024年山西省企业典型创新案例征集及宣讲活动”已自动取消“当前活动”"
        "（同一时间只能有一个当前活动）。原活动的页面和归档包仍可在“活动收尾与归档”页面找到。"
    )


def test_a_running_campaign_with_submitted_cases_keeps_the_current_flag_until_closed(client):
    from cases.enums import CaseStatus
    from tests import factories as made

    previous = Campaign.objects.get(year=2024)
    made.case(made.enterprise(), status=CaseStatus.CITY_REVIEW)  # the current (2024) campaign's case in progress
    new = bare_campaign(2025)
    client.force_login(staff_user())
    response = client.post(reverse("admin:cases_campaign_change", args=[new.pk]), change_form_data(new, is_current=True))
    assert response.status_code == 200
    assert "仍在进行：其中有 1 个已提交的案例" in response.context["adminform"].form.errors["is_current"][0]
    assert Campaign.objects.current() == previous
    previous.closed_at = previous.enterprise_deadline and datetime.datetime(2024, 12, 1, tzinfo=datetime.timezone.utc)
    previous.save(update_fields=["closed_at"])
    response = client.post(reverse("admin:cases_campaign_change", args=[new.pk]), change_form_data(new, is_current=True))
    assert response.status_code == 302 and Campaign.objects.current() == new


def test_saving_the_current_campaign_again_moves_nothing(client):
    campaign = Campaign.objects.get(year=2024)
    client.force_login(staff_user())
    response = client.post(reverse("admin:cases_campaign_change", args=[campaign.pk]),
                           change_form_data(campaign, document_number="晋科协发〔2024〕22号（修订）"))
    assert response.status_code == 302
    assert Campaign.objects.current().document_number == "晋科协发〔2024〕22号（修订）"
    assert not any("已设为当前活动" in text for text in message_texts(response))


def test_deadlines_out_of_order_are_shown_beside_the_field(client):
    campaign = Campaign.objects.get(year=2024)
    client.force_login(staff_user())
    response = client.post(reverse("admin:cases_campaign_change", args=[campaign.pk]),
                           change_form_data(campaign, county_deadline=datetime.date(2024, 9, 1)))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["county_deadline"] == [
        "此日期早于“截止日期：园区（企业）科协报送县级科协”（2024-09-06），而各级截止日期须依次排列。"
        "请改为 2024-09-06 或之后的日期，或调整前面的截止日期。"
    ]
    assert "__all__" not in errors
    assert "约束" not in response.content.decode()
    assert Campaign.objects.get(pk=campaign.pk).county_deadline == datetime.date(2024, 9, 11)


def test_vote_picks_and_weights_are_shown_beside_their_fields(client):
    campaign = Campaign.objects.get(year=2024)
    client.force_login(staff_user())
    response = client.post(reverse("admin:cases_campaign_change", args=[campaign.pk]),
                           change_form_data(campaign, vote_min_picks=8, vote_max_picks=6, public_weight="1.50"))
    errors = response.context["adminform"].form.errors
    assert errors["vote_max_picks"] == ["此数小于每张选票最少选择案例数（8）：请填写 8 或更大的数，或调小最少选择案例数。"]
    assert errors["public_weight"] == ["权重须在 0 到 1 之间（例如 0.70）：请修改 1.50。"]
    assert "__all__" not in errors


def test_a_second_current_campaign_outside_the_admin_gets_a_message_that_says_what_to_do():
    second = Campaign(year=2025, title="2025年活动", is_current=True, enterprise_deadline=datetime.date(2025, 9, 1),
                      association_deadline=datetime.date(2025, 9, 5), county_deadline=datetime.date(2025, 9, 10),
                      city_deadline=datetime.date(2025, 9, 13))
    with pytest.raises(ValidationError) as refused:
        second.full_clean()
    assert refused.value.message_dict["__all__"] == [
        "只能有一个当前活动：请先在现在的当前活动上取消“当前活动”的勾选，再保存本活动。"
    ]


def test_the_database_constraints_carry_the_same_messages():
    constraints = {constraint.name: str(constraint.violation_error_message) for constraint in Campaign._meta.constraints}
    assert constraints["campaign_deadlines_in_order"].startswith("各级截止日期须按报送顺序排列")
    assert constraints["campaign_weights_between_0_and_1"].startswith("专家评分权重和网络投票权重都必须在 0 到 1 之间")
    assert constraints["campaign_vote_picks_in_order"].startswith("每张选票最少选择案例数不能大于最多选择案例数")
    assert all("约束" not in message for message in constraints.values())
