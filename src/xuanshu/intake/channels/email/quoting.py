"""What a reply adds to the thread: the sender's own words, without the mail it quotes.

Mailers quote in one of two ways. Gmail, Apple Mail and Thunderbird write an attribution line ("On Mon, 4 Mar 2024 at
09:15, 张桂芳 <zhanggf@163.com> wrote:", "在 2024年3月4日周一 09:15，张桂芳 <zhanggf@163.com> 写道：", "张桂芳 <…> 于2024年3月4日
09:15写道：") and the quoted mail under it with '>' before each line. QQ Mail, Foxmail and Outlook write a separator
("------------------ 原始邮件 ------------------", "-----Original Message-----", a line of underscores) and the quoted
mail's headers under it, without '>'. Everything from an attribution line or a separator on is the quoted mail; a
line starting with '>' is quoted wherever it stands (a reply written between the quoted lines keeps its own lines).
"""

import re

_QUOTED_LINE = re.compile(r"^\s*>")
# An attribution names when (a clock time) or whom (an address): "他在日记里写道：" is a citizen's sentence, not one.
_WHEN_OR_WHO = re.compile(r"\d{1,2}\s*[:：]\s*\d{2}|@")
_ATTRIBUTION_EN = re.compile(r"^\s*On\s.*\swrote\s*:\s*$", re.IGNORECASE | re.DOTALL)
_ATTRIBUTION_ZH = re.compile(r"^.*写道\s*[:：]\s*$", re.DOTALL)
_SEPARATOR = re.compile(r"^\s*-{2,}\s*(?:原始邮件|原始郵件|Original Message)\s*-{2,}\s*$", re.IGNORECASE)
_UNDERSCORES = re.compile(r"^\s*_{10,}\s*$")
_HEADER_FROM = re.compile(r"^\s*(?:发件人|寄件者|From)\s*[:：]", re.IGNORECASE)
_HEADER_NEXT = re.compile(r"^\s*(?:发送时间|发送日期|时间|日期|收件人|Sent|Date|To)\s*[:：]", re.IGNORECASE)
# A mailer may wrap a long attribution over lines ("On … 张桂芳 <\nzhanggf@163.com> wrote:"); its first line then opens
# as one does (On, 在, 于, a year) or breaks inside the address.
_ATTRIBUTION_MAX_LINES = 3
_ATTRIBUTION_START = re.compile(r"^\s*(?:On\s|在|于|\d{4}|.*<\s*$)", re.IGNORECASE)
# A reply's subject repeats the thread's ("Re: 推荐出彩聊城人", "回复：…"); it adds nothing.
_REPLY_SUBJECT = re.compile(r"^\s*(?:re|aw|fw|fwd|回复|答复|回覆|转发)\s*[:：]", re.IGNORECASE)


def _is_attribution(text: str) -> bool:
    return bool((_ATTRIBUTION_EN.match(text) or _ATTRIBUTION_ZH.match(text)) and _WHEN_OR_WHO.search(text))


def _quote_starts(lines: list[str], index: int) -> bool:
    line = lines[index]
    if _SEPARATOR.match(line):
        return True
    following = [other for other in lines[index + 1 : index + 3] if other.strip()]
    if _UNDERSCORES.match(line) and following and _HEADER_FROM.match(following[0]):
        return True
    if _HEADER_FROM.match(line) and following and _HEADER_NEXT.match(following[0]):
        return True
    if _is_attribution(line):
        return True
    return bool(_ATTRIBUTION_START.match(line)) and any(
        _is_attribution("\n".join(lines[index : index + count]))
        for count in range(2, _ATTRIBUTION_MAX_LINES + 1)
        if index + count <= len(lines)
    )


def without_quoted_mail(text: str) -> str:
    """`text` (a reply's body) without the mail it quotes: its attribution or separator line and all below it, and every
    line starting with '>'."""
    lines = (text or "").replace("\r\n", "\n").replace("\r", "\n").split("\n")
    kept = []
    for index, line in enumerate(lines):
        if _quote_starts(lines, index):
            break
        if not _QUOTED_LINE.match(line):
            kept.append(line.rstrip())
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept)).strip()


def reply_part(subject: str, body: str) -> str:
    """What a reply in a nomination's thread adds to the nomination's text: its subject unless it only repeats the
    thread's (Re:, 回复：), then its body without the quoted mail."""
    own_subject = "" if _REPLY_SUBJECT.match(subject or "") else (subject or "").strip()
    return "\n\n".join(part for part in (own_subject, without_quoted_mail(body)) if part)
