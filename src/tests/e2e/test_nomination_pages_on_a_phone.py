"""The nomination pages on a small phone (360 px wide): the back button after sending, a long Latin name that
must wrap instead of widening the page, and the photo button in Chinese."""
import pytest

from tests.e2e.conftest import WECHAT_PHONE_UA
from tests.helpers import jpeg_bytes, png_bytes
from xuanshu.nominations.models import Nomination

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LONG_NAME = "Abdurrahmanabdullahmuhammadalkhwarizmiibnmusaalqur"  # 50 letters (the most the form takes), no space


@pytest.fixture
def small_phone_page(browser):
    context = browser.new_context(viewport={"width": 360, "height": 740}, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, user_agent=WECHAT_PHONE_UA, locale="zh-CN")
    page = context.new_page()
    yield page
    context.close()


def test_back_after_sending_then_sending_again_is_one_nomination_and_long_names_wrap(live_server, campaign,
                                                                                     small_phone_page):
    page = small_phone_page
    page.goto(f"{live_server.url}/c/{campaign.slug}/nominate/")
    page.fill("#id_nominee_name", LONG_NAME)
    page.check("input[name=category][value=good-conduct]")
    page.select_option("#id_area", "chiping")
    page.fill("#id_deeds", "他三十年如一日义务清扫村里的道路，还自费为村里的留守老人修缮房屋，村民们都很感动。")
    page.fill("#id_nominator_name", "王小红")
    page.fill("#id_nominator_phone", "13812345678")
    page.check("#id_consent")
    page.click("button[type=submit]")
    reference = page.inner_text("#reference").strip()

    page.go_back()  # the form comes back with what was typed, and the citizen taps send again
    page.wait_for_selector("#id_nominee_name")
    assert page.input_value("#id_nominee_name") == LONG_NAME
    page.click("button[type=submit]")
    assert page.inner_text("#reference").strip() == reference
    assert Nomination.objects.count() == 1

    page.goto(f"{live_server.url}/c/{campaign.slug}/status/")
    page.fill("#reference", reference)
    page.fill("#phone_last4", "５６７８")
    page.click("button[type=submit]")
    assert LONG_NAME in page.inner_text("#status-result")
    assert page.evaluate("document.documentElement.scrollWidth") == 360


def test_the_photo_button_is_in_chinese_opens_the_picker_and_says_how_many_were_chosen(live_server, campaign,
                                                                                     small_phone_page, tmp_path):
    """The browser's own file button speaks the browser's language ("Choose Files", "No file chosen"); the page's
    button is in Chinese, and a tap on it reaches the real, transparent input lying over it."""
    page = small_phone_page
    page.goto(f"{live_server.url}/c/{campaign.slug}/nominate/")
    photos = [tmp_path / "a.jpg", tmp_path / "b.png"]
    photos[0].write_bytes(jpeg_bytes())
    photos[1].write_bytes(png_bytes())
    page.locator(".file-picker").scroll_into_view_if_needed()
    shown_before = (page.inner_text(".file-picker"), page.inner_text("#photos-chosen"))
    button = page.locator(".file-picker .button").bounding_box()
    with page.expect_file_chooser() as chooser:
        page.touchscreen.tap(button["x"] + button["width"] / 2, button["y"] + button["height"] / 2)
    chooser.value.set_files(photos)
    assert (shown_before, chooser.value.is_multiple(), page.inner_text("#photos-chosen")) == (
        ("选择照片", "未选择照片。"), True, "已选择 2 张照片。")
