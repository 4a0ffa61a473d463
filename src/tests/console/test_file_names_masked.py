"""Names of photos and kept files are the citizen's text too: a phone number in one is masked until a logged reveal."""
import pytest
from django.urls import reverse

from xuanshu.intake.models import Attachment, InboundFile

PHOTO_NAME = "推荐材料13812345678.jpg"
FILE_NAME = "语音-13912345678.amr"


@pytest.fixture
def nomination(nominate):
    nomination = nominate()
    Attachment.objects.create(
        inbound=nomination.inbound, file="attachments/x.jpg", original_name=PHOTO_NAME, original_sha256="0" * 64,
        original_size=10, sha256="0" * 64, content_type="image/jpeg",
    )
    InboundFile.objects.create(
        inbound=nomination.inbound, file="files/x.amr", original_name=FILE_NAME, content_type="audio/amr",
        sha256="0" * 64, size=10,
    )
    return nomination


@pytest.mark.parametrize("page", ["nomination", "inbound"])
def test_file_names_are_masked_for_viewers(viewer_client, nomination, page):
    target = reverse("console:nomination", args=[nomination.reference]) if page == "nomination" else reverse(
        "console:inbound", args=[nomination.inbound_id])
    html = viewer_client.get(target).content.decode()
    assert [name in html for name in (PHOTO_NAME, FILE_NAME, "推荐材料138****5678.jpg", "语音-139****5678.amr")] == [
        False, False, True, True,
    ]


def test_file_names_are_shown_after_a_logged_reveal(editor_client, nomination):
    html = editor_client.post(reverse("console:nomination_contact", args=[nomination.reference])).content.decode()
    assert [name in html for name in (PHOTO_NAME, FILE_NAME)] == [True, True]
