import pytest
from django.core.cache import cache
from django.utils import translation

from tests.intake.wechat.fake_wechat_api import FakeWechatApi, serve
from tests.intake.wechat.payloads import callback_url, signed_query
from xuanshu.intake import services
from xuanshu.intake.channels.wechat.services import set_wechat_account
from xuanshu.intake.tasks import process_inbound_task

TOKEN = "xuanshuToken2024"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APPID = "wx2c2769f8efd9abc2"
SECRET = "d4624c36b6795d1d99dcf0547af5443d"


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


@pytest.fixture
def wechat_api(settings):
    """The local fake of Tencent's API (token and temporary media), which the channel's client calls."""
    api = FakeWechatApi(appid=APPID, secret=SECRET)
    server = serve(api)
    settings.WECHAT_API_BASE_URL = api.base_url
    yield api
    server.shutdown()
    server.server_close()


@pytest.fixture
def media_account(campaign, monkeypatch):
    """A plaintext-mode account with its AppSecret in the environment: media is fetched."""
    monkeypatch.setenv("QLWB_WECHAT_SECRET", SECRET)
    return set_wechat_account(slug="media", token=TOKEN, appid=APPID, secret_env="QLWB_WECHAT_SECRET", campaign_slug=campaign.slug).account


@pytest.fixture
def queue(monkeypatch):
    """The task queue as a list of inbound ids: nothing runs until the test takes an id off it (with `run`)."""
    enqueued: list[int] = []
    monkeypatch.setattr(services, "_enqueue_processing", enqueued.append)
    return enqueued


def run(queue: list[int], inbound_id: int) -> None:
    """The worker takes `inbound_id` off the queue and runs the real task."""
    queue.remove(inbound_id)
    process_inbound_task(inbound_id)
