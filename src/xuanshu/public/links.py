"""Signed links to a nomination's public status, for replies sent through channels (WeChat, e-mail)."""
from django.conf import settings
from django.core import signing
from django.urls import reverse

_SIGNER = signing.Signer(salt="xuanshu.public.status-link")


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


def public_status_url(campaign, reference: str) -> str:
    """The status page's full address under XUANSHU_PUBLIC_BASE_URL, for replies sent without a request (e-mail);
    '' when that origin is not set: no host is better than a wrong one in a link the citizen keeps."""
    base = (getattr(settings, "XUANSHU_PUBLIC_BASE_URL", "") or "").rstrip("/")
    return base + status_path(campaign, reference) if base else ""
