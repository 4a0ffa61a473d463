"""The nominee page's merge form reads a reference as the citizens' status lookup does: full width, spaces, any dash."""
import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from xuanshu.nominations.dedup.models import NomineeMembership

GUIFANG = "张桂芳二十年如一日照顾瘫痪在床的婆婆，端水喂饭、擦身翻身从不叫苦，还常年义务为社区老人理发，街坊邻居有口皆碑。"
DESHENG = "刘德胜在城区创业成功后不忘家乡莘县，先后捐资八十万元为古云镇修路建校，还把蔬菜深加工项目带回老家。"


def full_width(text: str) -> str:
    return "".join(chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else "\u3000" if ch == " " else ch for ch in text)


@pytest.fixture
def two_nominees(make_nomination, django_capture_on_commit_callbacks):
    """Two nominations of two different nominees, each linked to its nominee (as after they arrive)."""
    with django_capture_on_commit_callbacks(execute=True):
        first = make_nomination(nominee_name="张桂芳", deeds=GUIFANG)
    with django_capture_on_commit_callbacks(execute=True):
        other = make_nomination(nominee_name="刘德胜", area_code="shenxian", deeds=DESHENG)
    target = NomineeMembership.objects.get(nomination=first).nominee
    assert NomineeMembership.objects.get(nomination=other).nominee != target
    return target, other


@pytest.mark.parametrize("typed", [
    "{full_width}",  # ＣＣＬＣ２０２４－００００２: a Chinese input method in full-width mode
    "{prefix} {number}",
    "  {prefix}\u3000－\u3000{number}  ",  # ideographic spaces around a full-width dash
    "          {full_width}          ",  # pasted with the blanks around it: longer than 32 characters
    "{prefix}\u2014{number}",  # an em dash from a phone keyboard
    "{prefix_lower}{number}",  # no dash, lower case
    "{full_width_lower_no_dash}",
    "CCLC 2024 {number}",  # read out over the phone in groups
])
def test_a_reference_typed_as_people_type_it_finds_the_nominee(editor_client, two_nominees, typed):
    target, other = two_nominees
    prefix, number = other.reference.split("-")
    text = typed.format(
        full_width=full_width(other.reference), prefix=prefix, number=number, prefix_lower=prefix.lower(),
        full_width_lower_no_dash=full_width(f"{prefix.lower()}{number}"),
    )
    response = editor_client.post(reverse("console:nominee_merge_into", args=[target.pk]), {"other": text, "reason": "同一人"})
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["The nominees were merged."]
    assert NomineeMembership.objects.get(nomination=other).nominee == target


def test_an_unknown_reference_is_named_as_read(editor_client, two_nominees):
    target, _ = two_nominees
    response = editor_client.post(reverse("console:nominee_merge_into", args=[target.pk]), {"other": full_width("cclc2024 999999")})
    assert [str(message) for message in get_messages(response.wsgi_request)] == ["No nominee has a nomination CCLC2024-999999."]


@pytest.mark.parametrize("typed", ["", "  ", "－－", "\u3000"])
def test_nothing_but_dashes_and_spaces_asks_for_a_reference(editor_client, two_nominees, typed):
    target, other = two_nominees
    response = editor_client.post(reverse("console:nominee_merge_into", args=[target.pk]), {"other": typed})
    assert [str(message) for message in get_messages(response.wsgi_request)] == [
        "Enter the reference of a nomination of the other nominee."]
    assert NomineeMembership.objects.get(nomination=other).nominee != target
