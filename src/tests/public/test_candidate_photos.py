"""Candidates' photos: public only as the photo of an active candidate on an open ballot, scaled for phones."""
import io

import pytest
from PIL import Image

from tests.helpers import jpeg_bytes
from xuanshu.intake.images import reencode_image
from xuanshu.intake.services import add_attachment
from xuanshu.public import photos
from xuanshu.voting.config import forget
from xuanshu.voting.models import Candidate

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")


def _photo_of(candidate, size=(2400, 1800)):
    """A photo on the candidate's nomination, chosen for the ballot as open_ballot chooses it."""
    image = reencode_image(jpeg_bytes(size=size), max_bytes=10 * 1024 * 1024)
    attachment = add_attachment(inbound=candidate.nomination.inbound, original_name="photo.jpg", image=image)
    Candidate.objects.filter(pk=candidate.pk).update(photo_ref=f"attachment:{attachment.pk}")
    forget()
    return attachment


def test_the_gallery_shows_a_candidates_photo_scaled_for_phones(client, open_campaign, candidates):
    attachment = _photo_of(candidates[0])
    page = client.get(f"/c/{open_campaign.slug}/candidates/").content.decode()
    url = f"/c/{open_campaign.slug}/candidates/{candidates[0].number}/photo.jpg?v={attachment.sha256[:12]}"
    assert f'src="{url}"' in page
    assert page.count('class="photo"') == 1  # the others have none

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    assert "public" in response["Cache-Control"]
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as served:
        assert served.format == "JPEG"
        assert max(served.size) == photos.MAX_SIDE and served.size[0] > served.size[1]
    assert f'src="{url}"' in client.get(f"/c/{open_campaign.slug}/candidates/{candidates[0].number}/").content.decode()


def test_a_photo_from_another_nomination_is_not_served(client, open_campaign, candidates):
    """photo_ref may only name the candidate's own nomination's photo: any other upload stays private."""
    other = _photo_of(candidates[1])
    Candidate.objects.filter(pk=candidates[0].pk).update(photo_ref=f"attachment:{other.pk}")
    forget()
    assert client.get(f"/c/{open_campaign.slug}/candidates/{candidates[0].number}/photo.jpg").status_code == 404
    assert f"/candidates/{candidates[0].number}/photo.jpg" not in client.get(f"/c/{open_campaign.slug}/candidates/").content.decode()


def test_no_photo_for_a_withdrawn_or_unknown_candidate(client, open_campaign, candidates):
    _photo_of(candidates[0])
    Candidate.objects.filter(pk=candidates[0].pk).update(is_active=False)
    forget()
    assert client.get(f"/c/{open_campaign.slug}/candidates/{candidates[0].number}/photo.jpg").status_code == 404
    assert client.get(f"/c/{open_campaign.slug}/candidates/99/photo.jpg").status_code == 404
    assert client.get(f"/c/{open_campaign.slug}/candidates/{candidates[2].number}/photo.jpg").status_code == 404


def test_a_transparent_png_is_served_on_white(client, open_campaign, candidates):
    """A PNG keeps its transparency when uploaded; a JPEG has none, so the served photo shows white there."""
    picture = Image.new("RGBA", (400, 600), (0, 0, 0, 0))  # transparent, hiding black
    picture.paste((200, 30, 30, 255), (100, 100, 300, 500))  # an opaque red figure in the middle
    raw = io.BytesIO()
    picture.save(raw, format="PNG")
    image = reencode_image(raw.getvalue(), max_bytes=10 * 1024 * 1024)
    assert image.content_type == "image/png"
    attachment = add_attachment(inbound=candidates[0].nomination.inbound, original_name="photo.png", image=image)
    Candidate.objects.filter(pk=candidates[0].pk).update(photo_ref=f"attachment:{attachment.pk}")
    forget()
    response = client.get(f"/c/{open_campaign.slug}/candidates/{candidates[0].number}/photo.jpg")
    with Image.open(io.BytesIO(b"".join(response.streaming_content))) as served:
        corner, middle = served.getpixel((5, 5)), served.getpixel((served.width // 2, served.height // 2))
    assert (min(corner) >= 250, middle[0] > 150 and middle[1] < 80) == (True, True)
