"""One nomination: masked contacts and logged reveals, edits, state moves, notes, history, raw message, escaping."""
import pytest
from django.urls import reverse

from xuanshu.core.models import ActivityLog, ContactAccessLog
from xuanshu.nominations.models import NominationNote

UNMASKED = ["13812341234", "138 1234 1234", "liming@example.com"]


def url(name, nomination):
    return reverse(f"console:{name}", args=[nomination.reference])


@pytest.fixture
def nomination(nominate):
    return nominate()


def test_viewer_sees_masked_contacts_only(viewer_client, nomination):
    html = viewer_client.get(url("nomination", nomination)).content.decode()
    assert "138****1234" in html and "l***@example.com" in html
    assert [value for value in UNMASKED if value in html] == []  # nor in the raw message panel
    assert "Show contact" not in html


def test_viewer_cannot_reveal_edit_transition_or_note(viewer_client, nomination):
    attempts = {
        "nomination_contact": {},
        "nomination_edit": {"nominee_name": "改名", "nominee_kind": "individual", "deeds": "x" * 40},
        "nomination_state": {"new_state": "in_review", "expected_state": "received"},
        "nomination_note": {"body": "看过了"},
    }
    statuses = {name: viewer_client.post(url(name, nomination), data).status_code for name, data in attempts.items()}
    assert statuses == dict.fromkeys(attempts, 403)
    nomination.refresh_from_db()
    assert (nomination.state, nomination.nominee_name, NominationNote.objects.count(), ContactAccessLog.objects.count()) == (
        "received", "张桂芳", 0, 0,
    )


def test_viewer_page_is_read_only(viewer_client, nomination):
    html = viewer_client.get(url("nomination", nomination)).content.decode()
    assert url("nomination_edit", nomination) not in html
    assert url("nomination_state", nomination) not in html
    assert url("nomination_note", nomination) not in html


def test_editor_page_is_masked_until_reveal(editor_client, nomination):
    html = editor_client.get(url("nomination", nomination)).content.decode()
    assert [value for value in UNMASKED if value in html] == []
    assert "Show contact" in html
    assert ContactAccessLog.objects.count() == 0


def test_reveal_shows_contacts_and_logs_the_access(editor_client, editor, nomination):
    response = editor_client.post(url("nomination_contact", nomination), REMOTE_ADDR="10.1.2.3")
    html = response.content.decode()
    assert response.status_code == 200
    assert "138 1234 1234" in html and "liming@example.com" in html
    assert "&quot;nominator_phone&quot;: &quot;+8613812341234&quot;" in html  # the raw message, as received
    assert "no-store" in response["Cache-Control"]
    rows = list(ContactAccessLog.objects.order_by("pk").values_list("user", "subject_type", "subject_id", "fields", "purpose", "ip_address"))
    assert rows == [
        (editor.pk, "nominations.nomination", str(nomination.pk), "nominator_phone,nominator_email", "detail", "10.1.2.3"),
        # The raw message panel is shown unmasked too: logged as the inbound page's reveal logs it.
        (editor.pk, "intake.inboundmessage", str(nomination.inbound_id), "sender,raw_message", "detail", "10.1.2.3"),
    ]


def test_reveal_logs_the_follow_up_messages_it_shows_unmasked(editor_client, editor, nomination):
    from xuanshu.intake.enums import Channel
    from xuanshu.intake.services import receive_inbound
    from xuanshu.nominations.services import attach_follow_up

    later = receive_inbound(channel=Channel.WECHAT, external_id="follow-up-1", campaign=nomination.campaign, sender="oOpenid1",
                            raw_body=b"<xml/>", wants_reference=False, enqueue_processing=False).inbound
    attach_follow_up(inbound=later, nomination_id=nomination.pk, text="补充：她的电话13912345678")
    masked = editor_client.get(url("nomination", nomination)).content.decode()
    assert ("13912345678" in masked, ContactAccessLog.objects.count()) == (False, 0)
    html = editor_client.post(url("nomination_contact", nomination)).content.decode()
    assert "补充：她的电话13912345678" in html
    assert list(ContactAccessLog.objects.order_by("pk").values_list("subject_type", "subject_id", "fields")) == [
        ("nominations.nomination", str(nomination.pk), "nominator_phone,nominator_email"),
        ("intake.inboundmessage", str(nomination.inbound_id), "sender,raw_message"),
        ("intake.inboundmessage", str(later.pk), "raw_message"),
    ]


def test_reveal_needs_a_post(editor_client, nomination):
    assert editor_client.get(url("nomination_contact", nomination)).status_code == 405
    assert ContactAccessLog.objects.count() == 0


def test_editor_moves_the_state_with_a_reason(editor_client, editor, nomination):
    response = editor_client.post(url("nomination_state", nomination), {"new_state": "rejected", "reason": "不符合推荐条件",
                                                                  "expected_state": "received"})
    assert (response.status_code, response["Location"]) == (302, url("nomination", nomination))
    nomination.refresh_from_db()
    row = ActivityLog.objects.filter(action="nomination.rejected").get()
    assert (nomination.state, row.actor, row.reason, row.old_value, row.new_value) == (
        "rejected", editor, "不符合推荐条件", {"state": "received"}, {"state": "rejected"},
    )
    assert "The nomination is now “Rejected”." in editor_client.get(response["Location"]).content.decode()


def test_offered_moves_follow_the_transition_table(editor_client, nomination):
    moves = editor_client.get(url("nomination", nomination)).context["moves"]
    assert [(move["state"], move["needs_reason"]) for move in moves] == [
        ("in_review", False), ("rejected", True), ("duplicate", True), ("withdrawn", True),
    ]


def test_illegal_move_shows_an_error_and_changes_nothing(editor_client, nomination):
    response = editor_client.post(url("nomination_state", nomination), {"new_state": "verified", "expected_state": "received"})
    assert response.status_code == 400
    assert "A nomination cannot go from “Received” to “Verified”." in response.content.decode()
    nomination.refresh_from_db()
    assert (nomination.state, ActivityLog.objects.filter(action__startswith="nomination.verified").count()) == ("received", 0)


def test_move_that_needs_a_reason_refuses_an_empty_one(editor_client, nomination):
    response = editor_client.post(url("nomination_state", nomination), {"new_state": "rejected", "reason": " ", "expected_state": "received"})
    assert response.status_code == 400
    assert "Please give a reason for this change." in response.content.decode()
    nomination.refresh_from_db()
    assert nomination.state == "received"


def edit_data(nomination, **changes):
    data = {
        "nominee_name": nomination.nominee_name, "nominee_kind": nomination.nominee_kind,
        "category": nomination.category_id, "area": nomination.area_id, "place_detail": nomination.place_detail,
        "deeds": nomination.deeds, "nominator_name": nomination.nominator_name,
        "nominator_phone": "", "nominator_email": "", "reason": "",
    }
    data.update(changes)
    return data


def test_edit_form_never_prefills_contacts(editor_client, nomination):
    form = editor_client.get(url("nomination", nomination)).context["edit_form"]
    assert (form["nominator_phone"].value(), form["nominator_email"].value(), form["nominee_name"].value()) == (None, None, "张桂芳")


def test_field_edit_is_saved_and_audited(editor_client, editor, nomination):
    data = edit_data(nomination, nominee_name="张桂芬", nominator_phone="139 8765 4321", reason="错别字")
    response = editor_client.post(url("nomination_edit", nomination), data)
    assert response.status_code == 302
    nomination.refresh_from_db()
    assert (nomination.nominee_name, nomination.nominator_phone, nomination.nominator_email) == (
        "张桂芬", "+8613987654321", "liming@example.com",
    )
    row = ActivityLog.objects.get(action="nomination.edit")
    assert (row.actor, row.old_value, row.new_value, row.reason) == (
        editor,
        {"nominee_name": "张桂芳", "nominator_phone": "138****1234"},
        {"nominee_name": "张桂芬", "nominator_phone": "139****4321"},
        "错别字",
    )


def test_invalid_edit_shows_the_error_and_changes_nothing(editor_client, nomination):
    response = editor_client.post(url("nomination_edit", nomination), edit_data(nomination, nominee_name="新名字", nominator_phone="12345"))
    assert response.status_code == 400
    assert "Enter a valid mainland mobile number or a landline with area code." in response.content.decode()
    nomination.refresh_from_db()
    assert (nomination.nominee_name, ActivityLog.objects.filter(action="nomination.edit").count()) == ("张桂芳", 0)


def test_every_wrong_field_is_reported_at_once_beside_it(editor_client, nomination):
    """A wrong phone is found with the other mistakes, not only after they are corrected and the form sent again."""
    response = editor_client.post(url("nomination_edit", nomination), edit_data(
        nomination, nominee_name="", nominator_phone="12345", nominator_email="not-an-email"))
    assert (response.status_code, response.context["edit_form"].errors) == (400, {
        "nominee_name": ["This field is required."],
        "nominator_phone": ["Enter a valid mainland mobile number or a landline with area code."],
        "nominator_email": ["Enter a valid e-mail address, or leave it empty."],
    })


def test_an_empty_category_or_county_reads_as_not_given(editor_client, nominate):
    nomination = nominate(category_code=None, area_code=None)
    form = editor_client.get(url("nomination", nomination)).context["edit_form"]
    assert ([str(label) for _, label in form.fields["category"].choices][:1],
            [str(label) for _, label in form.fields["area"].choices][:1]) == (["Not given"], ["Not given"])


def test_note_is_added_and_shown(editor_client, editor, nomination):
    response = editor_client.post(url("nomination_note", nomination), {"body": "已电话联系推荐人，\n事迹属实。"})
    assert response.status_code == 302
    assert list(NominationNote.objects.values_list("nomination", "author", "body")) == [
        (nomination.pk, editor.pk, "已电话联系推荐人，\n事迹属实。"),
    ]
    assert "已电话联系推荐人，\n事迹属实。" in editor_client.get(url("nomination", nomination)).content.decode()


def test_empty_note_is_refused(editor_client, nomination):
    response = editor_client.post(url("nomination_note", nomination), {"body": "   "})
    assert (response.status_code, NominationNote.objects.count()) == (400, 0)


def test_history_lists_this_nominations_activity_newest_first(editor_client, nominate, nomination, editor):
    editor_client.post(url("nomination_state", nomination), {"new_state": "in_review", "expected_state": "received"})
    editor_client.post(url("nomination_note", nomination), {"body": "先看看"})
    nominate()  # another nomination's history stays out
    activity = editor_client.get(url("nomination", nomination)).context["activity"]
    assert [(row.action, row.subject_id) for row in activity] == [
        ("nomination.note", str(nomination.pk)), ("nomination.in_review", str(nomination.pk)), ("nomination.create", str(nomination.pk)),
    ]


def test_raw_message_is_shown_with_its_status(viewer_client, nomination):
    html = viewer_client.get(url("nomination", nomination)).content.decode()
    assert "&quot;deeds&quot;: &quot;二十年如一日照顾瘫痪在床的婆婆" in html
    assert '<span class="badge inbound-processed">Processed</span>' in html


def test_unknown_reference_is_404(editor_client, db):
    assert editor_client.get(reverse("console:nomination", args=["CCLC2024-999999"])).status_code == 404


SCRIPT = "<script>alert(1)</script>"
IMG = "<img src=x onerror=alert(1)>"


def test_citizen_markup_is_escaped_on_the_detail_page(client, editor, viewer, nominate):
    nomination = nominate(nominee_name=f"{SCRIPT}{IMG}", deeds=f"好人好事{SCRIPT}{IMG}" + "事迹" * 20)
    for user in (editor, viewer):
        client.force_login(user)
        html = client.get(url("nomination", nomination)).content.decode()
        assert "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(1)&gt;" in html
        assert (SCRIPT in html, IMG in html) == (False, False)


def test_too_long_text_and_nul_characters_are_explained_in_plain_chinese(editor_client, nomination):
    data = edit_data(nomination, nominee_name="张" * 150, deeds="事迹\x00事迹")
    response = editor_client.post(url("nomination_edit", nomination), data, HTTP_ACCEPT_LANGUAGE="zh-hans")
    errors = [str(error) for field in ("nominee_name", "deeds") for error in response.context["edit_form"].errors[field]]
    assert (response.status_code, errors) == (400, [
        "请删减到100字以内（目前150字）。",
        "内容中含有无法保存的不可见控制字符（NUL），请删除它，或不要粘贴、直接重新输入。",
    ])


def test_follow_ups_are_shown_in_the_order_they_were_sent(editor_client, nomination):
    """A photo fetched from WeChat joins its nomination after the texts sent after it; a story split over messages
    (1/3, 2/3, 3/3) may be processed out of order by two workers. The page shows them as the citizen sent them."""
    import datetime as dt

    from xuanshu.intake.enums import Channel
    from xuanshu.intake.services import receive_inbound
    from xuanshu.nominations.services import attach_follow_up

    sent = {}
    for n, text in enumerate(["（2/3）退伍后回村种大棚，", "（3/3）还自费修了路。"], start=1):
        sent[text] = receive_inbound(channel=Channel.WECHAT, external_id=f"part-{n}", campaign=nomination.campaign,
                                     sender="oOpenid1", raw_body=b"<xml/>", wants_reference=False, enqueue_processing=False,
                                     received_at=nomination.received_at + dt.timedelta(seconds=n)).inbound
    attach_follow_up(inbound=sent["（3/3）还自费修了路。"], nomination_id=nomination.pk, text="（3/3）还自费修了路。")
    attach_follow_up(inbound=sent["（2/3）退伍后回村种大棚，"], nomination_id=nomination.pk, text="（2/3）退伍后回村种大棚，")
    shown = [follow_up.text for follow_up in editor_client.get(url("nomination", nomination)).context["follow_ups"]]
    assert shown == ["（2/3）退伍后回村种大棚，", "（3/3）还自费修了路。"]
