"""A fake of Tencent Cloud's SMS API (2021-01-11, SendSms) that checks requests the way Tencent documents:

- signature v3, TC3-HMAC-SHA256 (cloud.tencent.com/document/api/382/52071): CanonicalRequest = Method \\n URI \\n
  Query \\n CanonicalHeaders \\n SignedHeaders \\n hex(sha256(payload)); CredentialScope = Date/sms/tc3_request;
  StringToSign = "TC3-HMAC-SHA256\\n" + Timestamp + "\\n" + CredentialScope + "\\n" + hex(sha256(CanonicalRequest));
  key = HMAC("TC3" + SecretKey, Date) → HMAC(·, "sms") → HMAC(·, "tc3_request"); Signature = hex(HMAC(key, StringToSign));
- SendSms (cloud.tencent.com/document/api/382/55981): X-TC-Action SendSms, X-TC-Version 2021-01-11, JSON body with
  PhoneNumberSet, SmsSdkAppId, SignName, TemplateId, TemplateParamSet; the reply is the documented example:
  {"Response": {"SendStatusSet": [{"SerialNo": "5000:…", "PhoneNumber": …, "Fee": 1, "Code": "Ok",
  "Message": "send success", "IsoCode": "CN"}], "RequestId": …}}; errors as {"Response": {"Error": {"Code":
  "AuthFailure.SignatureFailure", "Message": …}, "RequestId": …}}.
"""
import datetime as dt
import hashlib
import hmac
import json
import uuid
from http.server import BaseHTTPRequestHandler


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


class TencentSmsHandler(BaseHTTPRequestHandler):
    """server.state: keys {SecretId: SecretKey}, app_id, sign_name, template_id, sent [(phone, params)]."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        state = self.server.state
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        problem = self._check_signature(body, state)
        if problem:
            return self._reply({"Error": {"Code": problem, "Message": "The provided credentials could not be validated."}})
        if self.headers.get("X-TC-Action") != "SendSms" or self.headers.get("X-TC-Version") != "2021-01-11":
            return self._reply({"Error": {"Code": "InvalidAction", "Message": "The action is not supported."}})
        request = json.loads(body)
        if request.get("SmsSdkAppId") != state["app_id"]:
            return self._reply({"Error": {"Code": "FailedOperation.SmsSdkAppIdVerifyFail", "Message": "SdkAppId verify fail"}})
        statuses = []
        for phone in request.get("PhoneNumberSet", []):
            ok = phone.startswith("+861") and len(phone) == 14
            if ok and request.get("SignName") == state["sign_name"] and request.get("TemplateId") == state["template_id"]:
                state.setdefault("sent", []).append((phone, request.get("TemplateParamSet", [])))
                statuses.append({"SerialNo": f"5000:10457106691570536578494996{len(state['sent']):02d}", "PhoneNumber": phone,
                                 "Fee": 1, "SessionContext": "", "Code": "Ok", "Message": "send success", "IsoCode": "CN"})
            else:
                statuses.append({"SerialNo": "", "PhoneNumber": phone, "Fee": 0, "SessionContext": "",
                                 "Code": "InvalidParameterValue.IncorrectPhoneNumber" if not ok else "FailedOperation.TemplateIncorrectOrUnapproved",
                                 "Message": "incorrect", "IsoCode": "CN"})
        self._reply({"SendStatusSet": statuses})

    def _check_signature(self, body: bytes, state) -> str:
        authorization = self.headers.get("Authorization", "")
        algorithm, _, rest = authorization.partition(" ")
        parts = dict(item.strip().split("=", 1) for item in rest.split(",") if "=" in item)
        secret_id, _, scope = parts.get("Credential", "").partition("/")
        if algorithm != "TC3-HMAC-SHA256" or secret_id not in state["keys"]:
            return "AuthFailure.SecretIdNotFound"
        timestamp = self.headers.get("X-TC-Timestamp", "0")
        date = dt.datetime.fromtimestamp(int(timestamp), dt.UTC).strftime("%Y-%m-%d")
        if scope != f"{date}/sms/tc3_request":
            return "AuthFailure.SignatureFailure"
        signed = parts.get("SignedHeaders", "").split(";")
        canonical_headers = "".join(f"{name}:{(self.headers.get(name) or '').strip().lower()}\n" for name in signed)
        canonical = "\n".join([self.command, "/", "", canonical_headers, ";".join(signed), hashlib.sha256(body).hexdigest()])
        to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = _hmac(_hmac(_hmac(("TC3" + state["keys"][secret_id]).encode(), date), "sms"), "tc3_request")
        if not hmac.compare_digest(hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest(), parts.get("Signature", "")):
            return "AuthFailure.SignatureFailure"
        return ""

    def _reply(self, response):
        data = json.dumps({"Response": {**response, "RequestId": str(uuid.uuid4())}}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
