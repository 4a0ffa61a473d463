"""The history table (操作记录) in the editors' language: actions, who acted, old and new values, reasons."""
import re
from pathlib import Path

from django.urls import reverse
from django.utils import translation

from xuanshu.console.activity import ACTION_LABELS, action_label, present_activity
from xuanshu.core.models import ActivityLog
from xuanshu.intake.channels.email.models import ReplyStatus
from xuanshu.intake.enums import InboundStatus, TipState
from xuanshu.nominations.dedup.models import ChangeKind
from xuanshu.nominations.enums import NominationState
from xuanshu.nominations.services import add_nomination_note, set_nomination_state, update_nomination_fields
from xuanshu.voting.enums import DecisionAction

SOURCE = Path(__file__).resolve().parents[2] / "xuanshu"


def shown(entries) -> list[tuple]:
    return [
        (entry.actor, entry.action_label, [(item.label, item.value) for item in entry.before],
         [(item.label, item.value) for item in entry.after], entry.reason)
        for entry in entries
    ]


def test_a_nominations_history_reads_in_chinese(editor_client, editor, nominate):
    nomination = nominate()
    set_nomination_state(nomination=nomination, new_state="in_review", actor=editor)
    set_nomination_state(nomination=nomination, new_state="needs_info", actor=editor, reason="请补充照片")
    update_nomination_fields(nomination=nomination, actor=editor, changes={"place_detail": "柳园街道", "nominee_kind": "group"}, reason="核实")
    add_nomination_note(nomination=nomination, author=editor, body="已电话联系")
    note = nomination.notes.get()
    response = editor_client.get(reverse("console:nomination", args=[nomination.reference]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert shown(response.context["activity"]) == [
        ("editor1", "添加备注", [], [("备注", f"#{note.pk}")], ""),
        ("editor1", "修改推荐信息", [("类型", "个人"), ("地点", "古楼街道")], [("类型", "团体"), ("地点", "柳园街道")], "核实"),
        ("editor1", "状态改为“待补充材料”", [("状态", "审核中")], [("状态", "待补充材料")], "请补充照片"),
        ("editor1", "状态改为“审核中”", [("状态", "已收到")], [("状态", "审核中")], ""),
        ("渠道：网页表单", "收到推荐", [], [("状态", "已收到"), ("原始消息", f"#{nomination.inbound_id}")], ""),
    ]
    html = response.content.decode()
    assert "<td>状态改为“待补充材料”</td>" in html
    assert '<div class="prewrap">状态：审核中</div>' in html
    assert ("nomination.needs_info" in html, "&quot;state&quot;" in html, "channel:webform" in html) == (False, False, False)


def test_unknown_codes_and_keys_are_shown_as_they_are(db):
    entry = ActivityLog(action="someday.new_thing", subject_type="nominations.nomination", subject_id="1",
                        actor_label="robot", old_value={"colour": "blue"}, new_value={"state": "no_such_state", "flag": True},
                        reason="because")
    with translation.override("zh-hans"):
        assert shown(present_activity([entry])) == [
            ("robot", "someday.new_thing", [("colour", "blue")], [("状态", "no_such_state"), ("flag", "是")], "because"),
        ]


def written_action_codes() -> set[str]:
    """Every action code the code base writes, with the codes built from a state expanded."""
    lines = [
        line for path in SOURCE.rglob("*.py") if "tests" not in path.parts
        for line in path.read_text(encoding="utf-8").splitlines() if "action=" in line or '"action":' in line
    ]
    # action="a.b", action=f"a.{b}", "action": "a.b", and the other branch of action="a.b" if x else "a.c".
    written = [match for line in lines for match in re.findall(r'(?:action=|"action": |\belse )(f?)"([a-z_]+\.[a-z_{}.]+)"', line)]
    literal = {code for is_template, code in written if not is_template}
    templates = {code for is_template, code in written if is_template}
    expansions = {
        "nomination.{new_state}": NominationState.values,
        "tip.{state}": TipState.values,
        "inbound.{status}": InboundStatus.values,
        "vote.{action}": DecisionAction.values,
        "email.reply_{status}": ReplyStatus.values,
        "email.reply_{reply.status}": ReplyStatus.values,
        "nominee.undo_{change.kind}": ChangeKind.values,
        "nomination.nominee_undo_{change.kind}": ChangeKind.values,
    }
    assert templates == set(expansions)  # a new code built from a value: add it here and give it a label
    for template, values in expansions.items():
        literal |= {re.sub(r"\{[^}]+\}", value, template) for value in values}
    return literal


def test_every_action_code_the_code_base_writes_has_a_label():
    codes = written_action_codes()
    assert {"nomination.needs_info", "nominee.auto_link", "nominee.merge", "nomination.nominee_merge",
            "nominee.auto_merge", "inbound.wait", "campaign.create", "campaign.update", "vote.reverse"} <= codes
    with translation.override("en"):
        unlabelled = sorted(code for code in codes if action_label(code) == code)
    assert unlabelled == []
    assert set(ACTION_LABELS) <= codes  # no label for a code nothing writes


def test_an_e_mails_files_and_acknowledgement_read_in_chinese_on_its_page(editor_client, campaign):
    """What the e-mail channel writes on a message (a photo and a document kept, the acknowledgement sent or skipped),
    in the editors' language: no reply status, skip reason or key in English."""
    from tests.helpers import jpeg_bytes
    from xuanshu.intake.enums import Channel
    from xuanshu.intake.images import reencode_image
    from xuanshu.intake.services import add_attachment, add_file, receive_inbound

    inbound = receive_inbound(channel=Channel.EMAIL, external_id="<files@example.cn>", campaign=campaign, sender="a@163.com",
                              raw_body=b"Subject: x\r\n\r\nx", wants_reference=False, enqueue_processing=False).inbound
    add_attachment(inbound=inbound, original_name="合影.png", image=reencode_image(jpeg_bytes(), max_bytes=10**6))
    kept = add_file(inbound=inbound, original_name="事迹材料.pdf", data=b"%PDF-1.4\n%%EOF\n", content_type="application/pdf")
    # The acknowledgement's rows, as intake/channels/email/replies.py writes them.
    for action, old, new in [
        ("email.reply_sending", None, {"status": ReplyStatus.SENDING, "reason": ""}),
        ("email.reply_sent", {"status": ReplyStatus.SENDING}, {"status": ReplyStatus.SENT, "error": ""}),
        ("email.reply_skipped", None, {"status": ReplyStatus.SKIPPED, "reason": "daily_limit"}),
    ]:
        ActivityLog.objects.create(action=action, subject_type="intake.inboundmessage", subject_id=str(inbound.pk),
                                   actor_label="channel:email", old_value=old, new_value=new)
    response = editor_client.get(reverse("console:inbound", args=[inbound.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    rows = shown(response.context["activity"])
    assert rows == [
        ("渠道：电子邮件", "未发送回复邮件", [], [("状态", "未发送"), ("原因", "今天已向该地址发送过多回复")], ""),
        ("渠道：电子邮件", "已发送回复邮件", [("状态", "发送中")], [("状态", "已发送"), ("错误", "（空）")], ""),
        ("渠道：电子邮件", "正在发送回复邮件", [], [("状态", "发送中"), ("原因", "（空）")], ""),
        ("渠道：电子邮件", "保存文件", [], [("文件", f"#{kept.pk}"), ("文件名", "事迹材料.pdf"), ("文件类型", "application/pdf"),
                                         ("大小（字节）", "15")], ""),
        ("渠道：电子邮件", "保存照片", [], [("照片", f"#{inbound.attachments.get().pk}"), ("文件名", "合影.png")], ""),
    ]


def test_every_reason_an_acknowledgement_is_skipped_for_has_words():
    from xuanshu.console.activity import REPLY_SKIP_REASONS
    from xuanshu.intake.channels.email import replies

    source = Path(replies.__file__).read_text(encoding="utf-8")
    written = set(re.findall(r'return "([a-z_]+)"', source)) | set(re.findall(r'reason = "([a-z_]+)"', source))
    assert {"auto_submitted", "bounce", "daily_limit", "demo_data", "own_address"} <= written
    assert written - {""} == set(REPLY_SKIP_REASONS)
