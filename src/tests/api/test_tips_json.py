"""POST /api/v1/tips with JSON: classification, the raw record, processing, and every kind of refusal."""
import json

import pytest

from tests.api.conftest import error_of, fixture_bytes, post_json, stored
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.nominations.models import Nomination
from xuanshu.public.links import status_link_token

pytestmark = pytest.mark.django_db(transaction=True)  # processing runs after commit, as in production


def test_a_tagged_tip_is_a_nomination_with_its_reference(client, partner):
    body = fixture_bytes("nomination_tip.json")
    response = post_json(client, partner, body)
    inbound = InboundMessage.objects.get()
    assert (response.status_code, response.json()) == (201, {
        "inbound_id": inbound.pk, "is_nomination": True, "reference": "CCLC2024-000001",
        "status_path": "/c/chucai-liaocheng-2024/status/", "held_because": None, "notice": None,
        "status_url": None, "status_link_path": f"/c/chucai-liaocheng-2024/status/{status_link_token('CCLC2024-000001')}/",
    })
    assert (inbound.channel, inbound.external_id, inbound.sender, bytes(inbound.raw_body), inbound.payload) == (
        "api", f"{partner.key}/tip/qlyd-20240611-000123", "qilu-yidian/u8812345", body, None,
    )
    nomination = Nomination.objects.get()
    assert (nomination.reference, nomination.channel, nomination.deeds, nomination.nominator_name, nomination.nominator_phone) == (
        "CCLC2024-000001", "api", json.loads(body)["content"], "李明", "+8613812341234",
    )
    assert InboundMessage.objects.get().status == "processed"


def test_an_untagged_tip_is_kept_as_a_reader_tip_without_reference(client, partner):
    response = post_json(client, partner, fixture_bytes("reader_tip.json"))
    inbound = InboundMessage.objects.get()
    assert (response.status_code, response.json()) == (201, {
        "inbound_id": inbound.pk, "is_nomination": False, "reference": None, "status_path": None,
        "held_because": None, "notice": None, "status_url": None, "status_link_path": None,
    })
    tip = ReaderTip.objects.get()
    assert (tip.inbound_id, tip.channel, tip.text, Nomination.objects.count()) == (
        inbound.pk, "api", "东昌路和兴华路路口的红绿灯坏了三天了，早晚高峰很堵，希望记者关注一下。", 0,
    )


@pytest.mark.parametrize(("tag", "content", "is_nomination"), [
    ("", "#推荐出彩聊城人# 我们村的李大爷义务修路十年。", True),  # keyword in the text only
    ("推薦出彩聊城人", "我们村的李大爷义务修路十年。", True),  # traditional script in the tag
    ("推荐出彩", "聊城人李大爷义务修路十年。", False),  # tag and text are judged each on its own
    ("爆料", "我们村的李大爷义务修路十年。", False),
])
def test_classification_by_tag_or_text(client, partner, tag, content, is_nomination):
    response = post_json(client, partner, {"tag": tag, "content": content})
    assert (response.status_code, response.json()["is_nomination"], Nomination.objects.count()) == (201, is_nomination, int(is_nomination))


def test_a_tip_without_contact_or_ids_is_accepted(client, partner):
    response = post_json(client, partner, {"content": "推荐出彩聊城人：环卫工人王师傅拾金不昧。"})
    assert response.status_code == 201
    nomination = Nomination.objects.get()
    assert (nomination.nominator_name, nomination.nominator_phone, InboundMessage.objects.get().sender) == ("", "", "qilu-yidian")


def test_an_unbound_partner_names_the_campaign(client, unbound_partner):
    response = post_json(client, unbound_partner, fixture_bytes("nomination_tip.json"))
    assert (response.status_code, InboundMessage.objects.get().campaign.slug) == (201, "chucai-liaocheng-2024")


def test_an_unbound_partner_without_campaign_is_refused(client, unbound_partner):
    before = stored()
    response = post_json(client, unbound_partner, {"content": "推荐出彩聊城人：环卫工人王师傅。"})
    assert error_of(response) == (422, "campaign_required")
    assert response.json()["error"]["message"] == "Name the campaign: this partner key is not bound to one."
    assert stored() == before


def test_an_unknown_campaign_is_refused(client, unbound_partner):
    before = stored()
    response = post_json(client, unbound_partner, {"content": "推荐出彩聊城人", "campaign": "no-such-campaign"})
    assert (error_of(response), response.json()["error"]["details"]) == (
        (422, "unknown_campaign"), [{"loc": ["campaign"], "code": "unknown", "message": ""}],
    )
    assert response.json()["error"]["message"] == "There is no campaign “no-such-campaign”."
    assert stored() == before


def test_a_bound_partner_cannot_send_to_another_campaign(client, partner):
    response = post_json(client, partner, {"content": "推荐出彩聊城人", "campaign": "another-2025"})
    assert error_of(response) == (403, "campaign_not_allowed")
    assert InboundMessage.objects.count() == 0


def test_schema_errors_are_listed_in_details(client, partner):
    response = post_json(client, partner, {"tag": "推荐出彩聊城人", "contents": "typo", "contact": {"phone": "12345"}})
    assert error_of(response) == (422, "validation_error")
    assert [(d["loc"], d["code"]) for d in response.json()["error"]["details"]] == [
        (["content"], "missing"), (["contact", "phone"], "value_error"), (["contents"], "extra_forbidden"),
    ]
    assert InboundMessage.objects.count() == 0


@pytest.mark.parametrize("document", [
    {"content": "   "},
    {"content": "has a \x00 NUL"},
    {"content": "x" * 10_001},
    {"content": 42},
    {"content": "ok", "tip_id": "has space"},
])
def test_content_that_cannot_be_stored_or_read_is_refused(client, partner, document):
    assert error_of(post_json(client, partner, document)) == (422, "validation_error")
    assert InboundMessage.objects.count() == 0


@pytest.mark.parametrize("body", [b"{not json", b"  ", "推荐".encode("gb18030") + b'"', b"[1, 2]"])
def test_a_body_that_is_not_a_json_object_is_refused(client, partner, body):
    expected = (422, "validation_error") if body == b"[1, 2]" else (400, "malformed_json")
    assert error_of(post_json(client, partner, body)) == expected
    assert InboundMessage.objects.count() == 0


def test_a_body_starting_with_a_utf8_byte_order_mark_is_accepted_and_kept_as_sent(client, partner):
    # Windows PowerShell 5's `Out-File -Encoding utf8` and Notepad before 2019 start a UTF-8 file with EF BB BF.
    body = b"\xef\xbb\xbf" + fixture_bytes("nomination_tip.json")
    first, retry = post_json(client, partner, body), post_json(client, partner, body)
    inbound = InboundMessage.objects.get()
    assert (first.status_code, retry.status_code, first.json()["reference"], retry.json()["reference"]) == (
        201, 200, "CCLC2024-000001", "CCLC2024-000001",
    )
    assert (bytes(inbound.raw_body), inbound.status, Nomination.objects.get().deeds) == (
        body, "processed", json.loads(fixture_bytes("nomination_tip.json"))["content"],
    )


@pytest.mark.parametrize(("body", "detail"), [
    (b'{"content": "x",}', {"loc": ["body"], "code": "json_invalid",
                            "message": "The body is not valid JSON: the error is at line 1, column 17."}),
    (b'{\n  "content": "x"\n  "tag": "y"\n}', {"loc": ["body"], "code": "json_invalid",
                                             "message": "The body is not valid JSON: the error is at line 3, column 3."}),
    ('{"content": "推荐"}'.encode("gb18030"), {"loc": ["body"], "code": "not_utf8", "message":
                                             "The body is not UTF-8: the byte at offset 13 cannot be read. Send the JSON encoded in UTF-8."}),
    ('{"content": "推荐"}'.encode("utf-16"), {"loc": ["body"], "code": "not_utf8", "message":
                                            "The body is UTF-16 or UTF-32 (it starts with that byte order mark): send UTF-8."}),
])
def test_malformed_json_says_why(client, partner, body, detail):
    response = post_json(client, partner, body)
    assert (error_of(response), response.json()["error"]["details"]) == ((400, "malformed_json"), [detail])
    assert InboundMessage.objects.count() == 0


def test_malformed_json_says_why_in_chinese(client, partner):
    response = post_json(client, partner, b'{"content": "x",}', headers={"Accept-Language": "zh-hans"})
    assert (error_of(response), response.json()["error"]["message"], response.json()["error"]["details"]) == (
        (400, "malformed_json"), "请求体不是有效的 JSON（UTF-8）。",
        [{"loc": ["body"], "code": "json_invalid", "message": "请求体不是有效的 JSON：错误位于第 1 行第 17 列。"}],
    )


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=gbk"])
def test_a_wrong_content_type_is_refused_with_the_accepted_ones(client, partner, content_type):
    response = post_json(client, partner, fixture_bytes("reader_tip.json"), content_type=content_type)
    assert (error_of(response), response["Accept-Post"]) == ((415, "unsupported_media_type"), "application/json, multipart/form-data")
    assert InboundMessage.objects.count() == 0


def test_an_oversized_body_is_refused_before_it_is_read(client, partner, settings):
    settings.API_MAX_JSON_BYTES = 1000
    response = post_json(client, partner, {"content": "推" * 400})  # 1200 bytes of UTF-8, plus JSON
    assert error_of(response) == (413, "body_too_large")
    assert response.json()["error"]["message"] == "The request body is larger than 1000 bytes."
    assert InboundMessage.objects.count() == 0


def test_a_chunked_body_is_refused_with_length_required(client, partner):
    response = post_json(client, partner, fixture_bytes("reader_tip.json"), headers={"Transfer-Encoding": "chunked"})
    assert (error_of(response), response.json()["error"]["message"]) == (
        (411, "length_required"), "Send the body with a Content-Length header, not chunked.",
    )
    assert InboundMessage.objects.count() == 0


def test_messages_follow_accept_language_and_default_to_chinese(client, partner):
    english = post_json(client, partner, {"content": "x", "campaign": "another-2025"})
    default = post_json(client, partner, {"content": "x", "campaign": "another-2025"}, headers={"Accept-Language": ""})
    assert (english["Content-Language"], english.json()["error"]["message"]) == (
        "en", "This partner key may only send tips to campaign “chucai-liaocheng-2024”.",
    )
    assert (default["Content-Language"], default.json()["error"]["code"]) == ("zh-hans", "campaign_not_allowed")
