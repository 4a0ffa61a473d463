"""The Aliyun and Tencent Cloud SMS adapters, through the vendors' own SDKs, against local fakes that check the
documented request signatures (ACS3-HMAC-SHA256, TC3-HMAC-SHA256) and answer with the documented replies."""
import pytest

from tests.voting.fakes.aliyun_sms import AliyunSmsHandler
from tests.voting.fakes.local_server import serving
from tests.voting.fakes.tencent_sms import TencentSmsHandler
from xuanshu.voting import otp
from xuanshu.voting.models import OtpChallenge
from xuanshu.voting.sms import SmsError, aliyun, tencent

ALIYUN_KEY, ALIYUN_SECRET = "LTAI5tExampleKeyId0001", "ExampleAccessKeySecret0000000001"
TENCENT_ID, TENCENT_KEY = "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE", "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE"


@pytest.fixture
def fake_aliyun(monkeypatch):
    with serving(AliyunSmsHandler, keys={ALIYUN_KEY: ALIYUN_SECRET}, sign_name="齐鲁晚报", template_code="SMS_154950909") as (server, base):
        for name, value in {"ALIYUN_SMS_ACCESS_KEY_ID": ALIYUN_KEY, "ALIYUN_SMS_ACCESS_KEY_SECRET": ALIYUN_SECRET,
                            "ALIYUN_SMS_SIGN_NAME": "齐鲁晚报", "ALIYUN_SMS_TEMPLATE_CODE": "SMS_154950909",
                            "ALIYUN_SMS_ENDPOINT": base.removeprefix("http://"), "ALIYUN_SMS_PROTOCOL": "http"}.items():
            monkeypatch.setenv(name, value)
        yield server


@pytest.fixture
def fake_tencent(monkeypatch):
    with serving(TencentSmsHandler, keys={TENCENT_ID: TENCENT_KEY}, app_id="1400787878", sign_name="齐鲁晚报",
                 template_id="449739") as (server, base):
        for name, value in {"TENCENT_SMS_SECRET_ID": TENCENT_ID, "TENCENT_SMS_SECRET_KEY": TENCENT_KEY,
                            "TENCENT_SMS_SDK_APP_ID": "1400787878", "TENCENT_SMS_SIGN_NAME": "齐鲁晚报",
                            "TENCENT_SMS_TEMPLATE_ID": "449739", "TENCENT_SMS_ENDPOINT": base.removeprefix("http://"),
                            "TENCENT_SMS_SCHEME": "http"}.items():
            monkeypatch.setenv(name, value)
        yield server


def test_aliyun_sends_a_signed_request(fake_aliyun):
    reference = aliyun.build().send_code(phone="+8613906351234", code="482916")
    assert fake_aliyun.state["sent"] == [("13906351234", {"code": "482916"})]
    assert reference == "9006197469364984001^0"


def test_aliyun_wrong_secret_is_refused_as_the_vendor_does(fake_aliyun, monkeypatch):
    monkeypatch.setenv("ALIYUN_SMS_ACCESS_KEY_SECRET", "wrong-secret")
    with pytest.raises(SmsError, match="SignatureDoesNotMatch"):
        aliyun.build().send_code(phone="+8613906351234", code="482916")
    assert fake_aliyun.state.get("sent") is None


def test_tencent_sends_a_signed_request(fake_tencent):
    reference = tencent.build().send_code(phone="+8613906351234", code="482916")
    assert fake_tencent.state["sent"] == [("+8613906351234", ["482916"])]
    assert reference == "5000:1045710669157053657849499601"


def test_tencent_wrong_key_is_refused_as_the_vendor_does(fake_tencent, monkeypatch):
    monkeypatch.setenv("TENCENT_SMS_SECRET_KEY", "wrong-key")
    with pytest.raises(SmsError, match="AuthFailure.SignatureFailure"):
        tencent.build().send_code(phone="+8613906351234", code="482916")


@pytest.mark.django_db
def test_otp_through_a_vendor_records_its_reference(open_campaign, fake_tencent, monkeypatch):
    monkeypatch.setenv("VOTING_SMS_SENDER", "tencent")
    assert otp.request_code(campaign=open_campaign, phone_text="13906351234", ip="1.2.3.4").code == "sent"
    code = fake_tencent.state["sent"][0][1][0]
    assert otp.verify_code(campaign=open_campaign, phone_text="13906351234", code=code).code == "verified"
    challenge = OtpChallenge.objects.get()
    assert (challenge.sender, challenge.vendor_reference) == ("tencent", "5000:1045710669157053657849499601")


@pytest.mark.django_db
def test_a_vendor_failure_is_reported_not_raised(open_campaign, fake_aliyun, monkeypatch):
    monkeypatch.setenv("VOTING_SMS_SENDER", "aliyun")
    monkeypatch.setenv("ALIYUN_SMS_TEMPLATE_CODE", "SMS_000000000")
    assert otp.request_code(campaign=open_campaign, phone_text="13906351234", ip="1.2.3.4").code == "vendor_error"
    assert OtpChallenge.objects.count() == 0
