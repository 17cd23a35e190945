"""Signing in and signing up without telling anyone which emails have accounts.

Every sign-in that reaches the password check runs one Werkzeug password check: against
the account's hash, or, for an email with no account, against a dummy hash made the same
way (the default method and cost new passwords get). Unknown emails, wrong passwords and
switched-off accounts get the same answer in the same time, and count against the same
limits: per email (an attacker with many addresses guessing one account's password) and per
client address (one address spraying guesses across many emails). Only failures count, so a
shared office address is never locked out by people signing in.
"""

from __future__ import annotations

import functools
import ipaddress
import secrets
from dataclasses import dataclass

import redis
from werkzeug.security import check_password_hash, generate_password_hash

from ..store import users as user_store
from ..store.users import StaffUser

WINDOW_S = 15 * 60
ACCOUNT_FAILURES = 10  # per email, from any number of addresses
ADDRESS_FAILURES = 30  # per client address, across any number of emails
SIGN_UPS_PER_ADDRESS = 10
MAX_PASSWORD_INPUT = 1024  # longer input cannot match (passwords are at most 200 characters)

WRONG = "That email and password do not match an account."
ACCOUNT_LOCKED = (
    "Too many attempts with this email address. For your safety it cannot sign in for up to 15 "
    "minutes, even with the right password. Try again after that, or ask an admin for a "
    "password reset link."
)
ADDRESS_LOCKED = (
    "Too many attempts from your network. Wait 15 minutes and try again, or ask an admin for a "
    "password reset link."
)
SIGN_UPS_LOCKED = "Too many accounts were made from your network just now. Wait 15 minutes and try again."


@dataclass(frozen=True)
class SignIn:
    """The account signed in, or the message to show instead."""

    account: StaffUser | None
    problem: str = ""


@functools.cache
def dummy_hash() -> str:
    """A hash of a random password, made as new accounts' hashes are, so checking an email
    with no account costs what checking a real one does."""
    return generate_password_hash(secrets.token_urlsafe(24))


def address_bucket(address: str | None) -> str:
    """The client address limits count against: IPv4 as is, IPv6 by its /64 (one household or
    phone gets a whole /64, so single IPv6 addresses cost an attacker nothing)."""
    try:
        parsed = ipaddress.ip_address(address or "")
    except ValueError:
        return "unknown"
    if isinstance(parsed, ipaddress.IPv6Address):
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


def sign_in(r: redis.Redis, email: str, password: str, address: str | None) -> SignIn:
    """Check a staff member's email and password, within the limits (see the module doc)."""
    email = email.strip().lower()[:254]
    where = address_bucket(address)
    by_account, by_address = user_store.sign_in_failures(r, email, where)
    # Limited before any password check, so a refusal costs no hashing and tells nothing
    # about the account: unknown emails reach the same limit in the same way.
    if by_address >= ADDRESS_FAILURES:
        return SignIn(None, ADDRESS_LOCKED)
    if by_account >= ACCOUNT_FAILURES:
        return SignIn(None, ACCOUNT_LOCKED)
    found = user_store.by_email(r, email) if email else None
    matches = check_password_hash(found[1] if found else dummy_hash(), password[:MAX_PASSWORD_INPUT])
    if found is not None and matches and found[0].active:
        user_store.clear_sign_in_failures(r, email)
        return SignIn(found[0])
    user_store.count_sign_in_failure(r, email, where, WINDOW_S)
    return SignIn(None, WRONG)


def sign_up_observer(r: redis.Redis, email: str, name: str, password: str, address: str | None) -> str:
    """Make an observer account unless the email has one; the same work and the same answer
    either way, so the form cannot be used to learn who has an account. Returns a problem
    to show ("" when done)."""
    if user_store.count_sign_up(r, address_bucket(address), WINDOW_S) > SIGN_UPS_PER_ADDRESS:
        return SIGN_UPS_LOCKED
    # Hashed before knowing whether the email is free, so both cases take as long.
    password_hash = generate_password_hash(password)
    user_store.create(r, email.strip().lower(), name, "observer", password_hash)
    return ""
