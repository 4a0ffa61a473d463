"""The nomination form when something goes wrong: what the citizen typed and chose is kept or asked for again,
every error says what to do, a reused token does not swallow a second nomination, and the status link's form works."""
import re
import time

import pytest
from django.core import signing
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import resolve, reverse

from tests.helpers import half_past_this_minute, jpeg_bytes
from tests.public.test_nomination_form import nominate_url, stored_counts, valid_post
from xuanshu.intake.models import InboundMessage
from xuanshu.nominations.models import Nomination
from xuanshu.public.links import status_link_token
from xuanshu.public.views import THANKS_SALT

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def photos(*names):
    return [SimpleUploadedFile(name, jpeg_bytes(), content_type="image/jpeg") for name in names]


def field_block(html: str, field: str) -> str:
    match = re.search(rf'<div class="field[^"]*" id="field-{field}">(.*?)</div>', html, re.S)
    assert match, f"no block for {field}"
    return match.group(1)


def input_value(html: str, name: str) -> str:
    match = re.search(rf'<input[^>]*name="{name}"[^>]*value="([^"]*)"', html)
    return match.group(1) if match else ""


def test_rate_limited_post_keeps_what_was_typed_and_asks_for_the_photos_again(client, campaign, monkeypatch):
    frozen = half_past_this_minute()
    monkeypatch.setattr(time, "time", lambda: frozen)  # one rate-limit window
    for i in range(30):
        assert client.post(nominate_url(campaign), valid_post(token=f"tok{i}")).status_code == 302
    post = valid_post(token="mine0001", nominee_name="孙秀英", deeds="孙秀英老人" + "坚持为社区孤寡老人送餐" * 4,
                      place_detail="柳园街道", nominator_name="赵强", nominator_phone="13912340000")
    response = client.post(nominate_url(campaign), {**post, "photos": photos("一.jpg", "二.jpg")})
    html = response.content.decode()
    assert response.status_code == 429
    assert "您所在网络提交次数过多" in html and "您填写的内容已保留在下方" in html
    assert [input_value(html, name) for name in ("nominee_name", "place_detail", "nominator_name", "nominator_phone",
                                                  "submission_token")] == ["孙秀英", "柳园街道", "赵强", "13912340000", "mine0001"]
    assert f">\n{post['deeds']}</textarea>" in html
    assert re.search(r'<input[^>]*name="consent"[^>]*checked', html)
    assert re.search(r'<option value="chiping" selected>', html)
    assert "请重新选择照片（共2张）" in field_block(html, "photos")
    assert "请修改下方标出的内容" not in html  # nothing was checked, so nothing is marked


def test_rate_limited_post_without_photos_does_not_mention_them(client, campaign, monkeypatch):
    frozen = half_past_this_minute()
    monkeypatch.setattr(time, "time", lambda: frozen)
    for i in range(30):
        client.post(nominate_url(campaign), valid_post(token=f"tok{i}"))
    html = client.post(nominate_url(campaign), valid_post(token="mine0001")).content.decode()
    assert ("您填写的内容已保留在下方" in html, "请重新选择照片" in html) == (True, False)


def test_photos_posted_with_another_error_are_asked_for_again(client, campaign):
    response = client.post(nominate_url(campaign), {**valid_post(nominator_phone="abc"), "photos": photos("a.jpg", "b.jpg", "c.jpg")})
    html = response.content.decode()
    assert response.status_code == 400
    assert "请重新选择照片（共3张）" in field_block(html, "photos")
    assert 'id="field-photos"' in html and '<div class="field has-error" id="field-photos">' in html


def test_an_error_without_photos_does_not_ask_for_photos(client, campaign):
    html = client.post(nominate_url(campaign), valid_post(nominator_phone="abc")).content.decode()
    assert "请重新选择照片" not in html


def test_photos_chosen_again_are_stored(client, campaign):
    client.post(nominate_url(campaign), {**valid_post(token="fix00001", nominator_phone="abc"), "photos": photos("a.jpg", "b.jpg")})
    response = client.post(nominate_url(campaign), {**valid_post(token="fix00001"), "photos": photos("a.jpg", "b.jpg")})
    assert response.status_code == 302
    assert list(Nomination.objects.get().inbound.attachments.values_list("original_name", flat=True)) == ["a.jpg", "b.jpg"]


def test_the_status_link_page_posts_to_the_lookup(client, campaign):
    client.post(nominate_url(campaign), valid_post(token="first001"))
    client.post(nominate_url(campaign), valid_post(token="second01", nominee_name="李秀兰", nominator_phone="13600001111"))
    first, second = Nomination.objects.order_by("pk")
    link = reverse("public:status_link", args=[campaign.slug, status_link_token(first.reference)])
    html = client.get(link).content.decode()
    lookup = reverse("public:status", args=[campaign.slug])
    assert re.search(r'<form method="post" action="([^"]*)"', html).group(1) == lookup
    # What the citizen types into that form is looked up: another reference and its phone.
    result = client.post(lookup, {"reference": second.reference, "phone_last4": "1111"}).content.decode()
    assert "李秀兰" in result and "田玉柱" not in result
    # The link's own address takes no post (it used to ignore what was typed and show the first nomination).
    assert client.post(link, {"reference": second.reference, "phone_last4": "1111"}).status_code == 405


def test_a_reused_token_with_a_different_nomination_creates_it(client, campaign):
    first = client.post(nominate_url(campaign), valid_post(token="cached01"))
    second = client.post(nominate_url(campaign), valid_post(token="cached01", nominee_name="李秀兰"))
    again = client.post(nominate_url(campaign), valid_post(token="cached01", nominee_name="李秀兰"))
    assert first.status_code == second.status_code == again.status_code == 302
    assert list(Nomination.objects.order_by("pk").values_list("nominee_name", flat=True)) == ["田玉柱", "李秀兰"]
    references = [Nomination.objects.get(nominee_name=name).reference for name in ("田玉柱", "李秀兰")]
    thanks = [client.get(r["Location"]).content.decode() for r in (first, second, again)]
    assert [re.search(r'id="reference">([A-Z0-9\-]+)<', page).group(1) for page in thanks] == [references[0], references[1], references[1]]
    external_ids = list(InboundMessage.objects.order_by("pk").values_list("external_id", flat=True))
    assert len(external_ids) == 2 and external_ids[0] == "cached01" and re.fullmatch(r"cached01-[0-9a-f]{32}", external_ids[1])


def test_a_reused_token_with_other_photos_is_another_nomination(client, campaign):
    client.post(nominate_url(campaign), valid_post(token="cached02"))
    client.post(nominate_url(campaign), {**valid_post(token="cached02"), "photos": photos("new.jpg")})
    assert Nomination.objects.count() == 2


def test_identical_resubmission_with_photos_keeps_one_nomination(client, campaign):
    client.post(nominate_url(campaign), {**valid_post(token="cached03"), "photos": photos("a.jpg")})
    client.post(nominate_url(campaign), {**valid_post(token="cached03"), "photos": photos("a.jpg")})
    assert (InboundMessage.objects.count(), Nomination.objects.count()) == (1, 1)


@pytest.mark.parametrize("token", ["", "../../etc", "x" * 65])
def test_a_bad_token_is_explained_in_chinese_and_a_fresh_one_lets_the_citizen_resend(client, campaign, token):
    before = stored_counts()
    response = client.post(nominate_url(campaign), valid_post(token=token))
    html = response.content.decode()
    assert response.status_code == 400
    assert re.search(r'<p class="error banner" role="alert" id="error-submission_token">([^<]*)</p>', html).group(1) == "表单已过期，请重新提交。"
    assert "请修改下方标出的内容" not in html  # no field below is marked
    assert stored_counts() == before
    fresh = input_value(html, "submission_token")
    assert fresh.isalnum() and len(fresh) == 32
    # What was typed is still there; sending the page again goes through.
    assert input_value(html, "nominee_name") == "田玉柱"
    assert client.post(nominate_url(campaign), valid_post(token=fresh)).status_code == 302


@pytest.mark.parametrize(("field", "value"), [
    ("nominee_name", "\u200b\u200b"), ("nominee_name", "张\u200b"), ("nominator_name", "\u200b\ufeff"),
])
def test_names_of_invisible_characters_are_refused(client, campaign, field, value):
    response = client.post(nominate_url(campaign), valid_post(**{field: value}))
    assert response.status_code == 400
    assert list(response.context["form"].errors) == [field]


def test_deeds_padded_with_zero_width_spaces_are_counted_without_them(client, campaign):
    deeds = "做了好事" + "\u200b" * 40
    response = client.post(nominate_url(campaign), valid_post(deeds=deeds))
    assert response.status_code == 400
    assert "请至少用30个字描述事迹（目前4字）" in field_block(response.content.decode(), "deeds")


def test_a_name_with_a_zero_width_space_is_stored_without_it(client, campaign):
    assert client.post(nominate_url(campaign), valid_post(nominee_name="田\u200b玉柱", nominator_name="王\u200d小红")).status_code == 302
    nomination = Nomination.objects.get()
    assert (nomination.nominee_name, nomination.nominator_name) == ("田玉柱", "王小红")
    assert nomination.inbound.payload["fields"]["nominee_name"] == "田\u200b玉柱"  # raw, as posted


def test_an_empty_photo_is_named(client, campaign):
    empty = SimpleUploadedFile("空白.jpg", b"", content_type="image/jpeg")
    response = client.post(nominate_url(campaign), {**valid_post(), "photos": [*photos("好.jpg"), empty]})
    block = field_block(response.content.decode(), "photos")
    assert response.status_code == 400
    assert "“空白.jpg”是空文件（0字节），请重新选择这张照片。" in block and "所提交的是空文件" not in block


def test_a_nul_character_gets_a_clear_message(client, campaign):
    response = client.post(nominate_url(campaign), valid_post(place_detail="博平\x00镇"))
    block = field_block(response.content.decode(), "place_detail")
    assert response.status_code == 400
    assert "含有无法保存的不可见控制字符" in block and "不允许是用空字符串" not in block


def test_sending_again_after_the_back_button_keeps_one_nomination(client, campaign):
    # The back button after sending fetches the form anew and the browser refills what was typed, not the token.
    first_page = client.get(nominate_url(campaign)).content.decode()
    first = client.post(nominate_url(campaign), valid_post(token=input_value(first_page, "submission_token")))
    page_after_back = client.get(nominate_url(campaign)).content.decode()
    again = client.post(nominate_url(campaign), valid_post(token=input_value(page_after_back, "submission_token")))
    # Someone else nominated from the same phone is a nomination of its own.
    other = client.post(nominate_url(campaign), valid_post(token=input_value(page_after_back, "submission_token"),
                                                           nominee_name="李秀兰"))
    assert (first.status_code, again.status_code, other.status_code) == (302, 302, 302)
    assert list(Nomination.objects.order_by("pk").values_list("nominee_name", flat=True)) == ["田玉柱", "李秀兰"]
    # Both lead to the first nomination's thanks page; the links themselves differ when the posts straddle a second,
    # since the thanks token is signed with its time.
    assert [thanked_reference(response) for response in (first, again)] == [Nomination.objects.get(nominee_name="田玉柱").reference] * 2


def thanked_reference(response) -> str:
    return signing.loads(resolve(response["Location"]).kwargs["token"], salt=THANKS_SALT)


def test_each_browser_gets_its_own_token(client, campaign):
    from django.test import Client

    tokens = [input_value(browser.get(nominate_url(campaign)).content.decode(), "submission_token") for browser in (client, Client())]
    assert tokens[0] != tokens[1] and all(re.fullmatch(r"[0-9a-f]{32}", token) for token in tokens)


def test_a_phone_shows_its_number_pad_for_the_phone_and_the_email_keyboard_for_the_address(client, campaign):
    html = client.get(nominate_url(campaign)).content.decode()
    phone = re.search(r'<input[^>]*name="nominator_phone"[^>]*>', html).group(0)
    email = re.search(r'<input[^>]*name="nominator_email"[^>]*>', html).group(0)
    assert ('type="tel"' in phone, 'inputmode="tel"' in phone, 'autocomplete="tel"' in phone) == (True, True, True)
    assert ('type="text"' in email, 'inputmode="email"' in email, 'autocomplete="email"' in email) == (True, True, True)


@pytest.mark.parametrize(("field", "value", "message"), [
    ("deeds", "好" * 5001, "请删减到5000字以内（目前5001字）。"),
    ("nominee_name", "张" * 51, "请删减到50字以内（目前51字）。"),
    ("place_detail", "村" * 101, "请删减到100字以内（目前101字）。"),
])
def test_text_that_is_too_long_is_explained_in_plain_chinese(client, campaign, field, value, message):
    before = stored_counts()
    response = client.post(nominate_url(campaign), valid_post(**{field: value}))
    assert response.status_code == 400
    assert re.findall(r'<p class="error" role="alert">([^<]*)</p>', field_block(response.content.decode(), field)) == [message]
    assert stored_counts() == before
