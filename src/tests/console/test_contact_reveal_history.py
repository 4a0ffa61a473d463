"""Logged reveals of contacts in a record's history: who, when, what for and which fields (never the values), shown
to staff who may reveal contacts; others see no such rows."""

import pytest
from django.urls import reverse

from xuanshu.console.activity import ValueItem

NOMINATION_FIELDS = [ValueItem("Shown unmasked", "Nominator's phone、Nominator's e-mail")]
RAW_FIELDS = [ValueItem("Shown unmasked", "Sender、Raw message, unmasked")]


def created(nomination) -> tuple:
    return (
        "Channel: Web form",
        "nomination.create",
        "Nomination received",
        [],
        [ValueItem("State", "Received"), ValueItem("Raw message", f"#{nomination.inbound_id}")],
        "",
    )


def history(client, url) -> list[tuple]:
    response = client.get(url)
    assert response.status_code == 200
    return [
        (entry.actor, entry.action, entry.action_label, entry.before, entry.after, entry.reason)
        for entry in response.context["activity"]
    ]


@pytest.fixture
def revealed(client, editor, nominate):
    """A nomination whose contacts editor1 revealed on its page and then exported."""
    nomination = nominate()
    client.force_login(editor)
    assert client.post(reverse("console:nomination_contact", args=[nomination.reference])).status_code == 200
    response = client.get(reverse("console:export"), {"format": "csv", "include_contacts": "1"})
    assert b"138 1234 1234" in b"".join(response.streaming_content)
    client.logout()
    return nomination


def test_staff_who_may_reveal_see_who_revealed_and_what(client, second_editor, revealed):
    client.force_login(second_editor)
    rows = history(client, reverse("console:nomination", args=[revealed.reference]))
    assert rows == [
        ("editor1", "contact.export", "Exported with contacts", [], NOMINATION_FIELDS, ""),
        ("editor1", "contact.detail", "Contacts shown unmasked", [], NOMINATION_FIELDS, ""),
        created(revealed),
    ]


def test_the_history_names_the_fields_in_chinese_and_never_the_values(client, second_editor, revealed):
    client.force_login(second_editor)
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "zh-hans"
    html = client.get(reverse("console:nomination", args=[revealed.reference])).content.decode()
    history_section = html[html.index("<h2>操作记录</h2>") :]
    assert (
        history_section.count("<td>导出了含联系方式的数据</td>"),
        history_section.count("<td>查看了未打码的联系方式</td>"),
        history_section.count("未打码显示：推荐人电话、推荐人邮箱"),
    ) == (1, 1, 2)
    assert ("13812341234" in html, "1234 1234" in html, "liming@example.com" in html) == (False, False, False)


def test_staff_who_may_not_reveal_see_no_reveals(client, viewer, revealed):
    client.force_login(viewer)
    assert history(client, reverse("console:nomination", args=[revealed.reference])) == [
        created(revealed),
    ]


def test_the_raw_message_page_shows_its_reveals_and_downloads(client, editor, second_editor, viewer, revealed):
    inbound = revealed.inbound
    client.force_login(second_editor)
    assert client.post(reverse("console:inbound_contact", args=[inbound.pk])).status_code == 200
    assert client.post(reverse("console:inbound_raw_download", args=[inbound.pk])).status_code == 200
    page = reverse("console:inbound", args=[inbound.pk])
    reveals = [row for row in history(client, page) if row[1].startswith("contact.")]
    assert reveals == [
        ("editor2", "contact.download", "Raw message downloaded", [], RAW_FIELDS, ""),
        ("editor2", "contact.detail", "Contacts shown unmasked", [], RAW_FIELDS, ""),
        ("editor1", "contact.detail", "Contacts shown unmasked", [], RAW_FIELDS, ""),  # on the nomination's page
    ]
    client.force_login(viewer)
    assert [row for row in history(client, page) if row[1].startswith("contact.")] == []


def test_a_reveal_for_a_purpose_without_words_names_it_as_logged(db, editor):
    from django.utils import timezone

    from xuanshu.console.activity import action_label, present_contact_reveals
    from xuanshu.core.models import ContactAccessLog

    reveal = ContactAccessLog(
        created_at=timezone.now(),
        user=editor,
        subject_type="nominations.nomination",
        subject_id="1",
        fields="nominator_phone,deeds",
        purpose="audit",
    )
    entry = present_contact_reveals([reveal])[0]
    assert (entry.action, entry.action_label, entry.after) == (
        "contact.audit",
        "Contacts shown unmasked (audit)",
        [ValueItem("Shown unmasked", "Nominator's phone、Deeds")],
    )
    assert [action_label(f"contact.{purpose}") for purpose in ("detail", "export", "download")] == [
        "Contacts shown unmasked",
        "Exported with contacts",
        "Raw message downloaded",
    ]
