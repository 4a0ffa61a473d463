"""Queue search across scripts, in pinyin, by county and by the number of a reference."""
import pytest
from django.urls import reverse

from xuanshu.nominations.services import update_nomination_fields

QUEUE = reverse("console:queue")


def found(client, term: str, **extra) -> list[str]:
    response = client.get(QUEUE, {"q": term, **extra})
    assert response.status_code == 200
    return [nomination.reference for nomination in response.context["page"].object_list]


@pytest.fixture
def rows(nominate):
    """A group in traditional script from the web form, people in simplified script, two counties."""
    group = nominate(
        nominee_name="聊城誌願者協會", nominee_kind="group", area_code="chiping", place_detail="博平鎮KTV門口",
        deeds="協會成員常年義務巡河，清理垃圾，勸阻野泳。", nominator_name="王曉明",
    )
    zhao = nominate(nominee_name="赵六", area_code="dongchangfu", place_detail="古楼街道", deeds="赵六二十年如一日照顾瘫痪在床的婆婆，还常年义务为社区老人理发。")
    shan = nominate(nominee_name="单雄信", area_code="chiping", place_detail="韩屯镇", deeds="单雄信冒着危险跳入湍急的河水，救起落水的小学生。")
    return {"group": group.reference, "zhao": zhao.reference, "shan": shan.reference}


def test_either_script_finds_the_other(editor_client, rows):
    cases = {
        "聊城志愿者协会": [rows["group"]],  # stored in traditional script, searched in simplified
        "聊城誌願者協會": [rows["group"]],
        "志愿者": [rows["group"]],
        "王晓明": [rows["group"]],  # the nominator
        "博平镇": [rows["group"]],  # the place
        "趙六": [rows["zhao"]],  # stored in simplified script, searched in traditional
        "ktv": [rows["group"]],  # Latin letters in any case
        "ＫＴＶ": [rows["group"]],  # full-width letters
    }
    assert {term: found(editor_client, term) for term in cases} == cases


def test_deeds_are_searched_in_either_script_when_asked(editor_client, rows):
    cases = {"义务巡河": [rows["group"]], "義務巡河": [rows["group"]], "湍急的河水": [rows["shan"]], "湍急的河水KTV": []}
    assert {term: found(editor_client, term, in_deeds="on") for term in cases} == cases
    assert found(editor_client, "义务巡河") == []  # not without the tick


def test_nominee_names_are_found_by_pinyin_and_initials(editor_client, rows):
    cases = {
        "zhaoliu": [rows["zhao"]],
        "zhao": [rows["zhao"]],
        "Zhao Liu": [rows["zhao"]],
        "zl": [rows["zhao"]],
        "shanxiongxin": [rows["shan"]],  # 单 read as a surname, not dan
        "sxx": [rows["shan"]],
        "liaochengzhiyuan": [rows["group"]],
        "lczyzxh": [rows["group"]],
        "zhaoliux": [],
        "danxiongxin": [],
    }
    assert {term: found(editor_client, term) for term in cases} == cases


def test_a_county_name_finds_its_nominations(editor_client, rows):
    cases = {"东昌府": [rows["zhao"]], "东昌府区": [rows["zhao"]], "茌平": [rows["shan"], rows["group"]], "東昌府": [rows["zhao"]]}
    assert {term: found(editor_client, term) for term in cases} == cases


def test_the_number_of_a_reference_finds_it(editor_client, rows):
    number = rows["shan"].rsplit("-", 1)[1]
    assert number.startswith("0000")
    cases = {number: [rows["shan"]], number.lstrip("0"): [rows["shan"]], "999999": [], rows["shan"]: [rows["shan"]]}
    assert {term: found(editor_client, term) for term in cases} == cases


def test_a_corrected_name_is_found_by_its_new_pinyin(editor_client, editor, rows, nominate):
    nomination = nominate(nominee_name="钱七", place_detail="")
    update_nomination_fields(nomination=nomination, actor=editor, changes={"nominee_name": "孙八"})
    assert (found(editor_client, "qianqi"), found(editor_client, "sunba")) == ([], [nomination.reference])


def test_a_reference_typed_in_full_width_or_loosely_finds_it(editor_client, rows):
    assert rows["shan"] == "CCLC2024-000003"
    cases = {
        "ＣＣＬＣ２０２４－０００００３": [rows["shan"]],  # a Chinese input method in full-width mode
        "cclc2024 000003": [rows["shan"]],
        "cclc2024000003": [rows["shan"]],  # no dash after the campaign's prefix
        " CCLC2024—000003 ": [rows["shan"]],  # a long dash
        "CCLC2024_000003": [rows["shan"]],
        "CCLC2024-000003": [rows["shan"]],  # typed exactly, as before
        # Read no looser than the public status lookup reads a reference: the number in full.
        "CCLC2024-3": [],
        "cclc2024 3": [],
        "CCLC2024-999999": [],
    }
    assert {term: found(editor_client, term) for term in cases} == cases


def test_references_of_every_campaign_are_read_loosely(editor_client, nominate, other_campaign):
    ours, theirs = nominate(), nominate(in_campaign=other_campaign)
    assert (ours.reference, theirs.reference) == ("CCLC2024-000001", "OTHER2025-000001")
    assert (found(editor_client, "other2025 000001"), found(editor_client, "ｃｃｌｃ２０２４０００００１")) == (
        [theirs.reference], [ours.reference],
    )
    assert found(editor_client, "other2025 000001", campaign=ours.campaign_id) == []  # the campaign filter still applies


def test_text_that_only_reads_like_a_reference_is_searched_as_text(editor_client, nominate):
    # "B2 301" read as a reference would be B2-301; no campaign numbers its nominations B2, so it is a place.
    flat = nominate(place_detail="B2 301室")
    road = nominate(nominee_name="G3", nominee_kind="group", place_detail="")
    cases = {"b2 301": [flat.reference], "Ｂ２ ３０１": [flat.reference], "g3": [road.reference], "B2301": []}
    assert {term: found(editor_client, term) for term in cases} == cases


def test_a_reference_typed_in_groups_with_a_space_inside_the_prefix_finds_it(editor_client, rows):
    # Read out over the phone or copied off a receipt in groups: "CCLC 2024 000003", "cclc-2024-000003".
    cases = {
        "CCLC 2024 000003": [rows["shan"]],
        "ｃｃｌｃ　２０２４　０００００３": [rows["shan"]],
        "cclc-2024-000003": [rows["shan"]],
        "CCLC 2024 3": [],  # still the number in full
    }
    assert {term: found(editor_client, term) for term in cases} == cases
