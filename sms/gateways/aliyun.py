"""Aliyun SMS (阿里云短信服务, dysmsapi 2017-05-25 SendSms) over its documented signed HTTP API.

Not the official SDK on purpose: alibabacloud-dysmsapi20170525 pulls in 28 packages (aiohttp,
APScheduler, cryptography, websocket-client ...) for one signed POST. The RPC signature is short
and documented ("签名机制", signature version 1.0): sort the parameters, percent-encode them
(RFC 3986: only A-Z a-z 0-9 - _ . ~ stay), sign "POST&%2F&<encoded query>" with HMAC-SHA1 keyed by
"<AccessKeySecret>&", base64. The tests check it against a local server that verifies it the
same way.

Settings: SMS_ALIYUN_ACCESS_KEY_ID, SMS_ALIYUN_ACCESS_KEY_SECRET, SMS_ALIYUN_ENDPOINT,
SMS_ALIYUN_REGION, SMS_SIGN_NAME, SMS_TEMPLATES (the TemplateCode per kind), SMS_TIMEOUT. The
template's one variable is ${code}.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import urllib.error
import urllib.request
import uuid
from urllib.parse import quote

from django.conf import settings

from sms.enums import SmsFailure
from sms.gateways import OutgoingSms, SmsGatewayError

API_VERSION = "2017-05-25"

# The provider's codes (SendSms "Code", or the error "Code" of a refused call) by what to do.
FAILURES = {
    SmsFailure.RATE_LIMITED: (
        "isv.BUSINESS_LIMIT_CONTROL", "isv.DAY_LIMIT_CONTROL", "isv.BUSINESS_LIMIT_HOUR", "isv.BUSINESS_LIMIT_DAY",
        "BUSINESS_LIMIT_CONTROL_MINUTE", "BUSINESS_LIMIT_CONTROL_PHONE", "isv.SMS_OVER_LIMIT",
    ),
    SmsFailure.INVALID_NUMBER: (
        "isv.MOBILE_NUMBER_ILLEGAL", "isv.PHONE_NUMBER_ILLEGAL", "isv.MOBILE_COUNT_OVER_LIMIT",
        "isv.BLACK_LIST_CONTROL", "isv.NOT_SUPPORTED_COUNTRY", "isv.COUNTRY_RESTRICTED",
    ),
    SmsFailure.BALANCE: ("isv.AMOUNT_NOT_ENOUGH", "isv.OUT_OF_SERVICE", "isv.BILLING_DEDUCTION_ERROR"),
    SmsFailure.TEMPLATE: (
        "isv.SMS_TEMPLATE_ILLEGAL", "isv.SMS_SIGNATURE_ILLEGAL", "isv.SMS_SIGN_NAME_ILLEGAL", "isv.SIGN_NAME_ILLEGAL",
        "isv.TEMPLATE_MISSING_PARAMETERS", "isv.INVALID_JSON_PARAM", "isv.TEMPLATE_PARAMS_ILLEGAL",
        "isv.PARAM_LENGTH_LIMIT", "isv.PARAM_NOT_SUPPORT_URL", "isv.BLACK_KEY_CONTROL_LIMIT",
        "isv.SMS_SIGNATURE_SCENE_ILLEGAL", "isv.EXTEND_CODE_ERROR", "isv.DOMESTIC_NUMBER_NOT_SUPPORTED",
    ),
    SmsFailure.CREDENTIALS: (
        "SignatureDoesNotMatch", "IncompleteSignature", "InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive",
        "InvalidTimeStamp.Expired", "isp.RAM_PERMISSION_DENY", "Forbidden.RAM", "isv.PRODUCT_UN_SUBSCRIPT",
        "isv.PRODUCT_UNSUBSCRIBE", "isv.ACCOUNT_NOT_EXISTS", "isv.ACCOUNT_ABNORMAL", "InvalidVersion",
    ),
    SmsFailure.UNAVAILABLE: (
        "isp.SYSTEM_ERROR", "isp.GATEWAY_ERROR", "isp.UNKNOWN", "ServiceUnavailable", "InternalError",
        "Throttling", "Throttling.User", "Throttling.Api", "SignatureNonceUsed",
    ),
}
FAILURE_OF_CODE = {code: failure for failure, codes in FAILURES.items() for code in codes}


def percent_encode(value: str) -> str:
    return quote(value, safe="~")


def sign(params: dict[str, str], secret: str, method: str = "POST") -> str:
    """Signature 1.0 of `params` (all of them but Signature)."""
    canonical = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in sorted(params.items()))
    string_to_sign = f"{method}&{percent_encode('/')}&{percent_encode(canonical)}"
    digest = hmac.new(f"{secret}&".encode(), string_to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


def failure_of(code: str, http_status: int = 200) -> SmsFailure:
    if code in FAILURE_OF_CODE:
        return FAILURE_OF_CODE[code]
    return SmsFailure.UNAVAILABLE if http_status >= 500 else SmsFailure.OTHER


class AliyunGateway:
    def __init__(self):
        self.access_key_id = settings.SMS_ALIYUN_ACCESS_KEY_ID
        self.access_key_secret = settings.SMS_ALIYUN_ACCESS_KEY_SECRET
        self.endpoint = settings.SMS_ALIYUN_ENDPOINT.rstrip("/") + "/"
        self.region = settings.SMS_ALIYUN_REGION
        self.timeout = settings.SMS_TIMEOUT

    def request_params(self, sms: OutgoingSms, *, now: datetime.datetime | None = None) -> dict[str, str]:
        now = now or datetime.datetime.now(datetime.timezone.utc)
        params = {
            "AccessKeyId": self.access_key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "RegionId": self.region,
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": uuid.uuid4().hex,
            "SignatureVersion": "1.0",
            "Timestamp": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": API_VERSION,
            "PhoneNumbers": sms.phone,
            "SignName": settings.SMS_SIGN_NAME,
            "TemplateCode": sms.template,
            "TemplateParam": json.dumps(sms.params, ensure_ascii=False, separators=(",", ":")),
        }
        params["Signature"] = sign(params, self.access_key_secret)
        return params

    def deliver(self, sms: OutgoingSms) -> str:
        if not (self.access_key_id and self.access_key_secret and settings.SMS_SIGN_NAME and sms.template):
            raise SmsGatewayError(SmsFailure.NOT_CONFIGURED, "SMS_ALIYUN_*",
                                  "access key, SMS_SIGN_NAME or the template of this kind is missing")
        body = "&".join(f"{percent_encode(k)}={percent_encode(v)}" for k, v in self.request_params(sms).items())
        request = urllib.request.Request(
            self.endpoint, data=body.encode(), method="POST",
            headers={"Content-Type": "application/x-www-form-urlencoded; charset=utf-8", "Accept": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:  # noqa: S310 - https (or the test server)
                status, raw = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, raw = error.code, error.read()
        except (OSError, ValueError) as error:  # refused, reset, timed out, DNS
            raise SmsGatewayError(SmsFailure.UNAVAILABLE, type(error).__name__, str(error)[:200]) from None
        try:
            answer = json.loads(raw)
        except ValueError:
            raise SmsGatewayError(failure_of("", status if status >= 400 else 500), f"HTTP {status}",
                                  raw[:200].decode(errors="replace")) from None
        code = str(answer.get("Code", ""))
        if status == 200 and code == "OK":
            return str(answer.get("BizId", ""))
        raise SmsGatewayError(failure_of(code, status), code or f"HTTP {status}", str(answer.get("Message", ""))[:300])
