"""Citizen voting pages (H5) and the vote endpoint.

`cast_vote` and `ping` also run on the lean vote path (`xuanshu.voting.lean`), without middleware: they
read only the voter and device cookies, and render their replies in zh-hans themselves. The pages are in
zh-hans too, whatever language the browser asks for (`core.locale.SiteLocaleMiddleware`), so a voter never
reads a page in one language and the vote's reply in another.
"""
import datetime as dt
import secrets
import time
from urllib.parse import urlencode

from django.conf import settings
from django.core import signing
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from PIL import Image

from xuanshu.campaigns.models import Campaign
from xuanshu.core.masking import mask_phone
from xuanshu.core.ratelimit import client_ip
from xuanshu.public import gallery, photos, share
from xuanshu.public.links import public_origin
from xuanshu.voting import ballot_http, captcha, identity, otp, wechat
from xuanshu.voting.config import VOTING_TZ, vote_config
from xuanshu.voting.enums import IdentityMethod, Reason
from xuanshu.voting.messages import OTP_MESSAGES, OUTCOME_MESSAGES, message_text
from xuanshu.voting.services import cast_ballot, register_voter

_PHONE_COOKIE = "xs_otp_phone"
_PHONE_SALT = "xuanshu.voting.otp-phone"
# The number a code was sent to is remembered as long as the code lives: after that the voter starts again.
_PHONE_COOKIE_AGE = int(otp.CODE_TTL.total_seconds())
# The number a code was asked for while the voter's network needs a picture first (`otp.NEEDS_PICTURE`): while
# it is remembered, the code form shows a picture and the number stays filled in.
_PICTURE_COOKIE = "xs_otp_picture"
_PICTURE_SALT = "xuanshu.voting.otp-picture"
_PICTURE_COOKIE_AGE = captcha.CAPTCHA_TTL
# What a voter typed for a number the request for a code refused (not a mobile, asked again too soon, the network's
# cap): the page that says why shows it back in the field, once, to be corrected rather than typed again.
_TYPED_COOKIE = "xs_otp_typed"
_TYPED_SALT = "xuanshu.voting.otp-typed"
_TYPED_COOKIE_AGE = ballot_http.FLASH_MAX_AGE
_TYPED_MAX_LENGTH = 40


def ping(request):
    """A no-op on the vote path: a health check for load balancers, and the benchmark's baseline."""
    return JsonResponse({"ok": True})


@csrf_exempt  # SameSite=Lax voter cookie and the Origin check below stand in for the CSRF token
def cast_vote(request, slug):
    """Cast one ballot: JSON for the page's script, a redirect back to the page without it.

    Production serves this endpoint on the lean asynchronous path (`xuanshu.voting.lean`), with the same
    request reading and replies (`xuanshu.voting.ballot_http`); this view serves it on the full stack."""
    if request.method != "POST":
        return HttpResponse(ballot_http.error_reply("POST only"), status=405, content_type="application/json")
    if not ballot_http.same_origin(request.META.get("HTTP_ORIGIN"), request.META.get("HTTP_HOST", "")):
        return HttpResponse(ballot_http.error_reply("cross-site request refused"), status=403, content_type="application/json")
    config = vote_config(slug)
    if config is None:
        return HttpResponse(ballot_http.error_reply("no open ballot"), status=404, content_type="application/json")
    if request.content_type == "application/x-www-form-urlencoded":
        fields = ballot_http.parse_form(request.body)
    else:
        fields = {key: request.POST.getlist(key) for key in ("candidate", "nonce")}
    candidates = ballot_http.candidate_ids(fields)
    if candidates is None:
        return HttpResponse(ballot_http.error_reply("bad candidate"), status=400, content_type="application/json")
    voter = identity.read_voter_token(request.COOKIES.get(identity.VOTER_COOKIE, ""), config.campaign_id)
    outcome = cast_ballot(
        config=config, voter=voter, candidates=candidates, ip=client_ip(request),
        user_agent=request.META.get("HTTP_USER_AGENT", ""), device_token=request.COOKIES.get(identity.DEVICE_COOKIE, ""),
        nonce=ballot_http.nonce(fields),
    )
    status, message, body = ballot_http.outcome_reply(outcome, config.candidate_names)
    if request.META.get("HTTP_ACCEPT", "").startswith("application/json"):
        return HttpResponse(body, status=status, content_type="application/json")
    response = _back(slug, message, request.POST.get("next", ""))
    response.status_code = 303  # See Other: the page is fetched with GET, as the lean path answers
    return response


def _campaign_or_404(slug: str) -> Campaign:
    campaign = Campaign.objects.filter(slug=slug).first()
    if campaign is None:
        raise Http404(_("No such campaign."))
    return campaign


def ballot(request, slug):
    """The ballot: candidates, counts as the campaign shows them, the voter's votes left today, messages."""
    return _voting_page(request, slug, "public/voting/ballot.html")


def candidate_gallery(request, slug):
    """The candidates as cards, each with its vote control, count and a link to its profile."""
    return _voting_page(request, slug, "public/voting/gallery.html", share_card=True)


def candidate_profile(request, slug, number):
    """One candidate's page: the full summary, the count, the vote control; 404 once withdrawn."""
    return _voting_page(request, slug, "public/voting/profile.html", number=number, share_card=True)


def candidate_photo(request, slug, number):
    """A candidate's photo, scaled for phones: only the photo of an active candidate on an open ballot."""
    config = vote_config(slug)
    candidate = gallery.active_candidate(config, number) if config else None
    photo = photos.photos_for([candidate]).get(candidate.pk) if candidate else None
    if photo is None:
        raise Http404(_("No such photo."))
    try:
        path = photos.scaled_photo(photo)
    except (OSError, Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise Http404(_("No such photo.")) from None
    response = FileResponse(path.open("rb"), content_type="image/jpeg")
    response["Cache-Control"] = "public, max-age=86400"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _voting_page(request, slug, template: str, *, number: int | None = None, share_card: bool = False):
    campaign = _campaign_or_404(slug)
    config = vote_config(slug)
    flash = request.COOKIES.get(ballot_http.FLASH_COOKIE, "")
    context = {"campaign": campaign, "config": config,
               "message": message_text(flash, config.candidate_names if config else None)}
    if config is None:
        if number is not None:
            raise Http404(_("No such candidate."))
        return _flash_shown(request, slug, render(request, "public/voting/not_open.html", context))
    now = time.time()
    voter = identity.read_voter_token(request.COOKIES.get(identity.VOTER_COOKIE, ""), config.campaign_id)
    if number is None:
        candidates = gallery.ballot_candidates(config)
    else:
        candidate = gallery.active_candidate(config, number)
        if candidate is None:
            raise Http404(_("No such candidate."))
        candidates = [candidate]
        context["candidate"] = candidate
    day = gallery.annotate_for_voter(config, candidates, voter, now)
    back = urlencode({"next": request.path})
    window = "open" if config.window_open(now) else ("before" if config.starts_at and now < config.starts_at else "after")
    blocked = gallery.voter_is_blocked(config, voter)
    sms_enabled = IdentityMethod.SMS in config.identity_methods
    # Web authorisation works only inside WeChat's browser: elsewhere the link would dead-end.
    wechat_url = (f"{reverse('public:vote_wechat', args=[slug])}?{back}"
                  if IdentityMethod.WECHAT_OAUTH in config.identity_methods
                  and "MicroMessenger" in request.META.get("HTTP_USER_AGENT", "") and wechat.app_for(campaign) else "")
    weaker_method = bool(voter) and voter[0] == IdentityMethod.DEVICE
    # A voter on the weaker picture check may verify again by text message or WeChat, which then replace it; once
    # they have voted today, only from tomorrow (`sms_code` and `wechat_callback` hold to the same rule).
    may_move = weaker_method and not blocked and (sms_enabled or bool(wechat_url))
    voted_today = may_move and gallery.weaker_voter_voted_today(config, voter, now, day)
    can_upgrade = may_move and not voted_today
    out_of_votes = day is not None and day.remaining <= 0
    code_sent_to = _signed_phone(request)
    show_identity = window == "open" and (not voter or can_upgrade)
    # A picture to solve before a code is sent, when the last request for one asked for it (`otp.NEEDS_PICTURE`).
    picture_for = _picture_phone(request) if sms_enabled and show_identity else ""
    typed = _signed_number(request, _TYPED_COOKIE, _TYPED_SALT, _TYPED_COOKIE_AGE)
    sms_picture = captcha.new_challenge_for(client_ip(request), limits=config.sms_limits) if picture_for else ""
    context.update({
        "candidates": candidates,
        "voter": voter,
        "voter_day": day,
        "voter_blocked": blocked,
        "window": window,
        "can_vote": window == "open" and not blocked,
        "out_of_votes": out_of_votes,
        "starts_at": _local(config.starts_at),
        "ends_at": _local(config.ends_at),
        "methods": config.identity_methods,
        "sms_enabled": sms_enabled,
        "code_sent_to": mask_phone(code_sent_to),
        "phone_typed": typed or picture_for.removeprefix("+86"),
        "sms_picture": sms_picture,
        "sms_picture_refused": message_text("captcha_limit") if picture_for and not sms_picture else "",
        "weaker_method": weaker_method,
        "can_upgrade": can_upgrade,
        "upgrade_tomorrow": message_text("weaker_voted_today_sms" if sms_enabled else "weaker_voted_today_wechat")
        if voted_today else "",
        "show_identity": show_identity,
        "wechat_url": wechat_url,
        "captcha_url": f"{reverse('public:vote_device', args=[slug])}?{back}"
        if IdentityMethod.DEVICE in config.identity_methods and not voter else "",
        "here": request.path,  # where the identity flows bring the voter back to
    })
    if number is not None:
        context.update(_profile_context(request, campaign, candidates[0], flash, context))
    if share_card:  # WeChat's share card (JS-SDK): None outside WeChat's browser, at no cost
        context["wechat_share"] = share.share_card(request, campaign, candidates[0] if number is not None else None)
    response = _flash_shown(request, slug, render(request, template, context))
    # The votes left and the counts change with every vote: the back button must not show an old copy.
    patch_cache_control(response, no_store=True, private=True)
    if not request.COOKIES.get(identity.DEVICE_COOKIE):
        response.set_cookie(identity.DEVICE_COOKIE, identity.new_device_token(), max_age=365 * 86400,
                            httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    if _TYPED_COOKIE in request.COOKIES:  # shown once, with the message that says why it was refused
        response.delete_cookie(_TYPED_COOKIE)
    return response


# The sign-in's own messages (text message, WeChat, picture check): a profile, whose sign-in sits below the
# candidate, shows them in the sign-in, which its form comes back to; the vote's messages stay by the vote button.
_SIGN_IN_MESSAGES = frozenset(OTP_MESSAGES) - {"verified"}


def _profile_context(request, campaign: Campaign, candidate, flash: str, context: dict) -> dict:
    """A profile's extras: the candidate's county, the share card's address and photo, and where its message shows."""
    in_sign_in = context["show_identity"] and flash in _SIGN_IN_MESSAGES
    return {
        "county": gallery.candidate_county(candidate),
        "share_url": _public_url(request, campaign, request.path),
        "share_image": _public_url(request, campaign, candidate.photo_url) if candidate.photo_url else "",
        "message": "" if in_sign_in else context["message"],
        "identity_message": context["message"] if in_sign_in else "",
    }


def _local(t: float | None):
    return dt.datetime.fromtimestamp(t, VOTING_TZ) if t else None


def _flash_shown(request, slug: str, response):
    """Clear the one-time message the page has just shown (`_back`); a page that showed one is not kept."""
    if ballot_http.FLASH_COOKIE in request.COOKIES:
        response.delete_cookie(ballot_http.FLASH_COOKIE, path=ballot_http.flash_path(slug), samesite="Lax")
        patch_cache_control(response, no_store=True)
    return response


def _outside_window(config) -> bool:
    """Whether the vote is closed or not yet open: no voter is registered and no code sent then."""
    return not config.window_open(time.time())


def _stays_weaker_today(request, config, method: str) -> str:
    """The message for a picture-check voter who has voted today and asks to verify by `method` (which would
    replace them, with a fresh day's votes), or "" when they may."""
    voter = identity.read_voter_token(request.COOKIES.get(identity.VOTER_COOKIE, ""), config.campaign_id)
    if not gallery.weaker_voter_voted_today(config, voter, time.time()):
        return ""
    return "weaker_voted_today_sms" if method == IdentityMethod.SMS else "weaker_voted_today_wechat"


def _signed_phone(request) -> str:
    """The number the live code was sent to, or ""."""
    return _signed_number(request, _PHONE_COOKIE, _PHONE_SALT, _PHONE_COOKIE_AGE)


def _picture_phone(request) -> str:
    """The number a code was asked for when the voter's network had to solve a picture first, or ""."""
    return _signed_number(request, _PICTURE_COOKIE, _PICTURE_SALT, _PICTURE_COOKIE_AGE)


def _signed_number(request, cookie: str, salt: str, max_age: int) -> str:
    try:
        phone = signing.loads(request.COOKIES.get(cookie, ""), salt=salt, max_age=max_age)
    except signing.BadSignature:
        return ""
    return phone if isinstance(phone, str) else ""


def _back(slug: str, message: str, next_path: str = "") -> HttpResponseRedirect:
    """Back to the voting page the voter came from, which shows `message` (a `messages.message_ref`) once: it
    travels in a short-lived cookie, so the address the voter sees, and may share, carries no message."""
    response = HttpResponseRedirect(ballot_http.return_path(slug, next_path))
    if message:
        response.set_cookie(ballot_http.FLASH_COOKIE, message, max_age=ballot_http.FLASH_MAX_AGE,
                            path=ballot_http.flash_path(slug), httponly=True, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE)
    return response


def set_voter_cookie(response, campaign_id: int, voter) -> None:
    response.set_cookie(identity.VOTER_COOKIE, identity.issue_voter_token(campaign_id, voter.method, voter.voter_hash),
                        max_age=identity.VOTER_TOKEN_MAX_AGE, httponly=True, samesite="Lax",
                        secure=settings.SESSION_COOKIE_SECURE)


@require_POST
def sms_code(request, slug):
    """Send a one-time code (action=send), send it again to the same number (resend), check it (verify) and
    remember the voter, or forget the number to enter another (change)."""
    campaign = _campaign_or_404(slug)
    config = vote_config(slug)
    if config is None or IdentityMethod.SMS not in config.identity_methods:
        raise Http404(_("Voting by text message is not offered for this campaign."))
    next_path = request.POST.get("next", "")
    action = request.POST.get("action")
    if action == "change":
        response = _back(slug, "", next_path)
        response.delete_cookie(_PHONE_COOKIE)
        response.delete_cookie(_PICTURE_COOKIE)
        return response
    if _outside_window(config):
        return _back(slug, Reason.OUTSIDE_WINDOW, next_path)
    if refusal := _stays_weaker_today(request, config, IdentityMethod.SMS):
        return _back(slug, refusal, next_path)
    if action == "verify":
        phone_text = request.POST.get("phone", "") or _signed_phone(request)
        if not phone_text:  # the number was forgotten with its code: the voter starts again
            return _back(slug, "code_expired", next_path)
        result = otp.verify_code(campaign=campaign, phone_text=phone_text, code=request.POST.get("code", ""))
        response = _back(slug, result.code, next_path)
        if result.ok:
            set_voter_cookie(response, campaign.pk, result.voter)
            response.delete_cookie(_PICTURE_COOKIE)
        if result.ok or result.code in otp.NEEDS_NEW_CODE:
            response.delete_cookie(_PHONE_COOKIE)
        return response
    if action == "resend":
        phone_text = _signed_phone(request)
        if not phone_text:  # forgotten with its code (five minutes): the voter enters the number again
            return _back(slug, "code_expired", next_path)
    else:
        phone_text = request.POST.get("phone", "")
    result = otp.request_code(campaign=campaign, phone_text=phone_text, ip=client_ip(request),
                              challenge=request.POST.get("challenge", ""), answer=request.POST.get("answer", ""))
    response = _back(slug, result.code, next_path)
    # The number is remembered (or replaced) only when a code went to it: a refused request, perhaps from another
    # tab, leaves the number a live code was sent to, and the page never says a code was sent when none was.
    if result.code == "sent":
        response.set_cookie(_PHONE_COOKIE, signing.dumps(result.phone, salt=_PHONE_SALT), max_age=_PHONE_COOKIE_AGE,
                            httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        response.delete_cookie(_PICTURE_COOKIE)
        response.delete_cookie(_TYPED_COOKIE)
    elif result.code in otp.NEEDS_PICTURE:
        response.set_cookie(_PICTURE_COOKIE, signing.dumps(result.phone, salt=_PICTURE_SALT),
                            max_age=_PICTURE_COOKIE_AGE, httponly=True, samesite="Lax",
                            secure=settings.SESSION_COOKIE_SECURE)
    elif action != "resend" and (typed := phone_text.strip()[:_TYPED_MAX_LENGTH]):
        response.set_cookie(_TYPED_COOKIE, signing.dumps(typed, salt=_TYPED_SALT), max_age=_TYPED_COOKIE_AGE,
                            httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    return response


@require_http_methods(["GET", "POST"])
def device_check(request, slug):
    """The weaker identity: solve a picture captcha and this device becomes the voter."""
    campaign = _campaign_or_404(slug)
    config = vote_config(slug)
    if config is None or IdentityMethod.DEVICE not in config.identity_methods:
        raise Http404(_("The device check is not offered for this campaign."))
    error = ""
    next_path = ballot_http.return_path(slug, request.GET.get("next", ""))
    ip = client_ip(request)
    closed = _outside_window(config)
    if closed:
        error = str(OUTCOME_MESSAGES[Reason.OUTSIDE_WINDOW])
    elif request.method == "POST":
        device_token = request.COOKIES.get(identity.DEVICE_COOKIE, "")
        if not captcha.may_answer(ip, limits=config.sms_limits):
            error = str(OTP_MESSAGES["captcha_limit"])
        elif device_token and captcha.solved(request.POST.get("challenge", ""), request.POST.get("answer", "")):
            voter = register_voter(campaign_id=campaign.pk, method=IdentityMethod.DEVICE, identity_value=device_token,
                                   label=f"device…{identity.device_hash(device_token)[:6]}")
            response = _back(slug, "verified", next_path)
            set_voter_cookie(response, campaign.pk, voter)
            return response
        else:
            error = str(OTP_MESSAGES["captcha_wrong"])
    status = 400 if error else 200
    if closed:  # no picture: solving it could make no voter
        challenge_id, status = "", 403
    # Each new picture (a first visit, "another picture", a retry after a wrong answer) is counted per address.
    elif not (challenge_id := captcha.new_challenge_for(ip, limits=config.sms_limits)):
        error, status = str(OTP_MESSAGES["captcha_limit"]), 429
    context = {"campaign": campaign, "challenge": challenge_id, "error": error, "back": next_path,
               "new_picture_url": f"{request.path}?{urlencode({'next': next_path})}"}
    response = render(request, "public/voting/device.html", context, status=status)
    if not request.COOKIES.get(identity.DEVICE_COOKIE):
        response.set_cookie(identity.DEVICE_COOKIE, identity.new_device_token(), max_age=365 * 86400, httponly=True,
                            samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    return response


def captcha_image(request, slug, challenge):
    png = captcha.image_png(challenge)
    if png is None:
        raise Http404(_("This picture has expired."))
    response = HttpResponse(png, content_type="image/png")
    response["Cache-Control"] = "no-store"
    return response


_WECHAT_STATE_SALT = "xuanshu.voting.wechat-state"
_WECHAT_NEXT_COOKIE = "xs_wx_next"


def wechat_start(request, slug):
    """Send the voter to WeChat's silent authorisation (snsapi_base); it comes back to `wechat_callback`."""
    campaign = _campaign_or_404(slug)
    config = vote_config(slug)
    app = wechat.app_for(campaign) if config and IdentityMethod.WECHAT_OAUTH in config.identity_methods else None
    if app is None:
        raise Http404(_("WeChat authorisation is not offered for this campaign."))
    state = signing.dumps(secrets.token_urlsafe(8), salt=_WECHAT_STATE_SALT, compress=True)
    response = HttpResponseRedirect(wechat.authorize_url(
        app, redirect_uri=_public_url(request, campaign, reverse("public:vote_wechat_callback", args=[slug])), state=state))
    # The state is also kept in a cookie, so a code minted for another browser cannot be replayed here.
    response.set_cookie("xs_wx_state", state, max_age=600, httponly=True, samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    response.set_cookie(_WECHAT_NEXT_COOKIE, ballot_http.return_path(slug, request.GET.get("next", "")), max_age=600, httponly=True,
                        samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
    return response


def _public_url(request, campaign: Campaign, path: str) -> str:
    """The address of `path` as the voter's browser reaches it: under the campaign's public origin (links.public_origin:
    XUANSHU_PUBLIC_BASE_URL, else the campaign file's contacts.public_site, each checked as an origin; the site behind
    a proxy that ends TLS), else on the request's own scheme (`request.is_secure()`) and host (ALLOWED_HOSTS). An
    invalid setting is never used: the system check reports it, and the request's host stands in."""
    origin = public_origin(campaign)
    return origin + path if origin else request.build_absolute_uri(path)


def wechat_callback(request, slug):
    campaign = _campaign_or_404(slug)
    app = wechat.app_for(campaign)
    state = request.GET.get("state", "")
    next_path = request.COOKIES.get(_WECHAT_NEXT_COOKIE, "")
    try:
        signing.loads(state, salt=_WECHAT_STATE_SALT, max_age=600)
    except signing.BadSignature:
        state = ""
    if app is None or not state or state != request.COOKIES.get("xs_wx_state") or not request.GET.get("code"):
        return _back(slug, "wechat_failed", next_path)
    config = vote_config(slug)
    if config is None or _outside_window(config):
        return _back(slug, Reason.OUTSIDE_WINDOW, next_path)
    if refusal := _stays_weaker_today(request, config, IdentityMethod.WECHAT_OAUTH):
        return _back(slug, refusal, next_path)
    try:
        openid = wechat.openid_for_code(app, request.GET["code"][:128])
    except wechat.WechatAuthFailed:
        return _back(slug, "wechat_failed", next_path)
    voter = register_voter(campaign_id=campaign.pk, method=IdentityMethod.WECHAT_OAUTH, identity_value=openid,
                           label=f"wx…{openid[-4:]}")
    response = _back(slug, "verified", next_path)
    set_voter_cookie(response, campaign.pk, voter)
    response.delete_cookie("xs_wx_state")
    response.delete_cookie(_WECHAT_NEXT_COOKIE)
    return response
