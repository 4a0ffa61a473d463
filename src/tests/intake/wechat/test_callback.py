"""The message server end to end through Django's test client: nominations, follow-ups, tips, events, retries."""
import datetime as dt
import time

import pytest
from django.utils import translation
from wechatpy.crypto import WeChatCrypto

from tests.helpers import half_past_this_minute
from tests.intake.wechat.conftest import AES_KEY, APPID, TOKEN
from tests.intake.wechat.payloads import callback_url, documented, encrypted_request, reply_fields
from xuanshu.campaigns.models import Campaign
from xuanshu.intake.channels.wechat import replies
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.nominations.models import FollowUpMessage, Nomination
from xuanshu.public.links import status_link_token

pytestmark = pytest.mark.django_db(transaction=True)

OPENID = "oyORnuP8q7ou2gfYjqLzSIWZf0rs"
NOMINATION_TEXT = "推荐出彩聊城人：东昌府区古楼街道的张桂芳，二十年照顾瘫痪婆婆，还义务为社区老人理发。电话13812341234"


def text_message(content: str, msg_id: str = "6054768590064713728", sender: str = OPENID) -> str:
    return documented("text", Content=content, MsgId=msg_id, FromUserName=sender)


def status_url(campaign, reference: str = "CCLC2024-000001", site: str = "http://testserver") -> str:
    return f"{site}/c/{campaign.slug}/status/{status_link_token(reference)}/"


def chinese(function, *args) -> str:
    with translation.override("zh-hans"):
        return function(*args)


def test_a_nomination_is_stored_raw_answered_with_its_reference_and_processed(account, campaign, post_xml):
    xml = text_message(NOMINATION_TEXT)
    response = post_xml(account, xml)
    assert response.status_code == 200
    reply = reply_fields(response.content.decode())
    inbound = InboundMessage.objects.get()
    assert inbound.reference == "CCLC2024-000001"
    assert reply == {
        "MsgType": "text", "FromUserName": "toUser", "ToUserName": OPENID, "CreateTime": reply["CreateTime"],
        "Content": chinese(replies.nomination_reply, campaign, "CCLC2024-000001", status_url(campaign), 30),
    }
    assert (bytes(inbound.raw_body), inbound.channel, inbound.external_id, inbound.sender, inbound.status) == (
        xml.encode(), "wechat", "6054768590064713728", OPENID, "processed",
    )
    assert inbound.payload["account"] == "qlwblcrm" and inbound.payload["mode"] == "plaintext"
    nomination = Nomination.objects.get()
    assert (nomination.reference, nomination.channel, nomination.inbound_id, nomination.deeds, nomination.nominator_phone) == (
        "CCLC2024-000001", "wechat", inbound.pk, NOMINATION_TEXT.replace("13812341234", "138****1234"), "+8613812341234",
    )  # the deeds may go public: their phone is masked; the raw record keeps it


def test_the_reply_names_the_reference_and_an_absolute_status_link_in_english_too(account, campaign):
    with translation.override("en"):
        text = replies.nomination_reply(campaign, "CCLC2024-000007", "https://h5.example.cn/c/x/status/", 30)
    assert text == (
        "Thank you! We have received your nomination for 出彩聊城人. Reference number: CCLC2024-000007. "
        "Check its progress at https://h5.example.cn/c/x/status/. In the next 30 minutes you can send photos, "
        "voice messages or more text, and we will add them to this nomination."
    )


def test_the_status_link_uses_the_configured_public_site(account, campaign, post_xml, settings):
    settings.XUANSHU_PUBLIC_BASE_URL = "https://h5.qlwb.example.cn"
    response = post_xml(account, text_message(NOMINATION_TEXT))
    assert reply_fields(response.content.decode())["Content"] == chinese(
        replies.nomination_reply, campaign, "CCLC2024-000001", status_url(campaign, site="https://h5.qlwb.example.cn"), 30,
    )


@pytest.mark.parametrize(("setting", "site"), [
    ("", "https://chucai.qlwb.example.cn"),  # the campaign file's origin
    ("https://h5.qlwb.example.cn", "https://h5.qlwb.example.cn"),  # the setting overrides it
    ("https://h5.qlwb.example.cn/elsewhere", "http://testserver"),  # an invalid setting is never used: the callback's host
])
def test_the_status_link_uses_the_campaign_files_public_site_unless_the_setting_overrides_it(
    account, campaign, post_xml, settings, setting, site,
):
    settings.XUANSHU_PUBLIC_BASE_URL = setting
    Campaign.objects.filter(pk=campaign.pk).update(public_site="https://chucai.qlwb.example.cn")
    response = post_xml(account, text_message(NOMINATION_TEXT))
    assert reply_fields(response.content.decode())["Content"] == chinese(
        replies.nomination_reply, campaign, "CCLC2024-000001", status_url(campaign, site=site), 30,
    )


@pytest.mark.parametrize("content", [
    "推荐出彩聊城人 张桂芳",
    "推荐 出彩 聊城人 张桂芳",
    "【推荐出彩聊城人】张桂芳",
    "#推荐出彩聊城人# 张桂芳",
    "推薦出彩聊城人 張桂芳",
    "推荐出彩聊城人张桂芳",
])
def test_keyword_variants_open_a_nomination(account, post_xml, content):
    post_xml(account, text_message(content))
    assert list(Nomination.objects.values_list("reference", "deeds")) == [("CCLC2024-000001", content)]


@pytest.mark.parametrize("content", [
    "【推荐出彩聊城人】😀王秀兰照顾孤寡老人二十年🌹",
    "推荐出彩聊城人👍🏻王秀兰，照顾孤寡老人二十年",
    "推荐出彩聊城人[强]王秀兰照顾孤寡老人二十年",
    "推荐出彩聊城人❤️王秀兰照顾孤寡老人二十年",
])
def test_emoji_beside_the_name_do_not_hide_the_nominee(account, post_xml, content):
    """Phones send emoji as characters, WeChat's own as "[强]"; the nomination keeps them, the nominee is still read."""
    post_xml(account, text_message(content))
    assert list(Nomination.objects.values_list("reference", "nominee_name", "deeds")) == [("CCLC2024-000001", "王秀兰", content)]


def test_text_without_the_keyword_is_a_reader_tip_with_guidance(account, campaign, post_xml):
    response = post_xml(account, text_message("东昌湖边的路灯坏了好几天了，麻烦记者看看"))
    assert reply_fields(response.content.decode())["Content"] == chinese(replies.tip_reply, campaign)
    inbound = InboundMessage.objects.get()
    assert (inbound.reference, inbound.status, Nomination.objects.count()) == (None, "processed", 0)
    assert list(ReaderTip.objects.values_list("inbound_id", "channel", "text")) == [(inbound.pk, "wechat", "东昌湖边的路灯坏了好几天了，麻烦记者看看")]


def test_guidance_in_english_names_the_keyword(campaign):
    with translation.override("en"):
        assert replies.tip_reply(campaign) == (
            "Thank you for your message. Our editors will read it. To nominate someone for 出彩聊城人, send a message "
            "that contains “推荐出彩聊城人” followed by the name of the person or group and what they did."
        )
        assert replies.welcome_reply(campaign) == (
            "Welcome! To nominate someone for 出彩聊城人, send us a message that contains “推荐出彩聊城人” followed by "
            "the name of the person or group and what they did. You will get a reference number to follow its progress."
        )


def test_three_retries_give_one_record_one_nomination_and_the_same_reply(account, post_xml):
    xml = text_message(NOMINATION_TEXT)
    contents = [reply_fields(post_xml(account, xml).content.decode())["Content"] for _ in range(4)]
    assert len(set(contents)) == 1 and "CCLC2024-000001" in contents[0]
    assert (InboundMessage.objects.count(), Nomination.objects.count()) == (1, 1)


def test_retries_in_safe_mode_get_the_same_encrypted_answer(aes_account):
    from django.test import Client

    crypto = WeChatCrypto(TOKEN, AES_KEY, APPID)
    query, body = encrypted_request(token=TOKEN, key=AES_KEY, appid=APPID, xml=text_message(NOMINATION_TEXT))
    contents = []
    for _ in range(3):
        response = Client().post(callback_url(aes_account.slug, query), data=body, content_type="text/xml")
        sealed = reply_fields(response.content.decode())
        contents.append(reply_fields(crypto.decrypt_message(response.content.decode(), sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"]))["Content"])
    assert len(set(contents)) == 1 and "CCLC2024-000001" in contents[0]
    assert (InboundMessage.objects.count(), Nomination.objects.count()) == (1, 1)


def test_voice_with_recognition_is_added_to_the_open_nomination(account, post_xml):
    post_xml(account, text_message(NOMINATION_TEXT, msg_id="1001"))
    voice = documented("voice_recognition", FromUserName=OPENID, MsgId="1002")
    response = post_xml(account, voice)
    assert reply_fields(response.content.decode())["Content"] == chinese(replies.follow_up_reply, "CCLC2024-000001")
    nomination = Nomination.objects.get()
    follow_up = FollowUpMessage.objects.get()
    assert (follow_up.nomination_id, follow_up.text, follow_up.inbound.external_id) == (nomination.pk, "腾讯微信团队", "1002")
    assert InboundMessage.objects.get(external_id="1002").reference is None
    assert ReaderTip.objects.count() == 0


@pytest.mark.parametrize("kind", ["image", "video", "shortvideo", "voice"])
def test_media_within_the_window_is_added_to_the_open_nomination(account, post_xml, kind):
    post_xml(account, text_message(NOMINATION_TEXT, msg_id="1001"))
    post_xml(account, documented(kind, FromUserName=OPENID, MsgId="1002"))
    assert list(FollowUpMessage.objects.values_list("nomination__reference", "inbound__external_id", "text")) == [
        ("CCLC2024-000001", "1002", ""),  # the media itself stays in the raw record (and, for photos, an attachment)
    ]


def test_more_text_within_the_window_is_a_follow_up_not_a_tip(account, post_xml):
    post_xml(account, text_message(NOMINATION_TEXT, msg_id="1001"))
    post_xml(account, text_message("补充：她今年六十三岁", msg_id="1002"))
    assert list(FollowUpMessage.objects.values_list("text", flat=True)) == ["补充：她今年六十三岁"]
    assert ReaderTip.objects.count() == 0


def test_after_the_window_a_message_becomes_a_tip(account, campaign, post_xml):
    post_xml(account, text_message(NOMINATION_TEXT, msg_id="1001"))
    # Thirty-one minutes pass: the opening message was received that long ago.
    InboundMessage.objects.filter(external_id="1001").update(received_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=31))
    response = post_xml(account, documented("voice_recognition", FromUserName=OPENID, MsgId="1002"))
    assert reply_fields(response.content.decode())["Content"] == chinese(replies.tip_reply, campaign)
    assert FollowUpMessage.objects.count() == 0
    assert list(ReaderTip.objects.values_list("text", flat=True)) == ["腾讯微信团队"]


def test_another_senders_message_is_not_a_follow_up(account, post_xml):
    post_xml(account, text_message(NOMINATION_TEXT, msg_id="1001"))
    post_xml(account, documented("image", FromUserName="oOTHERsender000000000000000", MsgId="1002"))
    assert (FollowUpMessage.objects.count(), ReaderTip.objects.count()) == (0, 1)


def test_a_second_keyword_message_opens_a_second_nomination(account, post_xml):
    post_xml(account, text_message(NOMINATION_TEXT, msg_id="1001"))
    post_xml(account, text_message("推荐出彩聊城人 另一位：高唐县的李师傅", msg_id="1002"))
    assert sorted(Nomination.objects.values_list("reference", flat=True)) == ["CCLC2024-000001", "CCLC2024-000002"]
    assert FollowUpMessage.objects.count() == 0


EXPECTED_TIPS = {
    "text": "this is a test",
    "image": "this is a url",
    "voice": "",
    "voice_recognition": "腾讯微信团队",
    "video": "",
    "shortvideo": "",
    "location": "位置信息 (23.134521, 113.358803)",
    "link": "公众平台官网链接\n公众平台官网链接\nurl",
}


@pytest.mark.parametrize("kind", sorted(EXPECTED_TIPS))
def test_every_documented_message_type_is_stored_and_kept(account, campaign, post_xml, kind):
    xml = documented(kind)
    response = post_xml(account, xml)
    assert reply_fields(response.content.decode())["Content"] == chinese(replies.tip_reply, campaign)
    inbound = InboundMessage.objects.get()
    assert (bytes(inbound.raw_body), inbound.external_id, inbound.sender, inbound.status) == (
        xml.encode(), "1234567890123456", "fromUser", "processed",
    )
    assert list(ReaderTip.objects.values_list("text", flat=True)) == [EXPECTED_TIPS[kind]]


def test_subscribing_gets_a_welcome_and_is_kept_raw(account, campaign, post_xml):
    response = post_xml(account, documented("event_subscribe"))
    assert reply_fields(response.content.decode()) == {
        "MsgType": "text", "FromUserName": "toUser", "ToUserName": "FromUser",
        "CreateTime": reply_fields(response.content.decode())["CreateTime"], "Content": chinese(replies.welcome_reply, campaign),
    }
    inbound = InboundMessage.objects.get()
    assert (inbound.external_id, inbound.status, ReaderTip.objects.count()) == ("FromUser:123456789:subscribe", "processed", 0)


@pytest.mark.parametrize(("kind", "external_id"), [
    ("event_unsubscribe", "FromUser:123456789:unsubscribe"),
    ("event_click", "FromUser:123456789:CLICK"),
])
def test_other_events_are_kept_raw_and_need_no_answer(account, post_xml, kind, external_id):
    response = post_xml(account, documented(kind))
    assert (response.status_code, response.content) == (200, b"success")
    inbound = InboundMessage.objects.get()
    assert (inbound.external_id, inbound.status, ReaderTip.objects.count(), Nomination.objects.count()) == (external_id, "processed", 0, 0)


def test_replies_are_rate_limited_per_sender_but_every_message_is_stored(account, campaign, post_xml, monkeypatch):
    # Mid-minute and frozen, so the twelve messages cannot straddle two rate-limit windows.
    frozen = half_past_this_minute()
    monkeypatch.setattr(time, "time", lambda: frozen)
    answers = [post_xml(account, text_message(f"线索 {n}", msg_id=str(2000 + n))).content for n in range(12)]
    assert [answer == b"success" for answer in answers] == [False] * 10 + [True] * 2
    assert (InboundMessage.objects.count(), ReaderTip.objects.count()) == (12, 12)
    # A nomination is always acknowledged: its reference must reach the sender.
    response = post_xml(account, text_message(NOMINATION_TEXT, msg_id="3000"))
    assert "CCLC2024-000001" in reply_fields(response.content.decode())["Content"]


def test_an_account_without_a_campaign_keeps_everything_as_tips(campaign, post_xml):
    from xuanshu.intake.channels.wechat.services import set_wechat_account

    account = set_wechat_account(slug="spare", token=TOKEN, appid=APPID).account
    response = post_xml(account, text_message(NOMINATION_TEXT))
    with translation.override("zh-hans"):
        assert reply_fields(response.content.decode())["Content"] == replies.tip_reply(None)
    inbound = InboundMessage.objects.get()
    assert (inbound.campaign, inbound.reference, Nomination.objects.count(), ReaderTip.objects.count()) == (None, None, 0, 1)
