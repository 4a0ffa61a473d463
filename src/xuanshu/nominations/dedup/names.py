"""Names as the duplicate finder compares them: simplified script, no honorifics, surname readings in pinyin.

pypinyin reads surnames as ordinary words (单 dan, 曾 ceng, 区 qu, 仇 chou); a surname table gives the
reading a name is actually spoken with, so homophone typos (曾国强 / 增国强) sound alike.
"""
import functools
import re
import unicodedata

import opencc
from pypinyin import Style, lazy_pinyin

# Two-character surnames, longest match first; they must not be split as surname + given name.
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 皇甫 尉迟 诸葛 东方 夏侯 慕容 令狐 公孙 长孙 宇文 司徒 端木 万俟 澹台 轩辕 西门 南宫 独孤 呼延 申屠 闻人 钟离"
    " 赫连 司空 太史 公羊 濮阳 淳于 单于 百里 东郭 拓跋 第五 左丘 谷梁 亓官 乐正 公冶 宗政 仲孙 羊舌 微生 梁丘 漆雕 段干 巫马"
    " 公良 夹谷 宰父 闾丘 鲜于 即墨 完颜".split()
)

# How a character is read when it is the surname, where that differs from pypinyin's everyday reading.
SURNAME_READINGS = {
    "单": "shan", "曾": "zeng", "区": "ou", "仇": "qiu", "解": "xie", "朴": "piao", "查": "zha", "盖": "ge",
    "乐": "yue", "覃": "qin", "员": "yun", "黑": "he", "翟": "zhai", "缪": "miao", "繁": "po", "种": "chong",
    "洗": "xian", "冼": "xian", "秘": "bi", "召": "shao", "宿": "su", "句": "gou", "隗": "wei", "能": "nai",
    "过": "guo", "那": "na", "蕃": "pi", "相": "xiang", "华": "hua", "任": "ren", "纪": "ji", "费": "fei",
    "祭": "zhai", "尉": "yu", "长": "zhang", "万": "wan", "折": "she", "都": "du", "适": "kuo", "燕": "yan",
    "粘": "nian", "阚": "kan", "柏": "bai", "薄": "bo", "贲": "ben", "逄": "pang", "谌": "chen", "郗": "xi",
    "褚": "chu", "蔺": "lin", "眭": "sui", "厍": "she", "沈": "shen", "石": "shi", "车": "che", "莘": "shen",
}
COMPOUND_SURNAME_READINGS = {"尉迟": "yu chi", "万俟": "mo qi", "长孙": "zhang sun", "单于": "chan yu", "乐正": "yue zheng"}

# Titles and kinship words people glue to a name (田玉柱大爷, 李春梅老师); stripped from the end only.
HONORIFICS = tuple(sorted(
    "大爷 大娘 大妈 大伯 大叔 大婶 大姐 大哥 阿姨 叔叔 奶奶 爷爷 姥姥 老师 老人 师傅 医生 大夫 同志 先生 女士 书记 主任 校长 队长"
    " 老板 教授 博士 同学 小朋友 阿婆 阿公 老汉 老太".split(),
    key=len, reverse=True,
))

_NOT_NAME = re.compile(r"[^\w]|_|\d", re.UNICODE)


@functools.cache
def _t2s() -> opencc.OpenCC:
    return opencc.OpenCC("t2s")


def to_simplified(text: str) -> str:
    """NFKC (full-width to half-width), then traditional to simplified script."""
    return _t2s().convert(unicodedata.normalize("NFKC", text or ""))


@functools.lru_cache(maxsize=200_000)
def normalise_name(raw: str) -> str:
    """A name as compared: simplified, without spaces, dots, digits or a trailing honorific."""
    name = _NOT_NAME.sub("", to_simplified(raw))
    if (latin := _without_tone_marks(name)).isascii():
        name = latin  # pinyin with tone marks (wáng xiù lán) as it is usually typed: wangxiulan
    for honorific in HONORIFICS:
        if name.endswith(honorific) and len(name) - len(honorific) >= 2:
            return name[: -len(honorific)]
    return name


def split_surname(name: str) -> tuple[str, str]:
    """(surname, given name) of a normalised personal name; compound surnames stay whole."""
    if len(name) >= 3 and name[:2] in COMPOUND_SURNAMES:
        return name[:2], name[2:]
    return name[:1], name[1:]


@functools.cache
def _pinyin_syllables() -> frozenset[str]:
    # Every toneless syllable pypinyin reads for a common character: about 420, built once on first use.
    return frozenset(lazy_pinyin("".join(map(chr, range(0x4E00, 0x9FA6))), style=Style.NORMAL))


def _without_tone_marks(text: str) -> str:
    text = text.replace("ü", "v").replace("Ü", "V")  # as pypinyin writes it: lv, nv
    return "".join(ch for ch in unicodedata.normalize("NFKD", text) if not unicodedata.combining(ch))


def latin_pinyin(name: str) -> tuple[str, ...] | None:
    """The syllables of a normalised name written in pinyin (WangXiulan), or None if it is not pinyin."""
    letters = name.lower()
    if not letters.isascii() or not letters.isalpha():
        return None
    syllables, known = [], _pinyin_syllables()
    # Fewest syllables first (xian, not xi an), backtracking when a long one leaves an unreadable rest.
    def segment(rest: str) -> bool:
        if not rest:
            return True
        for end in range(min(6, len(rest)), 0, -1):
            if rest[:end] in known:
                syllables.append(rest[:end])
                if segment(rest[end:]):
                    return True
                syllables.pop()
        return False
    return tuple(syllables) if segment(letters) else None


def surname_syllables(surname: str) -> tuple[str, ...]:
    """How a surname (one or two characters) is read."""
    if surname in COMPOUND_SURNAME_READINGS:
        return tuple(COMPOUND_SURNAME_READINGS[surname].split())
    if len(surname) == 1 and surname in SURNAME_READINGS:
        return (SURNAME_READINGS[surname],)
    return tuple(lazy_pinyin(surname, style=Style.NORMAL, errors="default"))


@functools.lru_cache(maxsize=200_000)
def name_pinyin(name: str) -> tuple[str, ...]:
    """Toneless pinyin syllables of a normalised personal name, the surname in its surname reading."""
    if (spelled := latin_pinyin(name)) is not None:
        return spelled
    surname, given = split_surname(name)
    return surname_syllables(surname) + tuple(lazy_pinyin(given, style=Style.NORMAL, errors="default"))


@functools.cache
def surname_spellings() -> frozenset[str]:
    """Every surname of the extractor's surname table (data/surnames.txt) and of COMPOUND_SURNAMES, spelled in
    pinyin as one word (wang, ouyang): what the last word of a name written surname last must be."""
    from xuanshu.nominations.extraction.lexicon import surnames

    table = surnames()
    return frozenset("".join(surname_syllables(s)) for s in table.single | table.compound | COMPOUND_SURNAMES)


_LATIN_WORD_BREAK = re.compile(r"[\s.,·•_/]+")


@functools.lru_cache(maxsize=50_000)
def surname_last_reading(raw: str) -> tuple[tuple[str, ...], bool] | None:
    """A pinyin name that may be written surname last (Xiulan Wang, XIULAN WANG, Xiu-lan Wang): its syllables
    surname first, and whether that order is certain; None when it cannot be (one word, characters, or a last
    word that is no surname).

    Certain when the first word is no surname (xiulan): the name is in Western order. When both the first and the
    last word are surnames (Wang Li, Li Wang, Wei Zhang) either order may be meant: uncertain."""
    text = _without_tone_marks(to_simplified(raw)).strip()
    if not text.isascii():
        return None
    words = [word.replace("-", "").replace("'", "").lower() for word in _LATIN_WORD_BREAK.split(text)]
    words = [word for word in words if word]
    if len(words) < 2 or not all(word.isalpha() for word in words):
        return None
    spellings = surname_spellings()
    if words[-1] not in spellings:
        return None
    surname, given = latin_pinyin(words[-1]), latin_pinyin("".join(words[:-1]))
    if surname is None or given is None:
        return None
    return surname + given, words[0] not in spellings


@functools.lru_cache(maxsize=200_000)
def phrase_pinyin(text: str) -> tuple[str, ...]:
    """Toneless pinyin of an ordinary phrase (a group's name)."""
    return tuple(lazy_pinyin(text, style=Style.NORMAL, errors="default"))


_FUZZY_INITIALS = (("zh", "z"), ("ch", "c"), ("sh", "s"))


def fuzzy_syllable(syllable: str) -> str:
    """A syllable with the distinctions many speakers blur removed: zh/z, ch/c, sh/s and -ng/-n."""
    for retroflex, flat in _FUZZY_INITIALS:
        if syllable.startswith(retroflex):
            syllable = flat + syllable[len(retroflex):]
            break
    if syllable.endswith("ng") and len(syllable) > 2:
        syllable = syllable[:-1]
    return syllable


def sound_key(syllables: tuple[str, ...]) -> str:
    """The blocking key: names that sound alike (or nearly) share it."""
    return " ".join(fuzzy_syllable(syllable) for syllable in syllables)
