"""While Redis is down every client gets a prompt, honest answer (`unavailable`: nothing was
saved), and once it is back the same clients carry on by themselves and nothing lands twice."""

from __future__ import annotations

import time

import pytest
import requests
import socketio

from ..builders import SessionBuilder
from ..cluster import PRESENCE_TTL_S, LocalCluster
from ..phones import Device

pytestmark = pytest.mark.cluster


def test_while_redis_is_down_clients_are_told_unavailable_and_recover_when_it_returns(
    cluster: LocalCluster,
) -> None:
    token = cluster.facilitator_token()
    build = SessionBuilder(requests.Session(), token, prefix=cluster.url).create()
    panel = {"user_id": _user_of(cluster, token)}
    build.call("post", f"/sessions/{build.session_id}/panel", panel, expect=201)
    build.state("open")
    first, late = build.join("On time"), build.join("Running late")
    build.state("live")
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
    phone = Device(cluster.url, build.session_id, token=first["token"]).connect()
    phone.resume()
    tablet = Device(cluster.url, build.session_id, api_token=token, role="observer").connect()
    tablet.resume()
    observation = {
        "id": "observation-during-outage",
        "exercise_id": exercise_id,
        "candidate_id": first["candidate_id"],
        "note": "Kept the group to time",
    }
    logs_before = [len(cluster.log_of(n)) for n in range(3)]

    cluster.redis.stop()
    try:
        # A new connection is refused at once, with a code that says "try again".
        latecomer = Device(cluster.url, build.session_id, token=late["token"])
        started = time.monotonic()
        with pytest.raises(socketio.exceptions.ConnectionError):
            latecomer.connect()
        assert time.monotonic() - started < 2.0
        assert latecomer.refusal["data"]["code"] == "unavailable", latecomer.refusal

        # Connected clients get acknowledgements, not silence.
        resumed = phone.call("resume", {"last_seq": 0})
        assert resumed["ok"] is False and resumed["error"]["code"] == "unavailable"
        written = tablet.call("record_observation", observation)
        assert written["ok"] is False and written["error"]["code"] == "unavailable"
        assert phone.call("sync_clock")["ok"] is True  # what needs no storage still works
        # Longer than a heartbeat lasts: every process is taken for dead meanwhile.
        time.sleep(PRESENCE_TTL_S + 0.5)

        # Every API route, read or write, answers 503 with the same code; pages a plain 503.
        headers = {"Authorization": f"Bearer {token}"}
        read = requests.get(f"{cluster.url}/api/v1/sessions/{build.session_id}", headers=headers, timeout=5)
        write = requests.post(
            f"{cluster.url}/api/v1/sessions/{build.session_id}/announcements",
            json={"text": "Back in five"},
            headers=headers,
            timeout=5,
        )
        for response in (read, write):
            assert response.status_code == 503
            assert response.json()["error"]["code"] == "unavailable"
        page = requests.get(f"{cluster.url}/join/{build.join_code}", timeout=5)
        assert page.status_code == 503 and "Temporarily unavailable" in page.text
        assert "text/html" in page.headers["Content-Type"]
    finally:
        cluster.redis.start()

    # The same clients carry on: the refused phone connects, the tablet's write lands once.
    deadline = time.monotonic() + 10
    while True:
        try:
            latecomer.connect()
            break
        except socketio.exceptions.ConnectionError:
            assert time.monotonic() < deadline, latecomer.refusal
            time.sleep(0.2)
    assert latecomer.resume()["snapshot"]
    for _ in range(2):
        ack = tablet.call("record_observation", observation)
        assert ack["ok"], ack
    stored = build.call("get", f"/sessions/{build.session_id}/observations", expect=200)["observations"]
    assert [o["id"] for o in stored] == [observation["id"]]
    # The phone that stayed connected all along is still shown online.
    manager = Device(cluster.url, build.session_id, api_token=token).connect()
    online = {c["id"]: c["online"] for c in manager.resume(0)["snapshot"]["candidates"]}
    assert online == {first["candidate_id"]: True, late["candidate_id"]: True}
    time.sleep(PRESENCE_TTL_S)  # the sweeps after the outage take nobody for dead
    online = {c["id"]: c["online"] for c in manager.resume(0)["snapshot"]["candidates"]}
    assert online == {first["candidate_id"]: True, late["candidate_id"]: True}

    # One line per failure, never a traceback per request.
    for n in range(3):
        assert "Traceback" not in cluster.log_of(n)[logs_before[n] :]
    for device in (phone, tablet, latecomer, manager):
        device.disconnect()


def _user_of(cluster: LocalCluster, token: str) -> str:
    from facilitator.store import users as user_store

    r = cluster.client()
    try:
        account = user_store.user_for_api_token(r, token)
        assert account is not None
        return account.id
    finally:
        r.close()
