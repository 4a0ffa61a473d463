"""POST /api/v1/tips as multipart: images verified and re-encoded (EXIF gone), refusals leave nothing behind."""
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import encode_multipart
from PIL import Image

from tests.api.conftest import BOUNDARY, TIPS_PATH, error_of, post_multipart, signed_headers, stored
from tests.helpers import heic_bytes, jpeg_bytes, png_bytes
from xuanshu.campaigns.models import Campaign
from xuanshu.intake.models import Attachment, InboundMessage
from xuanshu.nominations.models import Nomination
from xuanshu.public.links import status_link_token

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = {
    "tip_id": "qlyd-20240612-000501",
    "tag": "推荐出彩聊城人",
    "content": "推荐阳谷县的快递小哥赵磊，暴雨夜里把被困的老人背出积水的地下室。",
    "contact_name": "周婷",
    "contact_phone": "15906351234",
    "app_user_id": "u5501",
}


def test_a_tip_with_photos_stores_them_reencoded_without_exif(client, partner):
    raw_photo = jpeg_bytes(exif_gps=True)
    response = post_multipart(client, partner, FIELDS, [("现场.jpg", raw_photo, "image/jpeg"), ("b.png", png_bytes(), "image/png")])
    inbound = InboundMessage.objects.get()
    assert (response.status_code, response.json()) == (201, {
        "inbound_id": inbound.pk, "is_nomination": True, "reference": "CCLC2024-000001",
        "status_path": "/c/chucai-liaocheng-2024/status/", "held_because": None, "notice": None,
        "status_url": None, "status_link_path": f"/c/chucai-liaocheng-2024/status/{status_link_token('CCLC2024-000001')}/",
    })
    jpeg, png = inbound.attachments.all()
    assert inbound.raw_body is None
    assert inbound.payload == {"fields": FIELDS, "images": [
        {"name": "现场.jpg", "original_sha256": jpeg.original_sha256, "original_size": len(raw_photo)},
        {"name": "b.png", "original_sha256": png.original_sha256, "original_size": png.original_size},
    ]}
    stored_photo = Image.open(io.BytesIO(jpeg.file.read()))
    assert (stored_photo.format, stored_photo.size, dict(stored_photo.getexif()), png.content_type) == ("JPEG", (64, 48), {}, "image/png")
    nomination = Nomination.objects.get()
    assert (nomination.deeds, nomination.nominator_name, nomination.nominator_phone) == (FIELDS["content"], "周婷", "+8615906351234")


def test_an_iphone_heic_is_stored_as_jpeg_and_a_damaged_one_refuses_the_tip(client, partner):
    raw_photo = heic_bytes(size=(80, 60), exif_gps=True)
    response = post_multipart(client, partner, FIELDS, [("IMG_0001.HEIC", raw_photo, "image/heic")])
    assert response.status_code == 201
    photo = InboundMessage.objects.get().attachments.get()
    stored_photo = Image.open(io.BytesIO(photo.file.read()))
    assert (photo.original_name, photo.content_type, stored_photo.format, stored_photo.size, dict(stored_photo.getexif())) == (
        "IMG_0001.HEIC", "image/jpeg", "JPEG", (80, 60), {})
    damaged = post_multipart(client, partner, {**FIELDS, "tip_id": "qlyd-20240612-000502"},
                             [("IMG_0002.HEIC", raw_photo[: len(raw_photo) // 2], "image/heic")])
    assert (error_of(damaged), [detail["code"] for detail in damaged.json()["error"]["details"]]) == (
        (422, "image_rejected"), ["not_image"])
    assert InboundMessage.objects.count() == 1


def test_a_tip_without_photos_may_come_as_a_form(client, partner):
    response = post_multipart(client, partner, {"content": "东昌路的红绿灯坏了三天了。"})
    assert (response.status_code, response.json()["is_nomination"], InboundMessage.objects.get().payload) == (
        201, False, {"fields": {"content": "东昌路的红绿灯坏了三天了。"}, "images": []},
    )


@pytest.mark.parametrize("disguised", [
    b"MZ\x90\x00\x03\x00\x00\x00 an executable renamed to photo.jpg",
    b"<html><script>alert(1)</script></html>",
    jpeg_bytes()[:200],  # truncated
])
def test_a_disguised_non_image_refuses_the_whole_tip(client, partner, disguised):
    before = stored()
    response = post_multipart(client, partner, FIELDS, [("ok.jpg", jpeg_bytes(), "image/jpeg"), ("photo.jpg", disguised, "image/jpeg")])
    assert error_of(response) == (422, "image_rejected")
    assert response.json()["error"]["details"] == [{
        "loc": ["images", 1], "code": "not_image",
        "message": "“photo.jpg” is not a picture we can open. Please upload a JPG or PNG photo.",
    }]
    assert stored() == before
    assert Campaign.objects.get().last_reference_number == 0  # no reference spent on a refused tip


def test_more_photos_than_the_campaign_allows_are_refused(client, partner):
    photos = [(f"{n}.jpg", jpeg_bytes(), "image/jpeg") for n in range(10)]
    response = post_multipart(client, partner, FIELDS, photos)
    assert (error_of(response), response.json()["error"]["message"]) == ((422, "too_many_images"), "At most 9 photos.")
    assert InboundMessage.objects.count() == 0


def test_a_photo_larger_than_the_campaign_allows_is_refused(client, partner):
    Campaign.objects.update(max_photo_bytes=1024 * 1024)
    big = jpeg_bytes() + b"\x00" * (1024 * 1024)
    response = post_multipart(client, partner, FIELDS, [("big.jpg", big, "image/jpeg")])
    assert (error_of(response), response.json()["error"]["details"][0]["code"]) == ((422, "image_rejected"), "too_large")
    assert Attachment.objects.count() == 0


def test_a_body_over_the_multipart_cap_is_refused(client, partner, settings):
    settings.API_MAX_MULTIPART_BYTES = 50_000
    response = post_multipart(client, partner, FIELDS, [("a.jpg", jpeg_bytes(size=(400, 400)) + b"\x00" * 60_000, "image/jpeg")])
    assert error_of(response) == (413, "body_too_large")
    assert InboundMessage.objects.count() == 0


@pytest.mark.parametrize(("fields", "details"), [
    ({**FIELDS, "images": "not a file"}, [{"loc": ["images"], "code": "not_a_file",
                                              "message": "Each “images” part must be a file with a filename."}]),
    ({**FIELDS, "contact": "周婷"}, [{"loc": ["contact"], "code": "extra_forbidden", "message": "Extra inputs are not permitted"}]),
    ({"tag": "推荐出彩聊城人"}, [{"loc": ["content"], "code": "missing", "message": "Field required"}]),
])
def test_form_fields_follow_the_schema(client, partner, fields, details):
    response = post_multipart(client, partner, fields)
    assert (error_of(response), response.json()["error"]["details"]) == ((422, "validation_error"), details)
    assert InboundMessage.objects.count() == 0


def test_a_file_under_another_name_is_refused(client, partner):
    body = encode_multipart(BOUNDARY, {**FIELDS, "attachment": SimpleUploadedFile("a.jpg", jpeg_bytes(), "image/jpeg")})
    response = client.generic("POST", TIPS_PATH, data=body, content_type=f"multipart/form-data; boundary={BOUNDARY}",
                              headers={**signed_headers(partner, body), "Accept-Language": "en"})
    assert (error_of(response), response.json()["error"]["details"]) == ((422, "validation_error"), [
        {"loc": ["attachment"], "code": "extra_forbidden", "message": "Send files only as “images”."},
    ])


def test_a_broken_multipart_body_is_refused(client, partner):
    body = b"--nope\r\nContent-Disposition: form-data; name=\"content\"\r\n\r\nunterminated"
    response = client.generic("POST", TIPS_PATH, data=body, content_type="multipart/form-data; boundary=\"\"",
                              headers={**signed_headers(partner, body), "Accept-Language": "en"})
    assert error_of(response) == (400, "malformed_multipart")
