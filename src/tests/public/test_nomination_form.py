"""The public nomination form: the happy path, idempotency, and every kind of bad input."""
import base64
import json
import os
import re
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from tests.helpers import half_past_this_minute, heic_bytes, jpeg_bytes, png_bytes
from xuanshu.campaigns.models import Stage
from xuanshu.intake.models import Attachment, InboundMessage, ReaderTip
from xuanshu.nominations.models import Nomination

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    cache.clear()


def valid_post(token="a1b2c3d4", **overrides):
    data = {
        "submission_token": token,
        "nominee_name": "田玉柱",
        "nominee_kind": "individual",
        "category": "good-conduct",
        "area": "chiping",
        "place_detail": "博平镇",
        "deeds": "田玉柱大爷三十年如一日义务清扫村里的道路，还自费为村里的留守老人修缮房屋，村民们都很感动。",
        "nominator_name": "王小红",
        "nominator_phone": "138 1234 5678",
        "nominator_email": "",
        "consent": "on",
        "website": "",
    }
    data.update(overrides)
    return data


def nominate_url(campaign):
    return reverse("public:nominate", args=[campaign.slug])


def stored_counts():
    media_files = sum(len(files) for _, _, files in os.walk(settings.MEDIA_ROOT))
    return (InboundMessage.objects.count(), Nomination.objects.count(), Attachment.objects.count(), media_files)


def test_form_page_renders_in_chinese_for_a_phone(client, campaign):
    response = client.get(nominate_url(campaign), HTTP_USER_AGENT="Mozilla/5.0 (iPhone) MicroMessenger/8.0.50")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'name="viewport"' in html
    assert "提交推荐" in html
    assert "csrfmiddlewaretoken" in html
    assert 'name="website"' in html  # honeypot present
    assert all(category.name in html for category in campaign.categories.all())
    assert "茌平区" in html


def test_valid_nomination_is_stored_raw_then_processed(client, campaign):
    photo = SimpleUploadedFile("现场.jpg", jpeg_bytes(exif_gps=True), content_type="image/jpeg")
    response = client.post(nominate_url(campaign), {**valid_post(), "photos": [photo]}, follow=True)
    html = response.content.decode()
    reference = re.search(r'id="reference">([A-Z0-9\-]+)<', html).group(1)
    assert re.fullmatch(r"CCLC2024-\d{6}", reference)
    assert "感谢" in html

    inbound = InboundMessage.objects.get(reference=reference)
    assert (inbound.channel, inbound.external_id, inbound.status, inbound.error) == ("webform", "a1b2c3d4", "processed", "")
    assert inbound.payload["fields"]["nominator_phone"] == "138 1234 5678"  # raw, exactly as typed
    nomination = Nomination.objects.get(reference=reference)
    assert (
        nomination.nominee_name, nomination.nominee_kind, nomination.category.code, nomination.area.code,
        nomination.nominator_phone, nomination.state, nomination.channel, nomination.inbound_id,
    ) == ("田玉柱", "individual", "good-conduct", "chiping", "+8613812345678", "received", "webform", inbound.pk)
    assert nomination.consent_at == inbound.received_at
    attachment = inbound.attachments.get()
    assert (attachment.original_name, attachment.content_type) == ("现场.jpg", "image/jpeg")
    assert b"GPS" not in attachment.file.read()


def test_an_iphone_heic_photo_is_stored_as_jpeg(client, campaign):
    photo = SimpleUploadedFile("IMG_0001.HEIC", heic_bytes(size=(80, 60)), content_type="image/heic")
    assert client.post(nominate_url(campaign), {**valid_post(token="heic0001"), "photos": [photo]}).status_code == 302
    attachment = InboundMessage.objects.get().attachments.get()
    assert (attachment.original_name, attachment.content_type, attachment.width, attachment.height) == ("IMG_0001.HEIC", "image/jpeg", 80, 60)


def test_double_submit_of_the_same_form_gives_one_record_and_the_same_reference(client, campaign):
    first = client.post(nominate_url(campaign), valid_post(token="samesame"))
    second = client.post(nominate_url(campaign), valid_post(token="samesame"))
    assert first.status_code == second.status_code == 302
    assert (InboundMessage.objects.count(), Nomination.objects.count()) == (1, 1)
    # Both go to the thanks page of the one reference. The links themselves are signed with the time, so two
    # posts a second apart get different signatures: compare what they sign.
    reference = Nomination.objects.get().reference
    assert _signed_reference(first["Location"]) == _signed_reference(second["Location"]) == reference


def _signed_reference(location: str) -> str:
    payload = location.rstrip("/").rsplit("/", 1)[1].split(":")[0]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def test_references_are_sequential_per_campaign(client, campaign):
    client.post(nominate_url(campaign), valid_post(token="t1"))
    client.post(nominate_url(campaign), valid_post(token="t2"))
    assert sorted(Nomination.objects.values_list("reference", flat=True)) == ["CCLC2024-000001", "CCLC2024-000002"]


def _big_jpeg(size_bytes: int) -> bytes:
    return jpeg_bytes() + b"\0" * (size_bytes - len(jpeg_bytes()))


BAD_INPUTS = [
    ("bad phone", valid_post(nominator_phone="12345"), {}, "nominator_phone", "请输入有效的手机号码或带区号的固话号码"),
    ("landline without area code", valid_post(nominator_phone="8451234"), {}, "nominator_phone", "请输入有效的手机号码或带区号的固话号码"),
    ("missing consent", valid_post(consent=""), {}, "consent", "请阅读并同意个人信息保护告知后再提交"),
    ("short deeds", valid_post(deeds="做了好事"), {}, "deeds", "请至少用30个字描述事迹"),
    ("missing name", valid_post(nominee_name=""), {}, "nominee_name", "请填写被推荐人（团体）名称。"),
    ("unknown category", valid_post(category="astronauts"), {}, "category", "请选择推荐类别。"),
    ("bad e-mail", valid_post(nominator_email="not-an-email"), {}, "nominator_email", "请输入有效的电子邮箱地址，或留空"),
    ("exe disguised as jpg", valid_post(), {"photos": [("照片.jpg", b"MZ\x90\x00\x03 not an image at all", "image/jpeg")]},
     "photos", "不是可以打开的图片"),
    ("oversized photo", valid_post(), {"photos": [("big.jpg", _big_jpeg(10 * 1024 * 1024 + 1), "image/jpeg")]},
     "photos", "超过 10 MB"),
    ("too many photos", valid_post(), {"photos": [(f"p{i}.png", png_bytes(), "image/png") for i in range(10)]},
     "photos", "最多上传9张照片"),
]


@pytest.mark.parametrize(("label", "data", "files", "field", "message"), BAD_INPUTS, ids=[b[0] for b in BAD_INPUTS])
def test_bad_input_shows_a_chinese_message_next_to_the_field_and_stores_nothing(client, campaign, label, data, files, field, message):
    before = stored_counts()
    post = dict(data)
    for name, items in files.items():
        post[name] = [SimpleUploadedFile(filename, content, content_type=ctype) for filename, content, ctype in items]
    response = client.post(nominate_url(campaign), post)
    html = response.content.decode()
    assert response.status_code == 400
    block = re.search(rf'<div class="field[^"]*has-error[^"]*" id="field-{field}">(.*?)</div>\s*(?:<div class="field|</fieldset>)', html, re.S)
    assert block, f"no error block for {field}"
    assert message in block.group(1)
    assert stored_counts() == before


def _field_errors(html: str) -> dict[str, list[str]]:
    """The messages shown under each marked field of a page sent back."""
    blocks = re.findall(r'<div class="field[^"]*has-error[^"]*" id="field-(\w+)">(.*?)(?=<div class="field|</fieldset>)', html, re.S)
    return {name: re.findall(r'<p class="error" role="alert">([^<]*)</p>', block) for name, block in blocks}


def test_an_empty_form_says_in_plain_chinese_what_each_field_needs(client, campaign):
    """Not Django's stock "这个字段是必填项" ("this field is required"), which speaks of a "field", under every box."""
    empty = {name: "" for name in valid_post()}
    response = client.post(nominate_url(campaign), {**empty, "submission_token": "empty001"})
    assert response.status_code == 400
    assert _field_errors(response.content.decode()) == {
        "nominee_name": ["请填写被推荐人（团体）名称。"],
        "nominee_kind": ["请选择个人或团体。"],
        "category": ["请选择推荐类别。"],
        "area": ["请选择所在县（市、区）。"],
        "deeds": ["请至少用30个字描述事迹（目前0字）。"],
        "nominator_name": ["请填写您的姓名。"],
        "nominator_phone": ["请填写您的联系电话，以便核实推荐情况。"],
        "consent": ["请阅读并同意个人信息保护告知后再提交。"],
    }


def test_a_choice_the_list_no_longer_has_is_asked_for_again_without_its_code(client, campaign):
    response = client.post(nominate_url(campaign), valid_post(nominee_kind="team", area="mars"))
    assert _field_errors(response.content.decode()) == {
        "nominee_kind": ["请选择个人或团体。"], "area": ["请选择所在县（市、区）。"]}


def test_deeds_longer_than_the_limit_are_kept_whole_and_the_citizen_is_told_how_much_to_cut(client, campaign):
    """The page does not let the browser cut a long paste silently (no maxlength): the server says how long it is
    and the whole text comes back to be shortened."""
    page = client.get(nominate_url(campaign)).content.decode()
    textarea = re.search(r"<textarea[^>]*>", page).group(0)
    assert (textarea, re.search(r'id="id_deeds_helptext">([^<]*)<', page).group(1)) == (
        '<textarea name="deeds" cols="40" rows="8" required aria-describedby="id_deeds_helptext" id="id_deeds">',
        "至少30字、最多5000字：何时、何地、做了什么。")
    long_deeds = "他" * 5001
    before = stored_counts()
    response = client.post(nominate_url(campaign), valid_post(deeds=long_deeds))
    html = response.content.decode()
    assert (response.status_code, _field_errors(html)) == (400, {"deeds": ["请删减到5000字以内（目前5001字）。"]})
    assert re.search(r'<textarea[^>]*id="id_deeds">\n?(.*?)</textarea>', html, re.S).group(1) == long_deeds
    assert stored_counts() == before


def test_choice_groups_are_named_by_a_legend_and_help_texts_are_where_their_fields_point(client, campaign):
    """A screen reader names the radio groups (a label "for" nothing named none), and reads the help of a field
    from the element its aria-describedby names."""
    html = client.get(nominate_url(campaign)).content.decode()
    assert (html.count('for=""'), re.findall(r"<legend>([^<]*)<span", html)) == (0, ["个人或团体", "推荐类别"])
    described = re.findall(r'aria-describedby="([^"]+)"', html)
    assert [(ident, html.count(f'id="{ident}"')) for ident in described] == [
        ("id_deeds_helptext", 1), ("photos-chosen", 1), ("id_nominator_phone_helptext", 1)]


def test_valid_photos_are_not_stored_when_another_field_is_wrong(client, campaign):
    before = stored_counts()
    photo = SimpleUploadedFile("ok.jpg", jpeg_bytes(), content_type="image/jpeg")
    response = client.post(nominate_url(campaign), {**valid_post(nominator_phone="abc"), "photos": [photo]})
    assert response.status_code == 400
    assert stored_counts() == before


def test_honeypot_filled_by_a_bot_is_refused_and_nothing_is_stored(client, campaign):
    before = stored_counts()
    response = client.post(nominate_url(campaign), valid_post(website="http://spam.example"))
    assert response.status_code == 400
    assert "无法受理" in response.content.decode()
    assert stored_counts() == before


def test_post_without_csrf_token_is_refused(campaign):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(nominate_url(campaign), valid_post())
    assert response.status_code == 403
    assert InboundMessage.objects.count() == 0


def test_xss_in_deeds_is_stored_raw_and_rendered_escaped(client, campaign):
    payload = '<script>alert("x")</script>好人好事' * 3
    response = client.post(nominate_url(campaign), valid_post(deeds=payload, nominee_name="<b>张三</b>"))
    assert response.status_code == 302
    nomination = Nomination.objects.get()
    assert nomination.deeds == payload  # stored as written, escaped on output
    # The status page shows the nominee name: escaped.
    status = client.post(reverse("public:status", args=[campaign.slug]), {"reference": nomination.reference, "phone_last4": "5678"})
    html = status.content.decode()
    assert "&lt;b&gt;张三&lt;/b&gt;" in html and "<b>张三</b>" not in html


def test_form_is_closed_outside_the_nomination_stage(client, campaign):
    stage = Stage.objects.get(campaign=campaign, kind="nomination")
    Stage.objects.filter(pk=stage.pk).update(starts_at=stage.starts_at.replace(year=2020), ends_at=stage.starts_at.replace(year=2021))
    assert "推荐通道暂未开放" in client.get(nominate_url(campaign)).content.decode()
    # A post that is not a complete nomination is refused, and nothing is stored.
    response = client.post(nominate_url(campaign), valid_post(deeds=""))
    assert (response.status_code, InboundMessage.objects.count()) == (403, 0)


def test_a_form_sent_after_nominations_closed_is_kept_for_the_editors_and_the_citizen_is_told(client, campaign):
    """The page was loaded while nominations were open and sent after they closed: what the citizen wrote is not
    thrown away; as on every other channel it is kept as a reader tip, held because nominations are closed."""
    stage = Stage.objects.get(campaign=campaign, kind="nomination")
    Stage.objects.filter(pk=stage.pk).update(starts_at=stage.starts_at.replace(year=2020), ends_at=stage.starts_at.replace(year=2021))
    response = client.post(nominate_url(campaign), valid_post())
    page = response.content.decode()
    assert (response.status_code, "推荐征集已于2021" in page, "我们已保存这条消息" in page) == (200, True, True)
    inbound = InboundMessage.objects.get()
    assert (inbound.reference, inbound.payload["fields"]["nominee_name"], Nomination.objects.count()) == (None, "田玉柱", 0)
    tip = ReaderTip.objects.get()
    assert (tip.inbound_id, tip.held_because, "田玉柱" in tip.text) == (inbound.pk, "closed", True)
    # Sent twice (a double tap), it is kept once.
    assert client.post(nominate_url(campaign), valid_post()).status_code == 200
    assert (InboundMessage.objects.count(), ReaderTip.objects.count()) == (1, 1)


def test_submissions_are_throttled_per_address(client, campaign, monkeypatch):
    # A frozen clock mid-window, so the posts cannot straddle two rate-limit windows.
    frozen = half_past_this_minute()
    monkeypatch.setattr(time, "time", lambda: frozen)
    statuses = [client.post(nominate_url(campaign), valid_post(token=f"tok{i}")).status_code for i in range(32)]
    assert statuses[:30] == [302] * 30
    assert statuses[30:] == [429, 429]
    assert Nomination.objects.count() == 30


def test_status_lookup_needs_reference_and_last_four_digits(client, campaign):
    client.post(nominate_url(campaign), valid_post())
    reference = Nomination.objects.get().reference
    url = reverse("public:status", args=[campaign.slug])
    good = client.post(url, {"reference": reference.lower(), "phone_last4": "5678"}).content.decode()
    assert "已收到，等待审核" in good and "田玉柱" in good
    wrong = client.post(url, {"reference": reference, "phone_last4": "0000"})
    assert wrong.status_code == 404 and "田玉柱" not in wrong.content.decode()
    assert "没有找到" in wrong.content.decode()
    empty = client.post(url, {"reference": reference, "phone_last4": "12"})
    assert empty.status_code == 400


def test_citizens_read_chinese_whatever_their_phone_asks_for(client, campaign):
    """Citizens' pages, and the error pages they meet, are in zh-hans even for an English browser."""
    html = client.get(nominate_url(campaign), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "提交推荐" in html and "Submit nomination" not in html
    missing = client.get(f"/c/{campaign.slug}/no-such-page/", HTTP_ACCEPT_LANGUAGE="en")
    assert missing.status_code == 404 and "页面" in missing.content.decode()
    refused = Client(enforce_csrf_checks=True).post(nominate_url(campaign), valid_post(), HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 403 and "刷新" in refused.content.decode()


def test_staff_may_read_the_console_in_english(client, campaign, django_user_model):
    editor = django_user_model.objects.create_superuser("en-editor", "en@example.com", "pw")
    client.force_login(editor)
    english = client.get("/console/", HTTP_ACCEPT_LANGUAGE="en", follow=True).content.decode()
    chinese = client.get("/console/", HTTP_ACCEPT_LANGUAGE="zh-hans", follow=True).content.decode()
    assert english != chinese and 'lang="en"' in english


def test_a_signed_status_link_shows_the_status_without_the_phone(client, campaign):
    from xuanshu.public.links import status_link_token

    client.post(nominate_url(campaign), valid_post())
    nomination = Nomination.objects.get()
    good = client.get(reverse("public:status_link", args=[campaign.slug, status_link_token(nomination.reference)]))
    assert good.status_code == 200 and "已收到，等待审核" in good.content.decode()
    forged = status_link_token(nomination.reference)[:-2] + "xx"
    assert client.get(reverse("public:status_link", args=[campaign.slug, forged])).status_code == 404
