"""Casting ballots in tests the way the vote view does, flushing the Redis stream before reading, and where a
voting page's redirect sends the voter with which message."""
from xuanshu.voting import backend
from xuanshu.voting import config as vote_config_module
from xuanshu.voting.ballot_http import FLASH_COOKIE
from xuanshu.voting.services import cast_ballot

IP = "223.104.3.17"  # a China Mobile 4G address
UA = ("Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) "
      "Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/4G Language/zh_CN")


def vote(config, voter, *candidate_ids, now=None, device="dev-1", nonce="", ip=IP, ua=UA):
    return cast_ballot(config=config, voter=voter, candidates=list(candidate_ids), ip=ip, user_agent=ua,
                       device_token=device, nonce=nonce, now=now)


def set_sms_limits(settings, **values) -> None:
    """The operator's per-address limits (settings.VOTING_SMS_LIMITS), seen by the next vote snapshot."""
    settings.VOTING_SMS_LIMITS = values
    vote_config_module.forget()


def sent_back(response) -> tuple[str, str]:
    """(where a redirect goes, the message reference the next page shows once): the message travels in a cookie."""
    cookie = response.cookies.get(FLASH_COOKIE)
    return response["Location"], cookie.value if cookie is not None and cookie["max-age"] != 0 else ""


def flush(campaign_id: int) -> None:
    if backend.uses_redis():
        from xuanshu.voting import store_redis

        store_redis.flush_all(campaign_id)
