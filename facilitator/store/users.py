"""Staff accounts, API tokens and the one-time first-admin link."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import cast

import redis

from ..domain.ids import new_id, new_token
from . import keys
from .scripts import CONSUME_SETUP_TOKEN, Lua

_CONSUME_SETUP_TOKEN = Lua(CONSUME_SETUP_TOKEN)


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


def issue_api_token(r: redis.Redis, user_id: str) -> str:
    """A new API token for the user; only its hash is kept."""
    token = "fac_" + new_token()
    r.set(keys.api_token(token_hash(token)), user_id)
    return token


def user_for_api_token(r: redis.Redis, token: str) -> StaffUser | None:
    """The active account an API token belongs to, if any."""
    user_id = cast(str | None, r.get(keys.api_token(token_hash(token))))
    user = get(r, user_id) if user_id else None
    return user if user is not None and user.active else None


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
