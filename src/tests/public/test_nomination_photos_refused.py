"""Photos the nomination form refuses (not a picture, too large, empty, too many): the page says how many were
refused, each with its reason, and asks to choose again only the ones that could be used, which a page sent back
cannot keep; it never counts a refused photo among those."""

import re

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.helpers import jpeg_bytes, png_bytes
from tests.public.test_nomination_form import nominate_url, stored_counts, valid_post
from xuanshu.campaigns.models import Campaign

pytestmark = pytest.mark.django_db(transaction=True)

NOT_AN_IMAGE = "“说明.jpg”不是可以打开的图片，请上传JPG或PNG格式的照片。"
TOO_LARGE = "“大图.png”超过 1 MB，请压缩后再上传。"


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


@pytest.fixture
def one_mb_campaign(campaign):
    """Photos of at most 1 MB: a photo too large stays small enough for a quick test."""
    Campaign.objects.filter(pk=campaign.pk).update(max_photo_bytes=1024 * 1024)
    return campaign


def _good(name: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg")


def _not_an_image() -> SimpleUploadedFile:
    return SimpleUploadedFile("说明.jpg", b"%PDF-1.4 not a picture", content_type="image/jpeg")


def _too_large() -> SimpleUploadedFile:
    return SimpleUploadedFile("大图.png", png_bytes() + b"\0" * (1024 * 1024), content_type="image/png")


def _photo_messages(client, campaign, photos, **fields) -> list[str]:
    """The messages under the photo field, in order, once the post is sent back."""
    response = client.post(nominate_url(campaign), {**valid_post(**fields), "photos": photos})
    assert response.status_code == 400
    block = re.search(r'<div class="field[^"]*" id="field-photos">(.*?)</div>', response.content.decode(), re.S).group(1)
    return [" ".join(text.split()) for text in re.findall(r'<p class="error"[^>]*>(.*?)</p>', block, re.S)]


def test_when_every_photo_is_refused_the_page_says_how_many_and_why_and_keeps_none(client, one_mb_campaign):
    before = stored_counts()
    assert _photo_messages(client, one_mb_campaign, [_not_an_image(), _too_large()]) == [
        "您所选的照片均无法使用（共2张，原因见下）。请换用其他照片，或不附照片提交。",
        NOT_AN_IMAGE,
        TOO_LARGE,
    ]
    assert stored_counts() == before


def test_a_single_refused_photo_is_counted_as_one(client, one_mb_campaign):
    assert _photo_messages(client, one_mb_campaign, [_not_an_image()]) == [
        "您所选的照片均无法使用（共1张，原因见下）。请换用其他照片，或不附照片提交。",
        NOT_AN_IMAGE,
    ]


def test_when_some_photos_are_refused_only_the_others_are_asked_for_again(client, one_mb_campaign):
    photos = [_good("一.jpg"), _not_an_image(), _good("二.jpg"), _too_large()]
    assert _photo_messages(client, one_mb_campaign, photos) == [
        "2张照片无法使用（原因见下）。其余2张请重新选择：退回的页面无法保留您已选择的照片。",
        NOT_AN_IMAGE,
        TOO_LARGE,
    ]


def test_an_empty_photo_is_counted_among_the_refused(client, one_mb_campaign):
    empty = SimpleUploadedFile("空白.jpg", b"", content_type="image/jpeg")
    assert _photo_messages(client, one_mb_campaign, [_good("好.jpg"), empty]) == [
        "1张照片无法使用（原因见下）。其余1张请重新选择：退回的页面无法保留您已选择的照片。",
        "“空白.jpg”是空文件（0字节），请重新选择这张照片。",
    ]


def test_good_photos_sent_back_for_another_field_are_all_asked_for_again(client, one_mb_campaign):
    assert _photo_messages(client, one_mb_campaign, [_good("一.jpg"), _good("二.jpg")], nominator_phone="abc") == [
        "请重新选择照片（共2张）：退回的页面无法保留您已选择的照片。",
    ]


def test_too_many_photos_says_how_many_were_chosen_and_how_many_may_be(client, one_mb_campaign):
    assert _photo_messages(client, one_mb_campaign, [_good(f"{n}.jpg") for n in range(10)]) == [
        "您选择了10张照片，最多上传9张照片，请重新选择。",
    ]
