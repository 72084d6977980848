"""Tencent Cloud SMS (腾讯云短信, sms 2021-01-11 SendSms), through the official SDK
(tencentcloud-sdk-python-sms: two packages on top of `requests`), which signs every call with
TC3-HMAC-SHA256. The endpoint is a setting, so the tests point it at a local server that checks
the signature as Tencent documents it.

Settings: SMS_TENCENT_SECRET_ID, SMS_TENCENT_SECRET_KEY, SMS_TENCENT_SDK_APP_ID,
SMS_TENCENT_ENDPOINT, SMS_TENCENT_REGION, SMS_SIGN_NAME, SMS_TEMPLATES (the TemplateId per kind),
SMS_TIMEOUT. The template's one variable {1} is the code.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from sms.enums import SmsFailure
from sms.gateways import OutgoingSms, SmsGatewayError

# Exact codes first, then families by prefix (Tencent groups codes as Family.Detail).
FAILURES = {
    SmsFailure.INVALID_NUMBER: (
        "InvalidParameterValue.IncorrectPhoneNumber", "FailedOperation.PhoneNumberInBlacklist",
        "FailedOperation.PhoneNumberParseFail", "LimitExceeded.PhoneNumberCountLimit",
        "MissingParameter.EmptyPhoneNumberSet", "LimitExceeded.AppCountryOrRegionInBlacklist",
        "UnsupportedOperation.ContainDomesticAndInternationalPhoneNumber",
    ),
    SmsFailure.BALANCE: (
        "FailedOperation.InsufficientBalanceInSmsPackage", "UnauthorizedOperation.ServiceSuspendDueToArrears",
        "UnauthorizedOperation.SerivceSuspendDueToArrears",
    ),
    SmsFailure.TEMPLATE: (
        "FailedOperation.TemplateIncorrectOrUnapproved", "FailedOperation.SignatureIncorrectOrUnapproved",
        "FailedOperation.TemplateParamSetNotMatchApprovedTemplate", "FailedOperation.TemplateUnapprovedOrNotExist",
        "FailedOperation.TemplateIdNotExist", "FailedOperation.MissingSignature", "FailedOperation.MissingSignatureList",
        "FailedOperation.MissingTemplateList", "FailedOperation.ContainSensitiveWord",
        "FailedOperation.MarketingSendTimeConstraint", "InvalidParameterValue.TemplateParameterFormatError",
        "InvalidParameterValue.TemplateParameterLengthLimit", "InvalidParameterValue.ProhibitedUseUrlInTemplateParameter",
        "InvalidParameterValue.ContentLengthLimit", "InvalidParameterValue.SignNameLengthTooLong",
        "InvalidParameter.DirtyWordFound", "UnsupportedOperation.ChineseMainlandTemplateToGlobalPhone",
        "UnsupportedOperation.GlobalTemplateToChineseMainlandPhone",
    ),
    SmsFailure.CREDENTIALS: (
        "UnauthorizedOperation.SmsSdkAppIdVerifyFail", "UnauthorizedOperation.RequestPermissionDeny",
        "UnauthorizedOperation.RequestIpNotInWhitelist", "UnauthorizedOperation.SdkAppIdIsDisabled",
        "InvalidParameterValue.SdkAppIdNotExist", "FailedOperation.ProhibitSubAccountUse",
    ),
    SmsFailure.UNAVAILABLE: ("RequestLimitExceeded", "ClientNetworkError", "ServerNetworkError", "ResourceUnavailable"),
}
FAILURE_OF_CODE = {code: failure for failure, codes in FAILURES.items() for code in codes}
FAILURE_OF_FAMILY = (
    ("LimitExceeded.", SmsFailure.RATE_LIMITED),
    ("AuthFailure", SmsFailure.CREDENTIALS),
    ("InternalError", SmsFailure.UNAVAILABLE),
    ("UnauthorizedOperation", SmsFailure.CREDENTIALS),
)


def failure_of(code: str) -> SmsFailure:
    if code in FAILURE_OF_CODE:
        return FAILURE_OF_CODE[code]
    for prefix, failure in FAILURE_OF_FAMILY:
        if code.startswith(prefix):
            return failure
    return SmsFailure.OTHER


class TencentGateway:
    def __init__(self):
        self.configured = bool(settings.SMS_TENCENT_SECRET_ID and settings.SMS_TENCENT_SECRET_KEY
                               and settings.SMS_TENCENT_SDK_APP_ID and settings.SMS_SIGN_NAME)

    def _client(self) -> sms_client.SmsClient:
        endpoint = urlsplit(settings.SMS_TENCENT_ENDPOINT)
        http_profile = HttpProfile(protocol=endpoint.scheme, endpoint=endpoint.netloc, reqTimeout=settings.SMS_TIMEOUT)
        return sms_client.SmsClient(
            credential.Credential(settings.SMS_TENCENT_SECRET_ID, settings.SMS_TENCENT_SECRET_KEY),
            settings.SMS_TENCENT_REGION, ClientProfile(httpProfile=http_profile),
        )

    def deliver(self, sms: OutgoingSms) -> str:
        if not (self.configured and sms.template):
            raise SmsGatewayError(SmsFailure.NOT_CONFIGURED, "SMS_TENCENT_*",
                                  "secret, SDK app id, SMS_SIGN_NAME or the template of this kind is missing")
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [f"+86{sms.phone}"]
        request.SmsSdkAppId = settings.SMS_TENCENT_SDK_APP_ID
        request.SignName = settings.SMS_SIGN_NAME
        request.TemplateId = sms.template
        request.TemplateParamSet = [str(value) for value in sms.params.values()]
        try:
            response = self._client().SendSms(request)
        except TencentCloudSDKException as error:
            code = error.get_code() or ""
            raise SmsGatewayError(failure_of(code), code, str(error.get_message() or "")[:300]) from None
        status = (response.SendStatusSet or [None])[0]
        if status is None:
            raise SmsGatewayError(SmsFailure.OTHER, "EmptySendStatusSet", response.RequestId or "")
        if status.Code == "Ok":
            return status.SerialNo or ""
        raise SmsGatewayError(failure_of(status.Code or ""), status.Code or "", str(status.Message or "")[:300])
