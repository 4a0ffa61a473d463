"""WeChat outside the nomination stage: a keyword message is kept as a reader tip and the sender is told why;
follow-ups to a nomination opened while the stage was open still attach."""
import pytest
from django.utils import timezone, translation

from tests.intake.stages import close_nominations, open_nominations_later
from tests.intake.wechat.payloads import documented, reply_fields
from xuanshu.intake.channels.wechat import replies
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.intake.notices import held_nomination_notice
from xuanshu.intake.services import process_inbound
from xuanshu.nominations.models import FollowUpMessage, Nomination

pytestmark = pytest.mark.django_db(transaction=True)

OPENID = "oWECHATstageSender000000001"
NOMINATION_TEXT = "推荐出彩聊城人：东昌府区古楼街道的张桂芳，二十年照顾瘫痪婆婆，还义务为社区老人理发。"


def text_message(content: str, msg_id: str) -> str:
    return documented("text", Content=content, MsgId=msg_id, FromUserName=OPENID)


def answer(response) -> str:
    return reply_fields(response.content.decode())["Content"]


def chinese(function, *args) -> str:
    with translation.override("zh-hans"):
        return function(*args)


@pytest.mark.parametrize(("move_stage", "held"), [(close_nominations, "closed"), (open_nominations_later, "not_yet_open")])
def test_a_keyword_message_outside_the_stage_is_kept_as_a_tip_and_the_sender_told(account, campaign, post_xml, move_stage, held):
    move_stage(campaign)
    response = post_xml(account, text_message(NOMINATION_TEXT, "2001"))
    assert answer(response) == chinese(held_nomination_notice, campaign, held)
    inbound = InboundMessage.objects.get()
    assert (inbound.reference, inbound.status, Nomination.objects.count()) == (None, "processed", 0)
    assert list(ReaderTip.objects.values_list("inbound_id", "channel", "text", "held_because", "state")) == [
        (inbound.pk, "wechat", NOMINATION_TEXT, held, "open"),
    ]


def test_the_reply_names_the_closing_time_in_chinese(account, campaign, post_xml):
    close_nominations(campaign, closed_at=timezone.make_aware(timezone.datetime(2025, 1, 10, 0, 0)))
    response = post_xml(account, text_message(NOMINATION_TEXT, "2001"))
    assert answer(response) == "“出彩聊城人”推荐征集已于2025年1月10日 00:00截止，您的这条消息未登记为推荐。我们已保存这条消息，编辑会认真阅读。"


def test_a_retried_message_gets_the_same_answer_and_one_tip(account, campaign, post_xml):
    close_nominations(campaign)
    xml = text_message(NOMINATION_TEXT, "2001")
    answers = {answer(post_xml(account, xml)) for _ in range(3)}
    assert answers == {chinese(held_nomination_notice, campaign, "closed")}
    assert (InboundMessage.objects.count(), ReaderTip.objects.count(), Nomination.objects.count()) == (1, 1, 0)


def test_a_voice_nomination_after_the_close_is_held_too(account, campaign, post_xml):
    campaign.keyword_variants = [*campaign.keyword_variants, "腾讯微信团队"]  # the documented Recognition text
    campaign.save(update_fields=["keyword_variants"])
    close_nominations(campaign)
    response = post_xml(account, documented("voice_recognition", FromUserName=OPENID, MsgId="2002"))
    assert answer(response) == chinese(held_nomination_notice, campaign, "closed")
    assert list(ReaderTip.objects.values_list("text", "held_because")) == [("腾讯微信团队", "closed")]


def test_follow_ups_to_a_nomination_opened_before_the_close_still_attach(account, campaign, post_xml):
    post_xml(account, text_message(NOMINATION_TEXT, "1001"))
    close_nominations(campaign, closed_at=timezone.now())  # the stage ends right after the nomination came in
    photo = post_xml(account, documented("image", FromUserName=OPENID, MsgId="1002"))
    voice = post_xml(account, documented("voice_recognition", FromUserName=OPENID, MsgId="1003"))
    more_text = post_xml(account, text_message("补充：她今年六十三岁", "1004"))
    assert {answer(photo), answer(voice), answer(more_text)} == {chinese(replies.follow_up_reply, "CCLC2024-000001")}
    assert list(FollowUpMessage.objects.order_by("inbound__external_id").values_list("nomination__reference", "inbound__external_id")) == [
        ("CCLC2024-000001", "1002"), ("CCLC2024-000001", "1003"), ("CCLC2024-000001", "1004"),
    ]
    # A second nomination in the same window is a new nomination, and nominations are closed now.
    second = post_xml(account, text_message("推荐出彩聊城人 另一位：高唐县的李师傅", "1005"))
    assert answer(second) == chinese(held_nomination_notice, campaign, "closed")
    assert (Nomination.objects.count(), list(ReaderTip.objects.values_list("held_because", flat=True))) == (1, ["closed"])


def test_a_nomination_received_while_open_stays_one_when_processed_again_after_the_close(account, campaign, post_xml):
    post_xml(account, text_message(NOMINATION_TEXT, "1001"))
    close_nominations(campaign, closed_at=timezone.now())
    inbound = InboundMessage.objects.get()
    assert process_inbound(inbound_id=inbound.pk).status == "processed"
    assert (list(Nomination.objects.values_list("reference", flat=True)), ReaderTip.objects.count()) == (["CCLC2024-000001"], 0)
