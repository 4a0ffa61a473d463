"""After a hotline nomination is logged, the desk shows its reference and status link, and sends the link by text
message when the caller has a mobile and agreed: through the pluggable SMS sender, throttled, audited, phone masked."""
import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from django.utils import translation

from tests.console.test_intake_desk import call_post
from tests.voting.test_sms_vendors import fake_aliyun, fake_tencent  # noqa: F401
from xuanshu.campaigns.models import Campaign
from xuanshu.core.models import ActivityLog, ContactAccessLog
from xuanshu.intake.channels.hotline import services
from xuanshu.intake.channels.hotline.services import status_link_sms_text
from xuanshu.intake.enums import Channel
from xuanshu.nominations.models import Nomination
from xuanshu.public.links import status_link_token
from xuanshu.voting.sms import SmsError, aliyun, dev, tencent

MOBILE = "138 1234 5678"
ORIGIN = "https://h5.qlwb.example.cn"


@pytest.fixture(autouse=True)
def _fresh(settings):
    cache.clear()
    dev.NOTICES.clear()
    settings.XUANSHU_PUBLIC_BASE_URL = ORIGIN
    yield
    cache.clear()
    dev.NOTICES.clear()


@pytest.fixture
def log_call(editor_client, django_capture_on_commit_callbacks):
    def log(**overrides):
        with django_capture_on_commit_callbacks(execute=True):
            return editor_client.post(reverse("console:hotline"), call_post(**overrides))
    return log


def status_url(reference: str) -> str:
    return f"{ORIGIN}/c/chucai-liaocheng-2024/status/{status_link_token(reference)}/"


def send(client, reference, **data):
    return client.post(reverse("console:hotline_status_link_sms", args=[reference]), data)


def sms_audit() -> list[tuple]:
    return list(ActivityLog.objects.filter(action__startswith="nomination.status_link_sms").order_by("id")
                .values_list("action", "actor__username", "new_value"))


def test_a_logged_call_leads_to_its_reference_and_status_link(log_call, editor_client, campaign):
    response = log_call(caller_phone=MOBILE)
    nomination = Nomination.objects.get()
    assert response["Location"] == reverse("console:hotline_logged", args=[nomination.reference])
    page = editor_client.get(response["Location"])
    html = page.content.decode()
    assert (page.status_code, page.context["desk"].reference, page.context["desk"].status_url) == (
        200, "CCLC2024-000001", status_url("CCLC2024-000001"))
    assert '<dd class="mono" id="reference">CCLC2024-000001</dd>' in html
    assert f'href="{status_url("CCLC2024-000001")}"' in html
    assert "To the caller's mobile 138****5678: the reference number and the status link." in html
    assert "13812345678" not in html and "1234 5678" not in html


def test_without_a_public_origin_the_desk_gives_the_reference_and_the_lookup_page(log_call, editor_client, campaign, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = ""
    html = editor_client.get(log_call(caller_phone=MOBILE)["Location"]).content.decode()
    assert '<dd class="mono" id="lookup-path">/c/chucai-liaocheng-2024/status/</dd>' in html
    assert "/status/CCLC2024-000001:" not in html and 'id="status-url"' not in html
    assert "The public site&#x27;s address is not configured" in html  # a variable: escaped
    assert send(editor_client, "CCLC2024-000001", caller_agreed="on").status_code == 400
    assert (dev.NOTICES, sms_audit()) == ([], [])


def test_the_campaign_files_origin_makes_the_link_when_the_setting_is_unset(log_call, editor_client, campaign, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = ""
    Campaign.objects.filter(pk=campaign.pk).update(public_site="https://chucai.qlwb.example.cn")
    page = editor_client.get(log_call(caller_phone=MOBILE)["Location"])
    assert page.context["desk"].status_url == status_url("CCLC2024-000001").replace(ORIGIN, "https://chucai.qlwb.example.cn")


def test_a_landline_caller_is_offered_no_text_message(log_call, editor_client, campaign):
    html = editor_client.get(log_call()["Location"]).content.decode()  # 0635-8451234
    assert "is not a mobile number, so no text message can reach it" in html
    assert send(editor_client, "CCLC2024-000001", caller_agreed="on").status_code == 400
    assert (dev.NOTICES, sms_audit()) == ([], [])


def test_the_link_goes_out_by_text_message_once_the_caller_agreed(log_call, editor_client, campaign, editor):
    log_call(caller_phone=MOBILE)
    refused = send(editor_client, "CCLC2024-000001")
    assert refused.status_code == 400
    assert refused.context["sms_form"].errors == {
        "caller_agreed": ["Ask the caller first: tick that they agreed to get the link by text message."]}
    assert (dev.NOTICES, sms_audit()) == ([], [])

    sent = send(editor_client, "CCLC2024-000001", caller_agreed="on")
    assert sent["Location"] == reverse("console:hotline_logged", args=["CCLC2024-000001"])
    text = status_link_sms_text(campaign, "CCLC2024-000001", status_url("CCLC2024-000001"))
    assert dev.NOTICES == [("+8613812345678", "status_link", text)]
    [(action, actor, audited)] = sms_audit()
    assert (action, actor, {key: audited[key] for key in ("sent_to", "caller_agreed", "sender")}) == (
        "nomination.status_link_sms", editor.username, {"sent_to": "138****5678", "caller_agreed": True, "sender": "dev"})
    assert audited["message"].startswith("dev-")
    html = editor_client.get(sent["Location"]).content.decode()
    assert "Status link sent by text message" in html and "13812345678" not in html
    assert ContactAccessLog.objects.count() == 0  # nothing was shown unmasked


def test_the_text_message_is_in_chinese(campaign):
    with translation.override("en"):
        text = status_link_sms_text(campaign, "CCLC2024-000001", "https://h5.qlwb.example.cn/x/")
    assert text == "您通过热线提交的《出彩聊城人》推荐已登记，推荐编号 CCLC2024-000001。查看进度：https://h5.qlwb.example.cn/x/"


def test_sending_is_throttled_per_nomination(log_call, editor_client, campaign):
    log_call(caller_phone=MOBILE)
    assert send(editor_client, "CCLC2024-000001", caller_agreed="on").status_code == 302
    again = send(editor_client, "CCLC2024-000001", caller_agreed="on")
    assert (again.status_code, again.context["sms_form"].non_field_errors()) == (
        400, ["The link was sent to this caller less than a minute ago: wait a moment before sending it again."])
    for _ in range(2):  # a minute later, each time
        cache.delete("hotline-sms-recent:CCLC2024-000001")
        assert send(editor_client, "CCLC2024-000001", caller_agreed="on").status_code == 302
    cache.delete("hotline-sms-recent:CCLC2024-000001")
    fourth = send(editor_client, "CCLC2024-000001", caller_agreed="on")
    assert fourth.context["sms_form"].non_field_errors() == ["The link was already sent to this caller 3 times today."]
    assert (len(dev.NOTICES), len(sms_audit())) == (3, 3)


def test_sending_is_throttled_per_editor(log_call, editor_client, campaign, monkeypatch):
    monkeypatch.setattr(services, "SMS_PER_EDITOR_PER_HOUR", 1)
    log_call(caller_phone=MOBILE)
    log_call(caller_phone="139 0635 1234", submission_token="call0002")
    assert send(editor_client, "CCLC2024-000001", caller_agreed="on").status_code == 302
    refused = send(editor_client, "CCLC2024-000002", caller_agreed="on")
    assert refused.context["sms_form"].non_field_errors() == [
        "You have sent 1 text messages this hour, the most one person may: ask a colleague, or read the reference number out."]
    assert [phone for phone, _notice, _text in dev.NOTICES] == ["+8613812345678"]


def test_a_senders_failure_is_audited_and_may_be_retried_at_once(log_call, editor_client, campaign, editor, monkeypatch):
    log_call(caller_phone=MOBILE)

    def refuse(self, **kwargs):
        raise SmsError("Aliyun SMS: isv.BUSINESS_LIMIT_CONTROL 触发号码天级流控 13812345678")

    monkeypatch.setattr(dev.DevSender, "send_notice", refuse)
    failed = send(editor_client, "CCLC2024-000001", caller_agreed="on")
    [error] = failed.context["sms_form"].non_field_errors()
    assert error.startswith("The text message could not be sent: Aliyun SMS: isv.BUSINESS_LIMIT_CONTROL")
    assert "13812345678" not in error
    [(action, actor, audited)] = sms_audit()
    assert (action, actor, audited["sent_to"], "13812345678" in audited["error"]) == (
        "nomination.status_link_sms_failed", editor.username, "138****5678", False)
    monkeypatch.undo()
    assert send(editor_client, "CCLC2024-000001", caller_agreed="on").status_code == 302


def test_a_senders_failure_quoting_a_card_shows_it_masked_as_a_card(log_call, editor_client, campaign, monkeypatch):
    log_call(caller_phone=MOBILE)

    def refuse(self, **kwargs):
        raise SmsError("isv.CONTENT_ILLEGAL 6222 0212 3456 7890 123, 6222-0212-3456-7890")

    monkeypatch.setattr(dev.DevSender, "send_notice", refuse)
    failed = send(editor_client, "CCLC2024-000001", caller_agreed="on")
    masked = "isv.CONTENT_ILLEGAL 6222 **** **** ***0 123, 6222-****-****-7890"
    assert failed.context["sms_form"].non_field_errors() == [f"The text message could not be sent: {masked}"]
    [(_action, _actor, audited)] = sms_audit()
    assert audited["error"] == masked


def test_only_editors_and_only_hotline_nominations(log_call, editor_client, campaign, make_nomination, viewer):
    log_call(caller_phone=MOBILE)
    webform = make_nomination(channel=Channel.WEBFORM, nominator_phone="+8613812345678")
    assert editor_client.get(reverse("console:hotline_logged", args=[webform.reference])).status_code == 404
    assert send(editor_client, webform.reference, caller_agreed="on").status_code == 404
    viewer_client = Client(headers={"Accept-Language": "en"})
    viewer_client.force_login(viewer)
    assert viewer_client.get(reverse("console:hotline_logged", args=["CCLC2024-000001"])).status_code == 403
    assert send(viewer_client, "CCLC2024-000001", caller_agreed="on").status_code == 403
    assert dev.NOTICES == []


def test_aliyun_sends_the_notice_through_its_status_link_template(fake_aliyun, monkeypatch):  # noqa: F811
    monkeypatch.setenv("ALIYUN_SMS_TEMPLATE_CODE_STATUS_LINK", "SMS_154950909")
    message_id = aliyun.build().send_notice(phone="+8613906351234", notice="status_link",
                                            params={"reference": "CCLC2024-000001", "url": "https://h5.qlwb.example.cn/s/"}, text="…")
    assert fake_aliyun.state["sent"] == [("13906351234", {"reference": "CCLC2024-000001", "url": "https://h5.qlwb.example.cn/s/"})]
    assert message_id == "9006197469364984001^0"


def test_tencent_sends_the_notice_through_its_status_link_template(fake_tencent, monkeypatch):  # noqa: F811
    monkeypatch.setenv("TENCENT_SMS_TEMPLATE_ID_STATUS_LINK", "449739")
    tencent.build().send_notice(phone="+8613906351234", notice="status_link",
                                params={"reference": "CCLC2024-000001", "url": "https://h5.qlwb.example.cn/s/"}, text="…")
    assert fake_tencent.state["sent"] == [("+8613906351234", ["CCLC2024-000001", "https://h5.qlwb.example.cn/s/"])]


def test_a_vendor_without_the_notice_template_refuses(fake_aliyun, monkeypatch):  # noqa: F811
    monkeypatch.delenv("ALIYUN_SMS_TEMPLATE_CODE_STATUS_LINK", raising=False)
    with pytest.raises(SmsError, match="set ALIYUN_SMS_TEMPLATE_CODE_STATUS_LINK"):
        aliyun.build().send_notice(phone="+8613906351234", notice="status_link", params={}, text="…")
    assert fake_aliyun.state.get("sent") is None


def test_the_desk_opens_at_once_while_the_task_worker_has_not_run_yet(editor_client, campaign):
    """`make run` queues tasks for a worker (XUANSHU_TASKS_IMMEDIATE=0): nothing scheduled after commit has run when
    the editor lands on the desk. The call is turned into its nomination in the request, so the desk is there."""
    with translation.override("zh-hans"):
        response = editor_client.post(reverse("console:hotline"), call_post(caller_phone=MOBILE), HTTP_ACCEPT_LANGUAGE="zh-hans")
        page = editor_client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans")  # no on-commit callback ran
    nomination = Nomination.objects.get()
    assert (response["Location"], page.status_code) == (
        reverse("console:hotline_logged", args=[nomination.reference]), 200)
    assert (nomination.reference, nomination.nominator_phone, nomination.inbound.status) == (
        "CCLC2024-000001", "+8613812345678", "processed")
    assert "来电已记录为推荐 CCLC2024-000001。" in page.content.decode()


def test_a_landline_caller_is_told_the_reference_and_the_lookup_page_not_a_link_to_spell_out(log_call, editor_client, campaign):
    """The status link carries a 43-character token: nobody reads that out over the phone. A caller without a mobile
    gets the reference number and the lookup page's address, where the number's last four digits find it."""
    with translation.override("zh-hans"):
        html = editor_client.get(log_call()["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()  # 0635-8451234
    assert f'<dd class="mono" id="lookup-path">{ORIGIN}/c/chucai-liaocheng-2024/status/</dd>' in html
    assert ("来电号码不是手机号码，无法接收短信：请把推荐编号和查询页面地址告诉来电人，"
            "凭推荐编号和来电号码后4位即可在查询页面查看进度。") in html
    assert "请把链接读给来电人" not in html and "可在下方通过短信发送" not in html
    assert "请把推荐编号 CCLC2024-000001 读给来电人：凭推荐编号和电话号码可在查询页面查看进度，也可拨打热线查询。" in html


def test_the_consent_refusal_names_the_box_as_it_is_labelled(log_call, editor_client, campaign):
    log_call(caller_phone=MOBILE)
    with translation.override("zh-hans"):
        refused = editor_client.post(reverse("console:hotline_status_link_sms", args=["CCLC2024-000001"]), {},
                                     HTTP_ACCEPT_LANGUAGE="zh-hans")
        label = str(refused.context["sms_form"].fields["caller_agreed"].label)
        assert refused.context["sms_form"].errors == {"caller_agreed": [f"请先征得来电人同意，并勾选“{label}”。"]}
    assert label == "来电人同意通过短信接收推荐编号和查询链接"
