"""Aliyun SMS (短信服务, Dysmsapi 2017-05-25 SendSms) through Alibaba Cloud's own SDK, which signs each request
with ACS3-HMAC-SHA256.

Environment: ALIYUN_SMS_ACCESS_KEY_ID, ALIYUN_SMS_ACCESS_KEY_SECRET, ALIYUN_SMS_SIGN_NAME (the approved
signature, e.g. 齐鲁晚报), ALIYUN_SMS_TEMPLATE_CODE (a verification template with a ${code} variable);
ALIYUN_SMS_TEMPLATE_CODE_STATUS_LINK (a notice template with ${reference} and ${url}, for the
hotline's status links); ALIYUN_SMS_ENDPOINT (default dysmsapi.aliyuncs.com) and ALIYUN_SMS_PROTOCOL (https) for tests.
"""
import json
import os

from alibabacloud_dysmsapi20170525 import models as sms_models
from alibabacloud_dysmsapi20170525.client import Client
from alibabacloud_tea_openapi import models as openapi_models
from Tea.exceptions import TeaException, UnretryableException

from xuanshu.voting.sms import SmsError


class AliyunSender:
    name = "aliyun"

    def __init__(self):
        missing = [name for name in ("ALIYUN_SMS_ACCESS_KEY_ID", "ALIYUN_SMS_ACCESS_KEY_SECRET", "ALIYUN_SMS_SIGN_NAME",
                                     "ALIYUN_SMS_TEMPLATE_CODE") if not os.environ.get(name)]
        if missing:
            raise SmsError(f"Aliyun SMS is not configured: set {', '.join(missing)}")
        self.client = Client(openapi_models.Config(
            access_key_id=os.environ["ALIYUN_SMS_ACCESS_KEY_ID"],
            access_key_secret=os.environ["ALIYUN_SMS_ACCESS_KEY_SECRET"],
            endpoint=os.environ.get("ALIYUN_SMS_ENDPOINT", "dysmsapi.aliyuncs.com"),
            protocol=os.environ.get("ALIYUN_SMS_PROTOCOL", "https"),
            connect_timeout=5000, read_timeout=10000,
        ))

    def send_code(self, *, phone: str, code: str) -> str:
        return self._send(phone, os.environ["ALIYUN_SMS_TEMPLATE_CODE"], {"code": code})

    def send_notice(self, *, phone: str, notice: str, params: dict[str, str], text: str) -> str:
        template = os.environ.get(f"ALIYUN_SMS_TEMPLATE_CODE_{notice.upper()}", "")
        if not template:
            raise SmsError(f"Aliyun SMS has no template for the {notice} notice: set ALIYUN_SMS_TEMPLATE_CODE_{notice.upper()}")
        return self._send(phone, template, params)

    def _send(self, phone: str, template_code: str, params: dict) -> str:
        request = sms_models.SendSmsRequest(
            phone_numbers=phone.removeprefix("+86"),  # Aliyun takes mainland numbers without the country code
            sign_name=os.environ["ALIYUN_SMS_SIGN_NAME"],
            template_code=template_code,
            template_param=json.dumps(params, ensure_ascii=False),
        )
        try:
            response = self.client.send_sms(request)
        except (TeaException, UnretryableException, OSError) as error:
            raise SmsError(f"Aliyun SMS refused or unreachable: {error}") from None
        body = response.body
        if body.code != "OK":
            raise SmsError(f"Aliyun SMS: {body.code} {body.message} (request {body.request_id})")
        return body.biz_id or body.request_id


def build() -> AliyunSender:
    return AliyunSender()
