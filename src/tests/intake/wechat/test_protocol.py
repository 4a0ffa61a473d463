"""Signatures, echostr, the three modes and their crypto against Tencent's documented vectors; every refusal stores nothing."""
import io
import logging

import pytest
import xmltodict
from django.utils import translation
from wechatpy.crypto import PrpCrypto, WeChatCrypto

from tests.intake.wechat.conftest import AES_KEY, APPID, TOKEN
from tests.intake.wechat.payloads import (
    VECTORS,
    callback_url,
    documented,
    encrypted_request,
    fixture_bytes,
    reply_fields,
    signed_query,
)
from xuanshu.intake.channels.wechat import replies
from xuanshu.intake.channels.wechat.protocol import MAX_BODY_BYTES, Refused, read_body
from xuanshu.intake.channels.wechat.services import set_wechat_account
from xuanshu.intake.models import InboundMessage, ReaderTip
from xuanshu.nominations.models import Nomination
from xuanshu.public.links import status_link_token

pytestmark = pytest.mark.django_db(transaction=True)

NOMINATION_TEXT = "推荐出彩聊城人 茌平区的王大爷三十年义务清扫村道"


def nothing_stored() -> bool:
    return (InboundMessage.objects.count(), Nomination.objects.count(), ReaderTip.objects.count()) == (0, 0, 0)


def account_for(vector: dict, campaign, **options):
    return set_wechat_account(
        slug="vector", token=vector["token"], appid=vector.get("appid", APPID), encoding_aes_key=vector.get("encoding_aes_key"),
        campaign_slug=campaign.slug, **options,
    ).account


def decrypt_reply(account, body: bytes) -> dict:
    sealed = reply_fields(body.decode())
    crypto = WeChatCrypto(account.token, account.encoding_aes_key, account.appid)
    return reply_fields(crypto.decrypt_message(body.decode(), sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"]))


# --- URL verification (GET) ---------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["url_verification", "wechatpy_signature"])
def test_verification_echoes_echostr_for_documented_signatures(client, campaign, name):
    vector = VECTORS[name]
    account = account_for(vector, campaign, max_skew_seconds=0)  # the documented timestamps are years old
    query = {key: vector[key] for key in ("signature", "timestamp", "nonce")}
    query["echostr"] = vector.get("echostr", "4375120948345356249")
    response = client.get(callback_url(account.slug, query))
    assert (response.status_code, response.content.decode()) == (200, query["echostr"])


def test_verification_in_safe_mode_also_echoes_echostr_as_sent(client, aes_account):
    query = signed_query(TOKEN, echostr="6917430375542341290")
    response = client.get(callback_url(aes_account.slug, query))
    assert (response.status_code, response.content) == (200, b"6917430375542341290")


def test_verification_with_a_wrong_signature_is_refused_and_logged(client, campaign, caplog):
    vector = VECTORS["url_verification"]
    account = account_for(vector, campaign, max_skew_seconds=0)
    query = {"signature": "f464b24fc39322e44b38aa78f5edd27bd1441697", "timestamp": vector["timestamp"],
             "nonce": vector["nonce"], "echostr": vector["echostr"]}
    with caplog.at_level(logging.WARNING, logger="xuanshu.intake.wechat"):
        response = client.get(callback_url(account.slug, query))
    assert (response.status_code, response.content) == (403, b"")
    assert [r.getMessage() for r in caplog.records if r.name == "xuanshu.intake.wechat"] == ["wechat vector: refused GET from 127.0.0.1: bad signature (403)"]


def test_a_documented_but_stale_verification_is_refused_with_the_default_window(client, campaign):
    vector = VECTORS["url_verification"]
    account = account_for(vector, campaign)
    query = {key: vector[key] for key in ("signature", "timestamp", "nonce", "echostr")}
    assert client.get(callback_url(account.slug, query)).status_code == 403


# --- the three modes with documented messages ----------------------------------------------------------------------

def test_plaintext_mode_with_tencents_documented_signature(client, campaign):
    vector = VECTORS["plaintext_signature"]
    account = account_for(vector, campaign, max_skew_seconds=0)
    query = {key: vector[key] for key in ("signature", "timestamp", "nonce")}
    body = documented("text").encode()
    response = client.post(callback_url(account.slug, query), data=body, content_type="text/xml")
    assert reply_fields(response.content.decode())["ToUserName"] == "fromUser"
    assert bytes(InboundMessage.objects.get().raw_body) == body


def test_compatible_mode_with_tencents_official_sample(client, campaign):
    vector = VECTORS["official_compatible_python"]
    account = account_for(vector, campaign, max_skew_seconds=0)
    body = fixture_bytes(vector["body_file"])
    query = {"signature": _sign(vector), "timestamp": vector["timestamp"], "nonce": vector["nonce"],
             "encrypt_type": "aes", "msg_signature": vector["msg_signature"], "openid": "oyORnuP8q7ou2gfYjqLzSIWZf0rs"}
    response = client.post(callback_url(account.slug, query), data=body, content_type="text/xml")
    reply = decrypt_reply(account, response.content)
    with translation.override("zh-hans"):
        expected = replies.tip_reply(campaign)
    assert (reply["ToUserName"], reply["FromUserName"], reply["Content"]) == ("oyORnuP8q7ou2gfYjqLzSIWZf0rs", "gh_10f6c3c3ac5a", expected)
    inbound = InboundMessage.objects.get()
    assert (bytes(inbound.raw_body), inbound.external_id, inbound.payload["mode"]) == (body, "6054768590064713728", "compatible")
    assert reply_fields(inbound.payload["xml"])["Content"] == "abcdteT"  # read from the ciphertext, not the plaintext copy
    assert list(ReaderTip.objects.values_list("text", flat=True)) == ["abcdteT"]


def test_safe_mode_with_the_documented_pamtest_message(client, campaign):
    vector = VECTORS["safe_pamtest"]
    account = account_for(vector, campaign, max_skew_seconds=0)
    body = fixture_bytes(vector["body_file"])
    query = {"signature": _sign(vector), "timestamp": vector["timestamp"], "nonce": vector["nonce"],
             "encrypt_type": "aes", "msg_signature": vector["msg_signature"]}
    response = client.post(callback_url(account.slug, query), data=body, content_type="text/xml")
    reply = decrypt_reply(account, response.content)
    assert (reply["ToUserName"], reply["FromUserName"]) == ("asdasdasdsadasd", "asdasdasd")
    inbound = InboundMessage.objects.get()
    assert (bytes(inbound.raw_body), inbound.external_id, inbound.sender, inbound.payload["mode"]) == (
        body, "12345", "asdasdasdsadasd", "safe",
    )
    assert list(ReaderTip.objects.values_list("text", flat=True)) == ["hello"]


def test_safe_mode_nomination_gets_an_encrypted_reply_with_its_reference(client, aes_account, campaign):
    xml = documented("text", Content=NOMINATION_TEXT, FromUserName="oWECHATuser0000000000000001")
    query, body = encrypted_request(token=TOKEN, key=AES_KEY, appid=APPID, xml=xml)
    response = client.post(callback_url(aes_account.slug, query), data=body, content_type="text/xml")
    sealed = reply_fields(response.content.decode())
    assert (sealed["TimeStamp"], sealed["Nonce"]) == (query["timestamp"], query["nonce"])
    with translation.override("zh-hans"):
        link = f"http://testserver/c/{campaign.slug}/status/{status_link_token('CCLC2024-000001')}/"
        expected = replies.nomination_reply(campaign, "CCLC2024-000001", link, 30)
    assert decrypt_reply(aes_account, response.content)["Content"] == expected
    assert bytes(InboundMessage.objects.get().raw_body) == body.encode()
    assert Nomination.objects.get().deeds == NOMINATION_TEXT


def test_compatible_mode_without_a_key_reads_the_plaintext_and_answers_in_plaintext(client, account):
    # An operator switched the platform to compatible mode before entering the key here.
    query, body = encrypted_request(token=TOKEN, key=AES_KEY, appid=APPID, xml=documented("text", Content=NOMINATION_TEXT), compatible=True)
    response = client.post(callback_url(account.slug, query), data=body, content_type="text/xml")
    assert "CCLC2024-000001" in reply_fields(response.content.decode())["Content"]
    assert InboundMessage.objects.get().payload["mode"] == "compatible"


def test_after_a_key_change_the_previous_key_still_decrypts_and_encrypts_the_reply(client, aes_account):
    new_key = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
    set_wechat_account(slug=aes_account.slug, encoding_aes_key=new_key)
    query, body = encrypted_request(token=TOKEN, key=AES_KEY, appid=APPID, xml=documented("text", Content=NOMINATION_TEXT))
    response = client.post(callback_url(aes_account.slug, query), data=body, content_type="text/xml")
    sealed = reply_fields(response.content.decode())
    plaintext = WeChatCrypto(TOKEN, AES_KEY, APPID).decrypt_message(response.content.decode(), sealed["MsgSignature"], sealed["TimeStamp"], sealed["Nonce"])
    assert "CCLC2024-000001" in reply_fields(plaintext)["Content"]


def test_an_authentic_message_we_cannot_decrypt_is_kept_flagged_and_rerun_once_the_key_is_set(client, campaign):
    from xuanshu.intake.services import process_inbound

    account = set_wechat_account(slug="nokey", token=TOKEN, appid=APPID, campaign_slug=campaign.slug).account
    query, body = encrypted_request(token=TOKEN, key=AES_KEY, appid=APPID, xml=documented("text", Content=NOMINATION_TEXT))
    response = client.post(callback_url(account.slug, query), data=body, content_type="text/xml")
    assert (response.status_code, response.content) == (200, b"success")
    inbound = InboundMessage.objects.get()
    assert (inbound.status, inbound.error, inbound.sender, bytes(inbound.raw_body)) == (
        "failed", "cannot decrypt: no EncodingAESKey configured", "fromUser", body.encode(),
    )
    set_wechat_account(slug="nokey", encoding_aes_key=AES_KEY)
    assert process_inbound(inbound_id=inbound.pk).status == "processed"
    assert Nomination.objects.get().reference == "CCLC2024-000001"


def test_the_official_java_vectors_through_wechatpy():
    vector = VECTORS["official_aes_java"]
    crypto = WeChatCrypto(vector["token"], vector["encoding_aes_key"], vector["appid"])
    prp = PrpCrypto(crypto.key)
    assert prp.decrypt(vector["after_aes_encrypt"], vector["appid"]) == vector["reply_msg"]
    assert prp.decrypt(vector["after_aes_encrypt2"], vector["appid"]) == vector["reply_msg2"]
    prp.get_random_string = lambda: vector["random"]
    assert prp.encrypt(vector["reply_msg2"], vector["appid"]).decode() == vector["after_aes_encrypt2"]


def _sign(vector: dict) -> str:
    from tests.intake.wechat.payloads import signature

    return signature(vector["token"], vector["timestamp"], vector["nonce"])


# --- refusals: a clear 4xx and nothing stored ----------------------------------------------------------------------

def test_a_bad_signature_is_refused_logged_and_nothing_stored(client, account, caplog):
    query = signed_query(TOKEN)
    query["signature"] = "0" * 40
    with caplog.at_level(logging.WARNING, logger="xuanshu.intake.wechat"):
        response = client.post(callback_url(account.slug, query), data=documented("text", Content=NOMINATION_TEXT), content_type="text/xml")
    assert response.status_code == 403
    assert [r.getMessage() for r in caplog.records if r.name == "xuanshu.intake.wechat"] == ["wechat qlwblcrm: refused POST from 127.0.0.1: bad signature (403)"]
    assert nothing_stored()


def test_a_signature_made_with_another_token_is_refused(client, account):
    query = signed_query("someoneElsesToken")
    response = client.post(callback_url(account.slug, query), data=documented("text"), content_type="text/xml")
    assert (response.status_code, nothing_stored()) == (403, True)


def test_a_bad_msg_signature_is_refused(client, aes_account):
    query, body = encrypted_request(token=TOKEN, key=AES_KEY, appid=APPID, xml=documented("text", Content=NOMINATION_TEXT))
    query["msg_signature"] = "1" * 40
    response = client.post(callback_url(aes_account.slug, query), data=body, content_type="text/xml")
    assert (response.status_code, nothing_stored()) == (403, True)


def test_a_missing_msg_signature_is_refused(client, aes_account):
    query, body = encrypted_request(token=TOKEN, key=AES_KEY, appid=APPID, xml=documented("text"))
    del query["msg_signature"]
    response = client.post(callback_url(aes_account.slug, query), data=body, content_type="text/xml")
    assert (response.status_code, nothing_stored()) == (403, True)


def test_an_encrypted_account_refuses_a_body_that_msg_signature_does_not_cover(client, aes_account):
    """`signature` signs only the timestamp and nonce: a query seen once (in a log, say) must not carry a body of one's own.

    With an EncodingAESKey set, only msg_signature vouches for the message: a plaintext post (no encrypt_type), or an
    encrypt_type=aes post whose fields are sent in the clear without the Encrypt element, is refused.
    """
    forged = documented("text", Content="推荐出彩聊城人 冒名的推荐", FromUserName="oSomeoneElse", MsgId="4001")
    plain = client.post(callback_url(aes_account.slug, signed_query(TOKEN)), data=forged.encode(), content_type="text/xml")
    query, _body = encrypted_request(token=TOKEN, key=AES_KEY, appid=APPID, xml=documented("text", Content="你好", MsgId="4002"))
    unsealed = client.post(callback_url(aes_account.slug, query), data=forged.encode(), content_type="text/xml")
    assert (plain.status_code, unsealed.status_code, nothing_stored()) == (403, 400, True)


@pytest.fixture
def frozen_now(monkeypatch):
    """The server's clock, pinned: a timestamp one second outside the window stays outside it."""
    import time

    now = float(int(time.time()))
    monkeypatch.setattr(time, "time", lambda: now)
    return int(now)


@pytest.mark.parametrize("offset", [-301, 301, -86_400])
def test_a_stale_timestamp_is_refused(client, account, offset, frozen_now):
    query = signed_query(TOKEN, timestamp=str(frozen_now + offset))
    response = client.post(callback_url(account.slug, query), data=documented("text", Content=NOMINATION_TEXT), content_type="text/xml")
    assert (response.status_code, nothing_stored()) == (403, True)


def test_a_timestamp_inside_the_window_is_accepted(client, account, frozen_now):
    query = signed_query(TOKEN, timestamp=str(frozen_now - 300))
    response = client.post(callback_url(account.slug, query), data=documented("text"), content_type="text/xml")
    assert (response.status_code, InboundMessage.objects.count()) == (200, 1)


@pytest.mark.parametrize("body", [
    b"<xml><ToUserName>toUser</ToUserName>",  # cut off
    b"not xml at all",
    b"",
    b"<xml><ToUserName>a</ToUserName><FromUserName>b</FromUserName></xml>",  # no MsgType
    b"<xml><MsgType>text</MsgType><Content>hi</Content></xml>",  # no sender
    b"<root><MsgType>text</MsgType></root>",  # not a WeChat document
    b"<xml>just text</xml>",
    "<xml><FromUserName>a</FromUserName><MsgType>text</MsgType><Content>推荐</Content></xml>".encode("gb18030"),  # not UTF-8
    b"<xml><FromUserName>a</FromUserName><MsgType>text\x00</MsgType></xml>",
    documented("event_click", FromUserName="o" * 300).encode(),  # would not fit the id column
    documented("text", MsgId="9" * 300).encode(),
])
def test_malformed_xml_is_refused_with_400(client, account, body):
    response = client.post(callback_url(account.slug, signed_query(TOKEN)), data=body, content_type="text/xml")
    assert (response.status_code, nothing_stored()) == (400, True)


BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
 <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
 <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
 <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
 <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
 <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<xml><ToUserName>toUser</ToUserName><FromUserName>fromUser</FromUserName><CreateTime>1348831860</CreateTime>
<MsgType>text</MsgType><Content>&lol9;</Content><MsgId>1234567890123456</MsgId></xml>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE xml [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<xml><ToUserName>toUser</ToUserName><FromUserName>fromUser</FromUserName><CreateTime>1348831860</CreateTime>
<MsgType>text</MsgType><Content>&xxe;</Content><MsgId>1234567890123456</MsgId></xml>"""

EXTERNAL_DTD = """<?xml version="1.0"?>
<!DOCTYPE xml SYSTEM "http://127.0.0.1:9/evil.dtd">
<xml><FromUserName>fromUser</FromUserName><MsgType>text</MsgType><Content>hi</Content><MsgId>1</MsgId></xml>"""

LOWER_CASE_DOCTYPE = "<!doctype xml [<!entity a 'b'>]><xml><FromUserName>f</FromUserName><MsgType>text</MsgType></xml>"


@pytest.mark.parametrize("body", [BILLION_LAUGHS, XXE, EXTERNAL_DTD, LOWER_CASE_DOCTYPE], ids=["billion-laughs", "xxe", "external-dtd", "lower-case"])
def test_entity_tricks_are_refused_without_expansion(client, account, body):
    response = client.post(callback_url(account.slug, signed_query(TOKEN)), data=body.encode(), content_type="text/xml")
    assert (response.status_code, nothing_stored()) == (400, True)


def test_entity_tricks_inside_an_encrypted_message_are_refused(client, aes_account):
    query, body = encrypted_request(token=TOKEN, key=AES_KEY, appid=APPID, xml=XXE, openid="fromUser")
    response = client.post(callback_url(aes_account.slug, query), data=body, content_type="text/xml")
    assert (response.status_code, nothing_stored()) == (400, True)


def test_wechatpys_parser_refuses_entity_declarations_on_its_own():
    # The second line of defence behind our DOCTYPE check: xmltodict (what wechatpy parses with) forbids entities.
    with pytest.raises(ValueError, match="entities are disabled"):
        xmltodict.parse(BILLION_LAUGHS)


def test_a_body_declared_over_1_mb_is_refused_with_413(client, account):
    body = documented("text", Content="推" * (MAX_BODY_BYTES // 3 + 10)).encode()
    assert len(body) > MAX_BODY_BYTES
    response = client.post(callback_url(account.slug, signed_query(TOKEN)), data=body, content_type="text/xml")
    assert (response.status_code, nothing_stored()) == (413, True)


def test_a_body_longer_than_its_content_length_claims_is_refused_when_read():
    class Request:
        META = {"CONTENT_LENGTH": "100"}

        def __init__(self):
            self.stream = io.BytesIO(b"<" * (MAX_BODY_BYTES + 5))

        def read(self, size):
            return self.stream.read(size)

    with pytest.raises(Refused) as refusal:
        read_body(Request())
    assert (refusal.value.status, refusal.value.reason) == (413, "body over 1 MB")


def test_a_body_of_exactly_1_mb_is_read():
    class Request:
        META = {"CONTENT_LENGTH": str(MAX_BODY_BYTES)}
        read = io.BytesIO(b"x" * MAX_BODY_BYTES).read

    assert len(read_body(Request())) == MAX_BODY_BYTES


def test_an_unknown_account_is_404_and_stores_nothing(client, account):
    response = client.post(callback_url("no-such-account", signed_query(TOKEN)), data=documented("text"), content_type="text/xml")
    assert (response.status_code, nothing_stored()) == (404, True)


def test_other_methods_are_not_allowed(client, account):
    assert client.put(callback_url(account.slug, signed_query(TOKEN)), data=documented("text")).status_code == 405


def test_a_message_under_a_key_we_do_not_have_is_kept_flagged(client, aes_account):
    other_key = "ZYXWVUTSRQPONMLKJIHGFEDCBA9876543210zyxwvut"
    query, body = encrypted_request(token=TOKEN, key=other_key, appid=APPID, xml=documented("text", Content=NOMINATION_TEXT))
    response = client.post(callback_url(aes_account.slug, query), data=body, content_type="text/xml")
    assert (response.status_code, response.content) == (200, b"success")
    inbound = InboundMessage.objects.get()
    assert (inbound.status, inbound.error, inbound.reference) == ("failed", "cannot decrypt: no configured EncodingAESKey decrypts the message", None)
