"""Follow-up text read into a nomination (extraction.services.absorb_follow_ups) whatever order a task worker runs the
steps in: a follow-up that joined before the opening message's own analysis ran is read by that analysis, a retried
analysis does not undo it, and the audit row reads in Chinese in the console."""

import pytest
from django.utils import translation

from xuanshu.console.activity import present_activity
from xuanshu.core.models import ActivityLog
from xuanshu.intake.interpretation import FollowUpTo
from xuanshu.intake.services import apply_interpretation, receive_inbound
from xuanshu.nominations.extraction import draft_from_text
from xuanshu.nominations.extraction.models import Extraction
from xuanshu.nominations.extraction.services import Absorbed, absorb_follow_ups
from xuanshu.nominations.extraction.tasks import analyse_nomination_task

pytestmark = pytest.mark.django_db

OPENING = "推荐出彩聊城人（1/2）：东昌府区古楼街道的张桂芳，二十年如一日照顾瘫痪在床的婆婆。"
PART = "（2/2）推荐人：李明，电话13812341234"
WHOLE = f"{OPENING}\n\n{PART}"


def received(campaign, external_id: str, text: str):
    return receive_inbound(
        channel="wechat",
        external_id=external_id,
        campaign=campaign,
        sender="oSplitSender",
        raw_body=text.encode(),
        enqueue_processing=False,
    ).inbound


def test_a_follow_up_that_joined_before_the_opening_message_was_analysed_is_read_by_that_analysis(
    campaign,
    django_capture_on_commit_callbacks,
):
    opener = received(campaign, "race-1", OPENING)
    with django_capture_on_commit_callbacks() as analysis:  # the nomination's analysis waits in the task queue
        apply_interpretation(inbound=opener, interpretation=draft_from_text(text=OPENING, campaign=campaign))
    nomination = opener.nomination
    later = received(campaign, "race-2", PART)
    with django_capture_on_commit_callbacks(execute=True):
        apply_interpretation(inbound=later, interpretation=FollowUpTo(nomination_id=nomination.pk, text=PART, part_text=PART))
    nomination.refresh_from_db()
    assert (nomination.deeds, nomination.nominator_phone, Extraction.objects.filter(nomination=nomination).exists()) == (
        OPENING,
        "",
        False,
    )
    assert absorb_follow_ups(nomination_id=nomination.pk) == Absorbed(reason="no_extraction_yet")

    with django_capture_on_commit_callbacks(execute=True):
        for callback in analysis:
            callback()

    nomination.refresh_from_db()
    extraction = Extraction.objects.get(nomination=nomination)
    assert (
        nomination.deeds,
        nomination.nominator_name,
        nomination.nominator_phone,
        extraction.text,
        extraction.opening_text,
    ) == (WHOLE.replace("13812341234", "138****1234"), "李明", "+8613812341234", WHOLE, OPENING)

    # A retried analysis, and reading the follow-ups again, change nothing and write no audit row.
    rows = ActivityLog.objects.filter(action="nomination.follow_up_absorbed").count()
    analyse_nomination_task(nomination.pk, OPENING)
    assert absorb_follow_ups(nomination_id=nomination.pk) == Absorbed(reason="unchanged")
    assert (
        Extraction.objects.get(nomination=nomination).text,
        ActivityLog.objects.filter(action="nomination.follow_up_absorbed").count(),
    ) == (WHOLE, rows)
    assert rows == 1


def test_the_audit_row_reads_in_chinese(campaign, django_capture_on_commit_callbacks):
    opener = received(campaign, "zh-1", OPENING)
    with django_capture_on_commit_callbacks(execute=True):
        apply_interpretation(inbound=opener, interpretation=draft_from_text(text=OPENING, campaign=campaign))
    later = received(campaign, "zh-2", PART)
    with django_capture_on_commit_callbacks(execute=True):
        apply_interpretation(
            inbound=later, interpretation=FollowUpTo(nomination_id=opener.nomination.pk, text=PART, part_text=PART)
        )

    with translation.override("zh-hans"):
        [entry] = present_activity(ActivityLog.objects.filter(action="nomination.follow_up_absorbed"))
        assert (
            entry.action_label,
            [(item.label, item.value) for item in entry.before],
            [(item.label, item.value) for item in entry.after],
        ) == (
            "并入补充消息的文字后重新读取",
            [("主要事迹", OPENING), ("推荐人", "（空）"), ("推荐人电话", "（空）")],
            [
                ("并入的补充消息", f"#{later.pk}"),
                ("主要事迹", WHOLE.replace("13812341234", "138****1234")),
                ("推荐人", "李明"),
                ("推荐人电话", "138****1234"),
            ],
        )
