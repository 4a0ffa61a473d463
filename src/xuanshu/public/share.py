"""The card WeChat shows for a candidate's profile or the candidate gallery shared from its browser (JS-SDK).

WeChat's browser reads a page's own title and description only unreliably; the JS-SDK's `wx.config` (signed with the
official account's jsapi_ticket) followed by `wx.updateAppMessageShareData` / `wx.updateTimelineShareData` sets the
card. The config is made only inside WeChat's browser (its user agent names MicroMessenger), for a campaign with a
public origin and an official account, and while a ticket is at hand; any other page goes without it, as before.

The signed address is the page's as the citizen's browser has it: the checked public origin (`links.public_origin`)
and the request's path and query; never the request's Host header, which the sender chooses. Without a public origin
no config is made.

Hot path: a browser other than WeChat's costs nothing; WeChat's costs one cache read (the campaign's account and
ticket, kept a few minutes), and the account's row and the ticket are looked up only when that entry has lapsed.
"""

import secrets
import time

from django.core.cache import cache
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import gettext as _

from xuanshu.intake.channels.wechat import jssdk
from xuanshu.public.links import public_origin
from xuanshu.public.templatetags.published import published, published_excerpt
from xuanshu.voting import wechat

JS_API_LIST = ["updateAppMessageShareData", "updateTimelineShareData"]
SHARE_DESCRIPTION_LENGTH = 60
# The card's picture when the candidate has no public photo, and for the gallery.
DEFAULT_SHARE_IMAGE = "xuanshu/share.png"
# How long a campaign's answer (its account's app id and ticket) is kept: a changed account takes effect within it.
SIGNING_KEPT_SECONDS = 600
_SIGNING_KEY = "xuanshu:public:wechat-share:{campaign_id}"


def share_card(request, campaign, candidate=None) -> dict | None:
    """The JS-SDK config and share data for a candidate's profile (`candidate`, as `gallery.annotate_for_voter` left
    it) or the gallery; None outside WeChat's browser, without a public origin, an account or a ticket."""
    if "MicroMessenger" not in request.META.get("HTTP_USER_AGENT", ""):
        return None
    origin = public_origin(campaign)
    if not origin:
        return None
    signing = _signing_ticket(campaign)
    if signing is None:
        return None
    app_id, ticket = signing
    timestamp, nonce_str = int(time.time()), secrets.token_hex(8)
    config = {
        "appId": app_id,
        "timestamp": timestamp,
        "nonceStr": nonce_str,
        "signature": jssdk.jsapi_signature(
            ticket=ticket, nonce_str=nonce_str, timestamp=timestamp, url=origin + request.get_full_path()
        ),
        "jsApiList": JS_API_LIST,
    }
    if candidate is not None:
        config.update(
            title=f"{published(candidate.display_name)} · {campaign.name}",
            desc=published_excerpt(candidate.summary, SHARE_DESCRIPTION_LENGTH),
            link=origin + reverse("public:candidate", args=[campaign.slug, candidate.number]),
            imgUrl=origin + candidate.photo_url if candidate.photo_url else _default_image(origin),
        )
    else:
        config.update(
            title=f"{_('Candidates')} · {campaign.name}",
            desc=_("Read the candidates' stories and vote for the ones who moved you."),
            link=origin + reverse("public:candidates", args=[campaign.slug]),
            imgUrl=_default_image(origin),
        )
    return config


def _default_image(origin: str) -> str:
    url = static(DEFAULT_SHARE_IMAGE)
    return url if url.startswith(("https://", "http://")) else origin + url


def _signing_ticket(campaign) -> tuple[str, str] | None:
    """The campaign's account app id and its jsapi_ticket, or None (no account, or no ticket for now)."""
    key = _SIGNING_KEY.format(campaign_id=campaign.pk)
    entry = cache.get(key)
    if entry is None:
        entry, keep = _look_up_signing(campaign)
        if keep > 0:
            cache.set(key, entry, keep)
    return (entry["app_id"], entry["ticket"]) if entry["ticket"] else None


def _look_up_signing(campaign) -> tuple[dict, int]:
    """The campaign's entry and how many seconds it holds: no longer than its ticket's answer does."""
    app = wechat.app_for(campaign)
    if app is None:
        return {"app_id": "", "ticket": ""}, SIGNING_KEPT_SECONDS
    answer = jssdk.jsapi_ticket(app_id=app.app_id, secret=app.secret)
    return {"app_id": app.app_id, "ticket": answer.ticket}, min(SIGNING_KEPT_SECONDS, int(answer.good_until - time.time()))
