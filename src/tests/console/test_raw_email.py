"""The raw panel of an e-mail: its text parts decoded in their own charsets (the MIME source behind a <details>),
everything the citizen wrote escaped and contacts masked; files that could not be kept named with the reason."""
import re

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from tests.helpers import heic_bytes
from tests.intake.email import mails
from tests.intake.email.mails import b64, envelope, message, qp, word
from xuanshu.console.redaction import refused_file_notice
from xuanshu.core.redaction import redact_personal_data
from xuanshu.intake.channels.email.decode import MailTextPart
from xuanshu.intake.channels.email.services import receive_email
from xuanshu.intake.models import InboundMessage, RefusedFile
from xuanshu.intake.services import receive_inbound
from xuanshu.nominations.models import Nomination


@pytest.fixture
def receive(campaign, django_capture_on_commit_callbacks):
    """Store an e-mail as fetch-mail does, and process it."""

    def store(raw: bytes) -> InboundMessage:
        with django_capture_on_commit_callbacks(execute=True):
            receipt = receive_email(raw=raw, campaign=campaign, received_at=timezone.now())
        return InboundMessage.objects.get(pk=receipt.inbound.pk)

    return store


def inbound_page(client, inbound, **headers):
    response = client.get(reverse("console:inbound", args=[inbound.pk]), headers=headers)
    assert response.status_code == 200
    return response


def outside_details(html: str) -> str:
    """The page without the collapsed raw source."""
    return re.sub(r'<details class="raw-source">.*?</details>', "", html, flags=re.S)


def test_a_base64_gb2312_body_is_shown_decoded_and_masked_with_the_source_collapsed(viewer_client, receive):
    inbound = receive(mails.GB2312_BASE64.raw)
    response = inbound_page(viewer_client, inbound)
    mail = response.context["raw"]["mail"]
    assert [(str(label), value) for label, value in mail.headers] == [
        ("From", "张桂芳 <z***@163.com>"), ("To", "q***@163.com"), ("Date", "Mon, 04 Mar 2024 09:15:00 +0800"),
        ("Subject", "推荐出彩聊城人：王秀兰"),
    ]
    assert mail.parts == (MailTextPart(
        content_type="text/plain", charset="gb2312", transfer_encoding="base64", name="",
        text=mails.DEEDS + "\n联系电话：138****5678", clean=True,
    ),)
    html = response.content.decode()
    first_base64_line = mails.GB2312_BASE64.raw.split(b"\r\n\r\n", 1)[1].split(b"\r\n")[0].decode()
    assert mails.DEEDS in outside_details(html)
    assert first_base64_line not in outside_details(html)
    assert re.search(r'<details class="raw-source"><summary>Raw source \(MIME\), exactly as received</summary><pre class="raw">'
                     r"[^<]*" + re.escape(first_base64_line), html)
    assert "13812345678" not in html
    assert bytes(InboundMessage.objects.get(pk=inbound.pk).raw_body) == mails.GB2312_BASE64.raw  # only the page changed


@pytest.mark.parametrize(("case", "charset", "encoding"), [
    (mails.GBK_LABELLED_GB2312, "gb2312", "identity"),  # GBK-only characters in a part labelled gb2312: read as GB18030
    (mails.GB18030_FOUR_BYTE, "GB18030", "base64"),
    (mails.BIG5_QP, "big5", "quoted-printable"),
    (mails.RAW_GBK_HEADERS, "gbk", "identity"),
    (mails.MISSPELLED_BASE64, "utf-8", "base64"),
])
def test_each_charset_and_transfer_encoding_is_read(viewer_client, receive, case, charset, encoding):
    mail = inbound_page(viewer_client, receive(case.raw)).context["raw"]["mail"]
    assert mail.parts == (MailTextPart(content_type="text/plain", charset=charset, transfer_encoding=encoding, name="",
                                       text=case.text, clean=True),)
    assert dict((str(label), value) for label, value in mail.headers)["Subject"] == case.subject


def test_html_is_shown_as_escaped_source_never_rendered(viewer_client, receive):
    response = inbound_page(viewer_client, receive(mails.HTML_ONLY.raw))
    [part] = response.context["raw"]["mail"].parts
    assert (part.content_type, part.charset, part.transfer_encoding, part.is_html) == ("text/html", "gbk", "quoted-printable", True)
    shown = outside_details(response.content.decode())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in shown
    assert "<script>alert(1)" not in response.content.decode()
    assert "她资助了&amp;lt;三十名&amp;gt;学生&lt;br&gt;坚持&amp;amp;十年" in shown  # the entities as the sender wrote them
    assert "HTML is shown as its source text, not rendered." in shown


def test_every_alternative_is_shown_in_order(viewer_client, receive):
    related = qp("<div>推荐出彩聊城人：李娜</div>".encode("gbk"))
    body = b"\r\n".join([
        b"--alt", b"Content-Type: text/plain; charset=gb2312", b"Content-Transfer-Encoding: base64", b"",
        b64("推荐出彩聊城人：李娜".encode("gb2312")),
        b"--alt", b'Content-Type: text/html; charset="GBK"', b"Content-Transfer-Encoding: quoted-printable", b"", related,
        b"--alt--", b"",
    ])
    raw = message([("From", "lina@qq.com"), ("Subject", word("推荐", "gbk")), *envelope("alternatives"),
                   ("Content-Type", 'multipart/alternative; boundary="alt"')], body)
    mail = inbound_page(viewer_client, receive(raw)).context["raw"]["mail"]
    assert mail.parts == (
        MailTextPart(content_type="text/plain", charset="gb2312", transfer_encoding="base64", name="", text="推荐出彩聊城人：李娜", clean=True),
        MailTextPart(content_type="text/html", charset="GBK", transfer_encoding="quoted-printable", name="",
                     text="<div>推荐出彩聊城人：李娜</div>", clean=True),
    )


def test_what_the_citizen_wrote_is_escaped_in_headers_and_text(viewer_client, receive):
    raw = message([("From", '"<b>x</b>" <evil@163.com>'), ("Subject", word('<img src=x onerror="alert(1)">', "utf-8")),
                   *envelope("hostile"), ("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "base64")],
                  b64('</pre><script>alert(2)</script> 推荐出彩聊城人'.encode()))
    html = inbound_page(viewer_client, receive(raw)).content.decode()
    assert ("<img src=x" in html, "<script>alert(2)" in html, "<b>x</b>" in html) == (False, False, False)
    shown = outside_details(html)
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in shown
    assert "&lt;/pre&gt;&lt;script&gt;alert(2)&lt;/script&gt; 推荐出彩聊城人" in shown


def test_revealing_shows_the_decoded_contacts(editor_client, receive):
    inbound = receive(mails.GB2312_BASE64.raw)
    response = editor_client.post(reverse("console:inbound_contact", args=[inbound.pk]))
    assert response.context["raw"]["mail"].parts[0].text == mails.DEEDS + "\n联系电话：13812345678"
    assert "联系电话：13812345678" in outside_details(response.content.decode())


def test_bytes_that_are_not_an_email_show_their_source_only(viewer_client, campaign):
    inbound = receive_inbound(channel="email", external_id="sha256:garbage", campaign=campaign, raw_body=b"\r\n\r\n just bytes",
                              enqueue_processing=False).inbound
    response = inbound_page(viewer_client, inbound)
    assert (response.context["raw"]["mail"].unreadable, response.context["raw"]["mail"].parts) == (True, ())
    html = response.content.decode()
    assert "This message could not be read as an e-mail; only its raw source is shown." in html
    assert "just bytes</pre></details>" in html


def test_other_channels_keep_their_plain_raw_panel(viewer_client, nominate):
    nomination = nominate()
    response = viewer_client.get(reverse("console:nomination", args=[nomination.reference]))
    assert (response.context["raw"]["mail"], response.context["raw"]["refused"]) == (None, [])
    assert "The e-mail, decoded" not in response.content.decode()


PHONE_NAME = "电话13812345678.HEIC"


def test_an_unusable_attachment_is_named_in_chinese_on_the_nomination_and_the_message(editor_client, receive):
    body = b"\r\n".join([
        b"--b1", b"Content-Type: text/plain; charset=utf-8", b"", "推荐出彩聊城人 王秀兰照顾孤寡老人二十年".encode(),
        b"--b1", b"Content-Type: image/heic", f'Content-Disposition: attachment; filename="{PHONE_NAME}"'.encode(),
        b"Content-Transfer-Encoding: base64", b"", b64(heic_bytes()[:300]),
        b"--b1", b"Content-Type: image/heic", b'Content-Disposition: attachment; filename="IMG_0002.HEIC"',
        b"Content-Transfer-Encoding: base64", b"", b64(heic_bytes()),
        b"--b1--", b"",
    ])
    raw = message([("From", "citizen@icloud.com"), ("Subject", "iPhone"), *envelope("refused-notice"),
                   ("Content-Type", 'multipart/mixed; boundary="b1"')], body)
    inbound = receive(raw)
    nomination = Nomination.objects.get(inbound=inbound)
    masked = ("文件“电话138****5678.HEIC”无法使用：不是可以打开的图片，文件可能已损坏。该文件仍保留在原始邮件中。")
    for url in (reverse("console:nomination", args=[nomination.reference]), reverse("console:inbound", args=[inbound.pk])):
        response = editor_client.get(url, headers={"Accept-Language": "zh-hans"})
        assert response.context["raw"]["refused"] == [masked]
        assert f'<li class="notice">{masked}</li>' in response.content.decode()
        assert "IMG_0002.HEIC" in response.content.decode()  # the good photo is shown as a photo
    revealed = editor_client.post(reverse("console:inbound_contact", args=[inbound.pk]), headers={"Accept-Language": "en"})
    assert revealed.context["raw"]["refused"] == [
        f"The file “{PHONE_NAME}” could not be used: it is not a picture we can open; it may be damaged. "
        "The file is still inside the raw message."
    ]


# Sizes are written by Django's filesizeformat, with a no-break space before the unit.
@pytest.mark.parametrize(("channel", "refusal", "notice"), [
    ("email", {"original_name": "IMG_0009.HEIC", "reason": "too_large", "size": 12 * 1024 * 1024, "limit": 10 * 1024 * 1024},
     "文件“IMG_0009.HEIC”无法使用：文件超过了大小上限。文件大小为 12.0\xa0MB，上限为 10.0\xa0MB。该文件仍保留在原始邮件中。"),
    ("email", {"original_name": "IMG_0010.HEIC", "reason": "too_many_photos", "size": 900, "limit": 9},
     "文件“IMG_0010.HEIC”无法使用：消息中的照片超过了数量上限。每条消息最多保存 9 张照片。该文件仍保留在原始邮件中。"),
    ("email", {"original_name": "", "reason": "unknown_type", "size": 22},
     "文件“（无文件名）”无法使用：此类文件不予保存（只保存照片和文档）。该文件仍保留在原始邮件中。"),
    ("wechat", {"original_name": "wechat-m1", "reason": "too_large", "size": 3206, "limit": 2048},
     "文件“wechat-m1”无法使用：文件超过了大小上限。文件大小为 3.1\xa0KB，上限为 2.0\xa0KB。文件本身未被保存。"),
    ("wechat", {"original_name": "wechat-m2", "reason": "not_fetched"},
     "文件“wechat-m2”无法使用：未能从微信取得该文件。文件本身未被保存。"),
])
def test_each_refusal_reads_in_chinese(campaign, channel, refusal, notice):
    inbound = receive_inbound(channel=channel, external_id="refusal", campaign=campaign, raw_body=b"x", enqueue_processing=False).inbound
    refused = RefusedFile.objects.create(inbound=inbound, **refusal)
    with translation.override("zh-hans"):
        assert refused_file_notice(refused, reveal=False) == notice


def test_a_mail_with_a_big_attachment_shows_the_start_of_its_source_not_megabytes(viewer_client, receive):
    """A phone photo of 11 MB in a mail made the message's page, and its nomination's, 15 MB of base64 (3 s to render):
    the panel shows the source's start, says how large the whole is, and the stored message stays whole."""
    body = b"\r\n".join([
        b"--mix", b"Content-Type: text/plain; charset=utf-8", b"Content-Transfer-Encoding: base64", b"",
        b64("推荐出彩聊城人：王秀兰，联系电话13812345678".encode()),
        b"--mix", b"Content-Type: application/octet-stream", b'Content-Disposition: attachment; filename="video.mov"',
        b"Content-Transfer-Encoding: base64", b"", b64(b"\x00\x01\x02" * 1_000_000), b"--mix--", b"",
    ])
    raw = message([("From", "zhanggf@163.com"), ("Subject", word("推荐出彩聊城人", "utf-8")), *envelope("big"),
                   ("Content-Type", 'multipart/mixed; boundary="mix"')], body)
    inbound = receive(raw)
    response = inbound_page(viewer_client, inbound)
    shown = response.context["raw"]
    assert (len(raw) > 4_000_000, len(response.content) < 300_000) == (True, True)
    # Its beginning, masked as the whole would be, cut at the end of a line (a number is never cut in two).
    assert redact_personal_data(raw.decode()).startswith(shown["body"]) and shown["body"].endswith("\r\n")
    assert len(shown["body"]) > 100_000
    assert shown["body_size"] == len(raw)
    assert "The raw source is 3.9\xa0MB; only its beginning is shown here." in response.content.decode()
    assert "13812345678" not in response.content.decode()
    assert bytes(InboundMessage.objects.get(pk=inbound.pk).raw_body) == raw
    nomination = Nomination.objects.get(inbound=inbound)
    page = viewer_client.get(reverse("console:nomination", args=[nomination.reference]))
    assert len(page.content) < 300_000


def test_a_small_mail_shows_its_whole_source(viewer_client, receive):
    response = inbound_page(viewer_client, receive(mails.GB2312_BASE64.raw))
    assert response.context["raw"]["body"] == redact_personal_data(mails.GB2312_BASE64.raw.decode())
    assert response.context["raw"]["body_size"] is None


@pytest.mark.parametrize(("sent", "escaped"), [
    ("<b>setup</b>.exe", "&lt;b&gt;setup&lt;/b&gt;.exe"),
    ("C:\\Users\\x\\setup.exe", "setup.exe"),
    ("/home/x/<b>setup.exe", "&lt;b&gt;setup.exe"),
])
def test_a_refused_files_name_is_shown_as_sent_escaped_without_its_path(viewer_client, receive, sent, escaped):
    body = b"\r\n".join([
        b"--b1", b"Content-Type: text/plain; charset=utf-8", b"", "推荐出彩聊城人 王秀兰照顾孤寡老人二十年".encode(),
        b"--b1", b"Content-Type: application/x-msdownload",
        f'Content-Disposition: attachment; filename="{sent}"'.replace("\\", "\\\\").encode(),
        b"Content-Transfer-Encoding: base64", b"", b64(b"MZ\x90\x00"), b"--b1--", b"",
    ])
    raw = message([("From", "citizen@163.com"), ("Subject", "setup"), *envelope(f"odd-name-{len(sent)}"),
                   ("Content-Type", 'multipart/mixed; boundary="b1"')], body)
    inbound = receive(raw)
    assert list(RefusedFile.objects.filter(inbound=inbound).values_list("original_name", flat=True)) == [escaped.replace(
        "&lt;", "<").replace("&gt;", ">")]
    html = viewer_client.get(reverse("console:inbound", args=[inbound.pk])).content.decode()
    notice = re.search(r'<li class="notice">The file “([^”]*)” could not be used', html)
    assert notice is not None and notice.group(1) == escaped
