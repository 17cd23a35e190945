"""Staff accounts, their sign-ins and open sockets, password reset links, and the one-time
first-admin link. API tokens are in `store.api_tokens`."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import cast

import redis

from ..domain.ids import new_id, new_token
from . import keys
from .scripts import (
    CONSUME_SETUP_TOKEN,
    COUNT_ATTEMPT,
    DROP_STAFF_SOCKETS,
    HOLD_STAFF_SOCKET,
    USE_PASSWORD_RESET,
    Lua,
)

_CONSUME_SETUP_TOKEN = Lua(CONSUME_SETUP_TOKEN)
_COUNT_ATTEMPT = Lua(COUNT_ATTEMPT)
_HOLD_STAFF_SOCKET = Lua(HOLD_STAFF_SOCKET)
_DROP_STAFF_SOCKETS = Lua(DROP_STAFF_SOCKETS)
_USE_PASSWORD_RESET = Lua(USE_PASSWORD_RESET)


def token_hash(token: str) -> str:
    """Secrets are stored only as their SHA-256, so a copy of the database reveals none."""
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class StaffUser:
    """A staff account as the app uses it; the password hash never leaves the store."""

    id: str
    email: str
    name: str
    role: str
    active: bool = True


def _from_hash(user_id: str, raw: dict[str, str]) -> StaffUser:
    return StaffUser(
        id=user_id,
        email=raw["email"],
        name=raw.get("name", ""),
        role=raw["role"],
        active=raw.get("active", "1") == "1",
    )


def create(r: redis.Redis, email: str, name: str, role: str, password_hash: str) -> StaffUser | None:
    """Create an account; None when the email is already registered."""
    user_id = new_id(12)
    if not r.set(keys.user_by_email(email), user_id, nx=True):
        return None
    with r.pipeline() as pipe:
        pipe.hset(
            keys.user(user_id),
            mapping={
                "email": email.lower(),
                "name": name,
                "role": role,
                "password": password_hash,
                "active": "1",
            },
        )
        pipe.sadd(keys.users(), user_id)
        pipe.execute()
    return StaffUser(id=user_id, email=email.lower(), name=name, role=role)


def get(r: redis.Redis, user_id: str) -> StaffUser | None:
    """The account with this id, if any."""
    raw = cast(dict[str, str], r.hgetall(keys.user(user_id)))
    return _from_hash(user_id, raw) if raw else None


def by_email(r: redis.Redis, email: str) -> tuple[StaffUser, str] | None:
    """The account and its password hash for an email address, if registered."""
    user_id = cast(str | None, r.get(keys.user_by_email(email)))
    if user_id is None:
        return None
    raw = cast(dict[str, str], r.hgetall(keys.user(user_id)))
    return (_from_hash(user_id, raw), raw["password"]) if raw else None


def all_users(r: redis.Redis) -> list[StaffUser]:
    """Every staff account, by email."""
    found = [get(r, uid) for uid in cast(set[str], r.smembers(keys.users()))]
    return sorted((u for u in found if u is not None), key=lambda u: u.email)


def count(r: redis.Redis) -> int:
    """How many staff accounts exist."""
    return int(r.scard(keys.users()))


def set_password(r: redis.Redis, user_id: str, password_hash: str) -> None:
    """Replace the account's password hash (any reset link still open stops working)."""
    with r.pipeline() as pipe:
        pipe.hset(keys.user(user_id), "password", password_hash)
        pipe.hdel(keys.user(user_id), "reset")
        pipe.execute()


def set_active(r: redis.Redis, user_id: str, active: bool) -> None:
    """Switch an account on or off (a switched-off account cannot sign in or use tokens)."""
    with r.pipeline() as pipe:
        pipe.hset(keys.user(user_id), "active", "1" if active else "0")
        if not active:
            pipe.hdel(keys.user(user_id), "reset")
        pipe.execute()


# Sign-ins: one per signed-in browser, named in its session cookie, so the server can end it.
def add_sign_in(r: redis.Redis, user_id: str, now: float, max_age_s: float) -> str:
    """Record a new sign-in and return its id (only its hash is kept); drop expired ones."""
    sign_in_id = new_token()
    began = cast(dict[str, str], r.hgetall(keys.sign_ins(user_id)))
    with r.pipeline() as pipe:
        stale = [field for field, at in began.items() if float(at) < now - max_age_s]
        if stale:
            pipe.hdel(keys.sign_ins(user_id), *stale)
        pipe.hset(keys.sign_ins(user_id), token_hash(sign_in_id), repr(now))
        pipe.execute()
    return sign_in_id


def signed_in(r: redis.Redis, user_id: str, sign_in_id: str) -> tuple[StaffUser, float] | None:
    """The account and when this sign-in began, while the sign-in stands."""
    with r.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.user(user_id))
        pipe.hget(keys.sign_ins(user_id), token_hash(sign_in_id))
        raw, began = pipe.execute()
    if not raw or began is None:
        return None
    return _from_hash(user_id, raw), float(began)


def end_sign_in(r: redis.Redis, user_id: str, sign_in_id: str) -> None:
    """End one sign-in: its cookie opens nothing from now on."""
    r.hdel(keys.sign_ins(user_id), token_hash(sign_in_id))


def end_sign_ins(r: redis.Redis, user_id: str) -> None:
    """End every sign-in of the account."""
    r.delete(keys.sign_ins(user_id))


def sign_in_count(r: redis.Redis, user_id: str) -> int:
    """How many browsers are signed in (expired sign-ins not yet dropped included)."""
    return int(r.hlen(keys.sign_ins(user_id)))


# Open sockets of staff, by the credential that opened them.
def sign_in_tag(sign_in_id: str) -> str:
    """How a socket opened with a sign-in's cookie is recorded."""
    return f"s:{token_hash(sign_in_id)};"


SIGN_IN_TAGS = "s:"


def hold_sign_in_socket(r: redis.Redis, user_id: str, sign_in_id: str, socket_id: str) -> bool:
    """Record a socket opened with a sign-in's cookie; False when that sign-in has ended."""
    return bool(
        _HOLD_STAFF_SOCKET(
            r,
            keys=[keys.sign_ins(user_id), keys.staff_sockets(user_id)],
            args=[token_hash(sign_in_id), socket_id, sign_in_tag(sign_in_id)],
        )
    )


def hold_token_socket(r: redis.Redis, user_id: str, token: str, tag: str, socket_id: str) -> bool:
    """Record a socket opened with an API token; False when the token has been revoked."""
    return bool(
        _HOLD_STAFF_SOCKET(
            r,
            keys=[keys.api_token(token_hash(token)), keys.staff_sockets(user_id)],
            args=["", socket_id, tag],
        )
    )


def release_socket(r: redis.Redis, user_id: str, socket_id: str) -> None:
    """Forget a staff socket that closed."""
    r.hdel(keys.staff_sockets(user_id), socket_id)


def drop_sockets(r: redis.Redis, user_id: str, tag_start: str = "") -> list[str]:
    """Forget and return the ids of the user's sockets whose credential tag starts with
    `tag_start` (every socket with ''), for the caller to close."""
    return [str(s) for s in _DROP_STAFF_SOCKETS(r, keys=[keys.staff_sockets(user_id)], args=[tag_start])]


# One-time password reset links, made by an admin.
def issue_password_reset(r: redis.Redis, user_id: str, ttl_s: int) -> str:
    """A new reset link token for the account; any earlier link stops working."""
    token = new_token()
    digest = token_hash(token)
    with r.pipeline() as pipe:
        pipe.set(keys.password_reset(digest), user_id, ex=ttl_s)
        pipe.hset(keys.user(user_id), "reset", digest)
        pipe.execute()
    return token


def password_reset_user(r: redis.Redis, token: str) -> StaffUser | None:
    """The active account a reset link is for, while the link is unused, unexpired and the
    account's latest."""
    digest = token_hash(token)
    user_id = cast(str | None, r.get(keys.password_reset(digest)))
    raw = cast(dict[str, str], r.hgetall(keys.user(user_id))) if user_id else {}
    if not raw or raw.get("reset") != digest or raw.get("active", "1") != "1":
        return None
    return _from_hash(cast(str, user_id), raw)


def use_password_reset(r: redis.Redis, token: str, user_id: str, password_hash: str) -> bool:
    """Set the password through a reset link, once; False if the link no longer works."""
    digest = token_hash(token)
    return bool(
        _USE_PASSWORD_RESET(
            r, keys=[keys.password_reset(digest), keys.user(user_id)], args=[digest, password_hash]
        )
    )


# Failed sign-ins, counted per account (by the email's hash, so unknown addresses count
# alike and no address typed is kept) and per client address.
def _account_counter(email: str) -> str:
    return keys.rate_limit("sign-in-account", token_hash(email.strip().lower()))


def _address_counter(address: str) -> str:
    return keys.rate_limit("sign-in-address", address)


def sign_in_failures(r: redis.Redis, email: str, address: str) -> tuple[int, int]:
    """Failed sign-ins in the current windows: for this email, and from this address."""
    found = r.mget([_account_counter(email), _address_counter(address)])
    return int(found[0] or 0), int(found[1] or 0)


def count_sign_in_failure(r: redis.Redis, email: str, address: str, window_s: int) -> None:
    """Count one failed sign-in against the email and the address."""
    _COUNT_ATTEMPT(r, keys=[_account_counter(email)], args=[window_s])
    _COUNT_ATTEMPT(r, keys=[_address_counter(address)], args=[window_s])


def clear_sign_in_failures(r: redis.Redis, email: str) -> None:
    """Forget the failures counted against an email (it signed in, or its password was reset)."""
    r.delete(_account_counter(email))


def count_sign_up(r: redis.Redis, address: str, window_s: int) -> int:
    """Count one account sign-up from an address; the count so far in the window."""
    return int(_COUNT_ATTEMPT(r, keys=[keys.rate_limit("sign-up", address)], args=[window_s]))


def issue_api_token(r: redis.Redis, user_id: str, name: str = "API token", days: int = 90) -> str:
    """A new API token for the user (see `store.api_tokens.issue`); only its hash is kept."""
    from . import api_tokens

    return api_tokens.issue(r, user_id, name, days)[0]


def user_for_api_token(r: redis.Redis, token: str) -> StaffUser | None:
    """The active account a live (unexpired, unrevoked) API token belongs to, if any."""
    from . import api_tokens

    return api_tokens.check(r, token).user


def issue_setup_token(r: redis.Redis) -> str:
    """A fresh one-time token for the first-admin link (replaces any earlier one)."""
    token = new_token()
    r.set(keys.setup_token(), token_hash(token))
    return token


def consume_setup_token(r: redis.Redis, token: str) -> bool:
    """True once for the current setup token, and only while no user exists."""
    return bool(_CONSUME_SETUP_TOKEN(r, keys=[keys.setup_token(), keys.users()], args=[token_hash(token)]))


def setup_token_valid(r: redis.Redis, token: str) -> bool:
    """True while the first-admin link is still usable."""
    return r.get(keys.setup_token()) == token_hash(token) and count(r) == 0
