"""Privacy: personal links that a copy of the database cannot use, the candidate's export of
everything held about them, erasure, and the privacy notice admins edit."""

from __future__ import annotations

import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator.store import invites, keys
from facilitator.store import sessions as session_store
from facilitator.store.users import token_hash

from ..builders import SessionBuilder


def roster_session(client: FlaskClient, token: str, *people: tuple[str, str]) -> SessionBuilder:
    """A session open for joining with these (name, email) people on its roster."""
    build = SessionBuilder(client, token).create()
    entries = [{"name": name, **({"email": email} if email else {})} for name, email in people]
    build.call("post", f"/sessions/{build.session_id}/candidates", {"candidates": entries}, expect=201)
    build.state("open")
    return build


def everything_in(r: redis.Redis) -> str:
    """Every string value of every key, as one text (to look for a secret in)."""
    parts = []
    for key in r.scan_iter(count=1000):
        kind = r.type(key)
        if kind == "string":
            parts.append(str(r.get(key)))
        elif kind == "hash":
            parts += [f"{k}={v}" for k, v in r.hgetall(key).items()]
        elif kind == "set":
            parts += list(r.smembers(key))
        elif kind == "zset":
            parts += list(r.zrange(key, 0, -1))
        elif kind == "list":
            parts += list(r.lrange(key, 0, -1))
        elif kind == "stream":
            parts += [str(fields) for _, fields in r.xrange(key)]
        parts.append(str(key))
    return "\n".join(parts)


def test_no_personal_link_is_stored_in_clear(app: Flask, client: FlaskClient, api_token: str, r: redis.Redis) -> None:
    build = roster_session(client, api_token, ("Grace Hopper", "grace@example.com"), ("Alan Turing", ""))
    links = session_store.invite_tokens(r, build.session_id, app.config["SECRET_KEY"])
    assert len(links) == 2
    stored = everything_in(r)
    for token in links.values():
        assert token not in stored
        # Only its hash, under which the link is found.
        assert r.get(keys.invite(token_hash(token))) is not None
    # The facilitator's page shows each link, derived again from the secret.
    page = client.get(f"/api/v1/sessions/{build.session_id}/candidates", headers=build.headers).get_json()
    assert {c["invite_url"].rsplit("/", 1)[1] for c in page} == set(links.values())
    # A phone opening one checks in as that candidate.
    phone = app.test_client()
    assert phone.get(f"/i/{next(iter(links.values()))}").headers["Location"].endswith("/join/privacy")


def test_a_copy_of_the_database_without_the_secret_makes_no_working_link(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = roster_session(client, api_token, ("Grace Hopper", "grace@example.com"))
    guessed = session_store.invite_tokens(r, build.session_id, "not-the-secret")
    assert guessed and all(session_store.resolve_invite(r, t) is None for t in guessed.values())
    phone = app.test_client()
    assert phone.get(f"/i/{next(iter(guessed.values()))}").status_code == 404


def test_a_link_kept_in_clear_by_an_earlier_version_still_works_and_leaves_the_store(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = roster_session(client, api_token, ("Grace Hopper", "grace@example.com"))
    (cid,) = r.hkeys(keys.candidate_secrets(build.session_id))
    # How the link was kept before: the token itself, and its hash as the lookup key.
    old = "o" * 43
    r.hset(keys.candidate_secrets(build.session_id), cid, old)
    r.set(keys.invite(token_hash(old)), f"{build.session_id}:{cid}")

    shown = session_store.invite_tokens(r, build.session_id, app.config["SECRET_KEY"])
    assert old not in everything_in(r)
    assert shown[cid] != old
    # Both the link already sent and the one shown from now on open the candidate's check-in.
    for token in (old, shown[cid]):
        assert session_store.resolve_invite(r, token) == (build.session_id, cid)
    # Erasing the candidate's links later finds both, with no secret needed.
    assert set(invites.lookup_hashes(r, build.session_id)) == {token_hash(old), token_hash(shown[cid])}
