"""A message's media is fetched once, even when two workers are handed it at the same time: the database lets one of
them claim the fetch (MediaFetchClaim), and the other fetches nothing."""
from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone
from wechatpy.exceptions import WeChatClientException

from tests.helpers import jpeg_bytes
from tests.intake.wechat.payloads import documented
from xuanshu.intake.channels.wechat import services
from xuanshu.intake.channels.wechat.media import fetch_wechat_media
from xuanshu.intake.channels.wechat.media_claims import claim_media_fetch, finish_media_fetch, release_media_fetch
from xuanshu.intake.channels.wechat.models import MediaFetchClaim
from xuanshu.intake.models import Attachment, InboundMessage

pytestmark = pytest.mark.django_db(transaction=True)

OPENID = "oWECHATphotoSender000000002"
MEDIA_ID = "claimedMediaId0001"


@pytest.fixture
def photo(wechat_api, media_account, post_xml, monkeypatch):
    """A stored photo message whose fetch has not run yet (the task queue is held)."""
    held: list[int] = []
    monkeypatch.setattr(services, "_enqueue_media_fetch", held.append)
    wechat_api.images[MEDIA_ID] = jpeg_bytes()
    post_xml(media_account, documented("image", MediaId=MEDIA_ID, MsgId="3001", FromUserName=OPENID))
    inbound = InboundMessage.objects.get(external_id="3001")
    assert held == [inbound.pk]
    return inbound


def media_requests(api) -> int:
    return sum(path == "/cgi-bin/media/get" for path, _query in api.requests)


def test_a_second_worker_during_the_first_ones_download_fetches_nothing(wechat_api, photo):
    """The race: worker B is handed the message while worker A waits for WeChat's answer, when nothing is stored yet."""
    second_worker: list = []
    answer = wechat_api.answer

    def answer_while_another_worker_starts(path, query):
        if path == "/cgi-bin/media/get" and not second_worker:
            second_worker.append("started")
            try:
                second_worker.append(fetch_wechat_media(inbound_id=photo.pk))  # on this server thread: another worker
            finally:
                connection.close()
        return answer(path, query)

    wechat_api.answer = answer_while_another_worker_starts
    first = fetch_wechat_media(inbound_id=photo.pk)
    assert (second_worker, media_requests(wechat_api), list(Attachment.objects.all())) == (["started", None], 1, [first])
    claim = MediaFetchClaim.objects.get()
    assert (claim.inbound_id, claim.attempts, claim.done_at is not None) == (photo.pk, 1, True)
    assert fetch_wechat_media(inbound_id=photo.pk) is None and media_requests(wechat_api) == 1  # and never again


def test_two_claims_give_one_fetch(photo):
    first, second = claim_media_fetch(inbound_id=photo.pk), claim_media_fetch(inbound_id=photo.pk)
    assert (bool(first), second) == (True, "")
    release_media_fetch(inbound_id=photo.pk, token=first)  # a failed attempt: the retry may claim at once
    retry = claim_media_fetch(inbound_id=photo.pk)
    assert retry not in ("", first) and MediaFetchClaim.objects.get().attempts == 2
    finish_media_fetch(inbound_id=photo.pk, token=retry)
    MediaFetchClaim.objects.update(claimed_until=timezone.now() - timedelta(hours=1))
    assert claim_media_fetch(inbound_id=photo.pk) == ""  # done: never claimed again, lapsed or not


def test_a_lapsed_claim_is_taken_over_and_the_old_worker_can_no_longer_touch_it(photo):
    stale = claim_media_fetch(inbound_id=photo.pk)
    assert claim_media_fetch(inbound_id=photo.pk) == ""
    MediaFetchClaim.objects.update(claimed_until=timezone.now() - timedelta(seconds=1))  # its worker died mid-fetch
    fresh = claim_media_fetch(inbound_id=photo.pk)
    assert fresh not in ("", stale)
    release_media_fetch(inbound_id=photo.pk, token=stale)
    finish_media_fetch(inbound_id=photo.pk, token=stale)
    claim = MediaFetchClaim.objects.get()
    assert (claim.token, claim.done_at, claim.claimed_until > timezone.now()) == (fresh, None, True)


def test_a_failed_download_releases_the_claim_so_the_retry_fetches(wechat_api, photo):
    wechat_api.fail_next["/cgi-bin/media/get"] = [502]
    with pytest.raises(WeChatClientException):  # an HTTP failure: the task queue retries
        fetch_wechat_media(inbound_id=photo.pk)
    assert fetch_wechat_media(inbound_id=photo.pk) is not None
    assert (media_requests(wechat_api), Attachment.objects.count()) == (2, 1)


def test_a_worker_that_died_after_storing_leaves_nothing_to_fetch_again(wechat_api, photo):
    fetch_wechat_media(inbound_id=photo.pk)
    MediaFetchClaim.objects.update(done_at=None, claimed_until=timezone.now() - timedelta(seconds=1))
    assert fetch_wechat_media(inbound_id=photo.pk) is None
    assert (media_requests(wechat_api), Attachment.objects.count()) == (1, 1)
