"""End to end: a citizen nominates on a phone inside WeChat's browser; an editor finds it in the console."""
import os
import re

import pytest

from tests.helpers import jpeg_bytes
from xuanshu.core.models import ContactAccessLog
from xuanshu.intake.models import InboundMessage
from xuanshu.nominations.models import Nomination

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_phone_nomination_reaches_the_console_with_its_raw_record(live_server, campaign, editor, phone_page, desktop_page, tmp_path):
    photo = tmp_path / "现场照片.jpg"
    photo.write_bytes(jpeg_bytes(size=(800, 600), exif_gps=True))

    page = phone_page
    page.goto(f"{live_server.url}/c/{campaign.slug}/nominate/")
    assert page.title().startswith("我要推荐")
    # Nothing may overflow the phone's width.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    page.fill("#id_nominee_name", "储宁宁")
    page.check("input[name=nominee_kind][value=individual]")
    page.check("input[name=category][value=good-conduct]")
    page.select_option("#id_area", "gaotang")
    page.fill("#id_place_detail", "鱼邱湖街道")
    page.fill("#id_deeds", "储宁宁是一名社区网格员，暴雨夜里挨家挨户转移独居老人二十多位，自己却累倒在岗位上。<b>感人</b>")
    page.set_input_files("input[name=photos]", str(photo))
    page.fill("#id_nominator_name", "高唐市民")
    page.fill("#id_nominator_phone", "０６３５－８４５１２３４")  # full-width, as some phone keyboards type it
    page.check("#id_consent")
    page.click("button[type=submit]")

    page.wait_for_selector("#reference")
    reference = page.inner_text("#reference").strip()
    assert re.fullmatch(r"CCLC2024-\d{6}", reference)
    nomination = Nomination.objects.get(reference=reference)
    assert (nomination.nominee_name, nomination.area.code, nomination.nominator_phone) == ("储宁宁", "gaotang", "+866358451234")
    assert InboundMessage.objects.get(reference=reference).attachments.count() == 1

    console = desktop_page
    console.goto(f"{live_server.url}/console/")
    console.fill("input[name=username]", editor.username)
    console.fill("input[name=password]", f"{editor.username}-pass-123")
    console.click("button[type=submit]")
    console.wait_for_url(re.compile(r".*/console/.*"))
    console.fill("input[name=q]", "储宁宁")
    console.press("input[name=q]", "Enter")
    console.wait_for_selector(f"text={reference}")
    console.click(f"text={reference}")
    console.wait_for_selector("text=原始消息（收到时原样）")
    html = console.content()
    assert "储宁宁" in html
    assert "０６３５－***１２３４" in html  # the raw post as typed, its contact masked on screen until revealed
    assert "&lt;b&gt;感人&lt;/b&gt;" in html  # citizen's markup escaped
    assert "0635-***1234" in html  # contact masked by default

    # The editor reveals the contact: the page shows it as typed, and the view is logged.
    console.click("button:has-text('显示联系方式')")
    console.wait_for_selector("text=本次查看已记录")
    assert "０６３５－８４５１２３４" in console.content()
    # The nomination's contacts and its raw message (shown unmasked on the same page), each logged.
    assert list(ContactAccessLog.objects.order_by("pk").values_list("user", "subject_type", "subject_id", "purpose")) == [
        (editor.pk, "nominations.nomination", str(nomination.pk), "detail"),
        (editor.pk, "intake.inboundmessage", str(nomination.inbound_id), "detail"),
    ]
    console.screenshot(path=os.environ.get("E2E_SCREENSHOT", str(tmp_path / "console-detail.png")), full_page=True)
