"""Who is nominated, and who nominates: labelled fields first, then the sentence around 推荐, then the
subject of the first sentence. Only those positions make a nominee, so the people a nominee rescued,
worked with or cared for (distractors) are never picked up by a scan of every name in the text.
"""
import bisect
import re
import unicodedata
from dataclasses import dataclass, field

from xuanshu.nominations.extraction.names import (
    ROLE_END,
    NameMatch,
    name_before,
    name_ending_at,
    name_score,
    name_starting_at,
    predicates_in,
    starts_predicate,
    surname_length,
)
from xuanshu.nominations.extraction.places import find_mentions
from xuanshu.nominations.extraction.text import CJK

CLAUSE_END = set(",，。.;；!！?？\n")
_VALUE_END = set(",，。;；!！?？\n(（【[\u3000※")
_NUMBER = re.compile(r"\+?\d{4,}")
# A part marker of a message sent in pieces (赵铁柱（1/3）：他是…, 张师傅【1】他是…): it ends the clause, so the phrase
# before it is read alone and the next part is not read as a list after a colon. (1) alone is an enumeration.
_PART_MARKER = re.compile(r"[(（]\s*\d{1,2}\s*/\s*\d{1,2}\s*[)）]|[【\[]\s*\d{1,2}(?:\s*/\s*\d{1,2})?\s*[】\]]")

# name-cue suffixes that mean another field (被推荐人单位 is not a name)
_OTHER_FIELD = r"(?:单位|电话|手机|事迹|地址|所在地|性别|年龄|职务|职业|身份|联系方式|联系电话|简介|理由|情况|邮箱)"
_SEPARATOR = r"\s*(?:[（(]?\s*\d{1,2}\s*[)）]|\d{1,2})?\s*(?:[:：]|——|—|-|\s)?\s*"
NOMINEE_LABEL = re.compile(rf"(?:被推荐(?:人|对象|单位|集体|团队)|(?<!被)推荐对象|推荐人选|(?<![推荐])人选|候选人|(?<![人])姓名)(?:姓名|名称)?(?!{_OTHER_FIELD}){_SEPARATOR}")
NOMINATOR_LABEL = re.compile(rf"(?:(?<!被)推荐人|联系人|填报人|提交人|推荐单位)(?:姓名)?(?!{_OTHER_FIELD}){_SEPARATOR}")
SIGN_UP_LABEL = re.compile(rf"报名人(?:姓名)?(?!{_OTHER_FIELD}){_SEPARATOR}")
# Any "label:" — where a labelled value stops.
FIELD_LABEL = re.compile(rf"[{CJK}]{{2,8}}\s*[:：]|(?:被推荐人|推荐人|联系人)(?:姓名|单位|电话|手机|事迹|地址)")

_RECOMMEND = re.compile(r"(?<!被)(?:推荐|推选|提名)(?!人|对象|理由|单位|表|信|语|词|资格|活动)(?:了|的是|的|给大家|一下|为)?")
# The markers of a list's items, by kind (the group's name). A list keeps to one kind, and an item ends where the
# next marker of that kind starts (推荐以下两位（1）马文清（2）孟凡荣: no comma between the items).
_ENUMERATION = re.compile(
    r"(?P<word>另一位是|另一个是|另一位|另一个|一位是|一个是)|(?P<ordinal>第[一二三四五六七八九十][位个][是:：]?)"
    r"|(?P<numeral>[一二三四五][是、])|(?P<qi>其[一二三][是,，:：]?)|(?P<dot>(?<![0-9])\d[.、．]|[\u2488-\u249b])"
    r"|(?P<bracketed>[（(]\d[)）]|[\u2474-\u2487])|(?P<square>【\d】)|(?P<circled>[\u2460-\u2473\u24eb-\u24ff\u2776-\u2793])"
)
_COUNT = re.compile(r"[两二三四五几]\s*(?:位|个|名|支|对)")
_SUBJECT_CUE = re.compile(r"(?:他就是|她就是|就是|名叫|叫做|他叫|她叫|名字叫|名字是)")
_NOMINATOR_SELF = re.compile(r"(?:我是|我叫|本人是|本人叫|本人)")
_NOMINATOR_BEFORE_VERB = re.compile(r"(?:想|要|来|特此|特别想)?推荐(?:他|她|他们|她们)")
_GREETING = re.compile(r"^(?:编辑|记者|各位|老师|小编|贵报|您|你)[^,，。!！:：]{0,8}?(?:好|您好|你好)[,，。!！:：\s]*")
_PHONE_LABEL = re.compile(r"(?:联系电话|联系方式|电话|手机号?|tel|Tel|TEL)\s*[:：]?\s*$")

# Groups named …会 or …社 are listed whole (读书会, 服务社): 会 alone is also a verb and a modal (张三会修车, 学会了),
# and 社 alone ends 报社 and 旅行社, where the nominee is the person after them.
GROUP_SUFFIXES = sorted([
    "读书会", "理事会", "互助会", "促进会", "研究会", "联谊会", "服务社", "文学社", "书画社", "诗社", "剧社",
    "救援队", "志愿服务队", "志愿者服务队", "志愿者协会", "志愿队", "服务队", "协会", "联合会", "商会", "学会", "团队", "小组", "车队",
    "突击队", "服务站", "工作室", "合作社", "基金会", "党支部", "支部", "大队", "中队", "分队", "护卫队", "巡逻队", "巡河队", "宣讲团",
    "艺术团", "演出队", "合唱团", "医疗队", "植树队", "足球队", "篮球队", "球队", "救援站", "爱心团", "助学团", "村委会", "居委会",
    "中学", "小学", "学校", "幼儿园", "医院", "卫生院", "派出所", "消防站", "公司", "车间", "班组",
    "一家", "家庭", "之家", "一家人", "全家", "村", "社区", "夫妇", "夫妻", "兄弟", "姐妹", "兄妹", "姐弟", "母女", "父子", "母子",
    "父女", "婆媳", "老两口", "两口子", "和老伴", "老伴", "俩", "二人", "搭档", "团", "队", "组",
], key=len, reverse=True)
PAIR_WORDS = ("夫妇", "夫妻", "兄弟", "姐妹", "兄妹", "姐弟", "母女", "父子", "母子", "父女", "婆媳", "老两口", "两口子", "俩", "二人",
              "搭档", "老伴", "双胞胎")
_DEICTIC = re.compile(r"^(?:我们|咱们|咱|我|本|这个|这支|这位|一支|一个|一位|一对|这对)")
_QUOTES = "“”\"「」『』‘’《》"
_PRONOUNS = {"他", "她", "他们", "她们", "它", "其"}
_PRONOUN_AFTER_COLON = re.compile(r"\s*[他她](?!们)")  # one person: 他们 may open a list
# A pair presented as one after the names (…王磊，母子俩…). 两人 and 二人 only count the people (推荐张景春和王玉兰，
# 两人多年…): they are listed people, each a nominee.
_PAIR_AFTER = re.compile(r"[,，]\s*(?:" + "|".join(["夫妇", "夫妻", "兄弟", "姐妹", "兄妹", "姐弟", "母女", "父子", "母子", "父女", "婆媳",
                                                     "老两口", "两口子"]) + ")")
# 他们是… before the names (推荐出彩聊城人：他们是张景春和王玉兰): the subject, never part of a name or a group's name.
_PLURAL_SUBJECT = re.compile(r"\s*(?:他们|她们|它们|他俩|她俩)(?:俩|两人|二人|两位|两个|几位)?(?:分别|也|都|就)?是")
_SELF_NOMINATION = re.compile(r"自荐|报名参加|想报名|我要报名|本人报名|推荐自己|推荐我自己")

# Groups whose name is made of their members' names (王立春、赵秀芝夫妇, 李金生一家, 王德胜家庭). Any other group's name
# (聊城市蓝天救援队, 张庄村, “三代教师之家”) names no member: 蓝天 and 张庄 are no people.
_NAMED_BY_MEMBERS = {*PAIR_WORDS, "一家", "一家人", "家庭", "全家", "和老伴"}
_FAMILY = {"一家", "一家人", "家庭", "全家", "之家"}
# A group's members named outside its name, by their part in it (队长王强带领…, 队长王秀芳、队员李红梅、张玉霞等,
# 负责人：王强) or, in a family, by kinship not of someone else (妻子李红梅、儿子王强; not 李金生的父亲李大山).
_MEMBER_ROLE = re.compile(
    r"(?:副?(?:队长|会长|团长|社长|站长|组长|理事长|秘书长)|负责人|发起人|创始人|创办人|带头人|领头人|骨干|队员|成员|会员|团员"
    r"|社员|组员|志愿者)\s*[:：]?\s*"
)
_KIN = re.compile(
    r"(?<!的)(?:爷爷|奶奶|姥姥|姥爷|外公|外婆|父亲|母亲|爸爸|妈妈|丈夫|妻子|老伴|儿子|女儿|儿媳|女婿|孙子|孙女|外孙女|外孙|哥哥|姐姐"
    r"|弟弟|妹妹|公公|婆婆)\s*[:：]?\s*"
)


@dataclass
class Person:
    name: str
    start: int
    end: int
    is_group: bool = False
    members: list[tuple[str, int, int]] = field(default_factory=list)
    confidence: float = 0.5
    how: str = ""
    honorific_only: bool = False  # 李医生: the full name may follow (李医生名叫李红军)
    suffix: str = ""  # a group's: 救援队, 一家, 夫妇…


@dataclass
class People:
    nominees: list[Person]
    nominator: Person | None


def _value_end(text: str, start: int, *, stop_at_space: bool) -> int:
    """Where a labelled value ends: punctuation, a line end, a double space, a phone number, the next label."""
    end = start
    while end < len(text):
        ch = text[end]
        if ch in _VALUE_END or text.startswith("  ", end) or _NUMBER.match(text, end):
            break
        if ch == " " and stop_at_space and end > start:
            break
        if end > start and FIELD_LABEL.match(text, end):
            break
        end += 1
    while end > start and text[end - 1] in " -—":
        end -= 1
    return end


def _strip_quotes(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start] in _QUOTES + " ":
        start += 1
    while end > start and text[end - 1] in _QUOTES + " ":
        end -= 1
    return start, end


def _group_suffix(text: str, start: int, end: int) -> str:
    _s, stripped_end = _strip_quotes(text, start, end)
    for suffix in GROUP_SUFFIXES:
        if text.startswith(suffix, stripped_end - len(suffix)) and stripped_end - len(suffix) >= start:
            if suffix in ("村", "社区") and stripped_end - len(suffix) - start < 1:
                continue
            if suffix in ("团", "队", "组") and stripped_end - start < 4:
                continue
            return suffix
    return ""


def _split_names(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """Parts of a list of people or groups: split on 、 / 和 与 及 where the left part ends with a name or a
    group's name, and the right part is one (or ends with one)."""
    parts, part_start = [], start
    for position in range(start, end):
        ch = text[position]
        if ch not in "、/和与及" or position <= part_start or position + 1 >= end:
            continue
        if ch in "和与及" and (position - part_start < 2 or end - position <= 2):
            continue
        if not _ends_with_someone(text, part_start, position):
            continue
        next_stop = position + 1
        while next_stop < end and text[next_stop] not in "、/和与及":
            next_stop += 1
        right_ok = (name_starting_at(text, position + 1, end) is not None or _ends_with_someone(text, position + 1, next_stop)
                    or _ends_with_someone(text, position + 1, end))
        if right_ok:
            parts.append((part_start, position))
            part_start = position + 1
    parts.append((part_start, end))
    return [(s, e) for s, e in parts if e > s]


def _ends_with_someone(text: str, start: int, end: int) -> bool:
    match = name_ending_at(text, end, start)
    return (match is not None and not match.honorific_only) or bool(_group_suffix(text, start, end))


def _admin_prefix_end(text: str, start: int, end: int) -> int:
    """The end of leading place names (聊城市东昌府区古楼街道) at the start of text[start:end]."""
    position = start
    for mention in find_mentions(text[start:end]):
        if mention.start + start == position:
            position = mention.end + start
    return position


def _group_from_phrase(text: str, start: int, end: int, how: str) -> Person | None:
    start, end = _strip_trailing_parenthesis(text, start, end)
    dash = text.rfind("——", start, end)
    suffix = _group_suffix(text, start, end) or (_group_suffix(text, start, dash) if dash > start else "")
    if not suffix:
        return None
    name_start = start
    if dash >= 0:
        name_start = dash + 2
    else:
        last_de = text.rfind("的", start, end)
        if last_de >= 0:
            name_start = last_de + 1
    deictic = _DEICTIC.match(text, name_start, end)
    if deictic:
        name_start = deictic.end()
    prefix_end = _admin_prefix_end(text, name_start, end)
    if prefix_end > name_start and (suffix in ("村", "社区") or (prefix_end < end and text[prefix_end] in _QUOTES)):
        name_start = prefix_end
    name_start, name_end = _strip_quotes_keep_pairs(text, name_start, end)
    if name_end - name_start < 2:
        return None
    members = _members(text, name_start, name_end, suffix) if suffix in _NAMED_BY_MEMBERS else []
    return Person(text[name_start:name_end], name_start, name_end, True, members, 0.8, how, suffix=suffix)


def _strip_quotes_keep_pairs(text: str, start: int, end: int) -> tuple[int, int]:
    """Trim spaces; keep quotes that enclose part of a name (“夕阳红”志愿服务队)."""
    while start < end and text[start] == " ":
        start += 1
    while end > start and text[end - 1] == " ":
        end -= 1
    return start, end


def _members(text: str, start: int, end: int, suffix: str) -> list[tuple[str, int, int]]:
    """People named inside the name of a pair or a family: 刘洪亮、崔玉兰夫妇, 李金生一家."""
    body_end = end - len(suffix) if text.startswith(suffix, end - len(suffix)) else end
    members = []
    for part_start, part_end in _split_names(text, start, body_end):
        match = name_ending_at(text, part_end, part_start)
        if match and not match.honorific_only and match.end == part_end:
            members.append((match.name, match.start, match.end))
    return members


def _members_named_after(
    text: str, group: Person, start: int, end: int, skip: list[tuple[int, int]]
) -> list[tuple[str, int, int]]:
    """Members of `group` named in text[start:end] (after its name, before the next nominee) by their part in it or,
    in a family, by kinship; a list goes on after 、 和 与 及 (队长王秀芳、队员李红梅、张玉霞等). Names inside `skip` (the
    nominator's labelled fields: 联系人：车队队长 苗建国) are left out."""
    cues = [_MEMBER_ROLE] + ([_KIN] if group.suffix in _FAMILY else [])
    found: list[tuple[str, int, int]] = []
    for cue in cues:
        reached = start
        for match in cue.finditer(text, start, end):
            if match.start() < reached:
                continue  # inside a list already read
            position = match.end()
            while position < end:
                named = _name_after_cue(text, position, end)
                if named is None or named.honorific_only:
                    break
                if not _inside(skip, named.start):
                    found.append((named.name, named.start, named.end))
                position = named.end
                if position >= end or text[position] not in "、和与及":
                    break
                position += 1
                for next_cue in cues:
                    if again := next_cue.match(text, position, end):
                        position = again.end()
                        break
            reached = position
    return sorted(found, key=lambda member: member[1])


def _inside(ranges: list[tuple[int, int]], position: int) -> bool:
    """Is `position` inside one of `ranges` (sorted, not overlapping)?"""
    index = bisect.bisect_right(ranges, (position, float("inf"))) - 1
    return index >= 0 and ranges[index][0] <= position < ranges[index][1]


def _merged(ranges: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(ranges):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _name_after_cue(text: str, start: int, end: int) -> NameMatch | None:
    """The name starting at `start`, where what comes before says one starts (队长孙丽: not 长孙, a word)."""
    window = text[start : min(end, start + 12)]
    named = name_starting_at(window, 0)
    return NameMatch(start + named.start, start + named.end, named.name, named.honorific_only, named.score) if named else None


def _strip_trailing_parenthesis(text: str, start: int, end: int) -> tuple[int, int]:
    if end > start and text[end - 1] in ")）":
        opening = max(text.rfind("(", start, end), text.rfind("（", start, end))
        if opening > start:
            return start, opening
    return start, end


def _person_from_phrase(text: str, start: int, end: int, how: str, confidence: float) -> list[Person]:
    """The nominee(s) a noun phrase names; the head of a Chinese noun phrase comes last (…的护林员韩德胜)."""
    plural_subject = _PLURAL_SUBJECT.match(text, start, end)
    if plural_subject:
        start = plural_subject.end()
    while start < end and text[start] in " " + _QUOTES:
        start += 1
    while end > start and text[end - 1] in " ":
        end -= 1
    if end <= start or text[start:end] in _PRONOUNS:
        return []
    # 宋阿姨（宋春华）: a full name in brackets after a form of address
    if text[end - 1] in ")）":
        opening = max(text.rfind("(", start, end), text.rfind("（", start, end))
        if opening > start:
            inner = name_starting_at(text, opening + 1, end - 1)
            if inner and inner.end == end - 1 and not inner.honorific_only:
                return [Person(inner.name, inner.start, inner.end, confidence=confidence, how=how)]
            end = opening
    deeds = _deeds_start(text, start, end)
    if deeds is not None:
        end = deeds
        while end > start and text[end - 1] == " ":
            end -= 1
    group = _group_from_phrase(text, start, end, how)
    pair_word = any(word in text[start:end] for word in PAIR_WORDS)
    if group and (pair_word or not _has_several_people(text, start, end)):
        return [group]
    parts = _split_names(text, start, end)
    if pair_word and len(parts) > 1:
        members = [m for s, e in parts if (m := name_ending_at(text, e, s)) and not m.honorific_only]
        if len(members) > 1:
            name_start = members[0].start
            return [Person(text[name_start:end], name_start, end, True, [(m.name, m.start, m.end) for m in members], 0.75, how)]
    people = []
    for part_start, part_end in parts:
        sub_group = _group_from_phrase(text, part_start, part_end, how) if len(parts) > 1 else None
        if sub_group:
            people.append(sub_group)
            continue
        match = name_ending_at(text, part_end, part_start)
        if match is None:
            match = _first_name_in(text, part_start, part_end)
        if match is not None:
            people.append(Person(match.name, match.start, match.end, confidence=confidence if not match.honorific_only else confidence - 0.2,
                                 how=how, honorific_only=match.honorific_only))
    return people


def _deeds_start(text: str, start: int, end: int) -> int | None:
    """Where the deeds begin when a phrase runs its subject straight into them, so it is a clause and not a noun
    phrase (推荐出彩聊城人王秀兰照顾老人: the subject is 王秀兰, not 顾老人); None when no subject is followed by a predicate.

    The subject is a name at the start, after 的, 、 和 与 及 or a role noun, with an honorific allowed between
    (临清市的王秀兰照顾…, 王秀兰和李建国多年来…, 刘桂英阿姨每天…), or a group's name (李金生一家三代…, 志愿者协会多年…).
    """
    cut = None
    for position in range(start, end - 1):
        if not surname_length(text, position):
            continue
        if position > start and text[position - 1] not in "的、和与及" and not _after_role(text, position):
            continue
        read = name_before(
            text, position, end, lambda at: starts_predicate(text, at, end) and not _ends_group_name(text, at, end)
        )
        if read is not None:
            cut = read[1]
            break
    for predicate in predicates_in(text, start + 2, cut if cut is not None else end):
        if _group_suffix(text, start, predicate):
            return predicate
    return cut


# Group suffixes that open with a predicate word (救 of 救援队, 服务 of 服务队): 蓝天救援队 is no name (蓝天) and deeds.
# Not 学会, also a verb (张三学会帮助老人).
_SUFFIXES_OPENING_PREDICATES = tuple(suffix for suffix in GROUP_SUFFIXES if starts_predicate(suffix, 0) and suffix != "学会")


def _ends_group_name(text: str, position: int, end: int) -> bool:
    """Does a group suffix start at `position` and end the phrase or come before the deeds (蓝天救援队，/ 蓝天救援队多年…)?
    Not 学会 in 张三学会修车."""
    for suffix in _SUFFIXES_OPENING_PREDICATES:
        after = position + len(suffix)
        if text.startswith(suffix, position) and after <= end and (after == end or starts_predicate(text, after, end)):
            return True
    return False


def _has_several_people(text: str, start: int, end: int) -> bool:
    return len(_split_names(text, start, end)) > 1


def _first_name_in(text: str, start: int, end: int) -> NameMatch | None:
    """A name inside running text, after 的 or a role noun (临清市的乒乓球运动员孙晓玥在全国…)."""
    best = None
    for position in range(start, end - 1):
        match = name_starting_at(text, position, end)
        if match is None or match.honorific_only:
            continue
        previous = text[position - 1] if position > start else ""
        strong = previous in ("的", "", "是", "叫") or _after_role(text, position)
        if strong and match.score > -1.0:
            return match
        if best is None or match.score > best.score:
            best = match
    return best if best and best.score > 0.5 else None


def _after_role(text: str, position: int) -> bool:
    return bool(ROLE_END.search(text, max(0, position - 4), position))


def _clause_end(text: str, start: int, *, stop_at_colon: bool = True) -> int:
    position = start
    while position < len(text) and text[position] not in CLAUSE_END and not (stop_at_colon and text[position] in ":："):
        if text[position] in "(（【[" and position > start and _PART_MARKER.match(text, position):
            break
        position += 1
    return position


def _labelled_nominees(text: str, label_matches: list[re.Match], how: str) -> list[Person]:
    people = []
    for match in label_matches:
        start = match.end()
        end = _value_end(text, start, stop_at_space=False)
        end = _first_token_end(text, start, end)
        if end <= start:
            continue
        whole = text[start:end].replace(" ", "")
        if 2 <= len(whole) <= 4 and name_score(whole) is not None:
            people.append(Person(whole, start, end, confidence=0.95, how=how))
            continue
        found = _person_from_phrase(text, start, end, how, 0.9)
        if not found:
            match_start = name_starting_at(text, start, end)
            if match_start:
                found = [Person(match_start.name, match_start.start, match_start.end, confidence=0.8, how=how)]
        people.extend(found)
    return people


def _first_token_end(text: str, start: int, end: int) -> int:
    """End of the first space-separated token, treating 宋 玉 洁 (one character at a time) as one token."""
    tokens = text[start:end].split(" ")
    if len(tokens) >= 2 and all(len(token) == 1 for token in tokens[:2]):
        count = 0
        while count < len(tokens) and len(tokens[count]) == 1:
            count += 1
        return start + len(" ".join(tokens[:count]))
    first_space = text.find(" ", start, end)
    return first_space if first_space > start + 1 else end


def _labelled_nominator(text: str, matches: list[re.Match]) -> Person | None:
    for match in matches:
        start = match.end()
        end = _value_end(text, start, stop_at_space=False)
        if end <= start:
            continue
        person = _last_name_in_value(text, start, end)
        if person:
            return person
    return None


def _last_name_in_value(text: str, start: int, end: int) -> Person | None:
    start, end = _strip_trailing_parenthesis(text, start, end)
    while end > start and text[end - 1] == " ":
        end -= 1
    if end <= start:
        return None
    compact = text[start:end].replace(" ", "")
    if 2 <= len(compact) <= 4 and name_score(compact) is not None:
        return Person(compact, start, end, confidence=0.95, how="label")
    match = name_ending_at(text, end, start)
    if match:
        return Person(match.name, match.start, match.end, confidence=0.9 if not match.honorific_only else 0.7, how="label")
    value = text[start:end].strip()
    if 2 <= len(value) <= 4 and re.fullmatch(f"[{CJK}]+", value):
        return Person(value, start, end, confidence=0.6, how="label")  # 小刘, 刘队: what the sender calls themself
    return None


def _enumerated(text: str, start: int, limit: int) -> list[Person]:
    """Nominees listed as 一是… 二是…, 第一位：… , 1. … 2. …, （1）…（2）…, ①…②…: the markers of the first one's kind,
    each item up to the end of its clause or the next marker."""
    markers = _list_markers(text, start, limit)
    people = []
    for index, match in enumerate(markers):
        item_end = _clause_end(text, match.end(), stop_at_colon=False)
        if index + 1 < len(markers):
            item_end = min(item_end, markers[index + 1].start())
        people.extend(_person_from_phrase(text, match.end(), item_end, "enumeration", 0.85))
    return people


def _list_markers(text: str, start: int, limit: int) -> list[re.Match]:
    """The markers of one list: of the kind of the first that can open one (一位是…, or numbered 1), and for numbered
    kinds counting 1, 2, 3… in order, so 三、 in 张三、李四 opens no list and 2.5万元 is no item."""
    kind, listed, expected = None, [], 1
    for match in _ENUMERATION.finditer(text, start, limit):
        if kind is None and (match.lastgroup == "word" or _marker_number(match.group()) == 1):
            kind = match.lastgroup
        if match.lastgroup != kind:
            continue
        if kind == "word":  # 一位是… 另一位是…: not numbered
            listed.append(match)
        elif _marker_number(match.group()) == expected:
            listed.append(match)
            expected += 1
    return listed


def _marker_number(marker: str) -> int | None:
    for ch in marker:
        if ch not in "第其另":
            value = unicodedata.numeric(ch, None)
            if value is not None:
                return int(value)
    return None


def _after_recommend(text: str) -> list[Person]:
    for match in _RECOMMEND.finditer(text):
        start = match.end()
        end = _clause_end(text, start)
        phrase = text[start:end].strip()
        if not phrase and end < len(text) and text[end] in ":：":
            people = _listed_after_colon(text, start, end)  # 推荐出彩聊城人：我们学校的炊事员卢德贵师傅
            if people:
                return people
            continue
        if not phrase or phrase in _PRONOUNS:
            continue
        if end < len(text) and text[end] in ":：":
            if _PRONOUN_AFTER_COLON.match(text, end + 1):
                # 推荐阳谷县的赵铁柱：他是一名退伍军人… : what follows the colon is about the phrase, not a list
                people = _person_from_phrase(text, start, end, "recommend", 0.85)
                if people:
                    return people
            people = _listed_after_colon(text, start, end)
            if people:
                return people
            continue
        count = _COUNT.search(text, start, end)
        if count or len(_list_markers(text, start, end)) >= 2:
            # the list may start inside the clause (推荐以下两位（1）马文清（2）孟凡荣) or after it (推荐两位【1】…)
            people = _enumerated(text, count.end() if count else start, len(text))
            if people:
                return people
        people = _person_from_phrase(text, start, end, "recommend", 0.85)
        if len(people) > 1 and not any(p.is_group for p in people) and _PAIR_AFTER.match(text, end):
            # 推荐临清市的吴秀兰和她的儿子王磊，母子俩… : one pair, named as written
            name_start = text.rfind("的", start, people[0].start) + 1 or start
            return [Person(text[name_start:end], name_start, end, True, [(p.name, p.start, p.end) for p in people], 0.75, "recommend")]
        if people:
            return people
    return []


def _listed_after_colon(text: str, phrase_start: int, colon: int) -> list[Person]:
    """推荐两位网格员：孟凡英和徐立刚 / 一对老夫妻：张景春和王玉兰 / 两个：一个是…；另一个是…"""
    list_start = colon + 1
    enumerated = _enumerated(text, list_start, len(text))
    if enumerated:
        return enumerated
    end = _clause_end(text, list_start, stop_at_colon=False)
    plural_subject = _PLURAL_SUBJECT.match(text, list_start, end)
    if plural_subject:
        list_start = plural_subject.end()  # 一对老夫妻：他们是张景春和王玉兰
    if any(word in text[phrase_start:colon] for word in PAIR_WORDS):
        parts = _split_names(text, list_start, end)
        members = [m for s, e in parts if (m := name_ending_at(text, e, s)) and not m.honorific_only]
        if len(members) > 1:
            return [Person(text[list_start:end].strip(), list_start, end, True, [(m.name, m.start, m.end) for m in members], 0.8, "recommend")]
    return _person_from_phrase(text, list_start, end, "recommend", 0.85)


def _subject_cue(text: str) -> list[Person]:
    for match in _SUBJECT_CUE.finditer(text):
        sentence_start = max(text.rfind(mark, 0, match.start()) for mark in "。!！?？\n") + 1
        if _NOMINATOR_SELF.search(text, sentence_start, match.start()):
            continue  # 我是…老师，名叫吴立华: the sender, not the nominee
        end = _clause_end(text, match.end())
        people = _person_from_phrase(text, match.end(), end, "subject", 0.75)
        if people:
            return people
    return []


def _first_subject(text: str, skip: Person | None) -> list[Person]:
    """The subject of the first sentences: 阳谷县七级镇的货车司机郭振海，… """
    position = 0
    greeting = _GREETING.match(text.lstrip())
    if greeting:
        position = len(text) - len(text.lstrip()) + greeting.end()
    for _ in range(4):
        while position < len(text) and (text[position] in CLAUSE_END or text[position] in " :：#【】[]!！"):
            position += 1
        if marker := _PART_MARKER.match(text, position):
            position = marker.end()
            continue
        if position >= len(text):
            break
        end = _clause_end(text, position)
        if not _NOMINATOR_SELF.match(text, position):
            people = _person_from_phrase(text, position, end, "subject", 0.7)
            people = [p for p in people if not (skip and p.name == skip.name)]
            if people:
                return people
        position = end + 1
    return []


def _self_introduced(text: str) -> Person | None:
    """我是…的工人刘大勇 / 我叫杨帆 / 本人姓周，叫周志刚 / 李一鸣的妈妈赵静想推荐他."""
    for match in _NOMINATOR_SELF.finditer(text):
        end = _clause_end(text, match.end())
        if text.startswith("姓", match.end()):
            next_end = _clause_end(text, end + 1)
            cue = re.compile(r"叫").search(text, end + 1, next_end)
            if cue:
                named = name_starting_at(text, cue.end(), next_end)
                if named:
                    return Person(named.name, named.start, named.end, confidence=0.85, how="self")
            continue
        match_name = name_ending_at(text, end, match.end())
        if match_name is None or match_name.honorific_only:
            match_name = _first_name_in(text, match.end(), end)
        if match_name is None and end < len(text):
            named = re.compile(r"(?:名叫|叫做|叫)").match(text, end + 1)
            if named:
                match_name = name_starting_at(text, named.end(), _clause_end(text, named.end()))
        if match_name and not match_name.honorific_only:
            return Person(match_name.name, match_name.start, match_name.end, confidence=0.85, how="self")
    for match in _NOMINATOR_BEFORE_VERB.finditer(text):
        named = name_ending_at(text, match.start(), max(0, match.start() - 12))
        if named and not named.honorific_only:
            return Person(named.name, named.start, named.end, confidence=0.8, how="self")
    return None


def _signature(text: str, phone_starts: list[int], nominee_names: set[str]) -> Person | None:
    """A name written just before a phone number, or after a dash at the end (——姜楼镇村民 侯敏)."""
    for phone_start in phone_starts:
        end = phone_start
        label = _PHONE_LABEL.search(text, max(0, end - 8), end)
        if label:
            end = label.start()
        while end > 0 and text[end - 1] in " ,，:：\n":
            end -= 1
        line_start = max(text.rfind("\n", 0, end) + 1, max((text.rfind(ch, 0, end) for ch in "。!！?？;；,，"), default=-1) + 1)
        match = name_ending_at(text, end, line_start)
        if match and match.name not in nominee_names and not match.honorific_only:
            return Person(match.name, match.start, match.end, confidence=0.7, how="signature")
    if phone_starts:
        # …电话 15963511234 李红: a name after the last number, at the very end
        after = re.match(r"[\d\s+-]*\s*([^\s\d]{2,4})\s*$", text[phone_starts[-1]:])
        if after:
            match = name_starting_at(text, phone_starts[-1] + after.start(1))
            if match and match.end == phone_starts[-1] + after.end(1) and match.name not in nominee_names:
                return Person(match.name, match.start, match.end, confidence=0.7, how="signature")
    trailing = re.search(rf"[\s]([{CJK}]{{2,4}})\s*$", text)
    if trailing:
        match = name_starting_at(text, trailing.start(1))
        if match and match.end == trailing.end(1) and not match.honorific_only and match.name not in nominee_names:
            return Person(match.name, match.start, match.end, confidence=0.6, how="signature")  # …钟庄村 钟磊
    dash = text.rfind("——")
    if dash >= 0 and len(text) - dash < 30:
        end = _value_end(text, dash + 2, stop_at_space=False)
        match = name_ending_at(text, end, dash + 2)
        if match and match.name not in nominee_names:
            return Person(match.name, match.start, match.end, confidence=0.7, how="signature")
    return None


def _after_keyword_colon(text: str, keyword_spans: list[tuple[int, int]]) -> list[Person]:
    """…我想向贵报推荐出彩聊城人：我们学校的炊事员卢德贵师傅 (the keyword itself is the verb)."""
    for _start, end in keyword_spans:
        colon = re.compile(r"\s*[:：]").match(text, end)
        if colon:
            people = _listed_after_colon(text, end, colon.end() - 1)
            if people:
                return people
    return []


def find_people(text: str, *, phone_starts: list[int], keyword_spans: list[tuple[int, int]] = ()) -> People:
    """Nominees (in order of mention) and the nominator, found in the cleaned text."""
    nominee_labels = list(NOMINEE_LABEL.finditer(text))
    sign_up = list(SIGN_UP_LABEL.finditer(text))
    nominator_labels = list(NOMINATOR_LABEL.finditer(text))
    if sign_up and nominee_labels:
        nominator_labels = nominator_labels + sign_up  # 报名人 beside 推荐对象: the person signing up
    elif sign_up:
        nominee_labels = nominee_labels + sign_up  # 报名人 alone: the person entering the selection
    nominator = _labelled_nominator(text, nominator_labels) or _self_introduced(text)
    nominees = _labelled_nominees(text, sorted(nominee_labels, key=lambda m: m.start()), "label")
    if not nominees:
        nominees = _after_recommend(text)
    if not nominees:
        nominees = _after_keyword_colon(text, list(keyword_spans))
    if not nominees:
        nominees = _enumerated(text, 0, len(text)) if len(_list_markers(text, 0, len(text))) >= 2 else []
    if not nominees:
        nominees = _subject_cue(text)
    if not nominees:
        nominees = _first_subject(text, nominator)
    if nominees and nominees[0].honorific_only:
        named = _subject_cue(text)
        if named and named[0].name[:1] == nominees[0].name[:1]:
            nominees = named + nominees[1:]
    if not nominees and nominator is not None and _SELF_NOMINATION.search(text):
        nominees = [Person(nominator.name, nominator.start, nominator.end, confidence=0.7, how="self-nomination")]
    nominees = _unique(nominees)
    if nominator is None:
        nominator = _signature(text, phone_starts, {person.name for person in nominees})
    _add_members_named_outside(text, nominees, nominator, nominator_labels)
    return People(nominees, nominator)


def _add_members_named_outside(text: str, nominees: list[Person], nominator: Person | None, labels: list[re.Match]) -> None:
    """Each group's members named after its name (队长王强带领队员…), up to the next nominee; never the nominator."""
    if not any(person.is_group for person in nominees):
        return
    skip = [(label.start(), _value_end(text, label.end(), stop_at_space=False)) for label in labels]
    if nominator is not None:
        skip.append((nominator.start, nominator.end))
    skip = _merged(skip)
    starts = sorted(person.start for person in nominees)
    for group in nominees:
        if not group.is_group:
            continue
        following = bisect.bisect_left(starts, group.end)
        end = starts[following] if following < len(starts) else len(text)
        known = {name for name, _s, _e in group.members}
        for member in _members_named_after(text, group, group.end, end, skip):
            if member[0] not in known and member[0] != group.name:
                known.add(member[0])
                group.members.append(member)


def _unique(people: list[Person]) -> list[Person]:
    seen, unique = set(), []
    for person in people:
        if person.name not in seen:
            seen.add(person.name)
            unique.append(person)
    return unique
