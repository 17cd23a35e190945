"""A change reads the session's records only as far as its decision looks: an announcement
reads no roster, a command about one candidate reads that candidate, and what is written
afterwards is exactly what changed."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import redis
from flask.testing import FlaskClient

from facilitator.domain.models import Candidate
from facilitator.store import keys, unit
from facilitator.store.records import Records

from .builders import SessionBuilder

KEY = "test:records"


def seeded(r: redis.Redis, count: int = 3) -> dict[str, Candidate]:
    people = {f"c{n}": Candidate(id=f"c{n}", name=f"Candidate {n}", added_at=float(n)) for n in range(count)}
    r.hset(KEY, mapping={cid: person.model_dump_json() for cid, person in people.items()})
    return people


@contextmanager
def commands_sent(r: redis.Redis) -> Iterator[list[list[str]]]:
    """Every command the server runs inside the block (its slow log, with no threshold)."""
    seen: list[list[str]] = []
    default = r.config_get("slowlog-log-slower-than")["slowlog-log-slower-than"]
    r.config_set("slowlog-max-len", 1000)
    r.slowlog_reset()
    r.config_set("slowlog-log-slower-than", 0)
    try:
        yield seen
    finally:
        r.config_set("slowlog-log-slower-than", default)
        entries = r.slowlog_get(1000)
        r.slowlog_reset()
        seen.extend(e["command"].decode().split(" ") for e in reversed(entries))


def on(sent: list[list[str]], key: str) -> list[str]:
    """The commands sent that name `key` as their first key, in order."""
    return [command for command, *named in sent if named[:1] == [key]]


def test_one_lookup_reads_one_record(r: redis.Redis) -> None:
    seeded(r)
    records = Records(r, KEY, Candidate)
    with commands_sent(r) as sent:
        assert records["c1"].name == "Candidate 1" and records.get("c9") is None and "c2" in records
    assert on(sent, KEY) == ["HGET", "HGET", "HGET"]


def test_going_through_all_keeps_redis_order_and_the_objects_handed_out(r: redis.Redis) -> None:
    seeded(r)
    records = Records(r, KEY, Candidate)
    held = records["c2"]
    records["c9"] = Candidate(id="c9", name="Walk-in", added_at=9.0)
    assert list(records) == [*r.hgetall(KEY), "c9"] and len(records) == 4
    assert records["c2"] is held


def test_only_what_changed_is_written(r: redis.Redis) -> None:
    seeded(r)
    records = Records(r, KEY, Candidate)
    records["c0"].name = "Renamed"
    _ = records["c1"]  # read, untouched
    del records["c2"]
    records["c3"] = Candidate(id="c3", name="New", added_at=3.0)
    written, gone = records.changes()
    assert sorted(written) == ["c0", "c3"] and gone == ["c2"]
    assert sorted(records) == ["c0", "c1", "c3"]


def test_a_record_removed_then_added_again_is_written_not_deleted(r: redis.Redis) -> None:
    seeded(r)
    records = Records(r, KEY, Candidate)
    del records["c0"]
    records["c0"] = Candidate(id="c0", name="Back", added_at=0.0)
    assert records.changes() == ({"c0": records["c0"].model_dump_json()}, [])


def test_a_missing_record_is_a_key_error_everywhere(r: redis.Redis) -> None:
    seeded(r, 1)
    records = Records(r, KEY, Candidate)
    for look in (lambda: records["nobody"], lambda: records.__delitem__("nobody")):
        try:
            look()
        except KeyError:
            continue
        raise AssertionError("no KeyError")
    assert records.changes() == ({}, [])


def joined(client: FlaskClient, api_token: str, people: int) -> SessionBuilder:
    build = SessionBuilder(client, api_token).create()
    build.state("open")
    for n in range(people):
        build.join(f"Candidate {n}")
    build.state("live")
    return build


def test_an_announcement_reads_no_roster(client: FlaskClient, r: redis.Redis, api_token: str) -> None:
    build = joined(client, api_token, 12)
    roster = keys.candidates(build.session_id)
    with commands_sent(r) as sent:
        build.call(
            "post", f"/sessions/{build.session_id}/announcements", {"text": "Lunch at one"}, expect=201
        )
    # Watched (a change to it would retry the announcement), never read.
    assert [command for command, *named in sent if roster in named] == ["WATCH"]
    assert ["MGET", keys.session(build.session_id), keys.announcements(build.session_id)] in sent
    # ... and the announcement is kept, the roster untouched.
    assert [a.text for a in unit.load(r, build.session_id).announcements] == ["Lunch at one"]
    assert r.hlen(roster) == 12


def test_a_change_to_one_candidate_writes_that_candidate_alone(
    client: FlaskClient, r: redis.Redis, api_token: str
) -> None:
    build = joined(client, api_token, 6)
    data = unit.load(r, build.session_id)
    chosen = next(iter(data.candidates))

    def rename(found: Any, _extra: Any) -> tuple[None, list[Any]]:
        found.candidates[chosen].name = "Alex Renamed"
        return None, []

    version = r.get(keys.session_version(build.session_id))
    with commands_sent(r) as sent:
        unit.change(r, build.session_id, rename)
    assert on(sent, keys.candidates(build.session_id)) == ["HGET", "HSET"]
    # The session document and the announcements were left alone, so neither is written.
    written = {named[0] for command, *named in sent if command in ("SET", "INCR") and named}
    assert written.isdisjoint({keys.session(build.session_id), keys.announcements(build.session_id)})
    assert r.get(keys.session_version(build.session_id)) == version
    after = unit.load(r, build.session_id)
    assert after.candidates[chosen].name == "Alex Renamed"
    assert {c: p for c, p in after.candidates.items() if c != chosen} == {
        c: p for c, p in data.candidates.items() if c != chosen
    }
