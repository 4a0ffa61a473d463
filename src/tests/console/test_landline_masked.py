"""A landline caller is masked in the domestic form editors read as a landline (0635-***1234), wherever the console
shows the caller; a mobile keeps its mask."""
import re

import pytest
from django.urls import reverse

from tests.console.test_intake_desk import call_post
from xuanshu.nominations.models import Nomination


@pytest.fixture
def logged_call(editor_client, campaign, django_capture_on_commit_callbacks):
    def log(phone: str) -> Nomination:
        with django_capture_on_commit_callbacks(execute=True):
            assert editor_client.post(reverse("console:hotline"), call_post(caller_phone=phone)).status_code == 302
        return Nomination.objects.get()

    return log


def shown_phones(html: str) -> set[str]:
    return set(re.findall(r"[+\d][\d-]*\*+\d{4}", html))


def test_a_landline_caller_is_masked_as_a_landline_on_the_nomination_and_its_message(viewer_client, logged_call):
    nomination = logged_call("0635-8451234")
    assert nomination.inbound.sender == "+866358451234"  # stored as E.164; only the screen changes
    for url in (reverse("console:nomination", args=[nomination.reference]),
                reverse("console:inbound", args=[nomination.inbound_id])):
        html = viewer_client.get(url).content.decode()
        assert shown_phones(html) == {"0635-***1234"}, url


def test_a_mobile_caller_keeps_its_mask(viewer_client, logged_call):
    nomination = logged_call("13912345678")
    html = viewer_client.get(reverse("console:inbound", args=[nomination.inbound_id])).content.decode()
    assert shown_phones(html) == {"+86139****5678", "139****5678"}


def test_revealed_the_sender_is_shown_as_stored(editor_client, logged_call):
    nomination = logged_call("0635-8451234")
    html = editor_client.post(reverse("console:inbound_contact", args=[nomination.inbound_id])).content.decode()
    assert '<dd class="mono">+866358451234</dd>' in html
