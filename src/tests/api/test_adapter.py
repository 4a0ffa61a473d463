"""The channel adapter re-reads the stored raw record (JSON body or form fields) and interprets it."""
import json

import pytest

from tests.api.conftest import fixture_bytes
from xuanshu.intake.channels.api.adapter import interpret
from xuanshu.intake.interpretation import ReaderTipText
from xuanshu.intake.services import receive_inbound
from xuanshu.nominations.extraction import draft_from_text

pytestmark = pytest.mark.django_db


def stored_tip(campaign, *, raw_body=None, payload=None):
    return receive_inbound(channel="api", external_id="adapter-test", campaign=campaign, raw_body=raw_body, payload=payload,
                           enqueue_processing=False).inbound


def test_a_json_nomination_becomes_a_draft_with_the_senders_contact(campaign):
    inbound = stored_tip(campaign, raw_body=fixture_bytes("nomination_tip.json"))
    content = json.loads(fixture_bytes("nomination_tip.json"))["content"]
    assert interpret(inbound) == draft_from_text(text=content, sender_name="李明", sender_phone="13812341234", campaign=inbound.campaign)
    assert interpret(inbound).nominator_phone == "+8613812341234"


def test_a_json_tip_without_the_keyword_is_a_reader_tip(campaign):
    inbound = stored_tip(campaign, raw_body=fixture_bytes("reader_tip.json"))
    assert interpret(inbound) == ReaderTipText(text="东昌路和兴华路路口的红绿灯坏了三天了，早晚高峰很堵，希望记者关注一下。")


def test_form_fields_are_read_the_same_way(campaign):
    fields = {"tag": "#推荐出彩聊城人#", "content": "推荐环卫工人王师傅。", "contact_name": "周婷", "contact_phone": "0635-8451234"}
    inbound = stored_tip(campaign, payload={"fields": fields, "images": []})
    assert interpret(inbound) == draft_from_text(text="推荐环卫工人王师傅。", sender_name="周婷", sender_phone="0635-8451234", campaign=inbound.campaign)
    assert interpret(inbound).nominator_phone == "+866358451234"


def test_a_record_with_a_null_contact_is_read(campaign):
    inbound = stored_tip(campaign, raw_body=json.dumps({"content": "推荐出彩聊城人 王师傅", "contact": None}).encode())
    assert interpret(inbound) == draft_from_text(text="推荐出彩聊城人 王师傅", campaign=inbound.campaign)
