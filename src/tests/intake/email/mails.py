"""Test e-mails, byte for byte, one per encoding case the channel must read.

Source: no real citizen mail can be published, so each message is written out here by hand, following the
RFC that defines its encoding (RFC 5322 messages, RFC 2045/2046 MIME bodies and multiparts, RFC 2047 encoded
words, RFC 2231 parameter values) and reproducing the defects Chinese mailers are known for, each named at
its case: GBK text labelled gb2312 (Outlook/Foxmail on Chinese Windows), raw 8-bit headers (webmail and
scripts that skip RFC 2047), RFC 2047 words inside quoted file names (Outlook, NetEase webmail), and
transfer encodings that are missing, misspelled or wrong. Each case carries the text we expect to read.
"""
import base64
import quopri
import textwrap
from dataclasses import dataclass, field

from tests.helpers import jpeg_bytes, png_bytes


def b64(data: bytes) -> bytes:
    """Base64 in 76-character lines, as RFC 2045 §6.8 has it."""
    return "\r\n".join(textwrap.wrap(base64.b64encode(data).decode(), 76)).encode()


def qp(data: bytes) -> bytes:
    """Quoted-printable with CRLF line ends (RFC 2045 §6.7)."""
    return quopri.encodestring(data.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")


def word(text: str, charset: str, encoding: str = "B", *, label: str | None = None) -> bytes:
    """An RFC 2047 encoded word; `label` is the charset it claims, when that differs from the real one."""
    data = text.encode(charset)
    body = base64.b64encode(data) if encoding == "B" else quopri.encodestring(data, header=True).replace(b"=\n", b"")
    return b"=?" + (label or charset).encode() + b"?" + encoding.encode() + b"?" + body + b"?="


def message(headers: list[tuple[str, bytes | str]], body: bytes) -> bytes:
    lines = [name.encode() + b": " + (value.encode() if isinstance(value, str) else value) for name, value in headers]
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


def envelope(message_id: str, **extra) -> list[tuple[str, bytes | str]]:
    headers = [("To", "qlwblc@163.com"), ("Date", "Mon, 04 Mar 2024 09:15:00 +0800"), ("MIME-Version", "1.0")]
    if message_id:
        headers.append(("Message-ID", f"<{message_id}@mail.example.cn>"))
    return headers + [(name.replace("_", "-"), value) for name, value in extra.items()]


@dataclass(frozen=True)
class Case:
    name: str
    raw: bytes
    subject: str
    sender_name: str
    sender_email: str
    text: str
    files: tuple[str, ...] = field(default=())


DEEDS = "王秀兰在东昌府区古楼街道照顾孤寡老人二十年，风雨无阻。"

# Foxmail/Outlook on Chinese Windows: gb2312 encoded words, base64 body.
GB2312_BASE64 = Case(
    "gb2312 words, base64 body",
    message([("From", word("张桂芳", "gb2312") + b" <zhanggf@163.com>"), ("Subject", word("推荐出彩聊城人：王秀兰", "gb2312")),
             *envelope("gb2312-base64"), ("Content-Type", 'text/plain; charset="gb2312"'), ("Content-Transfer-Encoding", "base64")],
            b64((DEEDS + "\r\n联系电话：13812345678\r\n").encode("gb2312"))),
    subject="推荐出彩聊城人：王秀兰", sender_name="张桂芳", sender_email="zhanggf@163.com",
    text=DEEDS + "\n联系电话：13812345678",
)

# Labelled gb2312 but written in GBK: 镕, 喆 and 堃 exist only in GBK. Read as gb2312 they become U+FFFD.
GBK_LABELLED_GB2312 = Case(
    "GBK text labelled gb2312",
    message([("From", "liuzhe@126.com"), ("Subject", word("推荐出彩聊城人 刘喆", "gbk", "Q", label="gb2312")),
             *envelope("gbk-as-gb2312"), ("Content-Type", "text/plain; charset=gb2312"), ("Content-Transfer-Encoding", "8bit")],
            "刘喆、朱镕、王堃三位志愿者常年在聊城义务献血。\r\n".encode("gbk")),
    subject="推荐出彩聊城人 刘喆", sender_name="", sender_email="liuzhe@126.com",
    text="刘喆、朱镕、王堃三位志愿者常年在聊城义务献血。",
)

# GB18030 four-byte sequences: 㐀 (U+3400) and 𠮷 (U+20BB7) are in neither GB2312 nor GBK.
GB18030_FOUR_BYTE = Case(
    "gb18030 four-byte characters",
    message([("From", word("𠮷野", "gb18030") + b" <jiye@yeah.net>"), ("Subject", word("推荐出彩聊城人", "gb18030")),
             *envelope("gb18030"), ("Content-Type", "text/plain; charset=GB18030"), ("Content-Transfer-Encoding", "base64")],
            b64("𠮷野老师在㐀村小学支教十年。".encode("gb18030"))),
    subject="推荐出彩聊城人", sender_name="𠮷野", sender_email="jiye@yeah.net",
    text="𠮷野老师在㐀村小学支教十年。",
)

# Big5 from Taiwan or Hong Kong: traditional script, quoted-printable body.
BIG5_QP = Case(
    "big5 words, quoted-printable body",
    message([("From", word("陳美玲", "big5") + b" <chenml@hinet.net>"), ("Subject", word("推薦出彩聊城人", "big5")),
             *envelope("big5-qp"), ("Content-Type", "text/plain; charset=big5"), ("Content-Transfer-Encoding", "quoted-printable")],
            qp("陳美玲女士回鄉捐建圖書室三座。\r\n".encode("big5"))),
    subject="推薦出彩聊城人", sender_name="陳美玲", sender_email="chenml@hinet.net",
    text="陳美玲女士回鄉捐建圖書室三座。",
)

# Raw 8-bit UTF-8 headers (no RFC 2047), and no Content-Transfer-Encoding header at all.
RAW_UTF8_HEADERS = Case(
    "raw 8-bit UTF-8 headers, no transfer encoding",
    message([("From", "李建国 <lijg@qq.com>".encode()), ("Subject", "推荐出彩聊城人 李建国".encode()),
             *envelope("raw-utf8"), ("Content-Type", "text/plain; charset=utf-8")],
            "李建国师傅义务修车十五年。\r\n".encode()),
    subject="推荐出彩聊城人 李建国", sender_name="李建国", sender_email="lijg@qq.com",
    text="李建国师傅义务修车十五年。",
)

# Raw 8-bit GBK headers, and an empty Content-Transfer-Encoding value.
RAW_GBK_HEADERS = Case(
    "raw 8-bit GBK headers, empty transfer encoding",
    message([("From", '"赵磊" <zhaolei@sina.com>'.encode("gbk")), ("Subject", "推荐出彩聊城人 赵磊".encode("gbk")),
             *envelope("raw-gbk"), ("Content-Type", "text/plain; charset=gbk"), ("Content-Transfer-Encoding", "")],
            "赵磊跳河救起落水儿童。\r\n".encode("gbk")),
    subject="推荐出彩聊城人 赵磊", sender_name="赵磊", sender_email="zhaolei@sina.com",
    text="赵磊跳河救起落水儿童。",
)

# Raw 8-bit Big5 header: valid GB18030 too (as nearly all Big5 is), but then it reads as rare characters.
RAW_BIG5_HEADERS = Case(
    "raw 8-bit Big5 headers",
    message([("From", "chenjh@hinet.net"), ("Subject", "推薦出彩聊城人 鄰里守望".encode("big5")),
             *envelope("raw-big5"), ("Content-Type", "text/plain; charset=big5"), ("Content-Transfer-Encoding", "8bit")],
            "鄰里守望隊三十年如一日。\r\n".encode("big5")),
    subject="推薦出彩聊城人 鄰里守望", sender_name="", sender_email="chenjh@hinet.net",
    text="鄰里守望隊三十年如一日。",
)

# Declared base64 but sent as raw 8-bit text (a broken mail merge): taking it as base64 would give garbage.
DECLARED_BASE64_BUT_RAW = Case(
    "declared base64, sent raw",
    message([("From", "sunli@163.com"), ("Subject", "=?gbk?B?" + base64.b64encode("推荐出彩聊城人".encode("gbk")).decode() + "?="),
             *envelope("wrong-cte"), ("Content-Type", "text/plain; charset=gbk"), ("Content-Transfer-Encoding", "base64")],
            "孙丽开办爱心食堂，为环卫工人免费提供早餐。\r\n".encode("gbk")),
    subject="推荐出彩聊城人", sender_name="", sender_email="sunli@163.com",
    text="孙丽开办爱心食堂，为环卫工人免费提供早餐。",
)

# Misspelled transfer encoding ("base-64", seen from bulk senders) on a base64 body.
MISSPELLED_BASE64 = Case(
    "misspelled base64",
    message([("From", "qianwei@139.com"), ("Subject", word("推荐出彩聊城人 钱伟", "utf-8")),
             *envelope("base-64"), ("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "base-64")],
            b64("钱伟医生扎根乡村卫生室三十年。".encode())),
    subject="推荐出彩聊城人 钱伟", sender_name="", sender_email="qianwei@139.com",
    text="钱伟医生扎根乡村卫生室三十年。",
)

# HTML only (NetEase webmail "rich text" sent without a plain part): gbk, quoted-printable, style and entities.
HTML_ONLY = Case(
    "HTML-only body",
    message([("From", word("周敏", "gbk") + b" <zhoumin@163.com>"), ("Subject", word("推荐", "gbk")),
             *envelope("html-only"), ("Content-Type", 'text/html; charset="gbk"'), ("Content-Transfer-Encoding", "quoted-printable")],
            qp(
                "<html><head><title>邮件</title><style>p{color:red}</style></head><body>"
                "<div>推荐出彩聊城人：周敏&nbsp;老师</div><p>她资助了&lt;三十名&gt;学生<br>坚持&amp;十年</p>"
                "<script>alert(1)</script></body></html>".encode("gbk"))),
    subject="推荐", sender_name="周敏", sender_email="zhoumin@163.com",
    text="推荐出彩聊城人：周敏 老师\n\n她资助了<三十名>学生\n坚持&十年",
)

PHOTO = jpeg_bytes(size=(80, 60), exif_gps=True)
DOCX = b"PK\x03\x04" + b"word/document.xml placeholder" + b"\x00" * 64
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def _nested() -> bytes:
    """multipart/mixed( alternative( empty plain, related( html, inline photo ) ), docx, pdf, photo, zip )."""
    related = b"\r\n".join([
        b"--rel", b'Content-Type: text/html; charset="utf-8"', b"Content-Transfer-Encoding: base64", b"",
        b64('<p>推荐出彩聊城人：吴强</p><p>见附件与照片<img src="cid:photo1"></p>'.encode()),
        b"--rel", b"Content-Type: image/jpeg; name=\"" + word("现场照片.jpg", "gbk") + b'"', b"Content-ID: <photo1>",
        b"Content-Disposition: inline", b"Content-Transfer-Encoding: base64", b"", b64(PHOTO), b"--rel--", b"",
    ])
    alternative = b"\r\n".join([
        b"--alt", b"Content-Type: text/plain; charset=utf-8", b"", b"", b"--alt",
        b'Content-Type: multipart/related; boundary="rel"', b"", related, b"--alt--", b"",
    ])
    body = b"\r\n".join([
        b"This is a multi-part message in MIME format.", b"--mix", b'Content-Type: multipart/alternative; boundary="alt"', b"", alternative,
        # RFC 2231 with a charset: how Thunderbird and Apple Mail name Chinese files.
        b"--mix", b"Content-Type: application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        b"Content-Disposition: attachment; filename*=gb2312''%CA%C2%BC%A3%B2%C4%C1%CF.docx", b"Content-Transfer-Encoding: base64", b"",
        b64(DOCX),
        # Raw 8-bit UTF-8 file name in quotes (mobile mail apps).
        b"--mix", b"Content-Type: application/octet-stream", b'Content-Disposition: attachment; filename="' + "推荐表.pdf".encode() + b'"',
        b"Content-Transfer-Encoding: base64", b"", b64(PDF),
        # RFC 2047 word inside the quoted name (Outlook, NetEase webmail), split over two continuation lines.
        b"--mix", b"Content-Type: image/png", b'Content-Disposition: attachment;\r\n filename="' + word("合影", "gbk") + b"\r\n "
        + word("照片.png", "gbk") + b'"', b"Content-Transfer-Encoding: base64", b"", b64(png_bytes()),
        b"--mix", b"Content-Type: application/zip", b'Content-Disposition: attachment; filename="archive.zip"',
        b"Content-Transfer-Encoding: base64", b"", b64(b"PK\x05\x06" + b"\x00" * 18), b"--mix--", b"",
    ])
    return message([("From", word("吴强", "utf-8") + b" <wuq@163.com>"), ("Subject", word("推荐材料", "utf-8")), *envelope("nested"),
                    ("Content-Type", 'multipart/mixed; boundary="mix"')], body)


NESTED = Case(
    "nested multiparts with Chinese file names",
    _nested(),
    subject="推荐材料", sender_name="吴强", sender_email="wuq@163.com",
    text="推荐出彩聊城人：吴强\n\n见附件与照片",
    files=("现场照片.jpg", "事迹材料.docx", "推荐表.pdf", "合影照片.png", "archive.zip"),
)

# A reader's letter without the keyword and without a Message-ID: kept as a tip, de-duplicated by hash.
TIP_WITHOUT_ID = Case(
    "no keyword, no Message-ID",
    message([("From", "reader@qq.com"), ("Subject", word("小区路灯坏了", "gbk")), *envelope(""),
             ("Content-Type", "text/plain; charset=gbk"), ("Content-Transfer-Encoding", "8bit")],
            "建设路的路灯坏了一个月，请记者关注。\r\n".encode("gbk")),
    subject="小区路灯坏了", sender_name="", sender_email="reader@qq.com",
    text="建设路的路灯坏了一个月，请记者关注。",
)

ALL_CASES = [GB2312_BASE64, GBK_LABELLED_GB2312, GB18030_FOUR_BYTE, BIG5_QP, RAW_UTF8_HEADERS, RAW_GBK_HEADERS, RAW_BIG5_HEADERS,
             DECLARED_BASE64_BUT_RAW, MISSPELLED_BASE64, HTML_ONLY, NESTED, TIP_WITHOUT_ID]


def simple(message_id: str, *, sender: str = "citizen@163.com", subject: str = "推荐出彩聊城人", body: str = DEEDS,
           extra: list[tuple[str, str]] = ()) -> bytes:
    """A plain UTF-8 nomination, for tests about transport rather than decoding."""
    return message([("From", sender), ("Subject", word(subject, "utf-8")), *envelope(message_id), *extra,
                    ("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "base64")], b64(body.encode()))
