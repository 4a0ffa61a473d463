"""A nomination sent over WeChat in several messages (（1/3）…（2/3）…（3/3）…) is read whole while no editor has reviewed
it: the later parts join it as follow-ups, and their text fills its deeds and the fields the first part left empty.

Messages are WeChat's documented text message (fixtures/text.xml) posted to the real callback; processing runs as the
task queue runs it (at once here, or in the order a test chooses with `queue` and `run`).
"""

import pytest
from django.core.management import call_command

from tests.intake.wechat.conftest import run
from tests.intake.wechat.payloads import documented
from xuanshu.core.models import ActivityLog
from xuanshu.intake.models import InboundMessage
from xuanshu.nominations.extraction.models import Extraction
from xuanshu.nominations.models import FollowUpMessage, Nomination
from xuanshu.nominations.services import attach_follow_up, set_nomination_state, update_nomination_fields

pytestmark = pytest.mark.django_db(transaction=True)

OPENID = "oWECHATsplitSender00000000001"
OTHER_OPENID = "oWECHATsplitSender00000000002"
PART_1 = "推荐出彩聊城人（1/3）：张桂芳，二十年如一日照顾瘫痪在床的婆婆，"
PART_2 = "（2/3）她是东昌府区古楼街道的居民，还常年义务为社区老人理发，街坊邻居都夸她是好媳妇。"
PART_3 = "（3/3）推荐人：李明，电话13812341234"
WHOLE = f"{PART_1}\n\n{PART_2}\n\n{PART_3}"
# The deeds as stored: the phone number typed into the text masked, as on creation.
WHOLE_DEEDS = WHOLE.replace("13812341234", "138****1234")


def part(text: str, msg_id: str, sender: str = OPENID) -> str:
    return documented("text", Content=text, MsgId=msg_id, FromUserName=sender)


def send(post_xml, account, *parts: tuple[str, str], sender: str = OPENID) -> None:
    for text, msg_id in parts:
        post_xml(account, part(text, msg_id, sender))


def fields(nomination: Nomination) -> tuple:
    nomination.refresh_from_db()
    return (
        nomination.nominee_name,
        nomination.nominee_kind,
        nomination.category.code if nomination.category else None,
        nomination.area.code if nomination.area else None,
        nomination.place_detail,
        nomination.nominator_name,
        nomination.nominator_phone,
        nomination.deeds,
    )


def absorbed(nomination: Nomination) -> list[tuple]:
    return list(
        ActivityLog.objects.filter(subject_id=str(nomination.pk), action="nomination.follow_up_absorbed")
        .order_by("pk")
        .values_list("actor_id", "actor_label", "old_value", "new_value")
    )


def inbound_id(msg_id: str) -> int:
    return InboundMessage.objects.get(external_id=msg_id).pk


def test_a_three_part_nomination_is_read_whole(account, post_xml):
    send(post_xml, account, (PART_1, "3001"))
    nomination = Nomination.objects.get()
    assert fields(nomination) == ("张桂芳", "individual", "good-conduct", None, "", "", "", PART_1)

    send(post_xml, account, (PART_2, "3002"), (PART_3, "3003"))

    # The county and place come from part 2 only, the nominator and the phone from part 3 only.
    assert fields(nomination) == (
        "张桂芳",
        "individual",
        "good-conduct",
        "dongchangfu",
        "东昌府区古楼街道",
        "李明",
        "+8613812341234",
        WHOLE_DEEDS,
    )
    extraction = Extraction.objects.get(nomination=nomination)
    assert (extraction.text, extraction.opening_text, extraction.version) == (WHOLE, PART_1, "rules-6")
    assert list(FollowUpMessage.objects.order_by("inbound_id").values_list("text", "part_text")) == [
        (PART_2, PART_2),
        (PART_3, PART_3),
    ]
    assert absorbed(nomination) == [
        (
            None,
            "extraction:rules-6",
            {"deeds": PART_1, "area": None, "place_detail": ""},
            {
                "follow_ups": [inbound_id("3002")],
                "deeds": f"{PART_1}\n\n{PART_2}",
                "area": "dongchangfu",
                "place_detail": "东昌府区古楼街道",
            },
        ),
        (
            None,
            "extraction:rules-6",
            {"deeds": f"{PART_1}\n\n{PART_2}", "nominator_name": "", "nominator_phone": ""},
            {
                "follow_ups": [inbound_id("3002"), inbound_id("3003")],
                "deeds": WHOLE_DEEDS,
                "nominator_name": "李明",
                "nominator_phone": "138****1234",
            },
        ),
    ]
    # Regrouped as after an editor's correction: the nominee record takes the county the later part gave.
    assert nomination.nominee_membership.nominee.area.code == "dongchangfu"


def test_deeds_an_editor_corrected_are_kept_and_only_empty_fields_are_filled(account, post_xml, editor):
    send(post_xml, account, (PART_1, "3101"))
    nomination = Nomination.objects.get()
    update_nomination_fields(
        nomination=nomination, actor=editor, changes={"deeds": "二十年照顾瘫痪婆婆。", "place_detail": "古楼街道"}
    )

    send(post_xml, account, (PART_2, "3102"), (PART_3, "3103"))

    # Deeds and place are the editor's; the county, nominator and phone were empty and are filled.
    assert fields(nomination) == (
        "张桂芳",
        "individual",
        "good-conduct",
        "dongchangfu",
        "古楼街道",
        "李明",
        "+8613812341234",
        "二十年照顾瘫痪婆婆。",
    )
    assert Extraction.objects.get(nomination=nomination).text == WHOLE


def test_a_nomination_an_editor_has_moved_on_is_left_as_it_is(account, post_xml, editor):
    send(post_xml, account, (PART_1, "3201"))
    send(post_xml, account, (PART_1, "3211"), sender=OTHER_OPENID)
    moved, waiting = Nomination.objects.get(inbound__external_id="3201"), Nomination.objects.get(inbound__external_id="3211")
    set_nomination_state(nomination=moved, new_state="in_review", actor=editor)

    send(post_xml, account, (PART_2, "3202"), (PART_3, "3203"))
    send(post_xml, account, (PART_2, "3212"), (PART_3, "3213"), sender=OTHER_OPENID)

    assert fields(moved) == ("张桂芳", "individual", "good-conduct", None, "", "", "", PART_1)
    assert (Extraction.objects.get(nomination=moved).text, absorbed(moved)) == (PART_1, [])
    assert moved.follow_ups.count() == 2  # still shown to editors beside it
    # The same messages from a sender whose nomination no editor has touched yet fill it.
    assert fields(waiting) == (
        "张桂芳",
        "individual",
        "good-conduct",
        "dongchangfu",
        "东昌府区古楼街道",
        "李明",
        "+8613812341234",
        WHOLE_DEEDS,
    )


def test_a_part_attached_again_or_processed_again_adds_nothing(account, post_xml, capsys):
    send(post_xml, account, (PART_1, "3301"), (PART_2, "3302"), (PART_3, "3303"))
    nomination = Nomination.objects.get()
    before = (fields(nomination), Extraction.objects.get(nomination=nomination).text, absorbed(nomination))
    assert (before[0][-1], len(before[2])) == (WHOLE_DEEDS, 2)

    last = InboundMessage.objects.get(external_id="3303")
    attach_follow_up(inbound=last, nomination_id=nomination.pk, text=PART_3, part_text=PART_3)
    for msg_id in ("3303", "3302"):
        call_command("inbound", "reprocess", str(inbound_id(msg_id)))
    assert capsys.readouterr().out == "reprocessed 1: 1 processed, 0 failed\n" * 2
    post_xml(account, part(PART_3, "3303"))  # WeChat's retry of the same message

    assert (fields(nomination), Extraction.objects.get(nomination=nomination).text, absorbed(nomination)) == before
    assert FollowUpMessage.objects.count() == 2


def test_parts_processed_out_of_order_end_in_the_order_sent(queue, account, post_xml):
    send(post_xml, account, (PART_1, "3401"), (PART_2, "3402"), (PART_3, "3403"))
    opener, second, third = inbound_id("3401"), inbound_id("3402"), inbound_id("3403")

    run(queue, third)  # before its opener: waits for it
    run(queue, opener)
    run(queue, third)
    nomination = Nomination.objects.get()
    assert fields(nomination)[-1] == f"{PART_1}\n\n{PART_3}".replace("13812341234", "138****1234")
    run(queue, second)  # sent before part 3, read after it

    assert fields(nomination) == (
        "张桂芳",
        "individual",
        "good-conduct",
        "dongchangfu",
        "东昌府区古楼街道",
        "李明",
        "+8613812341234",
        WHOLE_DEEDS,
    )
    assert Extraction.objects.get(nomination=nomination).text == WHOLE
    assert queue == []
