"""The signing scheme and secrets at rest (unit)."""
import pytest
from cryptography.fernet import Fernet, InvalidToken

from xuanshu.api.partner_keys import decrypt_secret, encrypt_secret, new_key, new_secret, sign, signatures_match

# Computed independently with OpenSSL:
#   printf '1718090000\nPOST\n/api/v1/tips\n{"content":"推荐出彩聊城人"}' | openssl dgst -sha256 -hmac 'sk_test-secret'
OPENSSL_SIGNATURE = "8d67f50e78bae1b92ab4e27cc1f6ba7afd96de111e075198b00ef2f793296ca4"


def test_signature_matches_an_independent_implementation():
    body = '{"content":"推荐出彩聊城人"}'.encode()
    assert sign("sk_test-secret", timestamp="1718090000", method="post", path="/api/v1/tips", body=body) == OPENSSL_SIGNATURE


@pytest.mark.parametrize(("given", "matches"), [
    (OPENSSL_SIGNATURE, True),
    (OPENSSL_SIGNATURE.upper(), True),
    (f" {OPENSSL_SIGNATURE}\t", True),
    (OPENSSL_SIGNATURE[:-1] + "5", False),
    (OPENSSL_SIGNATURE[:-2], False),
    ("", False),
    ("签名" * 32, False),  # non-ASCII header text must not raise
])
def test_signature_comparison(given, matches):
    assert signatures_match(OPENSSL_SIGNATURE, given) is matches


def test_issued_credentials_are_random_and_prefixed():
    keys, secrets = {new_key() for _ in range(50)}, {new_secret() for _ in range(50)}
    assert (len(keys), len(secrets)) == (50, 50)
    assert all(key.startswith("pk_") and len(key) == 27 for key in keys)
    assert all(secret.startswith("sk_") and len(secret) == 46 for secret in secrets)


def test_secret_is_stored_encrypted_and_decrypts(settings):
    settings.API_SECRET_KEYS = [Fernet.generate_key()]
    ciphertext = encrypt_secret("sk_plain-secret")
    assert "sk_plain-secret" not in ciphertext
    assert decrypt_secret(ciphertext) == "sk_plain-secret"


def test_encryption_keys_rotate_old_first_then_new(settings):
    old, new = Fernet.generate_key(), Fernet.generate_key()
    settings.API_SECRET_KEYS = [old]
    ciphertext = encrypt_secret("sk_rotating")
    settings.API_SECRET_KEYS = f"{new.decode()},{old.decode()}"  # the environment's comma-separated form
    assert decrypt_secret(ciphertext) == "sk_rotating"
    settings.API_SECRET_KEYS = [new]
    with pytest.raises(InvalidToken):
        decrypt_secret(ciphertext)
