"""Presence tells the truth when a process dies: its phones show offline within a bounded
time, and online again once they reconnect through nginx to another process."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests

from ..builders import SessionBuilder
from ..cluster import OFFLINE_WITHIN_S, LocalCluster
from ..phones import Device

pytestmark = pytest.mark.cluster


def presence_of(manager: Device, candidate_id: str) -> list[bool]:
    """The online flags the control room was told for one candidate, in order."""
    return [
        e["data"]["online"]
        for e in manager.of("candidate_presence_changed")
        if e["data"]["candidate_id"] == candidate_id
    ]


def lobby_online(manager: Device, candidate_id: str) -> Any:
    """Whether a fresh control-room snapshot shows the candidate online."""
    snapshot = manager.resume(0)["snapshot"]
    return next(c["online"] for c in snapshot["candidates"] if c["id"] == candidate_id)


def test_a_killed_process_shows_its_phones_offline_until_they_reconnect_elsewhere(
    cluster: LocalCluster,
) -> None:
    token = cluster.facilitator_token()
    build = SessionBuilder(requests.Session(), token, prefix=cluster.url).create()
    build.state("open")
    person = build.join("Candidate on a doomed process")
    candidate_id = person["candidate_id"]
    phone = Device(cluster.url, build.session_id, token=person["token"]).connect()
    phone.resume()
    doomed = cluster.app_holding(phone.client.get_sid())
    watcher = (doomed + 1) % 3
    manager = Device(cluster.app_url(watcher), build.session_id, api_token=token).connect()
    assert lobby_online(manager, candidate_id) is True

    cluster.kill_app(doomed)
    killed_at = time.monotonic()
    while presence_of(manager, candidate_id) != [False]:
        assert time.monotonic() - killed_at < OFFLINE_WITHIN_S + 2, manager.names()
        time.sleep(0.05)
    offline_after = time.monotonic() - killed_at
    assert lobby_online(manager, candidate_id) is False

    again = Device(cluster.url, build.session_id, token=person["token"]).connect()
    assert cluster.app_holding(again.client.get_sid()) != doomed
    manager.wait_for("candidate_presence_changed", count=2)
    assert presence_of(manager, candidate_id) == [False, True]
    assert lobby_online(manager, candidate_id) is True
    print(f"offline shown {offline_after:.1f} s after kill -9 (bound {OFFLINE_WITHIN_S:.1f} s)")
    for device in (again, manager):
        device.disconnect()
