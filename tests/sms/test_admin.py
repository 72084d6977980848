"""The province reads the text messages and their failures in the admin, in Chinese, without the
number in full or the code."""

import pytest
from django.urls import reverse

from cases.enums import Role
from sms.enums import SmsKind, SmsState
from sms.models import SmsMessage
from sms.services import queue_sms
from tests import factories

pytestmark = pytest.mark.django_db


def test_provincial_staff_see_a_failed_message_and_why_but_not_the_number_or_code(client, aliyun):
    aliyun.script.append("isv.AMOUNT_NOT_ENOUGH")
    queue_sms(phone="13812345678", kind=SmsKind.VOTE_CODE, text="验证码%(code)s", params={"code": "771203"})
    aliyun.stop()
    waiting = queue_sms(phone="13900001111", kind=SmsKind.PASSWORD_RESET, text="验证码%(code)s", params={"code": "880314"})
    client.force_login(factories.user(Role.PROVINCE_STAFF, organisation_=factories.province()))

    page = client.get(reverse("admin:sms_smsmessage_changelist")).content.decode()
    detail = client.get(reverse("admin:sms_smsmessage_change", args=[waiting.pk])).content.decode()

    assert "短信账户余额或短信套餐包已用完" in page and "isv.AMOUNT_NOT_ENOUGH" in page and "失败" in page
    assert "暂未发出，将自动重试" in page and "无法连接短信服务商" in page
    assert "138****5678" in page and "139****1111" in detail
    for secret in ("13812345678", "13900001111", "771203", "880314"):
        assert secret not in page and secret not in detail
    assert SmsMessage.objects.get(pk=waiting.pk).state == SmsState.RETRYING


@pytest.mark.parametrize("role", [Role.CITY_STAFF, Role.ASSOCIATION_STAFF])
def test_other_tiers_do_not_see_the_text_messages(client, role):
    organisation = factories.city("太原市") if role == Role.CITY_STAFF else factories.park(factories.county(factories.city("太原市")))
    client.force_login(factories.user(role, organisation_=organisation))
    assert client.get(reverse("admin:sms_smsmessage_changelist")).status_code == 302
