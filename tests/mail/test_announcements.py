"""Announcements of the province: the tiers chosen, within one city's subtree when asked; shown on
the recipients' workbench and mailed through the outbox, once."""

import pytest
from django.urls import reverse

from cases.enums import OrganisationKind, Role
from mail.models import OutboxMail
from review.announcements import AnnouncementRefused, announcements_for, mail_announcement, send_announcement
from review.models import Announcement
from tests import factories

pytestmark = pytest.mark.django_db


def person(role, address, **where):
    user = factories.user(role, **where)
    user.email = address
    user.save(update_fields=["email"])
    return user


@pytest.fixture
def two_cities():
    """太原 and 大同, each with a county, a park, an enterprise and an account at every tier."""
    people = {}
    for code, region in (("ty", "太原市"), ("dt", "大同市")):
        city = factories.city(region)
        county = factories.county(city)
        park = factories.park(county)
        enterprise = factories.enterprise(park)
        people[code] = {
            "city": person(Role.CITY_STAFF, f"{code}-city@example.com", organisation_=city),
            "county": person(Role.COUNTY_STAFF, f"{code}-county@example.com", organisation_=county),
            "park": person(Role.ASSOCIATION_STAFF, f"{code}-park@example.com", organisation_=park),
            "enterprise": person(Role.ENTERPRISE_USER, f"{code}-qiye@example.com", enterprise_=enterprise),
            "expert": person(Role.CITY_EXPERT, f"{code}-expert@example.com", organisation_=city),
            "city_org": city,
        }
    people["province"] = factories.user(Role.PROVINCE_STAFF, organisation_=factories.province())
    return people


def test_one_citys_subtree_only_the_tiers_chosen(outbox_backend, two_cities, django_capture_on_commit_callbacks, mailoutbox):
    with django_capture_on_commit_callbacks(execute=True):
        announcement = send_announcement(title="视频报送提醒", message="请于9月30日前上传宣讲视频。", actor=two_cities["province"],
                                          to_enterprises=True, to_counties=True, city=two_cities["ty"]["city_org"])
    assert sorted(OutboxMail.objects.values_list("to", flat=True)) == ["ty-county@example.com", "ty-qiye@example.com"]
    assert {m.subject for m in mailoutbox} == {"【创新案例征集平台】视频报送提醒"}
    assert mailoutbox[0].body.startswith("请于9月30日前上传宣讲视频。\n\n——山西省科学技术协会")
    announcement.refresh_from_db()
    assert announcement.mailed_count == 2
    assert {(code, tier) for code in ("ty", "dt") for tier in ("city", "county", "park", "enterprise", "expert")
            if announcements_for(two_cities[code][tier])} == {("ty", "county"), ("ty", "enterprise")}
    assert announcements_for(two_cities["ty"]["county"]) == [announcement]
    # The task running again writes nothing more.
    assert mail_announcement(announcement.pk) == 2 and OutboxMail.objects.count() == 2


def test_the_whole_province_reaches_every_city_and_association(outbox_backend, two_cities, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        send_announcement(title="工作会议", message="下周一召开视频会议。", actor=two_cities["province"], to_cities=True, to_associations=True)
    assert sorted(OutboxMail.objects.values_list("to", flat=True)) == [
        "dt-city@example.com", "dt-park@example.com", "ty-city@example.com", "ty-park@example.com"]


@pytest.mark.parametrize("fields,message", [
    ({"title": "标题", "message": "正文"}, "请选择通知对象：企业、园区（企业）科协、县级科协或市级科协。"),
    ({"title": " ", "message": "正文", "to_cities": True}, "请填写通知的标题和正文。"),
])
def test_an_announcement_needs_recipients_a_title_and_a_text(two_cities, fields, message):
    with pytest.raises(AnnouncementRefused) as refused:
        send_announcement(actor=two_cities["province"], **fields)
    assert str(refused.value) == message and Announcement.objects.count() == 0


def test_only_provincial_staff_announce(two_cities):
    with pytest.raises(AnnouncementRefused, match="只有省级工作人员可以发布通知。"):
        send_announcement(title="标题", message="正文", to_cities=True, actor=two_cities["ty"]["city"])
    county = factories.county(two_cities["ty"]["city_org"])
    with pytest.raises(AnnouncementRefused, match="请选择一个地级市"):
        send_announcement(title="标题", message="正文", to_cities=True, actor=two_cities["province"], city=county)
    assert county.kind == OrganisationKind.COUNTY


def test_sent_from_the_page_and_shown_on_the_workbench(client, outbox_backend, two_cities, django_capture_on_commit_callbacks):
    client.force_login(two_cities["province"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("review:announcement_list"), {
            "title": "材料补交通知", "message": "请补交盖章扫描件。\n逾期不候。", "audiences": ["to_enterprises"],
            "city": two_cities["dt"]["city_org"].pk}, follow=True)
    page = response.content.decode()
    assert "通知已显示在接收对象的工作台上，并正在发送邮件。" in page and "大同市科学技术协会的企业" in page
    client.force_login(two_cities["dt"]["enterprise"])
    workbench = client.get(reverse("home")).content.decode()
    assert "材料补交通知" in workbench and "请补交盖章扫描件。\n逾期不候。" in workbench
    client.force_login(two_cities["ty"]["enterprise"])
    assert "材料补交通知" not in client.get(reverse("home")).content.decode()


def test_the_page_explains_a_missing_audience(client, two_cities):
    client.force_login(two_cities["province"])
    page = client.post(reverse("review:announcement_list"), {"title": "标题", "message": "正文"}).content.decode()
    assert "请选择通知对象：企业、园区（企业）科协、县级科协或市级科协。" in page
    assert Announcement.objects.count() == 0
