"""Attacks on joining: guessing join codes, typing someone else's name, reusing a personal link.

The pace of code checks is set small here (3 wrong codes an address and 10 in all at once, then
lanes 0.5 s and 0.2 s apart) so a test shows the rule in a few seconds; the defaults and the
bound they give are checked against the figures docs/security.md states.
"""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import redis
import requests
import socketio
from flask import Flask
from flask.testing import FlaskClient

from facilitator import create_app
from facilitator.domain.ids import JOIN_CODE_ALPHABET, JOIN_CODE_LENGTH
from facilitator.realtime.connection import DEVICE_COOKIE
from facilitator.services import joining
from facilitator.store import join_turns
from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..conftest import app_config, make_user
from ..live_server import LiveServer
from ..phones import Device
from ..redis_server import RedisProcess
from .helpers import redis_state

PACE = {
    "JOIN_ATTEMPTS_PER_MINUTE": 3,
    "JOIN_ADDRESS_SPACING_S": 0.5,
    "JOIN_WRONG_CODES_PER_MINUTE": 10,
    "JOIN_OVERALL_SPACING_S": 0.2,
    "JOIN_LONGEST_WAIT_S": 30.0,
}
QUICK_S = 0.15  # an answer this fast did not wait for a turn


@pytest.fixture
def paced(r: redis.Redis, redis_server: RedisProcess, tmp_path: Path) -> Flask:
    """The app with the small pace above."""
    return create_app(app_config(redis_server.url, tmp_path, **PACE))


def open_session(http: Any, token: str, *roster: str, prefix: str = "") -> SessionBuilder:
    build = SessionBuilder(http, token, prefix=prefix).create()
    if roster:
        build.call(
            "post", f"/sessions/{build.session_id}/candidates", {"candidates": [{"name": n} for n in roster]}
        )
    build.state("open")
    return build


def guess(app: Flask, code: str, address: str, name: str = "Eve") -> tuple[int, float]:
    """One join by the API from `address`: its status and how long its answer took."""
    started = time.monotonic()
    answer = app.test_client().post(
        "/api/v1/join",
        json={"code": code, "name": name, "accept_privacy_notice": True},
        environ_base={"REMOTE_ADDR": address},
    )
    return answer.status_code, time.monotonic() - started


def wrong(n: int) -> str:
    return "WRONG" + str(n).zfill(5)


def test_the_default_pace_bounds_a_days_guessing_below_one_in_a_million() -> None:
    pace = joining.pace_from({})
    per_minute = pace.overall + 60 / pace.overall_spacing_s
    codes = len(JOIN_CODE_ALPHABET) ** JOIN_CODE_LENGTH
    # The figures docs/security.md gives: S = 24**10, G = 360 a minute, L = 100, T = a day.
    assert (len(JOIN_CODE_ALPHABET), JOIN_CODE_LENGTH, per_minute) == (24, 10, 360)
    assert per_minute * 1440 * 100 / codes < 1e-6
    assert pace.per_address == 20 and pace.address_spacing_s == 3.0 and pace.longest_wait_s == 30.0


def test_guessing_from_many_addresses_is_checked_no_faster_than_the_pace(
    paced: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    open_session(client, api_token)
    answers: list[tuple[int, float]] = []
    lock = threading.Lock()
    started = time.monotonic()

    def attacker(n: int) -> None:
        status, _ = guess(paced, wrong(n), f"203.0.113.{n}")
        with lock:
            answers.append((status, time.monotonic() - started))

    threads = [threading.Thread(target=attacker, args=(n,)) for n in range(30)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [status for status, _ in answers] == [404] * 30  # slowed, never refused
    finished = sorted(at for _, at in answers)
    # Ten wrong codes in all are checked at once (plus the lane's first turn); every other
    # check waits for the overall lane, one per 0.2 s, wherever it comes from.
    assert sum(at < QUICK_S for at in finished) <= 11
    for turn, at in enumerate(finished[11:], start=1):
        assert at >= turn * 0.2 - 0.05, (turn, finished)
    assert join_turns.wrong_codes(r, join_turns.EVERYONE) == 30


def test_one_address_guessing_is_slowed_without_slowing_anyone_else(
    paced: Flask, client: FlaskClient, api_token: str
) -> None:
    build = open_session(client, api_token)
    times = [guess(paced, wrong(n), "198.51.100.7") for n in range(6)]
    assert [status for status, _ in times] == [404] * 6
    assert all(took < QUICK_S for _, took in times[:4])  # the allowance, then the lane's first turn
    assert all(took >= 0.4 for _, took in times[4:])  # then one check per 0.5 s
    # A phone elsewhere is checked at once.
    status, took = guess(paced, build.join_code, "192.0.2.50", name="Ada")
    assert status == 201 and took < QUICK_S


def test_a_right_code_from_the_same_address_as_a_guesser_gets_in(
    paced: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = open_session(client, api_token)
    venue = "198.51.100.20"  # one Wi-Fi, one address for every phone in the room
    for n in range(12):
        guess(paced, wrong(n), venue)
    phone = paced.test_client()
    started = time.monotonic()
    typed = phone.post(
        "/join", data={"code": build.join_code, "name": "Ada Lovelace"}, environ_base={"REMOTE_ADDR": venue}
    )
    assert typed.status_code == 302 and typed.headers["Location"].endswith("/join/privacy")
    assert time.monotonic() - started < 1.0  # at most its turn in the address's lane
    assert phone.post("/join/privacy").headers["Location"].endswith(f"/s/{build.session_id}/phone")
    # The right code gave back what it used: the count is of wrong codes only.
    assert join_turns.wrong_codes(r, venue) == 12


def test_a_flood_that_would_wait_too_long_is_turned_away_unchecked(
    r: redis.Redis, redis_server: RedisProcess, tmp_path: Path, client: FlaskClient, api_token: str
) -> None:
    app = create_app(app_config(redis_server.url, tmp_path, **{**PACE, "JOIN_LONGEST_WAIT_S": 1.0}))
    open_session(client, api_token)
    for n in range(3):
        guess(app, wrong(n), "198.51.100.30")
    answers: list[int] = []
    threads = [
        threading.Thread(target=lambda n=n: answers.append(guess(app, wrong(100 + n), "198.51.100.30")[0]))
        for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    # Turns at 0, 0.5 and 1.0 s are waited for; later ones are answered 429 and not checked.
    assert sorted(answers) == [404, 404, 404, 429, 429, 429]
    assert join_turns.wrong_codes(r, "198.51.100.30") == 6


def test_a_phone_waiting_when_joining_closes_is_told_so(
    app: Flask, client: FlaskClient, api_token: str
) -> None:
    build = open_session(client, api_token, "Sam Lee", "Sam Lee")
    waiting = app.test_client().post(
        "/api/v1/join", json={"code": build.join_code, "name": "Sam Lee", "accept_privacy_notice": True}
    )
    token = {"admission_token": waiting.get_json()["admission_token"]}
    assert app.test_client().post("/api/v1/join/admission", json=token).get_json()["status"] == "waiting"
    build.state("live")
    build.state("ended", confirm=True)
    assert app.test_client().post("/api/v1/join/admission", json=token).get_json()["status"] == "closed"
    # The control room no longer offers to let anyone in.
    assert build.call("get", f"/sessions/{build.session_id}/admissions", expect=200) == []


def test_the_qr_codes_page_names_only_a_session_one_can_join(
    app: Flask, client: FlaskClient, api_token: str
) -> None:
    build = SessionBuilder(client, api_token).create(title="Acme graduate day")
    assert "Acme graduate day" not in app.test_client().get(f"/join/{build.join_code}").get_data(as_text=True)
    build.state("open")
    assert "Acme graduate day" in app.test_client().get(f"/join/{build.join_code}").get_data(as_text=True)


def test_an_ipv6_host_is_counted_by_its_network() -> None:
    # A host usually holds a whole /64: counting single addresses would give it 2**64 allowances.
    assert (
        joining.network_of("2001:db8:1:2:3:4:5:6")
        == joining.network_of("2001:db8:1:2::9")
        == "2001:db8:1:2::/64"
    )
    assert joining.network_of("203.0.113.9") == "203.0.113.9"


def test_two_facilitators_answering_one_phone_at_once_give_one_answer(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = open_session(client, api_token, "Sam Lee", "Sam Lee")
    app.test_client().post(
        "/api/v1/join", json={"code": build.join_code, "name": "Sam Lee", "accept_privacy_notice": True}
    )
    (waiting,) = build.call("get", f"/sessions/{build.session_id}/admissions")
    first, second = (m["id"] for m in waiting["matches"])
    answers: list[Any] = []

    def answer(candidate_id: str) -> None:
        answers.append(
            app.test_client().post(
                f"/api/v1/sessions/{build.session_id}/admissions/{waiting['id']}/admit",
                json={"candidate_id": candidate_id},
                headers=build.headers,
            )
        )

    threads = [threading.Thread(target=answer, args=(cid,)) for cid in (first, second) * 3]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    admitted = {a.get_json()["candidate_id"] for a in answers if a.status_code == 200}
    refused = [a.get_json()["error"]["code"] for a in answers if a.status_code != 200]
    # One Sam was let in, once; every other answer was told it came too late (or repeated it).
    assert len(admitted) == 1 and set(refused) <= {"already_decided"} and len(refused) >= 3
    checked_in = [
        c
        for c in build.call("get", f"/sessions/{build.session_id}/candidates")
        if c["status"] == "checked_in"
    ]
    assert [c["id"] for c in checked_in] == list(admitted)


def test_a_rostered_name_typed_into_a_locked_lobby_gets_nothing(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = open_session(client, api_token, "Grace Hopper")
    build.call("post", f"/sessions/{build.session_id}/lobby", {"locked": True}, expect=200)
    before = {k: v for k, v in redis_state(r).items() if ":rate:" not in k}
    phone = app.test_client()
    typed = phone.post("/join", data={"code": build.join_code, "name": "grace HOPPER"})
    assert typed.status_code == 400 and "lobby is locked" in typed.get_data(as_text=True)
    assert phone.get("/join/privacy").headers["Location"].endswith("/join")  # nothing pending
    by_api = app.test_client().post(
        "/api/v1/join", json={"code": build.join_code, "name": "Grace Hopper", "accept_privacy_notice": True}
    )
    assert by_api.status_code == 403 and by_api.get_json()["error"]["code"] == "lobby_locked"
    assert {k: v for k, v in redis_state(r).items() if ":rate:" not in k} == before
    (grace,) = build.call("get", f"/sessions/{build.session_id}/candidates")
    assert grace["status"] == "invited"
    # Her personal link still lets her in.
    linked = app.test_client()
    assert linked.get(urlsplit(grace["invite_url"]).path).headers["Location"].endswith("/join/privacy")
    assert linked.post("/join/privacy").headers["Location"].endswith(f"/s/{build.session_id}/phone")


def test_an_admission_token_is_kept_only_as_its_hash(
    app: Flask, client: FlaskClient, api_token: str, r: redis.Redis
) -> None:
    build = open_session(client, api_token, "Sam Lee", "Sam Lee")
    waiting = app.test_client().post(
        "/api/v1/join", json={"code": build.join_code, "name": "sam lee", "accept_privacy_notice": True}
    )
    token = waiting.get_json()["admission_token"]
    assert token not in repr(redis_state(r))
    assert build.call("get", f"/sessions/{build.session_id}/candidates")[0]["status"] == "invited"


# ---- the admission queue, end to end on the running server ----


class Phone:
    """A phone's browser on the running server: forms with their CSRF tokens, cookies kept."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def get(self, path: str) -> requests.Response:
        """A page, without following its redirect."""
        return self.http.get(self.base + path, allow_redirects=False, timeout=15)

    def post_form(self, path: str, data: dict[str, str]) -> requests.Response:
        """Send the form on the page at `path` (it posts to its own address)."""
        text = self.http.get(self.base + path, timeout=15).text
        token = text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        return self.http.post(
            self.base + path, data={**data, "csrf_token": token}, allow_redirects=False, timeout=15
        )

    def type_name(self, code: str, name: str) -> requests.Response:
        """Join by code and name, then accept the privacy notice."""
        typed = self.post_form("/join", {"code": code, "name": name})
        assert typed.status_code == 302 and typed.headers["Location"].endswith("/join/privacy"), typed.text
        return self.post_form("/join/privacy", {})

    def open_link(self, path: str) -> requests.Response:
        """Open a personal link; accept the notice if it asks."""
        opened = self.get(path)
        if not opened.headers.get("Location", "").endswith("/join/privacy"):
            return opened
        return self.post_form("/join/privacy", {})

    def device(self, session_id: str) -> str | None:
        """The device token this phone holds for the session."""
        return self.http.cookies.get(DEVICE_COOKIE.format(session_id))


@pytest.fixture
def room(live: LiveServer, live_token: str) -> Any:
    """A session with Ada on the roster, its control room connected over the socket."""
    build = open_session(requests.Session(), live_token, "Ada Lovelace", prefix=live.url)
    control = Device(live.url, build.session_id, api_token=live_token).connect()
    control.resume()
    yield build, control
    control.disconnect()


def invite_path(build: SessionBuilder, name: str) -> str:
    entry = next(
        c for c in build.call("get", f"/sessions/{build.session_id}/candidates") if c["name"] == name
    )
    return urlsplit(entry["invite_url"]).path


def admitted_phone(live: LiveServer, build: SessionBuilder, path: str) -> tuple[Phone, Device]:
    phone = Phone(live.url)
    checked_in = phone.open_link(path)
    assert checked_in.headers["Location"].endswith(f"/s/{build.session_id}/phone")
    token = phone.device(build.session_id)
    assert token
    return phone, Device(live.url, build.session_id, token=token).connect()


@pytest.mark.live
def test_a_second_claim_of_a_checked_in_name_waits_for_the_facilitator(live: LiveServer, room: Any) -> None:
    build, control = room
    ada_phone, ada_socket = admitted_phone(live, build, invite_path(build, "Ada Lovelace"))
    ada_id = build.call("get", f"/sessions/{build.session_id}/candidates")[0]["id"]

    impostor = Phone(live.url)
    asked = impostor.type_name(build.join_code, "ada lovelace")
    assert asked.headers["Location"].endswith("/join/waiting")
    assert "Waiting for the facilitator" in impostor.get("/join/waiting").text
    assert impostor.device(build.session_id) is None
    (request,) = control.wait_for("admission_requested")
    seen = request["data"]
    assert (seen["name"], seen["asked"]) == ("ada lovelace", "checked_in")
    assert seen["matches"] == [{"id": ada_id, "name": "Ada Lovelace", "status": "checked_in"}]
    assert abs(seen["requested_at"] - time.time()) < 30
    assert [a["id"] for a in control.resume()["snapshot"]["admissions"]] == [seen["id"]]

    refused = control.call("refuse_admission", {"id": "refuse-0001", "admission_id": seen["id"]})
    assert refused["ok"] and refused["result"]["status"] == "refused", refused
    assert impostor.get("/join/waiting/status").json() == {"status": "refused"}
    told = impostor.get("/join/waiting")
    assert told.status_code == 403 and "did not let this phone in" in told.text
    assert impostor.device(build.session_id) is None
    again = control.call(
        "admit_candidate", {"id": "admit-00001", "admission_id": seen["id"], "candidate_id": ada_id}
    )
    assert not again["ok"] and again["error"]["code"] == "already_decided"
    assert ada_socket.client.connected  # the real Ada kept her phone

    # Ada herself on a new phone: the facilitator lets it in, and her first phone is signed out.
    new_phone = Phone(live.url)
    new_phone.type_name(build.join_code, "Ada Lovelace")
    second = control.wait_for("admission_requested", 2)[-1]["data"]
    ack = control.call(
        "admit_candidate", {"id": "admit-00002", "admission_id": second["id"], "candidate_id": ada_id}
    )
    assert ack["ok"] and ack["result"] == {
        "admission_id": second["id"],
        "status": "admitted",
        "candidate_id": ada_id,
    }
    control.wait_for("candidate_device_replaced")
    let_in = new_phone.get("/join/waiting")
    assert let_in.headers["Location"].endswith(f"/s/{build.session_id}/phone")
    token = new_phone.device(build.session_id)
    assert token and token != ada_phone.device(build.session_id)
    Device(live.url, build.session_id, token=token).connect().disconnect()
    deadline = time.monotonic() + 10
    while ada_socket.client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ada_socket.client.connected
    old = Device(live.url, build.session_id, token=str(ada_phone.device(build.session_id)))
    with pytest.raises(socketio.exceptions.ConnectionError):
        old.connect()
    assert old.refusal and old.refusal["data"]["code"] == "not_signed_in"
    roster = build.call("get", f"/sessions/{build.session_id}/candidates")
    assert [c["name"] for c in roster] == ["Ada Lovelace"]  # nobody minted a second Ada


@pytest.mark.live
def test_a_namesake_can_be_let_in_as_either_or_as_a_walk_in(live: LiveServer, live_token: str) -> None:
    build = open_session(requests.Session(), live_token, "Sam Lee", "Sam Lée", prefix=live.url)
    control = Device(live.url, build.session_id, api_token=live_token).connect()
    control.resume()
    first, second = Phone(live.url), Phone(live.url)
    assert first.type_name(build.join_code, "SAM LEE").headers["Location"].endswith("/join/waiting")
    assert second.type_name(build.join_code, "Sam Lee").headers["Location"].endswith("/join/waiting")
    requests_seen = [e["data"] for e in control.wait_for("admission_requested", 2)]
    assert {e["asked"] for e in requests_seen} == {"namesakes"}
    sams = [m["id"] for m in requests_seen[0]["matches"]]
    assert len(sams) == 2
    # Only a roster entry the phone named, or a new walk-in.
    stranger = control.call(
        "admit_candidate",
        {"id": "admit-00003", "admission_id": requests_seen[0]["id"], "candidate_id": "nobody"},
    )
    assert not stranger["ok"] and stranger["error"]["code"] == "not_a_match"
    assert control.call(
        "admit_candidate",
        {"id": "admit-00004", "admission_id": requests_seen[0]["id"], "candidate_id": sams[1]},
    )["ok"]
    assert control.call(
        "admit_candidate", {"id": "admit-00005", "admission_id": requests_seen[1]["id"], "candidate_id": None}
    )["ok"]
    assert first.get("/join/waiting").headers["Location"].endswith("/phone")
    assert second.get("/join/waiting").headers["Location"].endswith("/phone")
    roster = {c["id"]: c for c in build.call("get", f"/sessions/{build.session_id}/candidates")}
    assert roster[sams[1]]["status"] == "checked_in" and roster[sams[0]]["status"] == "invited"
    walk_in = next(c for c in roster.values() if c["walk_in"])
    assert walk_in["name"] == "Sam Lee" and walk_in["status"] == "checked_in"
    control.disconnect()


@pytest.mark.live
def test_a_personal_link_on_a_second_phone_asks_the_facilitator(live: LiveServer, room: Any) -> None:
    build, control = room
    link = invite_path(build, "Ada Lovelace")
    ada_phone, ada_socket = admitted_phone(live, build, link)
    first_token = ada_phone.device(build.session_id)
    # The phone that checked in with the link opens it again: straight back to its page.
    back = ada_phone.get(link)
    assert back.headers["Location"].endswith(f"/s/{build.session_id}/phone")
    assert ada_phone.device(build.session_id) == first_token

    other = Phone(live.url)
    assert other.open_link(link).headers["Location"].endswith("/join/waiting")
    (request,) = control.wait_for("admission_requested")
    assert request["data"]["asked"] == "second_device" and request["data"]["name"] == "Ada Lovelace"
    walk_in = control.call(
        "admit_candidate", {"id": "admit-00006", "admission_id": request["data"]["id"], "candidate_id": None}
    )
    assert not walk_in["ok"] and walk_in["error"]["code"] == "not_a_walk_in"
    # The API answers the same queue.
    (listed,) = build.call("get", f"/sessions/{build.session_id}/admissions", expect=200)
    ada_id = listed["matches"][0]["id"]
    build.call(
        "post",
        f"/sessions/{build.session_id}/admissions/{listed['id']}/admit",
        {"candidate_id": ada_id},
        expect=200,
    )
    assert other.get("/join/waiting").headers["Location"].endswith("/phone")
    deadline = time.monotonic() + 10
    while ada_socket.client.connected and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not ada_socket.client.connected
    assert ada_phone.get(f"/s/{build.session_id}/phone").headers["Location"].endswith("/join")
    assert build.call("get", f"/sessions/{build.session_id}/admissions", expect=200) == []


@pytest.mark.live
def test_only_the_sessions_facilitators_answer_the_queue(live: LiveServer, room: Any, r: redis.Redis) -> None:
    build, control = room
    phone = Phone(live.url)
    phone.open_link(invite_path(build, "Ada Lovelace"))
    Phone(live.url).type_name(build.join_code, "Ada Lovelace")
    (request,) = control.wait_for("admission_requested")
    ada = Device(live.url, build.session_id, token=str(phone.device(build.session_id))).connect()
    tried = ada.call(
        "admit_candidate", {"id": "admit-00007", "admission_id": request["data"]["id"], "candidate_id": None}
    )
    assert not tried["ok"] and tried["error"]["code"] == "forbidden"
    assert "admission_requested" not in ada.names()
    ada.disconnect()
    stranger = user_store.issue_api_token(r, make_user(r, "other@example.com", "facilitator").id)
    refused = requests.post(
        f"{live.url}/api/v1/sessions/{build.session_id}/admissions/{request['data']['id']}/refuse",
        headers={"Authorization": f"Bearer {stranger}"},
        timeout=10,
    )
    assert refused.status_code in (403, 404)
    assert build.call("get", f"/sessions/{build.session_id}/admissions")[0]["id"] == request["data"]["id"]
