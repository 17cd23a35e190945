"""A phone frozen (SIGSTOP) while 200 events happen, then woken (SIGCONT): it ends with every
announcement, in order and once, whether its socket survived (and delivers what it buffered),
or it had to resume (a replay, or a snapshot when the server says so)."""

from __future__ import annotations

import itertools
import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
import requests

from ..builders import SessionBuilder
from ..cluster import ROOT, LocalCluster
from .history import OK, TIMEOUT, UNAVAILABLE, UNKNOWN, History, logged
from .scenario import SEED

pytestmark = pytest.mark.cluster

EVENTS = 200


def text_of(n: int) -> str:
    """Announcement `n`'s text: unique, so it names the write (the stored id is derived)."""
    return f"Notice {SEED}-{n:04d}"


def announce(http: requests.Session, url: str, session_id: str, token: str, history: History, n: int) -> None:
    """One announcement through nginx, sent again with the same Idempotency-Key until it is decided."""
    key, text = f"announce-{SEED}-{n:04d}", text_of(n)
    history.invoke(text, key)
    deadline = time.monotonic() + 60
    while True:
        sent_at = time.monotonic()
        try:
            response = http.post(
                f"{url}/api/v1/sessions/{session_id}/announcements",
                json={"text": text},
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key},
                timeout=10,
            )
        except requests.RequestException:
            history.answer(text, "facilitator", TIMEOUT, sent_at)
        else:
            if response.status_code == 201:
                replayed = response.headers.get("Idempotent-Replayed") == "true"
                history.answer(text, "facilitator", OK, sent_at, replayed=replayed)
                return
            code = response.json()["error"]["code"]
            assert response.status_code == 503, (response.status_code, response.text)
            history.answer(
                text, "facilitator", UNKNOWN if code == "outcome_unknown" else UNAVAILABLE, sent_at
            )
        assert time.monotonic() < deadline, f"{key} never decided: {history.attempts_of(text)}"
        time.sleep(0.2)


def lines(path: Path) -> list[dict[str, Any]]:
    """What the phone process wrote so far (whole lines only)."""
    text = path.read_text() if path.exists() else ""
    return [json.loads(line) for line in text.splitlines(keepends=True) if line.endswith("\n")]


def test_a_phone_frozen_while_200_events_happen_ends_with_every_one_in_order_once(
    cluster: LocalCluster, tmp_path: Path
) -> None:
    token = cluster.facilitator_token()
    build = SessionBuilder(requests.Session(), token, prefix=cluster.url).create()
    build.state("open")
    person = build.join("Candidate with a frozen phone")
    build.state("live")
    out = tmp_path / "phone.jsonl"
    phone = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tests.faults.frozen_phone",
            cluster.url,
            build.session_id,
            person["token"],
            str(out),
        ],
        cwd=ROOT,
    )
    history = History()
    http = requests.Session()
    try:
        deadline = time.monotonic() + 30
        while not any(line.get("connected") for line in lines(out)):
            assert phone.poll() is None and time.monotonic() < deadline, "the phone did not connect"
            time.sleep(0.05)
        announce(http, cluster.url, build.session_id, token, history, 0)  # seen live, before the freeze

        phone.send_signal(signal.SIGSTOP)
        try:
            for n in range(1, EVENTS + 1):
                announce(http, cluster.url, build.session_id, token, history, n)
        finally:
            phone.send_signal(signal.SIGCONT)
        sent = [text_of(n) for n in range(EVENTS + 1)]

        deadline = time.monotonic() + 60
        while True:
            seen = lines(out)
            applied = [line["text"] for line in seen if "text" in line]
            snapshots = [line for line in seen if line.get("snapshot")]
            if applied[-1:] == sent[-1:] or (snapshots and sent[-1] in snapshots[-1]["announcements"]):
                break
            assert phone.poll() is None and time.monotonic() < deadline, (len(applied), snapshots[-1:])
            time.sleep(0.05)
        time.sleep(0.5)  # a copy delivered twice would have arrived by now
        seen = lines(out)
    finally:
        phone.kill()
        phone.wait(timeout=10)

    # The writes themselves: each announcement acknowledged and logged exactly once.
    r = cluster.client()
    try:
        present: dict[str, int] = {}
        for data in logged(r, build.session_id, "announcement_made"):
            present[data["text"]] = present.get(data["text"], 0) + 1
    finally:
        r.close()
    assert not history.unsettled()
    problems = history.check(present)
    assert not problems, problems[:10]

    # What the phone shows: every one in order, once. The first line is the snapshot its first
    # connect took; a later one (a resume the server answered with a snapshot) must hold the
    # last announcement, or be followed by the rest in order, once.
    assert seen[0].get("snapshot") and seen[0]["announcements"] == []
    snapshots = [n for n, line in enumerate(seen) if line.get("snapshot")]
    applied = [line["text"] for line in seen[snapshots[-1] + 1 :] if "text" in line]
    seqs = [line["seq"] for line in seen[snapshots[-1] + 1 :] if "text" in line]
    assert all(a < b for a, b in itertools.pairwise(seqs)), "applied out of sequence order"
    if len(snapshots) == 1:
        assert applied == sent, (len(applied), len(sent))
    else:
        kept = seen[snapshots[-1]]["announcements"]
        assert kept[-1:] == sent[-1:] or applied[-1:] == sent[-1:], (kept[-3:], applied[-3:])
        assert applied == sent[len(sent) - len(applied) :]
    figures = history.figures()
    took = f"{len(snapshots)} snapshot(s), applied {len(applied)} after the last"
    print(f"frozen phone: {figures}; the phone took {took}")
