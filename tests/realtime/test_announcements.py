"""Announcements over real sockets: each names its exercise and group, and a phone that moved
group gets the same ones from a snapshot as it got live."""

from __future__ import annotations

import requests

from ..builders import SessionBuilder
from ..live_server import LiveServer
from ..phones import Device


def test_a_group_announcement_stays_with_those_it_reached_after_a_move(
    live: LiveServer, live_token: str
) -> None:
    build = SessionBuilder(requests.Session(), live_token, prefix=live.url).create()
    build.state("open")
    people = [build.join(f"Candidate {n}") for n in range(8)]
    build.state("live")
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
    first, second = build.call("get", f"/sessions/{build.session_id}", expect=200)["setup"]["runs"][
        exercise_id
    ]["groups"]
    token = {p["candidate_id"]: p["token"] for p in people}
    mover, newcomer = first["members"][0], second["members"][0]
    phone = Device(live.url, build.session_id, token=token[mover]).connect()
    phone.resume()

    build.call(
        "post",
        f"/sessions/{build.session_id}/announcements",
        {"text": "Your room is 2.14", "group_id": first["id"]},
        expect=201,
    )
    build.call("post", f"/sessions/{build.session_id}/announcements", {"text": "Lunch at one"}, expect=201)
    live_group, live_everyone = (e["data"] for e in phone.wait_for("announcement_made", count=2))
    assert live_group["group_id"] == first["id"] and live_group["group_name"] == first["name"]
    assert live_group["exercise_id"] == live_everyone["exercise_id"] == exercise_id
    assert live_everyone["group_id"] is None and live_everyone["group_name"] is None
    assert "sent_to" not in live_group

    move = f"/sessions/{build.session_id}/exercises/{exercise_id}/groups/move"
    build.call("post", move, {"candidate_id": mover, "group_id": second["id"]}, expect=200)
    build.call("post", move, {"candidate_id": newcomer, "group_id": first["id"]}, expect=200)

    reloaded = Device(live.url, build.session_id, token=token[mover]).connect()
    snapshot = reloaded.resume()["snapshot"]
    assert [(a["text"], a["group_name"]) for a in snapshot["announcements"]] == [
        ("Your room is 2.14", first["name"]),
        ("Lunch at one", None),
    ]
    assert snapshot["assignment"]["group"]["id"] == second["id"]
    # Who joined the group after it was sent never received it, and a snapshot agrees.
    late = Device(live.url, build.session_id, token=token[newcomer]).connect()
    assert [a["text"] for a in late.resume()["snapshot"]["announcements"]] == ["Lunch at one"]
    for device in (phone, reloaded, late):
        device.disconnect()
