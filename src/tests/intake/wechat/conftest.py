import pytest
from django.core.cache import cache
from django.utils import translation

from tests.intake.wechat.payloads import callback_url, signed_query
from xuanshu.intake.channels.wechat.services import set_wechat_account

TOKEN = "xuanshuToken2024"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx2c2769f8efd9abc2"


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted by their English msgids, whatever an earlier test left active."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    cache.clear()  # rate limits and the access-token store
    yield
    cache.clear()


@pytest.fixture
def account(campaign):
    """A plaintext-mode account collecting for the seed campaign."""
    return set_wechat_account(slug="qlwblcrm", token=TOKEN, appid=APPID, campaign_slug=campaign.slug).account


@pytest.fixture
def aes_account(campaign):
    """The same kind of account in safe (or compatible) mode."""
    return set_wechat_account(slug="qlwb-aes", token=TOKEN, appid=APPID, encoding_aes_key=AES_KEY, campaign_slug=campaign.slug).account


@pytest.fixture
def post_xml(client):
    """POST a plaintext message the way WeChat does, freshly signed."""

    def post(account, xml, *, query=None):
        body = xml.encode("utf-8") if isinstance(xml, str) else xml
        return client.post(callback_url(account.slug, query or signed_query(account.token)), data=body, content_type="text/xml")

    return post
