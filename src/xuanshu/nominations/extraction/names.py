"""Person names: a surname (single or compound) and one or two given-name characters, found by position.

Chinese has no spaces, so where a name ends is decided by what surrounds it: a delimiter, a common word
(from jieba's dictionary), a role noun (护林员韩德胜) or an honorific glued to the name (田玉柱大爷).
"""
import re
from collections.abc import Callable
from dataclasses import dataclass

from xuanshu.nominations.extraction.lexicon import given_name_scores, name_words, surnames, words
from xuanshu.nominations.extraction.places import starts_place_name
from xuanshu.nominations.extraction.text import CJK

# Titles and forms of address written straight after a name; longest first.
HONORIFICS = sorted([
    "老先生", "总经理", "董事长", "老爷爷", "老奶奶", "护士长", "老太太", "大爷", "大娘", "大妈", "大姐", "大哥", "大叔", "大嫂",
    "阿姨", "叔叔", "奶奶", "爷爷", "姥姥", "姥爷", "婶子", "老师", "师傅", "医生", "大夫", "护士", "教授", "博士", "同志",
    "先生", "女士", "书记", "支书", "主任", "队长", "村长", "院长", "校长", "所长", "站长", "局长", "经理", "厂长", "老板", "警官",
    "教练", "老人", "老汉", "老太", "阿婆", "小姐", "班长", "会长", "秘书长", "部长", "科长", "总", "队", "哥", "姐", "叔", "婶", "嫂",
    "老",
], key=len, reverse=True)
# Characters that never stand in a given name here: function words, and 某 (an anonymised 李某).
_NOT_GIVEN = set("的了是在和与及等被把将从为对给也都就还又们这那个每各某其之着过吗呢吧啊呀哦嗯县区市镇乡村街")
_IS_NAME_CHAR = re.compile(f"[{CJK}]")
# After a name: a clause usually goes on with one of these (as in 张桂芳照顾…, 王芳今年…).
_FOLLOWERS = set("在是从今于已曾也还都就才又把将被给为对向和与跟同带用以每自一二三四五六七八九十几多年岁说讲住出生的了，。、；：,.;:!?！？ （(\n")


# A candidate scoring below this is not taken for a name (score: given-name characters + boundaries).
ACCEPT = -2.0

# How a clause goes on after its subject's name when the message runs the name straight into the deeds
# (推荐出彩聊城人王秀兰照顾老人, 张伟见义勇为…, 李勇救起…, 刘芳是…, 王秀兰二十年如一日…): a verb, or an adverb of
# time, manner or frequency. Only what a nomination's deeds open with; not 的 (王秀兰的儿子 is someone else).
PREDICATE_WORDS = (
    "照顾", "照料", "护理", "伺候", "侍奉", "赡养", "孝敬", "孝顺", "陪伴", "帮助", "帮扶", "帮", "扶", "资助", "捐资", "捐款", "捐",
    "救起", "救下", "救出", "救助", "救治", "抢救", "勇救", "勇斗", "救", "见义勇为", "拾金不昧", "乐于助人", "助人为乐", "收养", "抚养",
    "关爱", "关心", "服务", "奉献", "守护", "坚守", "扎根", "投身", "致力", "带领", "带头", "发起", "创办", "创立", "义务", "自费",
    "无偿", "热心", "热衷", "乐于", "默默", "悉心", "精心", "细心", "耐心", "用心", "全心全意", "不顾", "不畏", "冒着", "冲进", "跳进",
    "跳入", "支教", "行医", "从医", "从教", "从事", "担任", "作为", "身为", "爱岗敬业", "兢兢业业", "任劳任怨", "勤勤恳恳", "多年", "常年",
    "长年", "长期", "连续", "坚持", "始终", "一直", "总是", "经常", "每天", "每年", "每周", "每月", "每逢", "多次", "先后", "积极", "主动",
    "自愿", "独自", "一人", "今年", "去年", "现年", "年近", "年过", "年逾", "家住", "住在", "出生", "生于", "毕业", "退休", "退伍", "原是",
    "现任", "现为", "虽然", "不仅", "不但", "成立", "组建", "组织", "创建", "建立", "开办", "获得", "荣获", "夺得", "攻克", "研发",
    "回乡", "返乡", "免费", "带动", "发展", "参加", "参与", "加入", "教", "是", "在", "从", "自", "于", "曾", "已", "系", "把", "被",
    "给", "为", "对", "向", "用", "也", "还", "都", "就", "又", "才", "将", "学会",
)
# Honorifics of two characters or more (one-character ones such as 哥 老 总 start too many other words).
_LONG_HONORIFIC = re.compile("|".join(honorific for honorific in HONORIFICS if len(honorific) > 1))
_PREDICATE = re.compile(
    r"(?:[一二三四五六七八九十百几数两\d]+(?:多|余)?(?:年|载|个春秋|代)|"
    + "|".join(sorted(PREDICATE_WORDS, key=len, reverse=True))
    # 会 as a modal (张三会修车), not the 会 of 会长, 会计, 会员 that follows a group's or a person's name.
    + "|会(?![长计员议场所址务费])"
    + ")"
)


@dataclass(frozen=True)
class NameMatch:
    start: int
    end: int
    name: str
    honorific_only: bool = False  # 王师傅: no given name, the form of address stands for it
    score: float = 0.0


# Nouns for what someone is, written straight before their name (护林员韩德胜, 快递小哥杨洋).
ROLE_END = re.compile(r"(?:员|师|生|工|长|手|家|民|人|兵|官|警|书|记|任|哥|姐|伙子|姑娘|青年|小将|健儿|村医|老人|大学生|教授|博士|司机|农民|党员)$")


_FAMILIAR = re.compile(r"[老小].$")


def _binds_to_previous(text: str, start: int) -> bool:
    """Is text[start] the last character of a word that starts before it (工商 in 工商联)?"""
    if start == 0 or not _IS_NAME_CHAR.match(text[start - 1]):
        return False
    lexicon = words()
    return text[start - 1:start + 1] in lexicon or (start >= 2 and text[start - 2:start + 1] in lexicon)


def surname_length(text: str, start: int) -> int:
    """Length of the surname starting at text[start] (2 for 欧阳), or 0."""
    names = surnames()
    if text[start:start + 2] in names.compound:
        return 2
    if text[start:start + 1] in names.single:
        return 1
    return 0


def _given_ok(given: str) -> bool:
    return 1 <= len(given) <= 2 and all(_IS_NAME_CHAR.match(ch) and ch not in _NOT_GIVEN for ch in given)


def name_score(name: str, *, cued: bool = False) -> float | None:
    """How much `name` looks like a person's name (higher is better), or None when it cannot be one.

    A weak surname (万 of 万元 万一, 来 of 来信: see surnames.txt) costs a point, unless `cued` (what comes before
    says a name follows: see cue_before) and it makes no word with the next character (万洋 is no word)."""
    if len(name) < 2 or len(name) > 4:
        return None
    length = surname_length(name, 0)
    if not length or not _given_ok(name[length:]):
        return None
    scores = given_name_scores()
    given = name[length:]
    score = sum(scores.get(ch, -4.8) for ch in given) / len(given)
    if length == 2:
        score += 1.5
    elif name[0] in surnames().weak and not (cued and name[:2] not in words()):
        score -= 1.0
    return score


# Words after which a name is expected (推荐王秀兰, 名叫王秀兰, 就是王秀兰), beside the one-character cues.
_CUE_WORD_BEFORE = re.compile(r"(?:推荐|推选|提名|名叫|叫做|就是)$")


def cue_before(text: str, start: int) -> bool:
    """Does what ends at text[start] announce a name: a delimiter, 的 是 叫 和 、…, a role noun (护林员), 推荐 or 名叫?

    A dictionary word ending there is a boundary but no cue (十万元: 十 is no cue for 万元)."""
    if start == 0 or not _IS_NAME_CHAR.match(text[start - 1]):
        return True
    if text[start - 1] in "的是叫为即和与及、" or ROLE_END.search(text, max(0, start - 4), start):
        return True
    return _CUE_WORD_BEFORE.search(text, max(0, start - 2), start) is not None


def _boundary_before(text: str, start: int) -> float:
    """Does something end where a name would start? Delimiter or a dictionary word: yes."""
    if cue_before(text, start):
        return 1.0
    lexicon = words()
    for length in (4, 3, 2):
        if start - length >= 0 and text[start - length:start] in lexicon:
            return 1.0
    return 0.0


def _boundary_after(text: str, end: int) -> float:
    if end >= len(text) or not _IS_NAME_CHAR.match(text[end]):
        return 1.0
    if text[end] in _FOLLOWERS or any(text.startswith(h, end) for h in HONORIFICS):
        return 1.0
    if starts_place_name(text, end):
        return 1.0
    lexicon = words()
    for length in (2, 3, 4):
        if text[end:end + length] in lexicon:
            return 0.8
    return 0.0


def strip_honorific_end(text: str, start: int, end: int) -> tuple[int, str]:
    """End of `text[start:end]` without a trailing honorific, and the honorific removed ('' if none)."""
    for honorific in HONORIFICS:
        if end - len(honorific) > start and text.startswith(honorific, end - len(honorific)):
            return end - len(honorific), honorific
    return end, ""


def name_ending_at(text: str, end: int, start_limit: int = 0) -> NameMatch | None:
    """The best name that ends exactly at `end` (after an honorific there is removed), or None."""
    stripped_end, honorific = strip_honorific_end(text, start_limit, end)
    after = 1.0 if honorific or end >= len(text) or not _IS_NAME_CHAR.match(text[end]) else 0.0
    best = None
    for length in (4, 3, 2):
        start = stripped_end - length
        if start < start_limit:
            continue
        score = name_score(text[start:stripped_end], cued=cue_before(text, start))
        if score is None:
            continue
        total = score + 2.5 * _boundary_before(text, start) + (0.6 if length == 3 else 0.0) + after
        if text[start:stripped_end] in words():
            total -= 2.0  # an ordinary word (修路)
        if _binds_to_previous(text, start):
            total -= 3.0  # the surname is the end of a word before it (工商联: not 商联)
        if best is None or total > best[0]:
            best = (total, start)
    if best is not None and best[0] > ACCEPT:
        return NameMatch(best[1], stripped_end, text[best[1]:stripped_end], score=best[0])
    familiar = _FAMILIAR.search(text, max(start_limit, end - 2), end)
    if (familiar and surname_length(text, end - 1) == 1 and not _binds_to_previous(text, end - 2)
            and text[end - 2:end] not in HONORIFICS):  # 老师 is a title, not 老 + the surname 师
        return NameMatch(end - 2, end, text[end - 2:end], honorific_only=True)  # 老李, 小刘
    if honorific and surname_length(text, stripped_end - 1) and stripped_end - 1 >= start_limit:
        surname_start = stripped_end - 2 if stripped_end - 2 >= start_limit and surname_length(text, stripped_end - 2) == 2 else stripped_end - 1
        if not _binds_to_previous(text, surname_start):  # 照顾老人, 独居老人: not 顾老人, 居老人
            return NameMatch(surname_start, end, text[surname_start:end], honorific_only=True)
    return None


def name_starting_at(text: str, start: int, end_limit: int | None = None) -> NameMatch | None:
    """The best name that starts exactly at `start`, or None."""
    end_limit = len(text) if end_limit is None else end_limit
    length_of_surname = surname_length(text, start)
    if not length_of_surname:
        return None
    after_surname = start + length_of_surname
    for honorific in HONORIFICS:
        end = after_surname + len(honorific)
        if end <= end_limit and text.startswith(honorific, after_surname) and _boundary_after(text, end) == 1.0:
            return NameMatch(start, end, text[start:end], honorific_only=True)
    lexicon = words()
    cued = cue_before(text, start)
    best = None
    for length in (4, 3, 2):
        end = start + length
        if end > end_limit:
            continue
        score = name_score(text[start:end], cued=cued)
        if score is None:
            continue
        total = score + 2.5 * _boundary_after(text, end) + (0.6 if length == 3 else 0.0)
        if (text[end - 1:end + 1] in lexicon or text[end - 1:end + 2] in lexicon) and not starts_place_name(text, end):
            total -= 1.5  # the last character starts the next word (王芳今年, 修自行车)
        if text[start:end] in lexicon:
            total -= 2.0  # an ordinary word (修路)
        if _binds_to_previous(text, start):
            total -= 3.0  # the surname is the end of a word before it (退伍军人: not 伍军人)
        if best is None or total > best[0]:
            best = (total, end)
    if best is not None and best[0] > ACCEPT:
        return NameMatch(start, best[1], text[start:best[1]], score=best[0])
    return None


def starts_predicate(text: str, position: int, end_limit: int | None = None) -> bool:
    """Does a predicate (照顾…, 多年…, 二十年如一日…, 是…) start at text[position], within end_limit?"""
    return _PREDICATE.match(text, position, len(text) if end_limit is None else end_limit) is not None


def predicates_in(text: str, start: int, end: int) -> list[int]:
    """Where predicates start in text[start:end] (not overlapping)."""
    return [match.start() for match in _PREDICATE.finditer(text, start, end)]


def name_before(text: str, start: int, end_limit: int, follows: Callable[[int], bool]) -> tuple[NameMatch, int] | None:
    """The name starting at `start` that `follows(position)` accepts after it (an honorific between them is
    skipped: 刘桂英阿姨每天…), and that position; or None. Given names of one and two characters are weighed
    against each other by how name-like they are (张伟见义勇为: 张伟; 王秀兰照顾: 王秀兰)."""
    length_of_surname = surname_length(text, start)
    if not length_of_surname:
        return None
    after_surname = start + length_of_surname
    honorific = _LONG_HONORIFIC.match(text, after_surname, end_limit - 1)
    if honorific and follows(honorific.end()):
        return NameMatch(start, honorific.end(), text[start:honorific.end()], honorific_only=True), honorific.end()  # 王大爷默默奉献
    best = None
    for given in (1, 2):
        end = after_surname + given
        if end >= end_limit:
            break
        name = text[start:end]
        score = name_score(name)
        if score is None or (name in words() and name not in name_words()):
            continue  # 常年照顾, 高中毕业: a word, not a name (方军照顾, 李强照顾: a name)
        if (itself := _PREDICATE.match(text, start, end_limit)) and itself.end() >= end:
            continue  # 关爱老人: the deeds begin here, no subject before them
        if given == 2 and best is not None and (predicate := _PREDICATE.match(text, end - 1, end_limit)) and predicate.end() > end:
            continue  # 覃洋二十年如一日: the second character opens the deeds
        after = _after_honorific(text, end, end_limit)
        if follows(after) and (best is None or score > best[0].score):
            best = (NameMatch(start, end, name, score=score), after)
    return best


def _after_honorific(text: str, end: int, end_limit: int) -> int:
    honorific = _LONG_HONORIFIC.match(text, end, end_limit - 1)
    return honorific.end() if honorific else end
