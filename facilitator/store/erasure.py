"""Erasing one candidate from Redis (the rules are in domain/erasure.py).

First one transaction (`unit.change`) takes them off the roster and out of the session
document, with their links, person-index entry, presence, review record, the evidence about
them and the audit entry. Then `sweep` goes through every key of the session's candidate data
(`keys.candidate_data`) and cleans what is left: records keyed by them or about them go, others
lose mentions of them, the event log is rewritten (entry ids kept), and tokens, pushes and
set-up notes pointing at them go. The sweep is idempotent and runs again if anything changed
under it; a write about them that raced the first transaction is caught by it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast

import redis

from ..domain import erasure as rules
from ..domain.errors import Conflict
from ..domain.events import MANAGERS, Event
from ..domain.models import SessionData
from . import invites, keys, people, unit
from .scripts import Lua

MAX_ATTEMPTS = 50
SCAN_COUNT = 1000
Outcome = unit.Outcome[dict[str, Any]]

# Rewrites a record only if it is still the one read, so a change made meanwhile (someone
# editing another candidate's observation) is never overwritten; the sweep then runs again.
CLEAN_FIELD = """
-- KEYS[1] = the hash
-- ARGV[1] = the field, ARGV[2] = the value read, ARGV[3] = the new value ("" deletes the field)
if redis.call('HGET', KEYS[1], ARGV[1]) ~= ARGV[2] then
  return 0
end
if ARGV[3] == '' then
  redis.call('HDEL', KEYS[1], ARGV[1])
else
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[3])
end
return 1
"""
_CLEAN_FIELD = Lua(CLEAN_FIELD)


@dataclass
class Swept:
    """What one sweep changed, by kind."""

    deleted: int = 0
    rewritten: int = 0
    log_entries: int = 0
    pushes: int = 0
    tokens: int = 0
    # Values that changed between being read and being cleaned: the sweep must run again.
    raced: int = 0

    @property
    def changed(self) -> int:
        """How many values the sweep deleted or rewrote (or found changed under it)."""
        return self.deleted + self.rewritten + self.log_entries + self.pushes + self.tokens + self.raced


def _evidence_about(r: redis.Redis, session_id: str, candidate_id: str) -> tuple[list[str], list[str]]:
    """Ids of the observations and fields of the ratings about the candidate."""
    observations = [
        str(oid)
        for oid, raw in r.hscan_iter(keys.observations(session_id), count=SCAN_COUNT)
        if json.loads(raw).get("candidate_id") == candidate_id
    ]
    ratings = [str(f) for f in r.hkeys(keys.ratings(session_id)) if str(f).split(":")[1:2] == [candidate_id]]
    return observations, ratings


def take_off_roster(
    r: redis.Redis, session_id: str, person: rules.Person, write_audit: Callable[[Any], None]
) -> Outcome:
    """The first, atomic step (see the module doc); NotFound when they are not on the roster."""
    cid = person.candidate_id
    observations, ratings = _evidence_about(r, session_id, cid)
    hashes = invites.lookup_hashes(r, session_id, [cid])

    def decide(data: SessionData, extra: unit.Extra) -> tuple[dict[str, Any], list[Event]]:
        leaving = data.candidate(cid)
        rules.erase_from_session(data, person)

        def writes(pipe: Any) -> None:
            people.forget(pipe, session_id, [leaving])
            pipe.hdel(keys.candidate_secrets(session_id), cid)
            for digest in hashes:
                pipe.delete(keys.invite(digest))
            pipe.delete(keys.sockets(session_id, "candidate", cid))
            pipe.srem(keys.online(session_id), cid)
            pipe.hdel(keys.reviews(session_id), cid)
            if observations:
                pipe.hdel(keys.observations(session_id), *observations)
            if ratings:
                pipe.hdel(keys.ratings(session_id), *ratings)
            write_audit(pipe)

        extra.append(writes)
        counts = {"observations": observations, "ratings": len(ratings)}
        # The control room's roster and groups redraw from a fresh snapshot.
        return counts, [Event("session_updated", {"title": data.session.title}, MANAGERS)]

    return unit.change(r, session_id, decide)


def _clean_hash(r: redis.Redis, key: str, person: rules.Person, swept: Swept) -> list[str]:
    """Delete the fields that are theirs, rewrite the values that mention them; returns the
    deleted fields."""
    gone = []
    for name, raw in list(r.hscan_iter(key, count=SCAN_COUNT)):
        name, raw = str(name), str(raw)
        cleaned = None if rules.field_is_theirs(name, person) else rules.clean_json(raw, person)
        if cleaned == raw:
            continue
        if not int(_CLEAN_FIELD(r, keys=[key], args=[name, raw, cleaned or ""])):
            swept.raced += 1
        elif cleaned is None:
            gone.append(name)
            swept.deleted += 1
        else:
            swept.rewritten += 1
    return gone


def rewrite_log(r: redis.Redis, session_id: str, person: rules.Person) -> int:
    """Rewrite the entries of the event log that tell of the candidate, keeping every entry id
    (so replays stay in order); returns how many were rewritten."""
    key = keys.events(session_id)
    for _ in range(MAX_ATTEMPTS):
        with r.pipeline(transaction=True) as pipe:
            try:
                pipe.watch(key)  # an event logged meanwhile would otherwise be lost
                entries = cast(list[Any], pipe.xrange(key))
                rewritten = [(entry_id, rules.clean_log_entry(f["e"], person)) for entry_id, f in entries]
                changed = sum(1 for (_, f), (_, new) in zip(entries, rewritten, strict=True) if f["e"] != new)
                if not changed:
                    return 0
                pipe.multi()
                pipe.delete(key)
                for entry_id, raw in rewritten:
                    pipe.xadd(key, {"e": raw}, id=entry_id)
                pipe.execute()
                return changed
            except redis.WatchError:
                continue
    raise Conflict("busy", "The session's event log kept changing during the erasure; try again.")


def _json_text(raw: str) -> str:
    try:
        return json.dumps(json.loads(raw), ensure_ascii=False)
    except ValueError:
        return raw


def drop_pushes(r: redis.Redis, matches: Callable[[str], bool]) -> int:
    """Delete the entries of the push stream (emits between processes) that `matches` picks."""
    doomed = [
        entry_id
        for entry_id, fields in cast(list[Any], r.xrange(keys.pushes()))
        if matches(_json_text(fields.get("m", "")))
    ]
    for start in range(0, len(doomed), 500):
        r.xdel(keys.pushes(), *doomed[start : start + 500])
    return len(doomed)


def _stray_tokens(r: redis.Redis, session_id: str, candidate_id: str) -> int:
    """Personal links and device tokens still pointing at them (older phones, older links)."""
    pointer = f"{session_id}:{candidate_id}"
    found = 0
    for pattern in (keys.invite("*"), keys.device("*")):
        for key in r.scan_iter(match=pattern, count=SCAN_COUNT):
            if r.get(key) == pointer:
                found += r.delete(key)
    for key in r.scan_iter(match=keys.process_sockets("*"), count=SCAN_COUNT):
        held = cast(dict[str, str], r.hgetall(key))
        mine = [sid for sid, where in held.items() if where == f"{session_id}:candidate:{candidate_id}"]
        if mine:
            found += r.hdel(key, *mine)
    return found


def sweep(r: redis.Redis, session_id: str, person: rules.Person, observations: list[str]) -> Swept:
    """Clean every key of the session's candidate data of the candidate (see the module doc);
    `observations` are the ids of those about them already deleted."""
    swept = Swept()
    cid = person.candidate_id
    gone_observations = list(observations)
    for key in keys.candidate_data(session_id):
        kind = r.type(key)
        if key == keys.candidates(session_id) and kind == "hash":
            # Others' own entries keep their names, even one the same as theirs.
            if r.hdel(key, cid):
                swept.deleted += 1
        elif kind == "hash":
            gone = _clean_hash(r, key, person, swept)
            if key == keys.observations(session_id):
                gone_observations += gone
        elif kind == "set":
            swept.deleted += int(r.srem(key, cid))
        elif kind == "stream":
            swept.log_entries += rewrite_log(r, session_id, person)
    if gone_observations:
        for key in r.scan_iter(match=keys.observations_by(session_id, "*"), count=SCAN_COUNT):
            swept.deleted += int(r.srem(key, *gone_observations))
    swept.pushes = drop_pushes(r, person.mentioned)
    swept.tokens = _stray_tokens(r, session_id, cid)
    notes = list(r.scan_iter(match=keys.setup_note(session_id, "*"), count=SCAN_COUNT))
    if notes:
        r.delete(*notes)
    return swept
