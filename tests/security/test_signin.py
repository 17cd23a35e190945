"""Sign-in and sign-up tell no one which emails have accounts, and guessing is limited.

Limits (services/signin.py): 10 failed sign-ins per email in 15 minutes, from any number of
addresses, then that email is refused, even with the right password, until the window has
passed; 30 failed sign-ins per client address in 15 minutes, across any number of emails.
Emails with no account count exactly like real ones. The client address is REMOTE_ADDR
(X-Forwarded-For counts only behind FACILITATOR_TRUSTED_PROXIES).
"""

from __future__ import annotations

import re
import statistics
import time
from typing import Any

import redis
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.security import check_password_hash, generate_password_hash

from facilitator.services.signin import ACCOUNT_LOCKED, ADDRESS_LOCKED, WRONG
from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..conftest import PASSWORD, make_user


def attempt(client: FlaskClient, email: str, password: str, address: str, **headers: str) -> Any:
    """One sign-in from a client address."""
    return client.post(
        "/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers,
    )


def said(answer: Any) -> str:
    return str(answer.get_data(as_text=True))


def page_of(answer: Any, email: str) -> str:
    """The page as anyone would compare it: the email typed and the per-form CSRF token aside."""
    return re.sub(r'name="csrf_token" value="[^"]*"', "", said(answer)).replace(email, "EMAIL")


def test_unknown_and_known_emails_take_the_same_time(app: Flask, r: redis.Redis) -> None:
    """The median of 20 sign-ins with unknown emails and of 20 with known emails and a wrong
    password differ by less than 25% of the slower median or 30 ms, whichever is larger.

    Why that margin: both paths run one Werkzeug password check of the same method and cost
    (here scrypt, some 50-300 ms on a shared two-core runner), so their true difference is
    one Redis read, well under a millisecond. The noise is not: other work on the machine
    moves single attempts by tens of milliseconds, which medians of interleaved attempts
    mostly cancel. A leak worth catching (no check, or a cheaper one, for unknown emails)
    shows as a difference of most of a check, far past 25%; 30 ms keeps a fast machine,
    where 25% is a few milliseconds, from failing on scheduling jitter alone.
    """
    stored = generate_password_hash(PASSWORD)  # as accounts' passwords are hashed
    for n in range(20):
        user_store.create(r, f"known{n}@example.com", f"Known {n}", "facilitator", stored)
    client = app.test_client()
    attempt(client, "warm-up@example.com", "wrong", "10.1.0.1")  # first request: templates, the dummy hash
    unknown: list[float] = []
    known: list[float] = []
    for n in range(20):
        # Interleaved, each from its own address, so neither limit is reached and load
        # changes on the machine fall on both kinds alike.
        for email, times in ((f"nobody{n}@example.com", unknown), (f"known{n}@example.com", known)):
            start = time.perf_counter()
            answer = attempt(client, email, "not the password", f"10.2.{n}.{len(times)}")
            times.append(time.perf_counter() - start)
            assert answer.status_code == 401 and WRONG in said(answer)
    slow, fast = (
        max(statistics.median(unknown), statistics.median(known)),
        min(statistics.median(unknown), statistics.median(known)),
    )
    assert slow - fast < max(0.25 * slow, 0.030), (statistics.median(unknown), statistics.median(known))
    # And both really ran a password check (a test of two equally skipped checks proves nothing).
    one_check = min(_timed(lambda: check_password_hash(stored, "x")) for _ in range(3))
    assert fast > 0.5 * one_check, (fast, one_check)


def _timed(work: Any) -> float:
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def test_unknown_and_known_emails_get_the_same_answer(app: Flask, facilitator_user: Any) -> None:
    client = app.test_client()
    known = attempt(client, "fran@example.com", "not the password", "10.3.0.1")
    unknown = attempt(client, "nobody@example.com", "not the password", "10.3.0.2")
    assert known.status_code == unknown.status_code == 401
    assert page_of(known, "fran@example.com") == page_of(unknown, "nobody@example.com")


def test_a_switched_off_account_answers_like_a_wrong_password(
    app: Flask, r: redis.Redis, facilitator_user: Any
) -> None:
    user_store.set_active(r, facilitator_user.id, False)
    refused = attempt(app.test_client(), "fran@example.com", PASSWORD, "10.3.0.3")
    assert refused.status_code == 401 and WRONG in said(refused)


def test_spraying_many_emails_from_one_address_is_limited(app: Flask, facilitator_user: Any) -> None:
    client = app.test_client()
    for n in range(30):
        sprayed = attempt(client, f"person{n}@example.com", "Winter2024!", "203.0.113.7")
        assert sprayed.status_code == 401 and WRONG in said(sprayed), n
    limited = attempt(client, "person30@example.com", "Winter2024!", "203.0.113.7")
    assert limited.status_code == 401 and ADDRESS_LOCKED in said(limited)
    # The address waits, right password or not; everyone elsewhere signs in as usual.
    assert ADDRESS_LOCKED in said(attempt(client, "fran@example.com", PASSWORD, "203.0.113.7"))
    assert attempt(client, "fran@example.com", PASSWORD, "198.51.100.2").status_code == 302


def test_a_forged_forwarded_for_header_does_not_escape_the_address_limit(app: Flask) -> None:
    """Without FACILITATOR_TRUSTED_PROXIES the client's own address counts, whatever it claims."""
    client = app.test_client()
    for n in range(30):
        attempt(
            client, f"person{n}@example.com", "guess", "203.0.113.8", **{"X-Forwarded-For": f"192.0.2.{n}"}
        )
    limited = attempt(
        client, "person30@example.com", "guess", "203.0.113.8", **{"X-Forwarded-For": "192.0.2.99"}
    )
    assert ADDRESS_LOCKED in said(limited)


def test_addresses_of_one_ipv6_network_count_together(app: Flask) -> None:
    """A home or phone gets a whole /64: its addresses are one client to the limit."""
    client = app.test_client()
    for n in range(30):
        attempt(client, f"person{n}@example.com", "guess", f"2001:db8:1:2::{n + 1:x}")
    assert ADDRESS_LOCKED in said(attempt(client, "person30@example.com", "guess", "2001:db8:1:2::ff"))
    assert ADDRESS_LOCKED not in said(attempt(client, "person30@example.com", "guess", "2001:db8:1:3::1"))


def test_guessing_one_account_from_many_addresses_is_limited(
    app: Flask, r: redis.Redis, facilitator_user: Any
) -> None:
    make_user(r, "olga@example.com", "facilitator")
    client = app.test_client()
    for n in range(10):
        guessed = attempt(client, "fran@example.com", f"guess {n}", f"198.51.100.{n + 10}")
        assert guessed.status_code == 401 and WRONG in said(guessed), n
    limited = attempt(client, "fran@example.com", "guess 10", "198.51.100.20")
    assert limited.status_code == 401 and ACCOUNT_LOCKED in said(limited)
    # The safer choice: the right password from a new address waits for the window too, and
    # the page says so.
    right = attempt(client, "fran@example.com", PASSWORD, "198.51.100.21")
    assert right.status_code == 401 and "even with the right password" in said(right)
    assert "even with the right password" in said(app.test_client().get("/login"))
    assert attempt(client, "olga@example.com", PASSWORD, "198.51.100.22").status_code == 302
    # Once the window has passed (made to pass here), the account signs in again.
    counter = f"fac:rate:sign-in-account:{user_store.token_hash('fran@example.com')}"
    assert 0 < r.ttl(counter) <= 15 * 60
    r.pexpire(counter, 1)
    time.sleep(0.05)
    assert attempt(client, "fran@example.com", PASSWORD, "198.51.100.23").status_code == 302


def test_an_unknown_email_is_limited_exactly_like_a_real_one(app: Flask, facilitator_user: Any) -> None:
    client = app.test_client()
    answers: dict[str, list[tuple[int, str]]] = {}
    for email in ("fran@example.com", "ghost@example.com"):
        answers[email] = [
            (answer.status_code, page_of(answer, email))
            for n in range(12)
            for answer in [attempt(client, email, f"guess {n}", f"198.51.{len(answers)}.{n}")]
        ]
    assert answers["fran@example.com"] == answers["ghost@example.com"]
    assert ACCOUNT_LOCKED in answers["ghost@example.com"][10][1]


def test_only_failures_count(app: Flask, facilitator_user: Any) -> None:
    client = app.test_client()
    for _ in range(35):
        assert attempt(client, "fran@example.com", PASSWORD, "203.0.113.9").status_code == 302
        client.post("/logout")
    # A success forgets the email's failures: 9, a sign-in, 9 more is never 10 in a row.
    for n in range(9):
        attempt(client, "fran@example.com", f"typo {n}", "203.0.113.10")
    assert attempt(client, "fran@example.com", PASSWORD, "203.0.113.10").status_code == 302
    for n in range(9):
        attempt(client, "fran@example.com", f"typo {n}", "203.0.113.11")
    assert attempt(client, "fran@example.com", PASSWORD, "203.0.113.11").status_code == 302


def test_failed_sign_ins_keep_no_email_in_clear(app: Flask, r: redis.Redis) -> None:
    attempt(app.test_client(), "someone.private@example.com", "guess", "10.4.0.1")
    assert not any("someone.private" in key for key in r.scan_iter())


# The panel invite's sign-up.
def _invite(client: FlaskClient, api_token: str) -> str:
    build = SessionBuilder(client, api_token).create()
    url = build.call("post", f"/sessions/{build.session_id}/panel/invites", expect=201)["url"]
    return str(url.split("localhost", 1)[1])


def _sign_up(
    client: FlaskClient, path: str, email: str, address: str, password: str = "my own passphrase"
) -> Any:
    return client.post(
        path,
        data={"name": "Casey", "email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_invite_sign_up_says_the_same_whether_or_not_the_email_has_an_account(
    app: Flask, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    path = _invite(client, api_token)
    answers = []
    for email in ("fran@example.com", "casey@example.com"):
        browser = app.test_client()
        sent = _sign_up(browser, path, email, "10.5.0.1")
        shown = browser.get(sent.headers["Location"])
        answers.append((sent.status_code, sent.headers["Location"], page_of(shown, email)))
    assert answers[0] == answers[1]
    assert answers[0][0] == 302 and "If you already had an account with this email" in answers[0][2]
    # Nothing about Fran's account changed; Casey's is new, with the password Casey chose.
    assert attempt(app.test_client(), "fran@example.com", PASSWORD, "10.5.0.2").status_code == 302
    assert attempt(app.test_client(), "fran@example.com", "my own passphrase", "10.5.0.3").status_code == 401
    casey = user_store.by_email(r, "casey@example.com")
    assert casey is not None and casey[0].role == "observer"
    assert user_store.count(r) == 2


def test_invite_sign_up_takes_the_same_time_whether_or_not_the_email_has_an_account(
    app: Flask, client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    """Medians of 8 sign-ups each differ by less than 25% or 30 ms (see the sign-in timing
    test for why): both hash the chosen password at the same cost before looking at the email."""
    path = _invite(client, api_token)
    for n in range(8):
        user_store.create(r, f"taken{n}@example.com", "Taken", "observer", "x")
    _sign_up(app.test_client(), path, "warm-up@example.com", "10.6.0.1")
    taken: list[float] = []
    free: list[float] = []
    for n in range(8):
        for email, times in ((f"taken{n}@example.com", taken), (f"free{n}@example.com", free)):
            start = time.perf_counter()
            answer = _sign_up(app.test_client(), path, email, f"10.7.{n}.{len(times)}")
            times.append(time.perf_counter() - start)
            assert answer.status_code == 302
    slow = max(statistics.median(taken), statistics.median(free))
    assert abs(statistics.median(taken) - statistics.median(free)) < max(0.25 * slow, 0.030), (taken, free)


def test_invite_sign_ups_from_one_address_are_limited(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    path = _invite(client, api_token)
    for n in range(10):
        assert (
            _sign_up(
                app.test_client(), path, f"new{n}@example.com", "10.8.0.1", "a long password"
            ).status_code
            == 302
        )
    refused = _sign_up(app.test_client(), path, "new10@example.com", "10.8.0.1", "a long password")
    assert refused.status_code == 200 and "Too many accounts" in said(refused)
    assert user_store.by_email(r, "new10@example.com") is None
