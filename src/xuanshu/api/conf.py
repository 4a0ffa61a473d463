"""Settings of the partner API. Each reads Django settings first (tests override them there), then the
environment, then a default that suits one newspaper's partners."""
import base64
import os

from django.conf import settings


def _setting(name: str, default):
    if hasattr(settings, name):
        return getattr(settings, name)
    return type(default)(os.environ.get(f"XUANSHU_{name}", default))


def signature_max_age() -> int:
    """Seconds a signed request stays acceptable either side of the server clock."""
    return _setting("API_SIGNATURE_MAX_AGE", 300)


def default_rate_limit_per_minute() -> int:
    return _setting("API_RATE_LIMIT_PER_MINUTE", 120)


def max_json_body_bytes() -> int:
    """A JSON tip is text: 256 KiB is far above the longest content the schema allows."""
    return _setting("API_MAX_JSON_BYTES", 256 * 1024)


def max_multipart_body_bytes() -> int:
    """Nine images of 10 MiB each plus 1 MiB of fields and multipart framing."""
    return _setting("API_MAX_MULTIPART_BYTES", 9 * 10 * 1024 * 1024 + 1024 * 1024)


def secret_encryption_keys() -> list[bytes]:
    """Fernet keys for partner secrets at rest: the first encrypts, all decrypt (rotation).

    XUANSHU_API_SECRET_KEYS holds comma-separated keys (`Fernet.generate_key()`); without it a key is
    derived from SECRET_KEY, so rotating SECRET_KEY then needs the old derived key listed here.
    """
    configured = _setting("API_SECRET_KEYS", "")
    if isinstance(configured, str):
        configured = [item.strip() for item in configured.split(",") if item.strip()]
    if configured:
        return [key.encode() if isinstance(key, str) else key for key in configured]
    return [_derived_key()]


def _derived_key() -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"xuanshu.api.partner-secrets").derive(
        settings.SECRET_KEY.encode()
    )
    return base64.urlsafe_b64encode(raw)
