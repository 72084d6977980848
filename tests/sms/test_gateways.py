"""The Aliyun and Tencent adapters against local servers that check each request's signature the
way the provider does, and the provider's codes mapped to what the operator must do."""

import pytest
from django.utils import translation

from sms.enums import SmsFailure
from sms.gateways import OutgoingSms, SmsGatewayError, get_gateway
from sms.gateways.aliyun import AliyunGateway
from sms.gateways.tencent import TencentGateway


def code_sms(kind="vote_code", phone="13812345678", code="048213", template=None, provider=None):
    template = template or sorted(provider.templates)[0]
    return OutgoingSms(phone=phone, kind=kind, template=template, params={"code": code}, text=f"验证码{code}")


def test_the_aliyun_adapter_sends_a_signed_request_the_provider_accepts(aliyun):
    message_id = AliyunGateway().deliver(code_sms(provider=aliyun))

    assert message_id == "000001^0"
    assert aliyun.received == [{"phone": "13812345678", "sign": "创新案例平台", "template": "SMS_000001",
                                "params": {"code": "048213"}}]
    assert aliyun.rejected == []


def test_the_aliyun_signature_covers_chinese_spaces_and_reserved_characters(aliyun, settings):
    # The sign name and parameters travel percent-encoded (UTF-8, %20 for a space, ~ as is, * as %2A):
    # a wrong encoding in the adapter makes the provider's recomputed signature differ.
    aliyun.sign_name = settings.SMS_SIGN_NAME = "创新 平台*~测试+'"
    AliyunGateway().deliver(code_sms(provider=aliyun))
    assert aliyun.received[0]["sign"] == "创新 平台*~测试+'"


def test_a_wrong_aliyun_secret_is_refused_by_the_provider_as_a_credentials_problem(aliyun, settings):
    settings.SMS_ALIYUN_ACCESS_KEY_SECRET = "not-the-secret"

    with pytest.raises(SmsGatewayError) as refused:
        AliyunGateway().deliver(code_sms(provider=aliyun))

    assert (refused.value.failure, refused.value.code) == (SmsFailure.CREDENTIALS, "SignatureDoesNotMatch")
    assert aliyun.received == [] and aliyun.rejected == [{"code": "SignatureDoesNotMatch", "status": 400}]


@pytest.mark.parametrize(("answer", "failure"), [
    ("isv.BUSINESS_LIMIT_CONTROL", SmsFailure.RATE_LIMITED),
    ("isv.DAY_LIMIT_CONTROL", SmsFailure.RATE_LIMITED),
    ("isv.MOBILE_NUMBER_ILLEGAL", SmsFailure.INVALID_NUMBER),
    ("isv.AMOUNT_NOT_ENOUGH", SmsFailure.BALANCE),
    ("isv.OUT_OF_SERVICE", SmsFailure.BALANCE),
    ("isv.SMS_TEMPLATE_ILLEGAL", SmsFailure.TEMPLATE),
    ("isv.SMS_SIGNATURE_ILLEGAL", SmsFailure.TEMPLATE),
    ("isv.TEMPLATE_MISSING_PARAMETERS", SmsFailure.TEMPLATE),
    ("isp.RAM_PERMISSION_DENY", SmsFailure.CREDENTIALS),
    ("isp.SYSTEM_ERROR", SmsFailure.UNAVAILABLE),
    ((503, "ServiceUnavailable"), SmsFailure.UNAVAILABLE),
    ((500, "SomethingNew"), SmsFailure.UNAVAILABLE),
    ("isv.SOMETHING_NEW", SmsFailure.OTHER),
])
def test_aliyun_codes_are_mapped_to_what_the_operator_must_do(aliyun, answer, failure):
    aliyun.script.append(answer)

    with pytest.raises(SmsGatewayError) as refused:
        AliyunGateway().deliver(code_sms(provider=aliyun))

    assert refused.value.failure == failure
    assert refused.value.code == (answer[1] if isinstance(answer, tuple) else answer)


def test_aliyun_business_checks_of_the_local_server_reach_the_adapter(aliyun):
    with pytest.raises(SmsGatewayError) as refused:
        AliyunGateway().deliver(code_sms(provider=aliyun, template="SMS_999999"))
    assert (refused.value.failure, refused.value.code) == (SmsFailure.TEMPLATE, "isv.SMS_TEMPLATE_ILLEGAL")


def test_an_unreachable_aliyun_is_a_transient_failure(aliyun):
    aliyun.stop()

    with pytest.raises(SmsGatewayError) as refused:
        AliyunGateway().deliver(code_sms(provider=aliyun))

    assert refused.value.failure == SmsFailure.UNAVAILABLE


def test_aliyun_without_keys_is_not_configured_and_sends_nothing(aliyun, settings):
    settings.SMS_ALIYUN_ACCESS_KEY_ID = ""
    with pytest.raises(SmsGatewayError) as refused:
        AliyunGateway().deliver(code_sms(provider=aliyun))
    assert refused.value.failure == SmsFailure.NOT_CONFIGURED and aliyun.rejected == []


def test_the_tencent_adapter_sends_a_tc3_signed_request_the_provider_accepts(tencent):
    message_id = TencentGateway().deliver(code_sms(provider=tencent))

    assert message_id.startswith("2433:")
    assert tencent.received == [{"phone": "13812345678", "sign": "创新案例平台", "template": "100001",
                                 "params": {"code": "048213"}}]


def test_a_wrong_tencent_secret_is_refused_by_the_provider_as_a_credentials_problem(tencent, settings):
    settings.SMS_TENCENT_SECRET_KEY = "not-the-key"

    with pytest.raises(SmsGatewayError) as refused:
        TencentGateway().deliver(code_sms(provider=tencent))

    assert (refused.value.failure, refused.value.code) == (SmsFailure.CREDENTIALS, "AuthFailure.SignatureFailure")
    assert tencent.received == []


@pytest.mark.parametrize(("answer", "failure"), [
    ("LimitExceeded.PhoneNumberThirtySecondLimit", SmsFailure.RATE_LIMITED),
    ("LimitExceeded.PhoneNumberDailyLimit", SmsFailure.RATE_LIMITED),
    ("InvalidParameterValue.IncorrectPhoneNumber", SmsFailure.INVALID_NUMBER),
    ("FailedOperation.PhoneNumberInBlacklist", SmsFailure.INVALID_NUMBER),
    ("FailedOperation.InsufficientBalanceInSmsPackage", SmsFailure.BALANCE),
    ("FailedOperation.TemplateIncorrectOrUnapproved", SmsFailure.TEMPLATE),
    ("FailedOperation.SignatureIncorrectOrUnapproved", SmsFailure.TEMPLATE),
    ("InternalError.Timeout", SmsFailure.UNAVAILABLE),
    ("FailedOperation.SomethingNew", SmsFailure.OTHER),
    ((200, "UnauthorizedOperation.ServiceSuspendDueToArrears"), SmsFailure.BALANCE),
    ((200, "RequestLimitExceeded"), SmsFailure.UNAVAILABLE),
    ((200, "InternalError.SendAndRecvFail"), SmsFailure.UNAVAILABLE),
])
def test_tencent_codes_are_mapped_to_what_the_operator_must_do(tencent, answer, failure):
    tencent.script.append(answer)

    with pytest.raises(SmsGatewayError) as refused:
        TencentGateway().deliver(code_sms(provider=tencent))

    assert refused.value.failure == failure
    assert refused.value.code == (answer[1] if isinstance(answer, tuple) else answer)


def test_an_unreachable_tencent_is_a_transient_failure(tencent):
    tencent.stop()

    with pytest.raises(SmsGatewayError) as refused:
        TencentGateway().deliver(code_sms(provider=tencent))

    assert refused.value.failure == SmsFailure.UNAVAILABLE


@pytest.mark.parametrize(("name", "gateway_class"), [("aliyun", AliyunGateway), ("tencent", TencentGateway)])
def test_sms_gateway_takes_a_short_name_or_the_deprecated_vote_setting(settings, name, gateway_class):
    settings.SMS_GATEWAY = name
    assert isinstance(get_gateway(), gateway_class)
    settings.VOTE_SMS_GATEWAY = "sms.gateways.MemoryGateway"
    assert type(get_gateway()).__name__ == "MemoryGateway"


def test_each_failure_tells_the_operator_in_chinese_what_to_do():
    with translation.override("zh-hans"):
        labels = {failure: str(failure.label) for failure in SmsFailure}
    assert "充值" in labels[SmsFailure.BALANCE]
    assert "频繁" in labels[SmsFailure.RATE_LIMITED] or "频率" in labels[SmsFailure.RATE_LIMITED]
    assert "手机号" in labels[SmsFailure.INVALID_NUMBER]
    assert "模板" in labels[SmsFailure.TEMPLATE] and "签名" in labels[SmsFailure.TEMPLATE]
