"""The search columns: text folded to one script and case, names in pinyin, kept in step with the fields on save."""
import importlib
from types import SimpleNamespace

from django.apps import apps
from django.db import connection

from xuanshu.nominations.models import Nomination
from xuanshu.nominations.search import SearchColumns, fold, name_pinyin_keys, pinyin_term, search_columns
from xuanshu.nominations.services import update_nomination_fields


def test_fold_makes_one_script_and_case_and_keeps_chinese_punctuation():
    assert fold("聊城誌願者協會ＫＴＶ１２３，（好）") == "聊城志愿者协会ktv123，（好）"


def test_names_in_pinyin_read_surnames_as_surnames_and_groups_as_phrases():
    cases = {
        ("赵六", "individual"): ("zhaoliu", "zl"),
        ("單雄信", "individual"): ("shanxiongxin", "sxx"),  # traditional script; 单 as a surname is shan
        ("曾国强大爷", "individual"): ("zengguoqiang", "zgq"),  # the honorific is not part of the name
        ("吕 布", "individual"): ("lvbu", "lb"),
        ("聊城誌願者協會", "group"): ("liaochengzhiyuanzhexiehui", "lczyzxh"),
        ("KTV志愿队", "group"): ("ktvzhiyuandui", "kzyd"),
        ("", "individual"): ("", ""),
    }
    assert {key: name_pinyin_keys(*key) for key in cases} == cases


def test_search_columns_keep_a_folded_deeds_copy_only_where_folding_changes_them():
    assert search_columns(
        nominee_name="張桂芳", nominee_kind="individual", nominator_name="李明", place_detail="東昌府區KTV", deeds="她幫助鄰居。",
    ) == SearchColumns("张桂芳\n李明\n东昌府区ktv", "她帮助邻居。", "zhangguifang", "zgf")
    assert search_columns(
        nominee_name="张桂芳", nominee_kind="individual", nominator_name="", place_detail="", deeds="她帮助邻居，（从不）叫苦。",
    ) == SearchColumns("张桂芳\n\n", "", "zhangguifang", "zgf")


def test_pinyin_terms_are_letters_only():
    cases = {"zhaoliu": "zhaoliu", "Zhao Liu": "zhaoliu", "zhao'liu": "zhaoliu", " zl ": "zl",
             "赵六": None, "zl1": None, "000225": None, "": None, "ｚｌ": None}
    assert {term: pinyin_term(term) for term in cases} == cases


def test_columns_follow_the_fields_when_an_editor_corrects_them(make_nomination, editor):
    nomination = make_nomination(nominee_name="赵六", place_detail="古樓街道")
    stored = Nomination.objects.values_list("search_text", "nominee_pinyin", "nominee_initials").get(pk=nomination.pk)
    assert stored == ("赵六\n李明\n古楼街道", "zhaoliu", "zl")
    update_nomination_fields(nomination=nomination, actor=editor, changes={"nominee_name": "錢七"})
    stored = Nomination.objects.values_list("search_text", "nominee_pinyin", "nominee_initials").get(pk=nomination.pk)
    assert stored == ("钱七\n李明\n古楼街道", "qianqi", "qq")


def test_a_save_of_other_fields_leaves_the_columns_alone(make_nomination):
    nomination = make_nomination(nominee_name="赵六")
    Nomination.objects.filter(pk=nomination.pk).update(nominee_pinyin="stale")
    nomination.state = "in_review"
    nomination.save(update_fields=["state", "updated_at"])
    assert Nomination.objects.values_list("state", "nominee_pinyin").get(pk=nomination.pk) == ("in_review", "stale")


def test_the_data_migration_fills_the_columns_of_existing_nominations(make_nomination, monkeypatch):
    first = make_nomination(nominee_name="聊城誌願者協會", nominee_kind="group", deeds="協會成員常年義務巡河，清理垃圾，勸阻野泳。")
    second = make_nomination(nominee_name="赵六")
    Nomination.objects.update(search_text="", search_deeds="", nominee_pinyin="", nominee_initials="")
    migration = importlib.import_module("xuanshu.nominations.migrations.0003_nomination_search_columns")
    monkeypatch.setattr(migration, "BATCH", 1)  # several batches, as with many rows
    migration.fill_search_columns(apps, SimpleNamespace(connection=connection))
    rows = dict(Nomination.objects.values_list("pk", "search_text"))
    assert rows == {first.pk: "聊城志愿者协会\n李明\n古楼街道", second.pk: "赵六\n李明\n古楼街道"}
    assert list(Nomination.objects.order_by("pk").values_list("search_deeds", "nominee_pinyin", "nominee_initials")) == [
        ("协会成员常年义务巡河，清理垃圾，劝阻野泳。", "liaochengzhiyuanzhexiehui", "lczyzxh"),
        ("", "zhaoliu", "zl"),
    ]
