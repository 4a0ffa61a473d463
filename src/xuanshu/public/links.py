"""Signed links to a nomination's public status, and the public site's origin they are made under.

Links sent without a request to take a host from (e-mail acknowledgements, the partner API's answer, the hotline's
text message) are made under the public origin: XUANSHU_PUBLIC_BASE_URL when set (an override for every campaign),
else the campaign file's `contacts.public_site`. Either is checked as an origin (https, or http on a loopback host
for a local run; no user, path, query or fragment) before any link is made, so a link can never point elsewhere;
with neither, no link is made and the reply says how to look the nomination up instead.
"""
import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils.translation import gettext as _

_SIGNER = signing.Signer(salt="xuanshu.public.status-link")
_HOST_LABEL = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
_LOOPBACK_NAMES = {"localhost"}


class InvalidOrigin(ValueError):
    """Not an origin a citizen's link may be made under; the message says what is wrong, in the active language."""


def status_link_token(reference: str) -> str:
    """Shows one nomination's status without the phone digits (a WeChat nominator may have given no phone).

    It reveals no more than the lookup by reference and phone does; it is deterministic, so a retried
    WeChat message gets the very same reply.
    """
    return _SIGNER.sign(reference)


def reference_from_status_token(token: str) -> str:
    """The reference in a status token; raises signing.BadSignature when forged."""
    return _SIGNER.unsign(token)


def status_path(campaign, reference: str) -> str:
    """The path of the nomination's own status page: the link the thanks page and the channels' replies give."""
    return reverse("public:status_link", args=[campaign.slug, status_link_token(reference)])


def lookup_path(campaign) -> str:
    """The path of the status lookup page (reference number and phone digits)."""
    return reverse("public:status", args=[campaign.slug])


def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _valid_host(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
        return True
    except ValueError:
        pass
    labels = host.split(".")
    return len(host) <= 253 and all(_HOST_LABEL.match(label) for label in labels)


def clean_public_origin(value: str) -> str:
    """`value` as an origin for citizens' links (`https://host[:port]`, lower-case, no trailing slash); raises
    InvalidOrigin naming the problem. Plain http is accepted only for a loopback host (a local run)."""
    text = (value or "").strip()
    if not text:
        raise InvalidOrigin(_("is empty"))
    if any(ch.isspace() or ord(ch) < 0x20 or ch == "\\" for ch in text) or not text.isascii():
        raise InvalidOrigin(_("%(value)s may only hold the letters of an address, without spaces or backslashes") % {"value": text})
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise InvalidOrigin(_("%(value)s is not a web address") % {"value": text}) from None
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if scheme not in ("https", "http") or not host:
        raise InvalidOrigin(_("%(value)s is not a web address such as https://xuanshu.example.cn") % {"value": text})
    if "@" in parts.netloc:
        raise InvalidOrigin(_("%(value)s must not hold a user name or password") % {"value": text})
    if parts.path not in ("", "/") or parts.query or parts.fragment or text.endswith(("?", "#")):
        raise InvalidOrigin(_("%(value)s must be the site's origin alone, such as https://xuanshu.example.cn, without a "
                              "path, query or fragment") % {"value": text})
    if not _valid_host(host):
        raise InvalidOrigin(_("%(value)s does not name a valid host") % {"value": text})
    if scheme == "http" and not _is_loopback(host):
        raise InvalidOrigin(_("%(value)s must use https (plain http is only for a local run on 127.0.0.1 or "
                              "localhost)") % {"value": text})
    shown_host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown_host}" + (f":{port}" if port is not None else "")


def configured_public_origin() -> str:
    """XUANSHU_PUBLIC_BASE_URL, checked; '' when unset or not a valid origin (the system check reports that)."""
    value = getattr(settings, "XUANSHU_PUBLIC_BASE_URL", "") or ""
    if not value.strip():
        return ""
    try:
        return clean_public_origin(value)
    except InvalidOrigin:
        return ""


def public_origin(campaign) -> str:
    """The origin citizens' links to `campaign` are made under: the setting, which overrides every campaign, else the
    campaign file's `contacts.public_site`; '' when neither is set (an invalid setting makes no link at all)."""
    if (getattr(settings, "XUANSHU_PUBLIC_BASE_URL", "") or "").strip():
        return configured_public_origin()
    stored = getattr(campaign, "public_site", "") or ""
    if not stored:
        return ""
    try:
        return clean_public_origin(stored)  # the loader checked it; checked again, as it becomes a link
    except InvalidOrigin:
        return ""


def public_status_url(campaign, reference: str) -> str:
    """The status page's full address under the public origin, for replies sent without a request (e-mail, the
    partner API, a text message); '' when no origin is set: no host is better than a wrong one in a link the
    citizen keeps."""
    origin = public_origin(campaign)
    return origin + status_path(campaign, reference) if origin else ""


def public_lookup_url(campaign) -> str:
    """The status lookup page's full address under the public origin; '' when none is set."""
    origin = public_origin(campaign)
    return origin + lookup_path(campaign) if origin else ""
