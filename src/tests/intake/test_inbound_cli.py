"""`python -m xuanshu inbound list|reprocess`."""
import json

import pytest
from django.core.management import CommandError, call_command

from xuanshu.intake.enums import Channel
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import process_inbound, receive_inbound
from xuanshu.nominations.models import Nomination

FIELDS = {
    "nominee_name": "司马光明", "nominee_kind": "individual", "category": "development", "area": "gaoxinqu",
    "place_detail": "", "deeds": "带领团队研发新型轴承，带动上百人就业。" * 2, "nominator_name": "张三",
    "nominator_phone": "13912345678", "nominator_email": "", "consent": "on",
}


@pytest.fixture
def messages(campaign):
    good = receive_inbound(channel=Channel.WEBFORM, external_id="f1", campaign=campaign, sender="10.0.0.1",
                           payload={"fields": FIELDS}, enqueue_processing=False).inbound
    broken = receive_inbound(channel=Channel.WEBFORM, external_id="f2", campaign=campaign, sender="10.0.0.2",
                             payload={"fields": {**FIELDS, "area": "atlantis"}}, enqueue_processing=False).inbound
    tip = receive_inbound(channel=Channel.HOTLINE, external_id="c1", campaign=campaign, sender="+866358451234",
                          payload={"kind": "tip", "notes": "路灯坏了"}, wants_reference=False, enqueue_processing=False).inbound
    for inbound in (good, broken, tip):
        process_inbound(inbound_id=inbound.pk)
    return good, broken, tip


def test_list_as_json_shows_decoded_text_and_status(messages, capsys):
    good, broken, tip = messages
    call_command("inbound", "list", "--json")
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [(r["id"], r["channel"], r["status"], r["text"][:8], r["reference"]) for r in rows] == [
        (tip.pk, "hotline", "processed", "路灯坏了", None),
        (broken.pk, "webform", "failed", FIELDS["deeds"][:8], "CCLC2024-000002"),
        (good.pk, "webform", "processed", FIELDS["deeds"][:8], "CCLC2024-000001"),
    ]
    assert rows[1]["error"].startswith("DoesNotExist")


def test_list_filters_by_channel_and_status(messages, capsys):
    call_command("inbound", "list", "--status", "failed")
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 1 and "\twebform\tf2\t" in lines[0] and "\tfailed\t" in lines[0]
    call_command("inbound", "list", "--channel", "hotline")
    assert capsys.readouterr().out.count("\thotline\t") == 1


def test_reprocess_failed_after_the_cause_is_fixed(messages, campaign, capsys):
    _, broken, _ = messages
    call_command("inbound", "reprocess", "--failed")
    assert "reprocessed 1: 0 processed, 1 failed" in capsys.readouterr().out
    campaign.areas.create(code="atlantis", name="测试区", kind="zone")
    call_command("inbound", "reprocess", "--failed")
    assert "reprocessed 1: 1 processed, 0 failed" in capsys.readouterr().out
    assert Nomination.objects.filter(inbound=broken).count() == 1
    call_command("inbound", "reprocess", str(broken.pk))  # idempotent
    assert Nomination.objects.count() == 2 and InboundMessage.objects.get(pk=broken.pk).status == "processed"


def test_reprocess_needs_an_id_or_failed(messages):
    with pytest.raises(CommandError):
        call_command("inbound", "reprocess")
    with pytest.raises(CommandError):
        call_command("inbound", "reprocess", "999999")
