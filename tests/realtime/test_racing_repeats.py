"""A command sent again while its first copy is still being applied gets the first answer.

A tablet on bad Wi-Fi resends what it has not seen acknowledged, so copies of one command
arrive together. Every copy must be told what the first was told, never "already deleted"
or "already submitted" because another copy got there a moment before.
"""

from __future__ import annotations

import threading
from typing import Any

import redis

from ..live_server import LiveServer
from ..phones import Device
from .test_observations import panel_session

COPIES = 20


def all_at_once(devices: list[Device], event: str, payload: dict[str, Any]) -> list[Any]:
    """Every device sends the same command at the same moment; their acknowledgements."""
    start = threading.Barrier(len(devices))
    acks: list[Any] = [None] * len(devices)

    def send(n: int) -> None:
        start.wait()
        acks[n] = devices[n].call(event, payload)

    threads = [threading.Thread(target=send, args=(n,)) for n in range(len(devices))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return acks


def test_racing_copies_of_a_delete_and_of_a_submit_all_get_the_first_acknowledgement(
    live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    build, people, tokens, exercise_id = panel_session(live, live_token, r, 1, 2)
    tablets = [Device(live.url, build.session_id, api_token=tokens[0]).connect() for _ in range(COPIES)]
    candidate_id = people[0]["candidate_id"]
    try:
        for round_ in range(3):
            observation = {
                "id": f"observation-{round_}",
                "exercise_id": exercise_id,
                "candidate_id": candidate_id,
                "note": "Summarised the options for the group",
            }
            recorded = tablets[0].call("record_observation", observation)
            assert recorded["ok"], recorded
            delete = {"id": f"delete-copy-{round_}", "observation_id": f"observation-{round_}"}
            acks = all_at_once(tablets, "delete_observation", delete)
            assert all(ack["ok"] for ack in acks), [a for a in acks if not a["ok"]][:3]
            assert len({repr(ack["result"]) for ack in acks}) == 1
            assert sum(not ack.get("replayed") for ack in acks) == 1

        build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/end", expect=200)
        for n, person in enumerate(people):
            submit = {
                "id": f"submit-copy-{n}",
                "exercise_id": exercise_id,
                "candidate_id": person["candidate_id"],
                "scores": {
                    "teamwork": {"score": 4, "evidence": "Drew the quiet members in"},
                    "communication": {"score": 3, "evidence": "Clear but brief"},
                },
                "submit": True,
            }
            acks = all_at_once(tablets, "rate_candidate", submit)
            assert all(ack["ok"] for ack in acks), [a for a in acks if not a["ok"]][:3]
            assert len({repr(ack["result"]) for ack in acks}) == 1
            assert acks[0]["result"]["status"] == "submitted"
    finally:
        for tablet in tablets:
            tablet.disconnect()

    logged = build.call("get", f"/sessions/{build.session_id}/events?after=0", expect=200)
    assert [e["type"] for e in logged].count("observation_deleted") == 3
    assert [e["type"] for e in logged].count("rating_submitted") == len(people)


def test_racing_copies_of_a_facilitator_command_all_get_the_first_acknowledgement(
    live: LiveServer, live_token: str, r: redis.Redis
) -> None:
    build, _, _, exercise_id = panel_session(live, live_token, r, 1, 2)
    laptops = [Device(live.url, build.session_id, api_token=live_token).connect() for _ in range(COPIES)]
    try:
        for round_, event in enumerate(["pause_exercise", "resume_exercise", "end_exercise"]):
            acks = all_at_once(laptops, event, {"id": f"command-copy-{round_}", "exercise_id": exercise_id})
            assert all(ack["ok"] for ack in acks), [a for a in acks if not a["ok"]][:3]
            assert len({repr(ack["result"]) for ack in acks}) == 1
    finally:
        for laptop in laptops:
            laptop.disconnect()
