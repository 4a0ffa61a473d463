"""Sensitive-content screening: the shipped word list, a replacement list from the setting, live public check."""
from xuanshu.nominations.extraction.models import Screening
from xuanshu.nominations.extraction.screening import find_sensitive
from xuanshu.nominations.extraction.selectors import is_publicly_showable
from xuanshu.nominations.services import update_nomination_fields


def hits(text):
    return [(hit.word, hit.category, text[hit.start:hit.end]) for hit in find_sensitive(text)]


def test_words_are_found_across_script_width_case_and_spacing():
    assert hits("有人在群里宣传賭博和法 轮 功，还发ＳＢ和傻Ｂ") == [
        ("赌博", "gambling", "賭博"), ("法轮功", "illegal-organisation", "法 轮 功"), ("傻b", "abuse", "傻Ｂ"),
    ]


def test_good_deeds_vocabulary_is_not_flagged():
    assert hits("他冲进爆炸后的火场救出三人，又在洪水中转移被困群众。") == []


def test_the_word_list_can_be_replaced_by_a_file(settings, tmp_path):
    words = tmp_path / "words.txt"
    words.write_text("# local list\n广告\tads\n", encoding="utf-8")
    settings.XUANSHU_SENSITIVE_WORDS_FILE = str(words)
    assert (hits("这是广告，不是赌博"), hits("赌博")) == ([("广告", "ads", "广告")], [])


def test_public_showability_and_the_stored_flag_follow_the_corrected_text(make_nomination, editor, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        nomination = make_nomination(deeds="他在村口开了赌场，后来改过自新，义务巡逻十年。")
    before = (is_publicly_showable(nomination), Screening.objects.get(nomination=nomination).flagged)
    with django_capture_on_commit_callbacks(execute=True):
        corrected = update_nomination_fields(nomination=nomination, actor=editor, changes={"deeds": "他义务巡逻十年，守护村民平安。"})
    after = (is_publicly_showable(corrected), Screening.objects.get(nomination=nomination).flagged)
    assert (before, after) == ((False, True), (True, False))
