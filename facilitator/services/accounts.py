"""Operations on staff accounts: sign-ins, passwords, switching accounts off, API tokens.

Each signed-in browser is a sign-in recorded with the account; its id travels in the
session cookie. Ending it (sign-out, a password change or reset, an admin's "sign out
everywhere", switching the account off) makes every copy of that cookie open nothing, and
returns the ids of the sockets it had open, for the caller to close on whichever process
holds them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Annotated

import redis
from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.errors import DomainError, Forbidden, NotFound
from ..store import api_tokens
from ..store import users as user_store
from ..store.api_tokens import ApiToken
from ..store.users import StaffUser

MIN_PASSWORD = 10
MAX_PASSWORD = 200
RESET_LINK_HOURS = 24
TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
MAX_TOKENS = 50


def password_problem(password: str, email: str) -> str | None:
    """What is wrong with a new password, in plain words, or None."""
    if len(password) < MIN_PASSWORD:
        return f"Choose a password of at least {MIN_PASSWORD} characters."
    if len(password) > MAX_PASSWORD:
        return f"Choose a password of at most {MAX_PASSWORD} characters."
    if password.strip().casefold() == email.strip().casefold():
        return "Choose a password that is not your email address."
    return None


def _new_password(password: str, confirm: str, email: str) -> dict[str, str]:
    problem = password_problem(password, email)
    if problem:
        return {"password": problem}
    if password != confirm:
        return {"confirm": "The two new passwords differ."}
    return {}


# Sign-ins.
def begin_sign_in(r: redis.Redis, user: StaffUser, max_age_s: float) -> str:
    """Record a sign-in for a browser; its id goes in the session cookie."""
    return user_store.add_sign_in(r, user.id, time.time(), max_age_s)


def current_sign_in(r: redis.Redis, cookie_id: str, max_age_s: float) -> tuple[StaffUser, str] | None:
    """The active account and sign-in id a session cookie names, while the sign-in stands
    (not ended, younger than `max_age_s`)."""
    user_id, _, sign_in_id = cookie_id.partition(":")
    if not user_id or not sign_in_id:
        return None  # a cookie from before sign-ins were recorded: sign in again
    found = user_store.signed_in(r, user_id, sign_in_id)
    if found is None or not found[0].active or found[1] < time.time() - max_age_s:
        return None
    return found[0], sign_in_id


def sign_out(r: redis.Redis, user_id: str, sign_in_id: str) -> list[str]:
    """End this browser's sign-in; the sockets it opened, to close."""
    user_store.end_sign_in(r, user_id, sign_in_id)
    return user_store.drop_sockets(r, user_id, user_store.sign_in_tag(sign_in_id))


def _end_sign_ins(r: redis.Redis, user_id: str) -> list[str]:
    # The sign-ins end before their sockets are collected: a socket connecting meanwhile is
    # either collected here or refused (HOLD_STAFF_SOCKET checks its sign-in atomically).
    user_store.end_sign_ins(r, user_id)
    return user_store.drop_sockets(r, user_id, user_store.SIGN_IN_TAGS)


@dataclass(frozen=True)
class Ended:
    """What an admin's action on an account ended: the account, and sockets to close."""

    account: StaffUser
    sockets: list[str] = field(default_factory=list)


def _admin_target(r: redis.Redis, admin: StaffUser, user_id: str) -> StaffUser:
    if admin.role != "admin":
        raise Forbidden("not_admin", "Only admins manage staff accounts.")
    account = user_store.get(r, user_id)
    if account is None:
        raise NotFound("unknown_user", "There is no such staff account.")
    return account


def sign_out_everywhere(r: redis.Redis, admin: StaffUser, user_id: str) -> Ended:
    """End every sign-in of an account (its API tokens keep working)."""
    account = _admin_target(r, admin, user_id)
    return Ended(account, _end_sign_ins(r, user_id))


def deactivate(r: redis.Redis, admin: StaffUser, user_id: str) -> Ended:
    """Switch an account off: it signs out everywhere, its tokens are revoked, its sockets close."""
    account = _admin_target(r, admin, user_id)
    if account.id == admin.id:
        raise DomainError("own_account", "You cannot switch off your own account. Ask another admin.")
    user_store.set_active(r, user_id, False)
    user_store.end_sign_ins(r, user_id)
    api_tokens.revoke_all(r, user_id)
    return Ended(account, user_store.drop_sockets(r, user_id))


def reactivate(r: redis.Redis, admin: StaffUser, user_id: str) -> StaffUser:
    """Switch an account back on (it signs in again with its password; tokens stay revoked)."""
    account = _admin_target(r, admin, user_id)
    user_store.set_active(r, user_id, True)
    return account


# Passwords.
@dataclass(frozen=True)
class PasswordChange:
    """Problems by form field, or the browser's new sign-in and the sockets to close."""

    errors: dict[str, str]
    sign_in_id: str = ""
    sockets: list[str] = field(default_factory=list)


def change_password(
    r: redis.Redis,
    user: StaffUser,
    current: str,
    new: str,
    confirm: str,
    max_age_s: float,
    address: str | None,
) -> PasswordChange:
    """Change one's own password; every other browser is signed out, this one signs in anew."""
    from .signin import ACCOUNT_FAILURES, WINDOW_S, address_bucket

    found = user_store.by_email(r, user.email)
    where = address_bucket(address)
    if found is None:
        raise NotFound("unknown_user", "There is no such staff account.")
    # A stolen cookie must not become a way to guess the password: the account's limit holds.
    if user_store.sign_in_failures(r, user.email, where)[0] >= ACCOUNT_FAILURES:
        return PasswordChange({"current": "Too many wrong passwords. Wait 15 minutes and try again."})
    if not check_password_hash(found[1], current[:1024]):
        user_store.count_sign_in_failure(r, user.email, where, WINDOW_S)
        return PasswordChange({"current": "That is not your current password."})
    errors = _new_password(new, confirm, user.email)
    if not errors and check_password_hash(found[1], new):
        errors = {"password": "Choose a password different from your current one."}
    if errors:
        return PasswordChange(errors)
    user_store.set_password(r, user.id, generate_password_hash(new))
    sockets = _end_sign_ins(r, user.id)
    return PasswordChange({}, begin_sign_in(r, user, max_age_s), sockets)


def reset_link(r: redis.Redis, admin: StaffUser, user_id: str) -> tuple[StaffUser, str]:
    """A one-time link that lets the account's owner choose a new password (shown once)."""
    account = _admin_target(r, admin, user_id)
    if not account.active:
        raise DomainError(
            "switched_off", f"Switch {account.name}'s account on before resetting its password."
        )
    return account, user_store.issue_password_reset(r, user_id, RESET_LINK_HOURS * 3600)


BAD_RESET_LINK = (
    "This reset link has been used, has expired, or was replaced by a newer one. Ask an admin for a new link."
)


def reset_account(r: redis.Redis, token: str) -> StaffUser:
    """The account a reset link is for, or NotFound."""
    account = user_store.password_reset_user(r, token)
    if account is None:
        raise NotFound("bad_reset_link", BAD_RESET_LINK)
    return account


def reset_password(
    r: redis.Redis, token: str, new: str, confirm: str, max_age_s: float
) -> tuple[StaffUser, PasswordChange]:
    """Choose a new password through a reset link: every sign-in ends, this browser signs in."""
    account = reset_account(r, token)
    errors = _new_password(new, confirm, account.email)
    if errors:
        return account, PasswordChange(errors)
    if not user_store.use_password_reset(r, token, account.id, generate_password_hash(new)):
        raise NotFound("bad_reset_link", BAD_RESET_LINK)
    user_store.clear_sign_in_failures(r, account.email)
    sockets = _end_sign_ins(r, account.id)
    return account, PasswordChange({}, begin_sign_in(r, account, max_age_s), sockets)


# API tokens.
class NewToken(BaseModel):
    """A token someone makes for a script: a name to know it by, and how long it lasts."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=60)]
    days: Annotated[int, Field(ge=1, le=MAX_TOKEN_DAYS)] = TOKEN_DAYS


def create_token(r: redis.Redis, user: StaffUser, given: NewToken) -> tuple[str, ApiToken]:
    """A new API token for the signed-in user; the token is shown once and kept only hashed."""
    if len(api_tokens.tokens_of(r, user.id)) >= MAX_TOKENS:
        raise DomainError(
            "too_many_tokens", f"You have {MAX_TOKENS} tokens: revoke one you no longer use first."
        )
    return api_tokens.issue(r, user.id, given.name, given.days)


def revoke_token(r: redis.Redis, user: StaffUser, token_id: str) -> list[str]:
    """Revoke one of one's own tokens; the sockets it opened, to close."""
    if not api_tokens.revoke(r, user.id, token_id):
        raise NotFound("unknown_token", "You have no API token with that id.")
    return user_store.drop_sockets(r, user.id, api_tokens.socket_tag(token_id))


# Sockets of staff.
def hold_socket(r: redis.Redis, user: StaffUser, credential: str, socket_id: str) -> bool:
    """Record a staff socket with its credential ("sign-in:<id>" or "token:<token>"); False
    when that credential ended meanwhile (the socket must then be refused)."""
    kind, _, secret = credential.partition(":")
    if kind == "sign-in":
        return user_store.hold_sign_in_socket(r, user.id, secret, socket_id)
    found = api_tokens.check(r, secret)
    if found.token is None or found.user is None:
        return False
    return user_store.hold_token_socket(r, user.id, secret, api_tokens.socket_tag(found.token.id), socket_id)


def release_socket(r: redis.Redis, user: StaffUser, socket_id: str) -> None:
    """Forget a staff socket that closed."""
    user_store.release_socket(r, user.id, socket_id)
