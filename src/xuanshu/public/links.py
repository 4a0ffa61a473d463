"""Signed links to a nomination's public status, for replies sent through channels (WeChat, e-mail)."""
from django.core import signing

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
