"""Partner credentials: issuing key and secret, keeping the secret encrypted, and signing requests.

The signature is hex HMAC-SHA256(secret, f"{timestamp}\\n{METHOD}\\n{path}\\n" + body), computed with the
standard library's hmac and compared in constant time.
"""
import hashlib
import hmac
import secrets

from cryptography.fernet import Fernet, MultiFernet

from xuanshu.api import conf

KEY_PREFIX = "pk_"
SECRET_PREFIX = "sk_"


def new_key() -> str:
    return KEY_PREFIX + secrets.token_hex(12)


def new_secret() -> str:
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in conf.secret_encryption_keys()])


def encrypt_secret(secret: str) -> str:
    return _fernet().encrypt(secret.encode()).decode()


def decrypt_secret(ciphertext: str) -> str:
    return _fernet().decrypt(ciphertext.encode()).decode()


def signing_prefix(*, timestamp: str, method: str, path: str) -> bytes:
    """What precedes the body in the signed message."""
    return f"{timestamp}\n{method.upper()}\n{path}\n".encode()


def start_signature(secret: str, *, timestamp: str, method: str, path: str) -> "hmac.HMAC":
    """An HMAC over the prefix; feed it the body as it is read, chunk by chunk."""
    return hmac.new(secret.encode(), signing_prefix(timestamp=timestamp, method=method, path=path), hashlib.sha256)


def sign(secret: str, *, timestamp: str, method: str, path: str, body: bytes) -> str:
    """The X-Signature a client sends (used by tests and by partners' reference code)."""
    mac = start_signature(secret, timestamp=timestamp, method=method, path=path)
    mac.update(body)
    return mac.hexdigest()


def signatures_match(expected_hex: str, given: str) -> bool:
    """Constant-time comparison; any header text is accepted (non-ASCII simply does not match)."""
    return hmac.compare_digest(expected_hex.encode(), given.strip().lower().encode("utf-8", "replace"))
