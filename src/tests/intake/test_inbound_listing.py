"""`inbound list` describes each message from its raw record: no interpreter runs, one query for any number of rows."""
import itertools
import json
from unittest import mock

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.intake.email.mails import NESTED, TIP_WITHOUT_ID
from tests.intake.wechat.payloads import documented, fixture_bytes
from xuanshu.intake.channels import CHANNEL_MODULES, Description, describe_inbound
from xuanshu.intake.enums import Channel
from xuanshu.intake.models import InboundMessage
from xuanshu.intake.services import receive_inbound

pytestmark = pytest.mark.django_db

WEBFORM_FIELDS = {"nominee_name": "司马光明", "deeds": "带领团队研发新型轴承，带动上百人就业。", "nominee_kind": "individual"}
_ids = itertools.count(1)


def store(campaign, channel: str, *, payload=None, raw_body: bytes | None = None) -> InboundMessage:
    return receive_inbound(channel=channel, external_id=f"listing-{next(_ids)}", campaign=campaign, sender="s",
                           payload=payload, raw_body=raw_body, wants_reference=False, enqueue_processing=False).inbound


# One message of each kind a channel stores, and how the listing must describe it.
KINDS = [
    (Channel.WEBFORM, {"payload": {"fields": WEBFORM_FIELDS, "photos": [{"name": "合影.jpg"}]}},
     Description("司马光明", WEBFORM_FIELDS["deeds"], ("合影.jpg",))),
    (Channel.HOTLINE, {"payload": {"kind": "tip", "notes": "路灯坏了"}}, Description("", "路灯坏了")),
    (Channel.HOTLINE, {"payload": {"kind": "nomination", "notes": "照顾孤寡老人", "fields": {"nominee_name": "王秀兰"}}},
     Description("王秀兰", "照顾孤寡老人")),
    (Channel.API, {"raw_body": json.dumps({"content": "推荐出彩聊城人：李建国", "tag": "出彩聊城人"}).encode()},
     Description("出彩聊城人", "推荐出彩聊城人：李建国")),
    (Channel.API, {"payload": {"fields": {"content": "桥下积水"}, "images": [{"name": "水.png"}]}},
     Description("", "桥下积水", ("水.png",))),
    (Channel.EMAIL, {"raw_body": NESTED.raw}, Description(NESTED.subject, NESTED.text, NESTED.files)),
    (Channel.EMAIL, {"raw_body": TIP_WITHOUT_ID.raw}, Description(TIP_WITHOUT_ID.subject, TIP_WITHOUT_ID.text)),
    (Channel.WECHAT, {"raw_body": documented("text", Content="推荐出彩聊城人 张桂芳").encode(), "payload": {"account": "gone"}},
     Description("", "推荐出彩聊城人 张桂芳")),
    (Channel.WECHAT, {"raw_body": fixture_bytes("image.xml"), "payload": {"account": "gone"}},
     Description("image", "this is a url")),
    (Channel.WECHAT, {"raw_body": fixture_bytes("event_subscribe.xml"), "payload": {"account": "gone"}},
     Description("event subscribe")),
]


@pytest.fixture
def no_interpreter(monkeypatch):
    """Every channel's interpreter, replaced by a mock that records any call."""
    import importlib

    mocks = {}
    for channel, path in CHANNEL_MODULES.items():
        mocks[channel] = mock.Mock(side_effect=AssertionError(f"{channel} interpreter ran"))
        monkeypatch.setattr(importlib.import_module(path), "interpret", mocks[channel])
    return mocks


def test_each_channel_describes_its_raw_record(campaign, no_interpreter):
    described = [describe_inbound(store(campaign, channel, **stored)) for channel, stored, _expected in KINDS]
    assert described == [expected for _channel, _stored, expected in KINDS]
    assert [m.call_count for m in no_interpreter.values()] == [0] * len(CHANNEL_MODULES)


def test_an_unreadable_record_is_shown_raw(campaign, no_interpreter):
    mail = store(campaign, Channel.EMAIL, raw_body=b"   ")
    sealed = store(campaign, Channel.WECHAT, raw_body=b"<xml><Encrypt>abc</Encrypt></xml>",
                   payload={"account": "gone", "undecryptable": "bad padding"})
    assert (describe_inbound(mail), describe_inbound(sealed)) == (
        Description(text="   "), Description(text="<xml><Encrypt>abc</Encrypt></xml>"))


def test_listing_200_messages_runs_one_query_and_no_interpreter(campaign, no_interpreter, capsys):
    for index in range(200):
        channel, stored, _expected = KINDS[index % len(KINDS)]
        store(campaign, channel, **stored)
    with CaptureQueriesContext(connection) as queries:
        call_command("inbound", "list", "--json", "--limit", "200")
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(queries) == 1
    assert [m.call_count for m in no_interpreter.values()] == [0] * len(CHANNEL_MODULES)
    expected = [KINDS[index % len(KINDS)][2] for index in reversed(range(200))]
    assert [Description(r["subject"], r["text"], tuple(r["attachments"])) for r in rows] == expected
