"""The vote, password resets and registration send through SMS_GATEWAY (here the local Aliyun
API); the portal's caps reach their users in Chinese; `manage.py sms_test` checks a configuration."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from accounts.models import AccountProfile
from accounts.services import request_sms_reset, send_registration_code
from cases.enums import Role
from cases.refusals import Refused
from review.voting.limits import ClientInfo
from review.voting.services import VoteRefused, request_code, verify_code
from sms.enums import SmsKind, SmsState
from sms.models import SmsMessage
from tests import factories
from tests.review import review_world as world

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
CLIENT = ClientInfo(ip="198.51.100.7", block="198.51.100.0/24", device_hash="d" * 64, user_agent="MicroMessenger")


def account(username: str, phone: str):
    user = factories.user(Role.ENTERPRISE_USER, enterprise_=factories.enterprise(), username=username)
    AccountProfile.objects.create(user=user, phone=phone)
    return user


def test_the_vote_code_goes_through_the_configured_provider_and_verifies(aliyun):
    world.open_vote_window()
    campaign = world.campaign()

    voter = request_code(campaign=campaign, phone="139 1234 5678", client=CLIENT)

    [received] = aliyun.received
    assert (received["phone"], received["template"]) == ("13912345678", "SMS_000001")
    assert SmsMessage.objects.get().kind == SmsKind.VOTE_CODE
    assert verify_code(campaign=campaign, phone="13912345678", code=received["params"]["code"]) == voter


def test_the_vote_tells_the_voter_when_the_number_reached_the_portals_daily_cap(aliyun, settings):
    settings.SMS_DAILY_LIMIT_PER_PHONE = 1
    world.open_vote_window()
    send_registration_code(phone="13912345678")  # the number's one message of the day

    with pytest.raises(VoteRefused) as refused:
        request_code(campaign=world.campaign(), phone="13912345678", client=CLIENT)

    assert str(refused.value) == "今天发往该号码的短信已达上限（每天最多 1 条），请明天再试。"
    assert len(aliyun.received) == 1


def test_registration_and_reset_codes_use_their_own_kind(aliyun, settings):
    settings.SMS_TEMPLATES = {**settings.SMS_TEMPLATES, "password_reset": "SMS_000002"}
    account("zhangsan", "13812345678")

    send_registration_code(phone="13712345678")
    request_sms_reset(identifier="zhangsan")

    assert [(m["phone"], m["template"]) for m in aliyun.received] == [("13712345678", "SMS_000001"),
                                                                     ("13812345678", "SMS_000002")]
    assert list(SmsMessage.objects.order_by("pk").values_list("kind", "state")) == [
        (SmsKind.REGISTRATION, SmsState.SENT), (SmsKind.PASSWORD_RESET, SmsState.SENT)]


def test_registration_is_refused_in_chinese_over_the_budget_and_a_reset_answers_the_same(aliyun, settings):
    settings.SMS_DAILY_BUDGET = 1
    send_registration_code(phone="13712345678")
    user = account("lisi", "13812345678")

    with pytest.raises(Refused) as refused:
        send_registration_code(phone="13700000000")
    assert str(refused.value) == "今天平台发送的短信已达每日上限，请明天再试，或联系省科技创新服务中心。"
    assert request_sms_reset(identifier="lisi") == user.pk  # nothing tells whether the account exists
    assert len(aliyun.received) == 1


def test_sms_test_sends_a_code_and_prints_it_in_chinese(aliyun):
    out = io.StringIO()

    call_command("sms_test", "+86 138-1234-5678", stdout=out)

    [received] = aliyun.received
    assert (received["phone"], received["template"]) == ("13812345678", "SMS_000002")
    assert out.getvalue() == (
        "短信通道：sms.gateways.aliyun.AliyunGateway\n"
        f"已发送：测试验证码 {received['params']['code']} 已发往 138****5678（服务商消息编号 000001^0）。"
        "请确认手机收到的验证码与此一致。\n")
    message = SmsMessage.objects.get()
    assert (message.kind, message.state, message.params) == (SmsKind.TEST, SmsState.SENT, {})


def test_sms_test_explains_a_refusal_of_the_provider(aliyun):
    aliyun.script.append("isv.AMOUNT_NOT_ENOUGH")
    err = io.StringIO()

    with pytest.raises(CommandError) as failed:
        call_command("sms_test", "13812345678", stderr=err)

    assert str(failed.value) == "短信配置尚不可用；请按上述提示修改后再次运行 sms_test。"
    assert err.getvalue() == (
        "未能发送到 138****5678：短信账户余额或短信套餐包已用完，或因欠费停机。请在服务商控制台充值；充值前短信无法发出。\n"
        "服务商返回：isv.AMOUNT_NOT_ENOUGH: scripted by the test\n")


def test_sms_test_with_the_provider_unreachable_fails_and_leaves_nothing_to_retry(aliyun):
    aliyun.stop()
    err = io.StringIO()

    with pytest.raises(CommandError):
        call_command("sms_test", "13812345678", stderr=err)

    assert "无法连接短信服务商" in err.getvalue()
    assert list(SmsMessage.objects.values_list("state", "params")) == [(SmsState.FAILED, {})]


def test_sms_test_refuses_a_number_that_is_not_a_mobile_number(aliyun):
    with pytest.raises(CommandError) as refused:
        call_command("sms_test", "0351-1234567")
    assert str(refused.value) == "“0351-1234567”不是中国大陆手机号：请输入11位手机号，例如 13812345678。"
    assert aliyun.received == [] and not SmsMessage.objects.exists()


def test_the_deprecated_vote_sms_gateway_variable_still_configures_sms_with_a_warning():
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "SMS_GATEWAY")}
    env.update(VOTE_SMS_GATEWAY="sms.gateways.MemoryGateway", LOG_FORMAT="text")

    result = subprocess.run(
        [sys.executable, "manage.py", "shell", "-c", "from sms.gateways import gateway_path; print(gateway_path())"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60, check=True)

    assert result.stdout.strip().splitlines()[-1] == "sms.gateways.MemoryGateway"
    assert "VOTE_SMS_GATEWAY is deprecated: rename it SMS_GATEWAY" in result.stderr
