"""The nomination page: evidence highlights in the message, masked contacts, screening, corrections exported."""
import io
import json

import pytest
from django.core.management import call_command
from django.urls import reverse

from xuanshu.nominations.services import update_nomination_fields

MESSAGE = "推荐出彩聊城人 推荐阳谷县七级镇的货车司机郭振海，跳进运河救起落水学生。推荐人：王立新 13465012345 <b>谢谢</b>"


@pytest.fixture(autouse=True)
def english(client):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"


def page(client, user, nomination):
    client.force_login(user)
    return client.get(reverse("console:nomination", args=[nomination.reference])).content.decode()


def test_each_extracted_value_is_highlighted_and_contacts_stay_masked(client, editor, free_text_nomination):
    html = page(client, editor, free_text_nomination(MESSAGE))
    assert '<mark class="ev ev-nominee" title="Nominee" data-field="nominees[0].name">郭振海</mark>' in html
    assert '<mark class="ev ev-nominator" title="Nominator" data-field="nominator.name">王立新</mark>' in html
    assert '<mark class="ev ev-place" title="Place" data-field="place.county">阳谷县</mark>' in html
    assert '<mark class="ev ev-contact" title="Nominator&#x27;s phone" data-field="nominator.phones[0]">134****2345</mark>' in html
    evidence = html[html.index('<pre class="raw evidence-text">'):]
    evidence = evidence[:evidence.index("</pre>")]
    assert ("13465012345" in evidence, "&lt;b&gt;谢谢&lt;/b&gt;" in evidence, "<b>谢谢</b>" in html) == (False, True, False)


def test_a_flagged_nomination_shows_its_words_to_editors(client, editor, free_text_nomination):
    html = page(client, editor, free_text_nomination("推荐出彩聊城人 推荐李强，他劝阻村民网赌，帮助十户家庭走出困境。"))
    assert "Held back from public pages until the text no longer contains these words:" in html
    assert '<mark class="ev ev-sensitive">网赌</mark> <span class="muted">gambling · deeds</span>' in html


def test_a_corrected_field_is_exported_as_a_labelled_example(editor, free_text_nomination):
    nomination = free_text_nomination(MESSAGE)
    update_nomination_fields(nomination=nomination, actor=editor, changes={"nominee_name": "郭振海师傅"}, reason="as he signs")
    out = io.StringIO()
    call_command("export-corrections", stdout=out, stderr=io.StringIO())
    rows = [json.loads(line) for line in out.getvalue().splitlines()]
    assert rows == [{
        "reference": nomination.reference,
        "campaign": "chucai-liaocheng-2024",
        "text": "推荐出彩聊城人 推荐阳谷县七级镇的货车司机郭振海，跳进运河救起落水学生。推荐人：王立新 134****2345 <b>谢谢</b>",
        "extracted": {"nominee_name": "郭振海", "nominee_kind": "individual", "category": "good-conduct", "area": "yanggu",
                      "place_detail": "阳谷县七级镇", "nominator_name": "王立新"},
        "corrected": {"nominee_name": "郭振海师傅", "nominee_kind": "individual", "category": None, "area": None,
                      "place_detail": "阳谷县七级镇", "nominator_name": "王立新"},
        "changed": ["nominee_name", "category", "area"],
        "edited_fields": ["nominee_name"],
        "corrected_at": rows[0]["corrected_at"],
        "extractor_version": "rules-6",
        "nominees_found": [{"name": "郭振海", "is_group": False, "members": []}],
    }]


def test_uncorrected_nominations_are_exported_only_when_asked(free_text_nomination):
    free_text_nomination(MESSAGE)
    quiet, everything = io.StringIO(), io.StringIO()
    call_command("export-corrections", stdout=quiet, stderr=io.StringIO())
    call_command("export-corrections", "--all", "--include-contacts", stdout=everything, stderr=io.StringIO())
    row = json.loads(everything.getvalue())
    assert (quiet.getvalue(), row["text"], row["extracted"]["nominator_phone"], row["edited_fields"]) == (
        "", MESSAGE, "+8613465012345", [],
    )


def test_the_extracted_nominees_kind_is_in_the_editors_language(client, editor, free_text_nomination):
    nomination = free_text_nomination(MESSAGE)
    client.force_login(editor)
    html = client.get(reverse("console:nomination", args=[nomination.reference]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert ("<td>郭振海 (个人)</td>" in html, "(individual)" in html) == (True, False)


SEVERAL = "推荐出彩聊城人：王秀兰和李建国两位志愿者，多年来坚持义务巡河，捡拾垃圾上千袋。"
ALSO_NAMED = "<td>Also named in the message</td><td>{names}<br><span class=\"small\">Not this nomination&#x27;s nominee."


def test_other_people_a_message_nominates_are_shown_to_the_editor(client, editor, free_text_nomination):
    nomination = free_text_nomination(SEVERAL)
    html = page(client, editor, nomination)
    assert (nomination.nominee_name, nomination.nominee_kind) == ("王秀兰", "individual")  # one nomination, the first found
    assert ALSO_NAMED.format(names="李建国") in html
    assert '<mark class="ev ev-nominee" title="Nominee" data-field="nominees[1].name">李建国</mark>' in html


def test_a_list_of_nominees_shows_every_one_not_recorded(client, editor, free_text_nomination):
    html = page(client, editor, free_text_nomination("推荐出彩聊城人 推荐郭文明、韩素芳、马丽，他们义务辅导留守儿童十年。"))
    assert ALSO_NAMED.format(names="韩素芳、马丽") in html


def test_the_note_goes_once_the_nominee_includes_them(client, editor, free_text_nomination):
    nomination = free_text_nomination(SEVERAL)
    update_nomination_fields(nomination=nomination, actor=editor, changes={"nominee_name": "李建国"}, reason="the river patrol is his")
    assert ALSO_NAMED.format(names="王秀兰") in page(client, editor, nomination)
    update_nomination_fields(nomination=nomination, actor=editor, changes={"nominee_name": "王秀兰、李建国", "nominee_kind": "group"},
                             reason="they patrol together")
    assert "Also named in the message" not in page(client, editor, nomination)


def test_a_message_with_one_nominee_has_no_note(client, editor, free_text_nomination):
    assert "Also named in the message" not in page(client, editor, free_text_nomination(MESSAGE))


def test_the_note_is_in_the_editors_language(client, editor, free_text_nomination):
    nomination = free_text_nomination(SEVERAL)
    client.force_login(editor)
    html = client.get(reverse("console:nomination", args=[nomination.reference]), HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "<td>文中还提到</td><td>李建国<br><span class=\"small\">未记入本条推荐。请核实是否需要为其另行推荐，或本条是否应为集体推荐。</span>" in html
