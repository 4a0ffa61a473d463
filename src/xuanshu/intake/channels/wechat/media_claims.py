"""The only writers of MediaFetchClaim: one worker at a time fetches a message's media, and a kept file is fetched once.

A claim is taken by a single conditional write that the database decides, never by a read-then-write in Python: the
insert (one row per message, a unique column) for a first claim, and an UPDATE whose WHERE requires the claim to be
open and lapsed for a later one. Of two workers that try at once, exactly one writes a row; the other fetches nothing.
"""
import secrets
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone

from xuanshu.intake.channels.wechat import conf
from xuanshu.intake.channels.wechat.models import MediaFetchClaim


def claim_media_fetch(*, inbound_id: int) -> str:
    """Claim the fetch of the message's media for this worker: its token, or '' when another worker holds the claim
    or the media is already kept or refused."""
    now = timezone.now()
    token = secrets.token_hex(16)
    until = now + timedelta(seconds=conf.MEDIA_FETCH_CLAIM_SECONDS)
    try:
        with transaction.atomic():
            MediaFetchClaim.objects.create(inbound_id=inbound_id, token=token, claimed_until=until)
        return token
    except IntegrityError:
        pass  # claimed before: it may be taken over only if it lapsed without being done
    taken = MediaFetchClaim.objects.filter(inbound_id=inbound_id, done_at__isnull=True, claimed_until__lte=now).update(
        token=token, claimed_until=until, attempts=F("attempts") + 1,
    )
    return token if taken else ""


def release_media_fetch(*, inbound_id: int, token: str) -> None:
    """Give the claim up without a file (the fetch is to be retried): the next attempt may claim it at once."""
    MediaFetchClaim.objects.filter(inbound_id=inbound_id, token=token, done_at__isnull=True).update(claimed_until=timezone.now())


def finish_media_fetch(*, inbound_id: int, token: str) -> None:
    """Close the claim: the media is kept, refused, or not to be fetched; nobody claims it again."""
    MediaFetchClaim.objects.filter(inbound_id=inbound_id, token=token).update(done_at=timezone.now())
