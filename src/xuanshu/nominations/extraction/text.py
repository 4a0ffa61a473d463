"""The text the extractor reads, and where each of its characters came from in the original message.

Citizens' messages arrive in traditional script, with full-width digits, spaced-out OCR text, words broken
over lines and letters for digits in phone numbers. The extractor works on a cleaned copy; every cleaned
character remembers its offset in the original, so evidence spans point into the message as received.
"""
import functools
import re
import unicodedata
from dataclasses import dataclass

from xuanshu.nominations.extraction.keyword import _t2s

CJK = r"\u3400-\u9fff"
_IS_CJK = re.compile(f"[{CJK}]")
_PUNCT_END = set("。！？!?；;，,：:、）)】」”\"…")
_LABEL_START = re.compile(rf"^\s*[{CJK}]{{2,8}}\s*[:：]")
# Numbers that mark the items of a list: circled (①), in brackets (⑴) and with a full stop (⒈), and their dingbat forms.
LIST_NUMBERS = "\u2460-\u249b\u24eb-\u24ff\u2776-\u2793"
_ENUMERATION_START = re.compile(
    rf"^\s*(?:\d{{1,2}}\s*[.、．)）]|[（(]\d{{1,2}}[)）]|[一二三四五六七八九十][是、.]|第[一二三四五六七八九十]位|[{LIST_NUMBERS}])"
)
_IS_LIST_NUMBER = re.compile(f"[{LIST_NUMBERS}]")
# Marks OCR leaves between the characters of a word.
_OCR_NOISE = set("丨|｜")
# Letters OCR confuses with digits, accepted only inside a run of digits.
_DIGIT_LOOKALIKES = {"O": "0", "o": "0", "l": "1", "I": "1"}


@dataclass(frozen=True)
class TextView:
    original: str
    text: str
    origin: tuple[int, ...]  # origin[i]: offset in `original` of text[i]

    def span(self, start: int, end: int) -> tuple[int, int]:
        """Offsets in the original message of text[start:end]."""
        if end <= start:
            position = self.origin[start] if start < len(self.origin) else len(self.original)
            return position, position
        return self.origin[start], self.origin[end - 1] + 1

    def original_slice(self, start: int, end: int) -> str:
        first, last = self.span(start, end)
        return self.original[first:last]


def _one_for_one(text: str) -> str:
    """NFKC and traditional-to-simplified, keeping one character for one character.

    A circled number (①) stays as written: NFKC would make it a bare digit (推荐以下两位①马文清②孟凡荣 would read
    …两位1马文清2孟凡荣), and it marks a list's items."""
    folded = text.translate(_FOLD_TABLE)
    simplified = _t2s().convert(folded)
    if len(simplified) != len(folded):
        simplified = "".join(_single_t2s(ch) for ch in folded)
    return simplified


class _FoldTable(dict):
    """Each character's one-for-one NFKC fold, worked out the first time it is met: `str.translate` then folds a
    message in C, where a Python loop normalised it a character at a time."""

    MAX_ENTRIES = 50_000  # the characters messages really use; an odd flood of others is folded, not kept

    def __missing__(self, code: int) -> str:
        ch = chr(code)
        folded = ch if _IS_LIST_NUMBER.match(ch) else unicodedata.normalize("NFKC", ch)
        value = folded if len(folded) == 1 else ch
        if len(self) < self.MAX_ENTRIES:
            self[code] = value
        return value


_FOLD_TABLE = _FoldTable()


@functools.lru_cache(maxsize=4096)
def _single_t2s(ch: str) -> str:
    converted = _t2s().convert(ch)
    return converted if len(converted) == 1 else ch


_LOOKALIKE_RUN = re.compile(r"(?<![A-Za-z0-9])[0-9OolI]{11,12}(?![A-Za-z0-9])")


def _fix_digit_lookalikes(text: str) -> str:
    """O for 0 and l for 1 inside a number (158O6351234, l3793512345); first between digits, then at an edge."""
    chars = list(text)
    for between in (True, False):
        current = "".join(chars)
        for i, ch in enumerate(current):
            if ch not in _DIGIT_LOOKALIKES:
                continue
            before, after = current[max(0, i - 3):i], current[i + 1:i + 4]
            inside = before[-1:].isdigit() and after[:1].isdigit()
            edge = len(after) >= 3 and after.isdigit() and not before[-1:].isalpha()
            if inside or (not between and edge):
                chars[i] = _DIGIT_LOOKALIKES[ch]
    fixed = "".join(chars)
    # a phone-length run that is mostly digits (l5O6351OOO1): every lookalike in it is a digit
    return _LOOKALIKE_RUN.sub(
        lambda m: "".join(_DIGIT_LOOKALIKES.get(c, c) for c in m.group()) if sum(c.isdigit() for c in m.group()) >= 6 else m.group(),
        fixed,
    )


def _is_ocr_spaced(line: str) -> bool:
    """A line whose characters are mostly separated by single spaces (OCR, or text pasted from a PDF)."""
    cjk = len(_IS_CJK.findall(line))
    spaced = len(re.findall(rf"[{CJK}0-9] (?=[{CJK}0-9])", line))
    return spaced >= 3 and spaced >= 0.25 * max(cjk, 1)


def _joins_next_line(line: str, next_line: str) -> bool:
    """A line break inside a sentence (a word broken over lines), not between fields or paragraphs."""
    if not line.strip() or not next_line.strip():
        return False
    if line.rstrip()[-1] in _PUNCT_END:
        return False
    squeezed = next_line.replace(" ", "")
    return not (_LABEL_START.match(squeezed) or _ENUMERATION_START.match(squeezed))


def _is_cjk_or_digit(ch: str) -> bool:
    return bool(ch) and (ch.isdigit() or bool(_IS_CJK.match(ch)))


# Emoji (pictographs, with their joiners and variation selectors) and the commonest of WeChat's typed emoji ("[强]"):
# decoration between words, read as a space so that "推荐出彩聊城人😀王秀兰" still shows where the name starts. Only
# named codes: a name in brackets ("[王秀兰]") is no emoji.
_WECHAT_EMOJI = (
    "微笑 撇嘴 色 发呆 得意 流泪 害羞 闭嘴 睡 大哭 尴尬 发怒 调皮 呲牙 惊讶 难过 囧 抓狂 吐 偷笑 愉快 白眼 傲慢 困 惊恐 憨笑 "
    "悠闲 咒骂 疑问 嘘 晕 衰 骷髅 敲打 再见 擦汗 抠鼻 鼓掌 坏笑 哈欠 鄙视 委屈 快哭了 阴险 亲亲 可怜 笑脸 生病 脸红 破涕为笑 "
    "恐惧 失望 无语 嘿哈 捂脸 奸笑 机智 皱眉 耶 吃瓜 加油 汗 天啊 社会社会 旺柴 好的 打脸 哇 翻白眼 666 让我看看 叹气 苦涩 裂开 "
    "玫瑰 凋谢 爱心 心碎 拥抱 强 弱 握手 胜利 抱拳 勾引 拳头 OK 合十 啤酒 咖啡 蛋糕 太阳 月亮 礼物 红包 發 福 烟花 爆竹 猪头 "
    "跳跳 发抖 转圈"
).split()
_EMOJI = re.compile(
    r"[\u2600-\u27bf\u2b00-\u2bff\ufe0f\u200d\U0001f000-\U0001faff]|\[(?:" + "|".join(map(re.escape, _WECHAT_EMOJI)) + r")\]"
)


def _blank_emoji(text: str) -> str:
    return _EMOJI.sub(lambda match: " " * len(match.group()), text)


def build_view(original: str) -> TextView:
    """The cleaned text and its offsets into `original`."""
    folded = _blank_emoji(_fix_digit_lookalikes(_one_for_one(original or "")))
    kept: list[str] = []
    origin: list[int] = []
    lines = folded.split("\n")
    offset = 0
    for index, line in enumerate(lines):
        ocr = _is_ocr_spaced(line)
        for position, ch in enumerate(line):
            before = line[position - 1] if position else ""
            after = line[position + 1] if position + 1 < len(line) else ""
            if ch in _OCR_NOISE and _is_cjk_or_digit(before) and _is_cjk_or_digit(after):
                continue
            if ch == " " and ocr and _is_cjk_or_digit(before) and _is_cjk_or_digit(after):
                continue
            if ch == " " and before.isdigit() and after.isdigit() and _single_digit_run(line, position):
                continue
            kept.append(ch)
            origin.append(offset + position)
        offset += len(line)
        if index + 1 < len(lines):
            if not _joins_next_line(line, lines[index + 1]):
                kept.append("\n")
                origin.append(offset)
            offset += 1
    return TextView(original=original or "", text="".join(kept), origin=tuple(origin))


_SPACED_DIGITS = re.compile(r"(?:\d ){6,}\d")


def _single_digit_run(line: str, position: int) -> bool:
    """The space at `position` is inside a number typed one digit at a time (1 3 8 0 …)."""
    for match in _SPACED_DIGITS.finditer(line):
        if match.start() < position < match.end():
            return True
    return False
