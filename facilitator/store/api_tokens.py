"""API tokens: named, expiring, revocable, and stored only as their SHA-256."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import cast

import redis

from ..domain.ids import new_id, new_token
from . import client, keys
from .users import StaffUser, get, token_hash

# A record outlives its token's expiry by this long, so the account page can still say
# "expired" for a while; then it disappears from Redis, and from the list.
KEEP_EXPIRED_S = 30 * 86400
# Last use is written at most this often per token, so reads stay reads.
TOUCH_EVERY_S = 60


@dataclass(frozen=True)
class ApiToken:
    """What the account page and the CLI show about a token (never the token itself)."""

    id: str
    user_id: str
    name: str
    created_at: float
    expires_at: float
    last_used_at: float | None

    def expired(self, now: float | None = None) -> bool:
        """True once the token's expiry has passed."""
        return (time.time() if now is None else now) >= self.expires_at


@dataclass(frozen=True)
class TokenCheck:
    """The outcome of presenting a token: the account, or why it does not work."""

    user: StaffUser | None
    token: ApiToken | None = None
    problem: str = ""


def _from_hash(raw: dict[str, str]) -> ApiToken:
    return ApiToken(
        id=raw["id"],
        user_id=raw["user"],
        name=raw.get("name", ""),
        created_at=float(raw["created"]),
        expires_at=float(raw["expires"]),
        last_used_at=float(raw["used"]) if raw.get("used") else None,
    )


def issue(r: redis.Redis, user_id: str, name: str, days: int) -> tuple[str, ApiToken]:
    """A new token for the user, valid for `days`; returns it once, with its record."""
    token = "fac_" + new_token()
    digest = token_hash(token)
    now = time.time()
    record = ApiToken(new_id(10), user_id, name, now, now + days * 86400, None)
    with r.pipeline() as pipe:
        pipe.hset(
            keys.api_token(digest),
            mapping={
                "user": user_id,
                "id": record.id,
                "name": name,
                "created": repr(record.created_at),
                "expires": repr(record.expires_at),
            },
        )
        pipe.expireat(keys.api_token(digest), int(record.expires_at + KEEP_EXPIRED_S))
        pipe.hset(keys.api_tokens(user_id), record.id, digest)
        pipe.execute()
    return token, record


def _record(r: redis.Redis, digest: str) -> ApiToken | None:
    try:
        raw = cast(dict[str, str], r.hgetall(keys.api_token(digest)))
    except redis.ResponseError:
        # A token made before tokens had names and expiry (a plain string): never valid.
        return None
    return _from_hash(raw) if raw else None


def check(r: redis.Redis, token: str) -> TokenCheck:
    """Who a presented token signs in, noting its use; or why it does not work."""
    record = _record(r, token_hash(token))
    if record is None:
        return TokenCheck(None, problem="That API token is not valid: it may have been revoked.")
    if record.expired():
        return TokenCheck(None, record, "That API token has expired. Make a new one on your account page.")
    user = get(r, record.user_id)
    if user is None or not user.active:
        return TokenCheck(None, record, "That API token's account is switched off.")
    now = time.time()
    if record.last_used_at is None or now - record.last_used_at > TOUCH_EVERY_S:
        wrote = client.may_have_written()
        r.hset(keys.api_token(token_hash(token)), "used", repr(now))
        if not wrote:
            # Noting a token's use is bookkeeping, not the request's write: a read that
            # fails later still changed nothing the caller asked for.
            client.begin()
    return TokenCheck(user, record)


def tokens_of(r: redis.Redis, user_id: str) -> list[ApiToken]:
    """The user's tokens, newest first (long-expired ones have gone)."""
    index = cast(dict[str, str], r.hgetall(keys.api_tokens(user_id)))
    found = {token_id: _record(r, digest) for token_id, digest in index.items()}
    gone = [token_id for token_id, record in found.items() if record is None]
    if gone:
        r.hdel(keys.api_tokens(user_id), *gone)
    return sorted((t for t in found.values() if t is not None), key=lambda t: -t.created_at)


def revoke(r: redis.Redis, user_id: str, token_id: str) -> bool:
    """Revoke one of the user's tokens; False when they have no token with that id."""
    digest = cast(str | None, r.hget(keys.api_tokens(user_id), token_id))
    if digest is None:
        return False
    with r.pipeline() as pipe:
        pipe.delete(keys.api_token(digest))
        pipe.hdel(keys.api_tokens(user_id), token_id)
        pipe.execute()
    return True


def revoke_all(r: redis.Redis, user_id: str) -> int:
    """Revoke every token of the user; how many there were."""
    index = cast(dict[str, str], r.hgetall(keys.api_tokens(user_id)))
    with r.pipeline() as pipe:
        for digest in index.values():
            pipe.delete(keys.api_token(digest))
        pipe.delete(keys.api_tokens(user_id))
        pipe.execute()
    return len(index)


def socket_tag(token_id: str) -> str:
    """How a socket opened with this token is recorded among its user's sockets."""
    return f"t:{token_id};"
