"""A fake of Aliyun's SMS API (Dysmsapi 2017-05-25, action SendSms) that checks requests the way Aliyun documents:

- signature V3, ACS3-HMAC-SHA256 (help.aliyun.com/zh/sdk/product-overview/v3-request-structure-and-signature):
  CanonicalRequest = Method \\n CanonicalURI \\n CanonicalQueryString \\n CanonicalHeaders \\n SignedHeaders \\n
  HashedRequestPayload, where CanonicalHeaders are the signed headers, lower-cased, sorted, each "name:value\\n";
  StringToSign = "ACS3-HMAC-SHA256\\n" + hex(sha256(CanonicalRequest)); Signature = hex(HMAC-SHA256(secret, StringToSign));
  x-acs-content-sha256 must be the payload's hash; a nonce may be used once;
- SendSms (help.aliyun.com/zh/sms/developer-reference/api-dysmsapi-2017-05-25-sendsms): PhoneNumbers, SignName,
  TemplateCode, TemplateParam (JSON); success {"Code": "OK", "Message": "OK", "BizId": …, "RequestId": …};
  errors such as {"Code": "isv.MOBILE_NUMBER_ILLEGAL"} and, for a bad signature, HTTP 400 SignatureDoesNotMatch.
"""
import hashlib
import hmac
import json
import uuid
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qsl, quote, urlparse


def _encode(value: str) -> str:
    return quote(value, safe="-_.~")


class AliyunSmsHandler(BaseHTTPRequestHandler):
    """server.state: keys {access key id: secret}, sign_name, template_code, sent [(phone, params)], nonces."""

    def log_message(self, *args):
        pass

    def do_POST(self):
        state = self.server.state
        url = urlparse(self.path)
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        problem = self._check_signature(url.path or "/", query, body, state)
        if problem:
            return self._reply(400, {"Code": problem, "Message": "Specified signature does not match our calculation.",
                                     "RequestId": str(uuid.uuid4()).upper()})
        if self.headers.get("x-acs-action") != "SendSms" or self.headers.get("x-acs-version") != "2017-05-25":
            return self._reply(404, {"Code": "InvalidAction.NotFound", "Message": "Specified api is not found"})
        phone = query.get("PhoneNumbers", "")
        if not (len(phone) == 11 and phone.isdigit() and phone.startswith("1")):
            return self._reply(200, {"Code": "isv.MOBILE_NUMBER_ILLEGAL", "Message": "非法手机号", "RequestId": str(uuid.uuid4())})
        if query.get("SignName") != state["sign_name"] or query.get("TemplateCode") != state["template_code"]:
            return self._reply(200, {"Code": "isv.SMS_TEMPLATE_ILLEGAL", "Message": "模板不合法", "RequestId": str(uuid.uuid4())})
        state.setdefault("sent", []).append((phone, json.loads(query.get("TemplateParam", "{}"))))
        self._reply(200, {"Code": "OK", "Message": "OK", "BizId": f"9006197469364984{len(state['sent']):03d}^0",
                          "RequestId": str(uuid.uuid4()).upper()})

    def _check_signature(self, path, query, body, state) -> str:
        authorization = self.headers.get("Authorization", "")
        algorithm, _, rest = authorization.partition(" ")
        parts = dict(item.strip().split("=", 1) for item in rest.split(",") if "=" in item)
        if algorithm != "ACS3-HMAC-SHA256" or parts.get("Credential") not in state["keys"]:
            return "IncompleteSignature"
        payload_hash = hashlib.sha256(body).hexdigest()
        if self.headers.get("x-acs-content-sha256") != payload_hash:
            return "SignatureDoesNotMatch"
        nonce = self.headers.get("x-acs-signature-nonce", "")
        if not nonce or nonce in state.setdefault("nonces", set()):
            return "SignatureNonceUsed"
        signed = parts.get("SignedHeaders", "").split(";")
        if not {"host", "x-acs-action", "x-acs-content-sha256", "x-acs-date"} <= set(signed):
            return "IncompleteSignature"
        canonical_headers = "".join(f"{name}:{(self.headers.get(name) or '').strip()}\n" for name in sorted(signed))
        canonical_query = "&".join(f"{_encode(k)}={_encode(v)}" for k, v in sorted(query.items()))
        canonical = "\n".join([self.command, path, canonical_query, canonical_headers, ";".join(signed), payload_hash])
        to_sign = "ACS3-HMAC-SHA256\n" + hashlib.sha256(canonical.encode()).hexdigest()
        expected = hmac.new(state["keys"][parts["Credential"]].encode(), to_sign.encode(), hashlib.sha256).hexdigest()
        if not hmac.compare_digest(expected, parts.get("Signature", "")):
            return "SignatureDoesNotMatch"
        state["nonces"].add(nonce)
        return ""

    def _reply(self, status, body):
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json;charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
