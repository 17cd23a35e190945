"""What the observation fault scenarios share: a running session with a panel of tablets on
the cluster, a burst of observations, and the history check against Redis at the end."""

from __future__ import annotations

import time
from dataclasses import dataclass

import requests

from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..cluster import LocalCluster
from ..conftest import make_user
from .history import History, stored_observations
from .tablets import Tablet, observations

SEED = 9  # every scenario's ids, candidates and notes come from it


@dataclass
class Burst:
    """A running exercise and the tablets recording into it, all through nginx."""

    cluster: LocalCluster
    session_id: str
    tablets: list[Tablet]
    history: History

    def start(self, count: int, interval_s: float, exercise_id: str, candidate_ids: list[str]) -> None:
        """Every tablet makes `count` observations, one every `interval_s`."""
        for tablet in self.tablets:
            tablet.start(observations(SEED, tablet.name, count, exercise_id, candidate_ids), interval_s)

    def made(self) -> int:
        """Observations invoked so far, over all tablets."""
        with self.history.lock:
            return len(self.history.invoked)

    def wait_until_made(self, count: int, timeout: float = 60.0) -> None:
        """Wait until `count` observations have been invoked."""
        deadline = time.monotonic() + timeout
        while self.made() < count:
            assert time.monotonic() < deadline, f"only {self.made()} of {count} observations made"
            time.sleep(0.01)

    def close(self) -> None:
        """Drop every tablet's socket."""
        for tablet in self.tablets:
            tablet.close()

    def finish_and_check(self, label: str) -> dict[str, int]:
        """Wait for every tablet to empty its outbox, then check the history against Redis."""
        for tablet in self.tablets:
            tablet.join()
        assert not self.history.unsettled(), f"never settled: {self.history.unsettled()[:5]}"
        r = self.cluster.client()
        try:
            present, notes, disagreements = stored_observations(r, self.session_id)
        finally:
            r.close()
        problems = disagreements + self.history.check(present, notes)
        assert not problems, problems[:10]
        figures = self.history.figures()
        figures["present"] = len(present)
        print(f"{label}: {figures}")
        return figures


def panel_burst(cluster: LocalCluster, tablets: int, candidates: int = 4) -> tuple[Burst, str, list[str]]:
    """A live session with `tablets` observers on its panel, its exercise running; returns the
    burst (tablets connected through nginx), the exercise id and the candidate ids."""
    token = cluster.facilitator_token()
    build = SessionBuilder(requests.Session(), token, prefix=cluster.url).create()
    r = cluster.client()
    try:
        accounts = [
            make_user(r, f"tablet-{n}-{time.monotonic_ns()}@example.com", "observer") for n in range(tablets)
        ]
        tokens = [user_store.issue_api_token(r, account.id) for account in accounts]
    finally:
        r.close()
    for account in accounts:
        build.call("post", f"/sessions/{build.session_id}/panel", {"email": account.email}, expect=201)
    build.state("open")
    candidate_ids = [build.join(f"Candidate {n}")["candidate_id"] for n in range(candidates)]
    build.state("live")
    exercise_id = build.exercises()[0]["id"]
    build.call("post", f"/sessions/{build.session_id}/exercises/{exercise_id}/start", expect=200)
    history = History()
    devices = [
        Tablet(f"tablet{n}", cluster.url, build.session_id, tokens[n], history) for n in range(tablets)
    ]
    for device in devices:
        assert device.connect(), f"{device.name} could not connect"
    return Burst(cluster, build.session_id, devices, history), exercise_id, candidate_ids
