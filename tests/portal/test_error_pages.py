"""The 404, 403 and CSRF-failure pages speak Chinese, say what to do, and leak nothing."""

import pytest
from django.test import Client
from django.urls import reverse

from cases.enums import Role
from tests import factories

pytestmark = pytest.mark.django_db


def test_another_organisations_case_is_a_chinese_404_that_names_nothing(client):
    other = factories.case(factories.enterprise(name="别家科技有限公司"), title="别家的秘密案例")
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise()))
    response = client.get(reverse("cases:case_detail", args=[other.pk]))
    page = response.content.decode()
    assert response.status_code == 404
    assert "页面不存在" in page and "回到工作台" in page
    assert "别家" not in page and "Not Found" not in page


def test_a_form_sent_with_a_stale_token_gets_the_expired_form_page():
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise()))
    response = browser.post(reverse("cases:case_create"), {"title": "新案例"})
    page = response.content.decode()
    assert response.status_code == 403
    assert "表单已过期" in page and "没有任何内容被修改" in page
    assert "DEBUG" not in page


def test_signed_in_pages_are_private_and_not_stored(client):
    client.force_login(factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise()))
    response = client.get(reverse("home"))
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    client.logout()
    assert "no-store" not in client.get(reverse("review:certificate_verify")).get("Cache-Control", "")  # public pages may be cached


def test_the_console_sms_gateway_sends_nothing_and_logs_no_code_in_production(settings, capsys, caplog):
    from sms.enums import SmsFailure
    from sms.gateways import ConsoleGateway, OutgoingSms, SmsGatewayError

    settings.DEBUG = False
    with pytest.raises(SmsGatewayError) as refused:
        ConsoleGateway().deliver(OutgoingSms(phone="13812345678", kind="vote_code", template="",
                                             params={"code": "123456"}, text="您的投票验证码为 123456"))
    assert refused.value.failure == SmsFailure.NOT_CONFIGURED
    assert "123456" not in capsys.readouterr().out
    assert "138****5678" in caplog.text and "13812345678" not in caplog.text and "123456" not in caplog.text
