import io

import pytest
from PIL import Image

from tests.helpers import heic_bytes, jpeg_bytes, png_bytes
from xuanshu.intake import images
from xuanshu.intake.images import ImageRejected, reencode_image

TEN_MB = 10 * 1024 * 1024


def test_jpeg_is_reencoded_without_exif_or_gps():
    raw = jpeg_bytes(exif_gps=True)
    assert Image.open(io.BytesIO(raw)).getexif().get(0x8825)  # the input really carries GPS
    result = reencode_image(raw, max_bytes=TEN_MB)
    stored = Image.open(io.BytesIO(result.data))
    assert (stored.format, stored.size, dict(stored.getexif()), result.content_type) == ("JPEG", (64, 48), {}, "image/jpeg")
    assert result.data != raw
    assert b"CameraMaker" not in result.data


def test_png_with_alpha_stays_png():
    result = reencode_image(png_bytes(), max_bytes=TEN_MB)
    assert (result.content_type, Image.open(io.BytesIO(result.data)).mode) == ("image/png", "RGBA")


def test_trailing_payload_after_image_is_dropped():
    raw = jpeg_bytes() + b"<?php system($_GET['c']); ?>"
    result = reencode_image(raw, max_bytes=TEN_MB)
    assert b"<?php" not in result.data


@pytest.mark.parametrize("raw", [
    b"MZ\x90\x00 this is an exe renamed to .jpg",
    b"<html><script>alert(1)</script></html>",
    b"%PDF-1.4\n1 0 obj\n",
    jpeg_bytes()[:200],  # truncated JPEG
    b"",
])
def test_non_images_are_refused(raw):
    with pytest.raises(ImageRejected) as raised:
        reencode_image(raw, max_bytes=TEN_MB)
    assert raised.value.code == "not_image"


def test_oversized_file_is_refused_before_decoding():
    with pytest.raises(ImageRejected) as raised:
        reencode_image(b"\xff" * 101, max_bytes=100)
    assert raised.value.code == "too_large"


def test_decompression_bomb_is_refused():
    # A tiny PNG that claims 10000 x 10000 pixels: well above the 40-megapixel guard.
    out = io.BytesIO()
    Image.new("1", (10000, 10000)).save(out, format="PNG")
    with pytest.raises(ImageRejected) as raised:
        reencode_image(out.getvalue(), max_bytes=TEN_MB)
    assert raised.value.code == "too_many_pixels"


def test_an_iphone_heic_is_reencoded_as_jpeg_without_exif_or_gps():
    raw = heic_bytes(exif_gps=True)
    assert (raw[4:12], Image.open(io.BytesIO(raw)).getexif().get(0x8825) is not None) == (b"ftypheic", True)
    result = reencode_image(raw, max_bytes=TEN_MB)
    stored = Image.open(io.BytesIO(result.data))
    assert (stored.format, stored.size, dict(stored.getexif()), result.content_type, result.width, result.height) == (
        "JPEG", (64, 48), {}, "image/jpeg", 64, 48)
    assert b"CameraMaker" not in result.data
    red, green, blue = stored.getpixel((32, 24))
    assert abs(red - 200) < 12 and green < 45 and blue < 45  # the picture itself came through


def test_a_heic_with_transparency_stays_png():
    result = reencode_image(heic_bytes(alpha=True), max_bytes=TEN_MB)
    assert (result.content_type, Image.open(io.BytesIO(result.data)).mode) == ("image/png", "RGBA")


@pytest.mark.parametrize("damage", ["truncated", "bitstream"])
def test_a_damaged_heic_is_refused(damage):
    raw = heic_bytes()
    if damage == "truncated":
        raw = raw[: len(raw) // 2]
    else:  # the container is intact, the HEVC data behind the mdat box header is not
        start = raw.index(b"mdat") + 4
        raw = raw[:start] + b"\xff" * (len(raw) - start)
    with pytest.raises(ImageRejected) as raised:
        reencode_image(raw, max_bytes=TEN_MB)
    assert raised.value.code == "not_image"


def test_a_heic_with_too_many_pixels_is_refused(monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", Image.MAX_IMAGE_PIXELS)  # restored after the test, like MAX_PIXELS
    monkeypatch.setattr(images, "MAX_PIXELS", 1000)  # 64 x 48 is over twice this: Pillow refuses it before decoding
    with pytest.raises(ImageRejected) as raised:
        reencode_image(heic_bytes(), max_bytes=TEN_MB)
    assert raised.value.code == "too_many_pixels"
