"""The nomination pages on a small phone (360 px wide): the back button after sending, and a long Latin name that
must wrap instead of widening the page."""
import pytest

from tests.e2e.conftest import WECHAT_PHONE_UA
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
