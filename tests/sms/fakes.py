"""Local stand-ins for the SMS providers' APIs, run by the tests in a thread on 127.0.0.1.

Each checks a request the way its provider documents it — the signature recomputed from what
arrived on the wire with the secret, the timestamp window, the nonce (Aliyun), the action and
version — then the sign name, template and number, and answers in the provider's format.
Written from the providers' documentation, independently of sms/gateways, so a signing mistake
in the adapter shows up as the provider's own refusal.

- Aliyun dysmsapi SendSms, RPC signature 1.0 (HMAC-SHA1 over "POST&%2F&<sorted, RFC 3986
  encoded parameters>", key "<secret>&"); refusals as HTTP 4xx {"Code": "SignatureDoesNotMatch"...},
  business answers as HTTP 200 {"Code": "OK"|"isv.…", "BizId"...}.
- Tencent Cloud sms 2021-01-11 SendSms, TC3-HMAC-SHA256 (canonical request over the signed
  headers, key derived "TC3"+key → date → service → "tc3_request"); every answer HTTP 200
  {"Response": {...}}, refusals as Response.Error, per-number outcomes in SendStatusSet.

`received` holds the accepted messages ({"phone", "sign", "template", "params"}), `rejected` the
refused requests with the code given; `script` lists outcomes to give to the next requests
(provider codes, or (http_status, code)). `stop()` and `start()` keep the port, so a test can take
the provider away and bring it back; `open.clear()` holds every answer until `open.set()`.
"""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import json
import re
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, quote, urlsplit

MOBILE = re.compile(r"^1[3-9]\d{9}$")


class FakeProvider:
    content_type = "application/json;charset=utf-8"

    def __init__(self):
        self.received: list[dict] = []
        self.rejected: list[dict] = []
        self.script: list = []
        self.port = 0
        self._server = None
        self._lock = threading.Lock()
        self.open = threading.Event()
        self.open.set()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def codes(self) -> list[str]:
        return [message["params"]["code"] for message in self.received]

    def start(self) -> FakeProvider:
        provider = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                provider.open.wait(timeout=60)  # a test may hold the answers back (a slow provider)
                with provider._lock:
                    status, answer = provider.answer(self, body)
                raw = json.dumps(answer, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", provider.content_type)
                self.send_header("Content-Length", str(len(raw)))
                self.end_headers()
                self.wfile.write(raw)

            def log_message(self, *args):  # quiet
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.port = self._server.server_address[1]
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def _scripted(self):
        return self.script.pop(0) if self.script else None

    def _reject(self, status: int, code: str, answer: dict) -> tuple[int, dict]:
        self.rejected.append({"code": code, "status": status})
        return status, answer


# --- Aliyun ---------------------------------------------------------------------------------------

def _aliyun_encode(value: str) -> str:
    # RFC 3986: A-Z a-z 0-9 - _ . ~ as they are, everything else %XY of its UTF-8 bytes (space %20).
    return "".join(chr(b) if chr(b).isascii() and (chr(b).isalnum() or chr(b) in "-_.~") else f"%{b:02X}"
                   for b in value.encode("utf-8"))


class FakeAliyun(FakeProvider):
    access_key_id = "LTAI-test-key-id"
    access_key_secret = "aliyun-test-secret"
    sign_name = "创新案例平台"
    templates = {"SMS_000001", "SMS_000002"}

    def settings(self) -> dict:
        return {"SMS_GATEWAY": "aliyun", "SMS_ALIYUN_ACCESS_KEY_ID": self.access_key_id,
                "SMS_ALIYUN_ACCESS_KEY_SECRET": self.access_key_secret, "SMS_ALIYUN_ENDPOINT": self.url,
                "SMS_SIGN_NAME": self.sign_name,
                "SMS_TEMPLATES": {"vote_code": "SMS_000001", "password_reset": "SMS_000001",
                                  "registration": "SMS_000001", "test": "SMS_000002"}}

    def _error(self, status: int, code: str, message: str) -> tuple[int, dict]:
        return self._reject(status, code, {"Code": code, "Message": message, "RequestId": str(uuid.uuid4())})

    def answer(self, request, body: bytes) -> tuple[int, dict]:
        query = urlsplit(request.path).query
        params = dict(parse_qsl(query, keep_blank_values=True))
        params.update(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
        for name in ("AccessKeyId", "SignatureMethod", "SignatureNonce", "SignatureVersion", "Timestamp", "Version",
                     "Action", "Signature"):
            if not params.get(name):
                return self._error(400, "MissingParameter", f"{name} is mandatory for this action.")
        signature = params.pop("Signature")
        if params["AccessKeyId"] != self.access_key_id:
            return self._error(404, "InvalidAccessKeyId.NotFound", "Specified access key is not found.")
        if params["SignatureMethod"] != "HMAC-SHA1" or params["SignatureVersion"] != "1.0":
            return self._error(400, "IncompleteSignature", "The request signature does not conform to Aliyun standards.")
        try:
            stamp = datetime.datetime.strptime(params["Timestamp"], "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
        except ValueError:
            return self._error(400, "InvalidTimeStamp.Format", "Specified time stamp is not valid.")
        if abs((datetime.datetime.now(datetime.timezone.utc) - stamp).total_seconds()) > 15 * 60:
            return self._error(400, "InvalidTimeStamp.Expired", "Specified time stamp or date header is expired.")
        nonces = getattr(self, "_nonces", set())
        self._nonces = nonces
        if params["SignatureNonce"] in nonces:
            return self._error(400, "SignatureNonceUsed", "Specified signature nonce was used already.")
        canonical = "&".join(f"{_aliyun_encode(k)}={_aliyun_encode(v)}" for k, v in sorted(params.items()))
        string_to_sign = f"{request.command}&{_aliyun_encode('/')}&{_aliyun_encode(canonical)}"
        expected = base64.b64encode(hmac.new(f"{self.access_key_secret}&".encode(), string_to_sign.encode(),
                                             hashlib.sha1).digest()).decode()
        if not hmac.compare_digest(expected, signature):
            return self._error(400, "SignatureDoesNotMatch",
                               f"Specified signature is not matched with our calculation. server string to sign is:{string_to_sign}")
        nonces.add(params["SignatureNonce"])
        if params["Action"] != "SendSms":
            return self._error(404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.")
        if params["Version"] != "2017-05-25":
            return self._error(400, "InvalidVersion", "Specified parameter Version is not valid.")
        scripted = self._scripted()
        if scripted is not None:
            status, code = scripted if isinstance(scripted, tuple) else (200, scripted)
            return self._error(status, code, "scripted by the test")
        if not MOBILE.match(params.get("PhoneNumbers", "")):
            return self._error(200, "isv.MOBILE_NUMBER_ILLEGAL", "非法手机号")
        if params.get("SignName") != self.sign_name:
            return self._error(200, "isv.SMS_SIGNATURE_ILLEGAL", "该账号下找不到对应签名")
        if params.get("TemplateCode") not in self.templates:
            return self._error(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
        try:
            template_params = json.loads(params.get("TemplateParam", ""))
        except ValueError:
            return self._error(200, "isv.INVALID_JSON_PARAM", "JSON参数不合法")
        if not isinstance(template_params, dict) or not isinstance(template_params.get("code"), str):
            return self._error(200, "isv.TEMPLATE_MISSING_PARAMETERS", "模版缺少变量")
        self.received.append({"phone": params["PhoneNumbers"], "sign": params["SignName"],
                              "template": params["TemplateCode"], "params": template_params})
        return 200, {"Code": "OK", "Message": "OK", "BizId": f"{len(self.received):06d}^0", "RequestId": str(uuid.uuid4())}


# --- Tencent Cloud --------------------------------------------------------------------------------

AUTHORIZATION = re.compile(
    r"^TC3-HMAC-SHA256 Credential=(?P<secret_id>[^/]+)/(?P<date>\d{4}-\d{2}-\d{2})/(?P<service>[a-z]+)/tc3_request, "
    r"SignedHeaders=(?P<signed>[a-z0-9;-]+), Signature=(?P<signature>[0-9a-f]{64})$"
)


def _hmac256(key: bytes, message: str) -> bytes:
    return hmac.new(key, message.encode("utf-8"), hashlib.sha256).digest()


class FakeTencent(FakeProvider):
    content_type = "application/json"  # exactly: the SDK reads Response.Error only under this type
    secret_id = "AKID-test-secret-id"
    secret_key = "tencent-test-secret-key"
    sdk_app_id = "1400000001"
    sign_name = "创新案例平台"
    templates = {"100001", "100002"}

    def settings(self) -> dict:
        return {"SMS_GATEWAY": "tencent", "SMS_TENCENT_SECRET_ID": self.secret_id,
                "SMS_TENCENT_SECRET_KEY": self.secret_key, "SMS_TENCENT_SDK_APP_ID": self.sdk_app_id,
                "SMS_TENCENT_ENDPOINT": self.url, "SMS_SIGN_NAME": self.sign_name,
                "SMS_TEMPLATES": {"vote_code": "100001", "password_reset": "100001", "registration": "100001",
                                  "test": "100002"}}

    def _error(self, code: str, message: str) -> tuple[int, dict]:
        return self._reject(200, code, {"Response": {"Error": {"Code": code, "Message": message},
                                                     "RequestId": str(uuid.uuid4())}})

    def answer(self, request, body: bytes) -> tuple[int, dict]:
        found = AUTHORIZATION.match(request.headers.get("Authorization", ""))
        if not found:
            return self._error("AuthFailure.InvalidAuthorization", "Authorization header is not in the TC3 format.")
        if found["secret_id"] != self.secret_id:
            return self._error("AuthFailure.SecretIdNotFound", "The SecretId is not found.")
        try:
            timestamp = int(request.headers.get("X-TC-Timestamp", ""))
        except ValueError:
            return self._error("MissingParameter", "X-TC-Timestamp is missing.")
        now = datetime.datetime.now(datetime.timezone.utc)
        if abs(now.timestamp() - timestamp) > 300:
            return self._error("AuthFailure.SignatureExpire", "Signature expired.")
        date = datetime.datetime.fromtimestamp(timestamp, datetime.timezone.utc).strftime("%Y-%m-%d")
        signed = found["signed"].split(";")
        if found["date"] != date or found["service"] != "sms" or not {"content-type", "host"} <= set(signed):
            return self._error("AuthFailure.SignatureFailure", "The credential scope or signed headers are wrong.")
        url = urlsplit(request.path)
        canonical_headers = "".join(f"{name}:{(request.headers.get(name) or '').strip().lower()}\n" for name in signed)
        canonical_request = "\n".join([request.command, url.path or "/", url.query, canonical_headers, found["signed"],
                                       hashlib.sha256(body).hexdigest()])
        string_to_sign = "\n".join(["TC3-HMAC-SHA256", str(timestamp), f"{date}/sms/tc3_request",
                                    hashlib.sha256(canonical_request.encode("utf-8")).hexdigest()])
        key = _hmac256(_hmac256(_hmac256(f"TC3{self.secret_key}".encode(), date), "sms"), "tc3_request")
        if not hmac.compare_digest(hmac.new(key, string_to_sign.encode(), hashlib.sha256).hexdigest(), found["signature"]):
            return self._error("AuthFailure.SignatureFailure", "The provided credentials could not be validated.")
        if request.headers.get("X-TC-Action") != "SendSms" or request.headers.get("X-TC-Version") != "2021-01-11":
            return self._error("InvalidAction", "The action or its version is not supported.")
        try:
            payload = json.loads(body)
        except ValueError:
            return self._error("FailedOperation.JsonParseFail", "The body is not JSON.")
        if payload.get("SmsSdkAppId") != self.sdk_app_id:
            return self._error("UnauthorizedOperation.SmsSdkAppIdVerifyFail", "SmsSdkAppId verification failed.")
        scripted = self._scripted()
        if isinstance(scripted, tuple):  # a whole-call error
            return self._error(scripted[1], "scripted by the test")
        statuses = []
        for number in payload.get("PhoneNumberSet") or []:
            code, message = "Ok", "send success"
            if scripted is not None:
                code, message = scripted, "scripted by the test"
            elif not (number.startswith("+86") and MOBILE.match(number[3:])):
                code, message = "InvalidParameterValue.IncorrectPhoneNumber", "手机号格式错误"
            elif payload.get("SignName") != self.sign_name:
                code, message = "FailedOperation.SignatureIncorrectOrUnapproved", "签名未审批或格式错误"
            elif payload.get("TemplateId") not in self.templates or len(payload.get("TemplateParamSet") or []) != 1:
                code, message = "FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批或内容不匹配"
            if code == "Ok":
                self.received.append({"phone": number[3:], "sign": payload["SignName"], "template": payload["TemplateId"],
                                      "params": {"code": payload["TemplateParamSet"][0]}})
            else:
                self.rejected.append({"code": code, "status": 200})
            statuses.append({"SerialNo": f"2433:{uuid.uuid4().hex[:12]}", "PhoneNumber": number, "Fee": 1,
                             "SessionContext": "", "Code": code, "Message": message, "IsoCode": "CN"})
        return 200, {"Response": {"SendStatusSet": statuses, "RequestId": str(uuid.uuid4())}}
