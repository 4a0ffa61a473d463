"""Reading raw e-mail bytes (unit tests of decode.py; no database, no server)."""
import base64

import pytest

from tests.intake.email import mails
from tests.intake.email.mails import b64, envelope, message, word
from xuanshu.intake.channels.email.decode import MailUnreadable, decode_bytes, decode_header_value, parse_mail, readable_mail
from xuanshu.intake.channels.email.html_text import html_to_text


@pytest.mark.parametrize("case", mails.ALL_CASES, ids=lambda case: case.name)
def test_each_encoding_case_reads_as_written(case):
    parsed = parse_mail(case.raw)
    assert (parsed.subject, parsed.sender_name, parsed.sender_email, parsed.text, tuple(f.name for f in parsed.files)) == (
        case.subject, case.sender_name, case.sender_email, case.text, case.files,
    )
    assert parsed.defects == ()


def test_gbk_characters_under_a_gb2312_label_survive():
    data = "朱镕基、陶喆、王堃".encode("gbk")
    assert data.decode("gb2312", errors="replace").count("\ufffd") > 0  # what a naive reader shows
    assert decode_bytes(data, "gb2312") == ("朱镕基、陶喆、王堃", True)
    assert decode_bytes(data, "GBK") == ("朱镕基、陶喆、王堃", True)


def test_the_gb_family_is_read_as_gb18030_not_guessed_again():
    # These GBK bytes are also valid UTF-8 ("聊聊"): a reader that retried other charsets after gb2312 failed
    # would pick UTF-8; the label says Chinese national standard, and GB18030 reads every member of that family.
    data = "鑱婅亰".encode("gbk")
    assert (data.decode("utf-8"), decode_bytes(data, "gb2312")) == ("聊聊", ("鑱婅亰", True))


def test_raw_header_bytes_try_utf8_then_gb18030_then_big5():
    def raw(data: bytes) -> str:
        return data.decode("ascii", "surrogateescape")  # how the parser hands 8-bit header bytes over

    assert [decode_header_value(raw(text.encode(charset))) for text, charset in [
        ("推荐出彩聊城人", "utf-8"), ("推荐出彩聊城人", "gb18030"), ("推薦出彩聊城人 鄰里守望", "big5"),
    ]] == ["推荐出彩聊城人", "推荐出彩聊城人", "推薦出彩聊城人 鄰里守望"]


def test_encoded_words_split_inside_a_character_are_joined_before_decoding():
    data = "聊城".encode("gb2312")  # 4 bytes; Outlook splits long subjects between any two bytes
    value = f"=?gb2312?B?{base64.b64encode(data[:3]).decode()}?=\r\n =?gb2312?B?{base64.b64encode(data[3:]).decode()}?= 2024"
    assert decode_header_value(value) == "聊城 2024"


def test_unknown_charset_label_falls_back_to_what_the_bytes_are():
    raw = message([("From", "a@163.com"), ("Subject", "x"), *envelope("unknown-charset"),
                   ("Content-Type", "text/plain; charset=x-unknown-chinese")], "推荐出彩聊城人".encode("gbk"))
    assert parse_mail(raw).text == "推荐出彩聊城人"


def test_undeclared_base64_text_body_is_recognised():
    body = mails.b64("推荐出彩聊城人：这是一段没有声明传输编码的正文。".encode())
    raw = message([("From", "a@163.com"), ("Subject", "x"), *envelope("undeclared-b64"),
                   ("Content-Type", "text/plain; charset=utf-8"), ("Content-Transfer-Encoding", "text/html")], body)
    assert parse_mail(raw).text == "推荐出彩聊城人：这是一段没有声明传输编码的正文。"


def test_short_plain_words_are_not_mistaken_for_base64():
    raw = message([("From", "a@163.com"), ("Subject", "x"), *envelope("plain-word")], b"Thanks\r\n")
    assert parse_mail(raw).text == "Thanks"


def test_files_keep_their_bytes_and_know_whether_they_were_inline():
    files = {file.name: file for file in parse_mail(mails.NESTED.raw).files}
    assert [(name, f.content_type, f.inline) for name, f in files.items()] == [
        ("现场照片.jpg", "image/jpeg", True),
        ("事迹材料.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
        ("推荐表.pdf", "application/octet-stream", False),
        ("合影照片.png", "image/png", False),
        ("archive.zip", "application/zip", False),
    ]
    assert (files["现场照片.jpg"].data, files["事迹材料.docx"].data, files["推荐表.pdf"].data) == (mails.PHOTO, mails.DOCX, mails.PDF)


def test_rfc2231_continuations_with_a_charset():
    raw = message([("From", "a@163.com"), ("Subject", "x"), *envelope("rfc2231"), ("Content-Type", 'multipart/mixed; boundary="b"')],
                  b"--b\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbody\r\n--b\r\nContent-Type: application/pdf\r\n"
                  b"Content-Disposition: attachment;\r\n filename*0*=utf-8''%E4%BA%8B%E8%BF%B9;\r\n filename*1*=%E6%9D%90%E6%96%99.pdf\r\n"
                  b"\r\n%PDF-1.4\r\n--b--\r\n")
    assert [file.name for file in parse_mail(raw).files] == ["事迹材料.pdf"]


def test_path_parts_are_cut_off_file_names():
    raw = message([("From", "a@163.com"), ("Subject", "x"), *envelope("path-name"), ("Content-Type", 'multipart/mixed; boundary="b"')],
                  b"--b\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; filename=\"..\\\\..\\\\etc/passwd.pdf\"\r\n"
                  b"\r\n%PDF\r\n--b--\r\n")
    assert [file.name for file in parse_mail(raw).files] == ["passwd.pdf"]


def test_a_forwarded_message_brings_its_subject_and_text():
    inner = message([("From", word("王五", "gbk") + b" <w5@163.com>"), ("Subject", word("推荐出彩聊城人", "gbk")), *envelope("inner"),
                     ("Content-Type", "text/plain; charset=gbk")], "王五的事迹。".encode("gbk"))
    outer = message([("From", "editor@163.com"), ("Subject", "Fwd"), *envelope("outer"), ("Content-Type", 'multipart/mixed; boundary="f"')],
                    b"--f\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + "请看转发。".encode() +
                    b"\r\n--f\r\nContent-Type: message/rfc822\r\n\r\n" + inner + b"\r\n--f--\r\n")
    assert parse_mail(outer).text == "请看转发。\n\n推荐出彩聊城人\n\n王五的事迹。"


def test_a_forwarded_message_sent_base64_encoded_is_read_as_a_message():
    """RFC 2046 forbids encoding a message/rfc822 part, yet mailers that forward "as attachment" base64 it: the stdlib
    then sees a message without headers whose body is the base64 text, and the forwarded keyword was never read."""
    inner = message([("From", word("王五", "gbk") + b" <w5@163.com>"), ("Subject", word("推荐出彩聊城人", "gbk")), *envelope("inner"),
                     ("Content-Type", "text/plain; charset=gbk"), ("Content-Transfer-Encoding", "base64")], b64("王五的事迹。".encode("gbk")))
    outer = message([("From", "editor@163.com"), ("Subject", "Fwd"), *envelope("outer"), ("Content-Type", 'multipart/mixed; boundary="f"')],
                    b"--f\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n" + "请看转发。".encode() +
                    b'\r\n--f\r\nContent-Type: message/rfc822; name="fw.eml"\r\nContent-Transfer-Encoding: base64\r\n'
                    b'Content-Disposition: attachment; filename="fw.eml"\r\n\r\n' + b64(inner) + b"\r\n--f--\r\n")
    assert parse_mail(outer).text == "请看转发。\n\n推荐出彩聊城人\n\n王五的事迹。"
    assert [(part.charset, part.text) for part in readable_mail(outer).parts] == [("utf-8", "请看转发。"), ("gbk", "王五的事迹。")]


def test_reply_relevant_headers_are_read():
    raw = mails.simple("robot", extra=[("Auto-Submitted", "auto-replied"), ("Precedence", "bulk"), ("List-Id", "<news.example.cn>"),
                                        ("Return-Path", "<>"), ("References", "<a@x>\r\n <b@x>"), ("X-Autoreply", "yes")])
    parsed = parse_mail(raw)
    assert (parsed.message_id, parsed.auto_submitted, parsed.precedence, parsed.list_id, parsed.return_path, parsed.references,
            parsed.auto_reply_markers) == (
        "<robot@mail.example.cn>", "auto-replied", "bulk", "<news.example.cn>", "<>", "<a@x> <b@x>", ("X-Autoreply",),
    )


@pytest.mark.parametrize("raw", [b"", b"   \r\n", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR binary"], ids=["empty", "blank", "binary"])
def test_bytes_that_are_no_email_are_refused(raw):
    with pytest.raises(MailUnreadable):
        parse_mail(raw)


def test_html_to_text_keeps_blocks_and_drops_invisible_parts():
    html = "<html><head><style>x{}</style></head><body><h1>标题</h1><ul><li>一</li><li>二</li></ul><pre>a  b</pre></body></html>"
    assert html_to_text(html) == "标题\n\n- 一\n\n- 二\n\na  b"


def test_control_characters_never_reach_the_text():
    raw = message([("From", "a@163.com"), ("Subject", "\x00推荐\x07".encode()), ("Message-ID", b"<nul\x00@x>")],
                  "正文\x00含有\x1b控制字符\r\n第二行\r\n".encode())
    parsed = parse_mail(raw)
    assert (parsed.subject, parsed.text, parsed.message_id) == ("推荐", "正文含有控制字符\n第二行", "<nul@x>")
