"""Tencent Cloud SMS (短信, API 2021-01-11 SendSms) through Tencent Cloud's own SDK, which signs each request
with TC3-HMAC-SHA256.

Environment: TENCENT_SMS_SECRET_ID, TENCENT_SMS_SECRET_KEY, TENCENT_SMS_SDK_APP_ID, TENCENT_SMS_SIGN_NAME,
TENCENT_SMS_TEMPLATE_ID (a verification template whose first variable is the code), TENCENT_SMS_TEMPLATE_ID_STATUS_LINK
(a notice template: {1} the reference, {2} the status link, for the hotline), TENCENT_SMS_REGION
(default ap-guangzhou); TENCENT_SMS_ENDPOINT (default sms.tencentcloudapi.com) and TENCENT_SMS_SCHEME for tests.
"""
import os

from tencentcloud.common import credential
from tencentcloud.common.exception.tencent_cloud_sdk_exception import TencentCloudSDKException
from tencentcloud.common.profile.client_profile import ClientProfile
from tencentcloud.common.profile.http_profile import HttpProfile
from tencentcloud.sms.v20210111 import models, sms_client

from xuanshu.voting.sms import SmsError

_REQUIRED = ("TENCENT_SMS_SECRET_ID", "TENCENT_SMS_SECRET_KEY", "TENCENT_SMS_SDK_APP_ID", "TENCENT_SMS_SIGN_NAME",
             "TENCENT_SMS_TEMPLATE_ID")


class TencentSender:
    name = "tencent"

    def __init__(self):
        missing = [name for name in _REQUIRED if not os.environ.get(name)]
        if missing:
            raise SmsError(f"Tencent Cloud SMS is not configured: set {', '.join(missing)}")
        http = HttpProfile(endpoint=os.environ.get("TENCENT_SMS_ENDPOINT", "sms.tencentcloudapi.com"), reqTimeout=10)
        http.scheme = os.environ.get("TENCENT_SMS_SCHEME", "https")
        self.client = sms_client.SmsClient(
            credential.Credential(os.environ["TENCENT_SMS_SECRET_ID"], os.environ["TENCENT_SMS_SECRET_KEY"]),
            os.environ.get("TENCENT_SMS_REGION", "ap-guangzhou"),
            ClientProfile(signMethod="TC3-HMAC-SHA256", httpProfile=http),
        )

    def send_code(self, *, phone: str, code: str) -> str:
        return self._send(phone, os.environ["TENCENT_SMS_TEMPLATE_ID"], [code])

    def send_notice(self, *, phone: str, notice: str, params: dict[str, str], text: str) -> str:
        template = os.environ.get(f"TENCENT_SMS_TEMPLATE_ID_{notice.upper()}", "")
        if not template:
            raise SmsError(f"Tencent Cloud SMS has no template for the {notice} notice: set TENCENT_SMS_TEMPLATE_ID_{notice.upper()}")
        return self._send(phone, template, list(params.values()))  # Tencent's variables are numbered {1}, {2}: in order

    def _send(self, phone: str, template_id: str, params: list[str]) -> str:
        request = models.SendSmsRequest()
        request.PhoneNumberSet = [phone]
        request.SmsSdkAppId = os.environ["TENCENT_SMS_SDK_APP_ID"]
        request.SignName = os.environ["TENCENT_SMS_SIGN_NAME"]
        request.TemplateId = template_id
        request.TemplateParamSet = params
        try:
            response = self.client.SendSms(request)
        except (TencentCloudSDKException, OSError) as error:
            raise SmsError(f"Tencent Cloud SMS refused or unreachable: {error}") from None
        status = response.SendStatusSet[0] if response.SendStatusSet else None
        if status is None or status.Code != "Ok":
            detail = f"{status.Code} {status.Message}" if status else "no send status"
            raise SmsError(f"Tencent Cloud SMS: {detail} (request {response.RequestId})")
        return status.SerialNo


def build() -> TencentSender:
    return TencentSender()
