"""Candidates' personal invite links, kept so that reading Redis is not enough to use one.

A link's token is derived, never stored: an HMAC-SHA256, keyed with the app's SECRET_KEY, of
the session id, the candidate id and a random per-candidate nonce. Redis holds the nonce (so
the facilitator's page can derive the link again) and the token's SHA-256 (the lookup key
`fac:invite:<hash>`, and in the candidate's entry so that erasing them needs no secret).
Someone who copies the database, a backup or the append-only file finds no usable link.

`fac:session:<id>:invites` maps a candidate id to "v2:<nonce>:<hash>[,<hash>...]": the first
hash is the derived token's, any others are those of links issued before tokens were derived,
which the facilitator may already have sent and which keep working. Such an earlier entry held
the token in clear; it is replaced by this form the first time the links are read.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Iterable
from typing import cast

import redis

from . import keys
from .users import token_hash

FORMAT = "v2"
NONCE_BYTES = 16
MAX_MIGRATION_ATTEMPTS = 20


def derive(secret: str, session_id: str, candidate_id: str, nonce: str) -> str:
    """The invite token of one candidate: 43 URL-safe characters (256 bits), like any token."""
    message = f"invite:{session_id}:{candidate_id}:{nonce}".encode()
    mac = hmac.new(secret.encode(), message, hashlib.sha256).digest()
    return base64.urlsafe_b64encode(mac).rstrip(b"=").decode()


def _entry(nonce: str, hashes: Iterable[str]) -> str:
    return f"{FORMAT}:{nonce}:{','.join(hashes)}"


def parse(value: str) -> tuple[str | None, list[str]]:
    """(nonce, lookup hashes) of a stored entry; (None, [hash]) for a token kept in clear."""
    if value.startswith(FORMAT + ":"):
        _, nonce, hashes = value.split(":", 2)
        return nonce, [h for h in hashes.split(",") if h]
    return None, [token_hash(value)]


def issue(
    pipe: redis.client.Pipeline, session_id: str, candidate_ids: Iterable[str], secret: str
) -> dict[str, str]:
    """Queue personal invite links for new candidates; returns candidate id -> token."""
    tokens = {}
    for cid in candidate_ids:
        nonce = secrets.token_urlsafe(NONCE_BYTES)
        token = derive(secret, session_id, cid, nonce)
        digest = token_hash(token)
        pipe.set(keys.invite(digest), f"{session_id}:{cid}")
        pipe.hset(keys.candidate_secrets(session_id), cid, _entry(nonce, [digest]))
        tokens[cid] = token
    return tokens


def _migrate(r: redis.Redis, session_id: str, secret: str) -> dict[str, str]:
    """Replace every token kept in clear with a nonce (its own hash stays, so its link works)."""
    for _ in range(MAX_MIGRATION_ATTEMPTS):
        with r.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(keys.candidate_secrets(session_id))
                stored = cast(dict[str, str], pipe.hgetall(keys.candidate_secrets(session_id)))
                clear = {cid: v for cid, v in stored.items() if parse(v)[0] is None}
                if not clear:
                    return stored
                pipe.multi()
                for cid, token in clear.items():
                    nonce = secrets.token_urlsafe(NONCE_BYTES)
                    digest = token_hash(derive(secret, session_id, cid, nonce))
                    pipe.set(keys.invite(digest), f"{session_id}:{cid}")
                    stored[cid] = _entry(nonce, [digest, token_hash(token)])
                    pipe.hset(keys.candidate_secrets(session_id), cid, stored[cid])
                pipe.execute()
                return stored
            except redis.WatchError:
                continue
    raise redis.WatchError("the invite links kept changing while being migrated")


def tokens(r: redis.Redis, session_id: str, secret: str) -> dict[str, str]:
    """Candidate id -> personal invite token, derived again to show the links."""
    stored = cast(dict[str, str], r.hgetall(keys.candidate_secrets(session_id)))
    if any(parse(v)[0] is None for v in stored.values()):
        stored = _migrate(r, session_id, secret)
    found = {}
    for cid, value in stored.items():
        nonce, _ = parse(value)
        if nonce is not None:
            found[cid] = derive(secret, session_id, cid, nonce)
    return found


def lookup_hashes(r: redis.Redis, session_id: str, candidate_ids: Iterable[str] | None = None) -> list[str]:
    """The `fac:invite:<hash>` hashes of a session's links (or of some candidates'), to erase them."""
    stored = cast(dict[str, str], r.hgetall(keys.candidate_secrets(session_id)))
    wanted = None if candidate_ids is None else set(candidate_ids)
    return [h for cid, v in stored.items() if wanted is None or cid in wanted for h in parse(v)[1]]
