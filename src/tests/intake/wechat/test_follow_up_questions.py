"""Within the follow-up window a short question ("收到了吗？", "怎么查进度", "什么时候投票") is about the nomination,
not part of the nominee's story: it is answered with where to check progress and kept as raw input only. More
deeds, a photo or a contact still join the nomination."""
import pytest

from tests.intake.wechat.payloads import documented, reply_fields
from tests.intake.wechat.test_callback import NOMINATION_TEXT, OPENID, chinese, status_url, text_message
from xuanshu.intake.channels.wechat import replies
from xuanshu.intake.channels.wechat.content import is_short_question
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.nominations.models import FollowUpMessage, Nomination

pytestmark = pytest.mark.django_db(transaction=True)

DEEDS = NOMINATION_TEXT.replace("13812341234", "138****1234")


@pytest.mark.parametrize(("text", "asks"), [
    ("收到了吗？", True),
    ("收到了吗", True),
    ("怎么查进度", True),
    ("什么时候投票", True),
    ("请问结果什么时候公布", True),
    ("审核通过了没", True),
    ("我的推荐进度", True),
    ("收到了吗？[抱拳]", True),
    ("  收到了么 ?! ", True),
    ("补充：她今年六十三岁", False),
    ("她儿子的电话13812345678", False),
    ("她不知道怎么拒绝别人，谁找她都帮", False),  # a question word inside a statement
    ("她照顾瘫痪婆婆二十年，还义务给社区老人理发，这样的事迹能评上吗？", False),  # more than 20 characters: deeds
    ("", False),
    ("？", False),
])
def test_a_short_question_is_told_by_its_ending_its_opening_or_asking_for_progress(text, asks):
    assert is_short_question(text) is asks


def nominate(post_xml, account) -> Nomination:
    post_xml(account, text_message(NOMINATION_TEXT, msg_id="1001"))
    return Nomination.objects.get()


@pytest.mark.parametrize("question", ["收到了吗？", "怎么查进度", "什么时候投票"])
def test_a_question_after_a_nomination_gets_the_status_link_and_is_not_added(account, campaign, post_xml, question):
    nomination = nominate(post_xml, account)
    xml = text_message(question, msg_id="1002")
    response = post_xml(account, xml)

    assert reply_fields(response.content.decode())["Content"] == chinese(
        replies.status_question_reply, "CCLC2024-000001", status_url(campaign),
    )
    inbound = InboundMessage.objects.get(external_id="1002")
    assert (bytes(inbound.raw_body), inbound.sender, inbound.reference, inbound.status) == (xml.encode(), OPENID, None, "processed")
    assert (FollowUpMessage.objects.count(), ReaderTip.objects.count(), Nomination.objects.count()) == (0, 0, 1)
    nomination.refresh_from_db()
    assert nomination.deeds == DEEDS


def test_a_spoken_question_is_answered_the_same_way(account, campaign, post_xml):
    nominate(post_xml, account)
    response = post_xml(account, documented("voice_recognition", FromUserName=OPENID, MsgId="1002", Recognition="收到了吗"))
    assert reply_fields(response.content.decode())["Content"] == chinese(
        replies.status_question_reply, "CCLC2024-000001", status_url(campaign),
    )
    assert (InboundMessage.objects.get(external_id="1002").status, FollowUpMessage.objects.count()) == ("processed", 0)


def test_the_status_question_reply_in_chinese_names_the_reference_and_the_link():
    assert chinese(replies.status_question_reply, "CCLC2024-000001", "https://h5.example.cn/c/x/status/t/") == (
        "您的推荐 CCLC2024-000001 我们已收到。查询进度：https://h5.example.cn/c/x/status/t/ 。"
        "如还想补充被推荐人的事迹、照片或联系方式，直接发送给我们即可。"
    )


@pytest.mark.parametrize("detail", [
    "补充：她今年六十三岁",
    "她儿子的电话13812345678，可以联系",
    "她不知道怎么拒绝别人，谁找她都帮",
    "她照顾瘫痪婆婆二十年，还义务给社区老人理发，这样的事迹能评上吗？",
])
def test_more_about_the_nominee_still_joins_the_nomination(account, post_xml, detail):
    nominate(post_xml, account)
    response = post_xml(account, text_message(detail, msg_id="1002"))
    assert reply_fields(response.content.decode())["Content"] == chinese(replies.follow_up_reply, "CCLC2024-000001")
    assert list(FollowUpMessage.objects.values_list("nomination__reference", "inbound__external_id", "text")) == [
        ("CCLC2024-000001", "1002", detail),
    ]


def test_a_photo_after_a_question_still_joins_the_nomination(account, post_xml):
    nominate(post_xml, account)
    post_xml(account, text_message("收到了吗？", msg_id="1002"))
    response = post_xml(account, documented("image", FromUserName=OPENID, MsgId="1003"))
    assert reply_fields(response.content.decode())["Content"] == chinese(replies.follow_up_reply, "CCLC2024-000001")
    assert list(FollowUpMessage.objects.values_list("inbound__external_id", flat=True)) == ["1003"]
