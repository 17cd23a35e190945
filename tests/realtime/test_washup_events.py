"""The wash-up over Socket.IO against a running server: who follows it, who never hears of it,
who may drive it, and drafts that never leave their author."""

from __future__ import annotations

import time
from typing import Any

import redis
import requests

from ..live_server import LiveServer
from ..panel_helpers import Panel, running_panel
from ..phones import Device
from ..review_helpers import Finished, finished_session

WASHUP_EVENTS = ("washup_moved", "consensus_recorded", "decision_recorded")
COMMANDS = ("move_washup", "record_consensus", "record_decision", "reopen_rating")


class Prefixed:
    """An HTTP client whose paths are under the running server, for the API-driven helpers."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.http = requests.Session()

    def _send(self, method: str, url: str, **kwargs: Any) -> requests.Response:
        return self.http.request(method, self.base + url, timeout=30, **kwargs)

    def get(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("GET", url, **kwargs)

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("POST", url, **kwargs)

    def put(self, url: str, **kwargs: Any) -> requests.Response:
        return self._send("PUT", url, **kwargs)


def token_of(panel: Panel, number: int) -> str:
    """An observer's API token (Alex 0, Blair 1)."""
    builder = panel.a if number == 0 else panel.b
    return builder.headers["Authorization"].split(" ", 1)[1]


def connected(live: LiveServer, sid: str, **auth: str) -> Device:
    device = Device(live.url, sid, **auth).connect()
    return device


def reviewing(live: LiveServer, r: redis.Redis, token: str) -> Finished:
    finished = finished_session(Prefixed(live.url), r, token)
    finished.start_review()
    return finished


def test_only_facilitators_and_panel_members_who_owe_nothing_follow_the_washup(
    live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    finished = reviewing(live, r, live_token)
    sid, (first, second) = finished.sid, finished.candidate_ids
    lead = connected(live, sid, api_token=live_token)
    alex = connected(live, sid, api_token=token_of(finished.panel, 0))
    blair = connected(live, sid, api_token=token_of(finished.panel, 1))
    phones = [connected(live, sid, token=p["token"]) for p in finished.panel.people]
    # Blair's rating of the first candidate is reopened: Blair owes one again,
    # and hears so (the author and the facilitators only).
    reopen = f"/sessions/{sid}/ratings/{finished.exercise_ids[0]}/{first}/{finished.panel.b_id}/reopen"
    finished.build.call("post", reopen, {"reason": "Missed exercise 2 evidence"}, expect=200)
    blair.wait_for("rating_reopened")
    lead.wait_for("rating_reopened")
    snapshots = {
        name: d.resume()["snapshot"] for name, d in (("lead", lead), ("alex", alex), ("blair", blair))
    }
    assert snapshots["lead"]["washup"]["current"] is None and "washup" in snapshots["alex"]
    assert "washup" not in snapshots["blair"]
    for phone in phones:
        assert "washup" not in phone.resume()["snapshot"]
    before = lead.max_seq()

    moved = lead.call("move_washup", {"id": "move-000001", "order": [second, first], "candidate_id": second})
    assert moved["ok"], moved
    agreed = {
        "id": "agree-00001",
        "candidate_id": second,
        "competency_id": "teamwork",
        "score": 3,
        "note": "Steady",
    }
    assert lead.call("record_consensus", agreed)["ok"]
    decided = {
        "id": "decide-0001",
        "candidate_id": second,
        "outcome": "next_round",
        "rationale": "Solid all day",
    }
    assert lead.call("record_decision", decided)["ok"]

    for device in (lead, alex):
        for name in WASHUP_EVENTS:
            device.wait_for(name)
    assert alex.of("washup_moved")[0]["data"]["current"] == second
    assert alex.of("consensus_recorded")[0]["data"]["score"] == 3
    assert alex.of("decision_recorded")[0]["data"]["outcome"] == "next_round"
    time.sleep(0.5)  # anything wrongly sent would have arrived by now
    for device in (blair, *phones):
        assert not set(device.names()) & set(WASHUP_EVENTS), device.names()
    assert "rating_reopened" not in alex.names() + [n for phone in phones for n in phone.names()]

    # Nor does a replay or a fresh snapshot hand them over.
    for device in (blair, *phones):
        replay = device.resume(before)
        assert not {e["type"] for e in replay["events"]} & set(WASHUP_EVENTS)
        assert "washup" not in device.resume(0)["snapshot"]
    assert {e["type"] for e in alex.resume(before)["events"]} >= set(WASHUP_EVENTS)
    # An observer reconnecting lands on the candidate being discussed.
    alex.disconnect()
    again = connected(live, sid, api_token=token_of(finished.panel, 0))
    assert again.resume(0)["snapshot"]["washup"]["current"] == second
    for device in (lead, again, blair, *phones):
        device.disconnect()


def test_candidates_and_observers_cannot_send_the_washup_commands(
    live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    finished = reviewing(live, r, live_token)
    sid, first = finished.sid, finished.candidate_ids[0]
    payloads: dict[str, dict[str, Any]] = {
        "move_washup": {"candidate_id": first},
        "record_consensus": {"candidate_id": first, "competency_id": "teamwork", "score": 5},
        "record_decision": {"candidate_id": first, "outcome": "offer", "rationale": "Best of the day"},
        "reopen_rating": {
            "exercise_id": finished.exercise_ids[0],
            "candidate_id": first,
            "observer_id": finished.panel.a_id,
            "reason": "Let me change it",
        },
    }
    senders = [
        connected(live, sid, token=finished.panel.people[0]["token"]),
        connected(live, sid, api_token=token_of(finished.panel, 0)),
    ]
    for device in senders:
        device.resume()
        for number, name in enumerate(COMMANDS):
            ack = device.call(name, {"id": f"try-{name}-{number:04d}", **payloads[name]})
            assert ack == {
                "ok": False,
                "error": {"code": "forbidden", "message": f"Only facilitators can send {name}."},
            }
    record = finished.build.call("get", f"/sessions/{sid}/review", expect=200)
    assert record["washup"]["current"] is None and record["reopened"] == []
    assert all(c["consensus"] == {} and c["decision"] is None for c in record["candidates"])
    for device in senders:
        device.disconnect()


def test_a_draft_never_reaches_another_observer_by_any_event_or_read(
    live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    panel = running_panel(Prefixed(live.url), r, live_token, candidates=1)  # type: ignore[arg-type]
    sid, candidate_id = panel.sid, panel.people[0]["candidate_id"]
    panel.end()
    lead = connected(live, sid, api_token=live_token)
    alex = connected(live, sid, api_token=token_of(panel, 0))
    blair = connected(live, sid, api_token=token_of(panel, 1))
    for device in (lead, alex, blair):
        device.resume()
    scores = {c: {"score": 4, "evidence": "Seen and noted"} for c in ("teamwork", "communication")}
    submit = {"id": "alex-submit-1", "exercise_id": panel.exercise_id, "candidate_id": candidate_id}
    assert alex.call("rate_candidate", {**submit, "scores": scores, "submit": True})["ok"]
    draft = {"teamwork": {"score": 1, "evidence": "BLAIR-PRIVATE-DRAFT"}}
    saved = blair.call(
        "rate_candidate",
        {
            "id": "blair-draft-1",
            "exercise_id": panel.exercise_id,
            "candidate_id": candidate_id,
            "scores": draft,
        },
    )
    assert saved["ok"], saved
    lead.wait_for("rating_saved")
    blair.wait_for("rating_saved")
    time.sleep(0.5)
    assert "BLAIR-PRIVATE-DRAFT" not in str(alex.events)
    read = alex.call("read_evidence", {"exercise_id": panel.exercise_id, "candidate_id": candidate_id})
    assert read["ok"] and "BLAIR-PRIVATE-DRAFT" not in str(read["result"])
    assert [x["observer_id"] for x in read["result"]["ratings"]] == [panel.a_id]
    for last_seq in (0, 1):
        assert "BLAIR-PRIVATE-DRAFT" not in str(alex.resume(last_seq))
    # The facilitator and the author do see it.
    assert "BLAIR-PRIVATE-DRAFT" in str(lead.of("rating_saved"))
    assert "BLAIR-PRIVATE-DRAFT" in str(blair.resume(0)["snapshot"]["ratings"])
    for device in (lead, alex, blair):
        device.disconnect()
