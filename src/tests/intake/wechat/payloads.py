"""Documented WeChat payloads (src/xuanshu/intake/channels/wechat/fixtures) and the signing WeChat's servers do."""
import json
import re
import time
from pathlib import Path
from urllib.parse import urlencode

import xmltodict
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

import xuanshu.intake.channels.wechat as wechat_channel

FIXTURES = Path(wechat_channel.__file__).parent / "fixtures"
VECTORS = json.loads((FIXTURES / "crypto_vectors.json").read_text(encoding="utf-8"))


def fixture_bytes(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


def documented(kind: str, **values: str) -> str:
    """A documented sample (`text` → fixtures/text.xml) with some element values replaced, CDATA kept as published."""
    xml = (FIXTURES / f"{kind}.xml").read_text(encoding="utf-8")
    for tag, value in values.items():
        pattern = re.compile(rf"<{tag}>(<!\[CDATA\[)?.*?(\]\]>)?</{tag}>", re.DOTALL)
        assert pattern.search(xml), f"{kind}.xml has no <{tag}>"
        xml = pattern.sub(lambda match, tag=tag, value=value: f"<{tag}>{match.group(1) or ''}{value}{match.group(2) or ''}</{tag}>", xml, count=1)
    return xml


def signature(token: str, *parts: str) -> str:
    signer = WeChatSigner()
    signer.add_data(token, *parts)
    return signer.signature


def signed_query(token: str, *, timestamp: str | None = None, nonce: str = "1514711492", **extra) -> dict:
    """The query WeChat puts on a callback: signature over (token, timestamp, nonce)."""
    timestamp = timestamp or str(int(time.time()))
    return {"signature": signature(token, timestamp, nonce), "timestamp": timestamp, "nonce": nonce, **extra}


def encrypted_request(*, token: str, key: str, appid: str, xml: str, compatible: bool = False, nonce: str = "461056294",
                      timestamp: str | None = None, to_user: str = "toUser", openid: str | None = None) -> tuple[dict, str]:
    """What WeChat sends in safe mode (ToUserName + Encrypt) or compatible mode (plaintext + Encrypt), and its query."""
    timestamp = timestamp or str(int(time.time()))
    sealed = xmltodict.parse(WeChatCrypto(token, key, appid).encrypt_message(xml, nonce, timestamp))["xml"]
    if compatible:
        body = xml.replace("</xml>", f"<Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>")
    else:
        body = f"<xml><ToUserName><![CDATA[{to_user}]]></ToUserName><Encrypt><![CDATA[{sealed['Encrypt']}]]></Encrypt></xml>"
    openid = openid or xmltodict.parse(xml)["xml"]["FromUserName"]
    query = signed_query(token, timestamp=timestamp, nonce=nonce, openid=openid, encrypt_type="aes",
                         msg_signature=sealed["MsgSignature"])
    return query, body


def callback_url(slug: str, query: dict) -> str:
    return f"/intake/wechat/{slug}/?{urlencode(query)}"


def reply_fields(xml: str) -> dict:
    return dict(xmltodict.parse(xml)["xml"])
