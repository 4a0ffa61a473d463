"""Who is voting, as keyed hashes: voter ids, devices, networks and user agents, and the signed voter cookie.

Phone numbers and openids are hashed with a server-side key (HMAC-SHA256), not a bare digest: the space of
mainland mobile numbers is small enough to enumerate, so an unkeyed hash in the public ledger would be
reversible. The key comes from VOTING_HASH_KEY, or is derived from SECRET_KEY.
"""
import functools
import hashlib
import hmac
import ipaddress
import os
import secrets
import time

from django.conf import settings
from django.core import signing

VOTER_COOKIE = "xs_voter"
DEVICE_COOKIE = "xs_device"
VOTER_TOKEN_MAX_AGE = 7 * 24 * 3600
_VOTER_SALT = "xuanshu.voting.voter"


@functools.cache
def _hash_key() -> bytes:
    configured = os.environ.get("VOTING_HASH_KEY") or getattr(settings, "VOTING_HASH_KEY", "")
    if configured:
        return configured.encode()
    return hmac.new(settings.SECRET_KEY.encode(), b"xuanshu.voting.hash-key", hashlib.sha256).digest()


@functools.cache
def _keyed_base() -> "hmac.HMAC":
    return hmac.new(_hash_key(), digestmod=hashlib.sha256)


def keyed_hash(kind: str, value: str) -> str:
    if not value:
        return ""
    # Copying a keyed HMAC skips re-deriving the padded key: a third of the cost on the vote path.
    mac = _keyed_base().copy()
    mac.update(f"{kind}\x1f{value}".encode())
    return mac.hexdigest()


def voter_hash(campaign_id: int, method: str, identity: str) -> str:
    return keyed_hash(f"voter:{campaign_id}:{method}", identity)


@functools.lru_cache(maxsize=4096)
def network_of(address: str) -> tuple[str, str]:
    """The address in canonical form and its subnet: /24 for IPv4, /64 for IPv6 (one household or carrier pool)."""
    try:
        ip = ipaddress.ip_address(address.strip())
    except ValueError:
        return "", ""
    if ip.version == 6 and ip.ipv4_mapped:
        ip = ip.ipv4_mapped
    prefix = 24 if ip.version == 4 else 64
    return str(ip), str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


@functools.lru_cache(maxsize=4096)
def network_hashes(address: str) -> tuple[str, str, str, str]:
    """(ip, subnet, ip hash, subnet hash) for an address: cached, as one NAT sends many votes."""
    ip, subnet = network_of(address)
    return ip, subnet, keyed_hash("ip", ip), keyed_hash("subnet", subnet)


@functools.lru_cache(maxsize=4096)
def ua_hash(user_agent: str) -> str:
    return keyed_hash("ua", user_agent[:500])


@functools.lru_cache(maxsize=65536)
def device_hash(token: str) -> str:
    return keyed_hash("device", token[:64])


def new_device_token() -> str:
    return secrets.token_urlsafe(18)


def issue_voter_token(campaign_id: int, method: str, voter_hash_value: str) -> str:
    return signing.TimestampSigner(salt=_VOTER_SALT).sign(f"{campaign_id}:{method}:{voter_hash_value}")


@functools.cache
def _signer() -> signing.Signer:
    return signing.Signer(salt=_VOTER_SALT)


@functools.lru_cache(maxsize=65536)
def _unsign(token: str) -> tuple[str, float] | None:
    """The signed value and its time, or None; cached, as each voter sends the same cookie with every vote."""
    try:
        stamped = _signer().unsign(token)
        value, _, stamp = stamped.rpartition(":")
        return value, signing.b62_decode(stamp)
    except (signing.BadSignature, ValueError):
        return None


def read_voter_token(token: str, campaign_id: int) -> tuple[str, str] | None:
    """(method, voter hash) from a valid, unexpired cookie for this campaign; else None."""
    if not token or len(token) > 200:
        return None
    unsigned = _unsign(token)
    if unsigned is None or time.time() - unsigned[1] > VOTER_TOKEN_MAX_AGE:
        return None
    value = unsigned[0]
    cid, _, rest = value.partition(":")
    method, _, hashed = rest.partition(":")
    if cid != str(campaign_id) or not hashed:
        return None
    return method, hashed
