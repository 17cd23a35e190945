"""Candidates' rights over their data: a copy of everything held (subject access), erasure,
and the privacy notice they read before checking in.

The export and the erasure are for the session's facilitators and admins; both are recorded
in the audit log. An erasure is done once Redis's files are compacted (store/compaction.py):
until then the append-only file and the last snapshot still hold what was deleted.
"""

from __future__ import annotations

import logging
import time
import unicodedata
from dataclasses import dataclass
from typing import Any

import redis

from ..domain import erasure as erasure_rules
from ..domain import subject_access
from ..domain.audit import AuditAction
from ..domain.errors import Conflict
from ..domain.events import Event
from ..domain.ids import new_id
from ..domain.models import SessionData
from ..store import audit as audit_store
from ..store import compaction, people, unit
from ..store import erasure as erasure_store
from ..store import privacy as privacy_store
from ..store import review as review_store
from ..store import users as user_store
from ..store.compaction import Compaction
from ..store.users import StaffUser
from . import audit
from .access import require_manager, runs
from .history import stage_instant

log = logging.getLogger(__name__)
MAX_SWEEPS = 5


def _managed(r: redis.Redis, user: StaffUser, session_id: str, candidate_id: str) -> SessionData:
    """The session, if `user` runs it and the candidate is on its roster (refused otherwise)."""
    data = unit.load(r, session_id)
    require_manager(data.session, user)
    data.candidate(candidate_id)
    return data


def _names(
    r: redis.Redis, data: SessionData, found: review_store.Evidence, candidate_id: str
) -> dict[str, str]:
    """Names of everyone who recorded, rated, agreed, decided or wrote about the candidate."""
    ids: set[str] = set(data.session.panel)
    for run in data.session.runs.values():
        ids.update(run.observers.get(candidate_id, []))
    ids.update(o.observer_id for o in found.observations if o.candidate_id == candidate_id)
    for rating in found.ratings.values():
        if rating.candidate_id == candidate_id:
            ids.add(rating.observer_id)
            ids.update(x.by for x in rating.reopenings)
    record = found.reviews.get(candidate_id)
    if record is not None:
        ids.update(c.by for c in (*record.consensus.values(), *record.consensus_history))
        ids.update(d.by for d in (*([record.decision] if record.decision else []), *record.decision_history))
        if record.feedback is not None:
            ids.update(u for u in (record.feedback.updated_by, record.feedback.released_by) if u)
    return {uid: account.name for uid in ids if (account := user_store.get(r, uid)) is not None}


def _other_stages(
    r: redis.Redis, user: StaffUser, data: SessionData, candidate_id: str
) -> tuple[list[subject_access.OtherStage], int]:
    """Other sessions with a roster entry of the same email: those `user` runs, and how many
    others there are (an admin, who runs them all, sees every one)."""
    email = data.candidates[candidate_id].email
    shown, hidden = [], 0
    for session_id, other_id in people.stages(r, email) if email else []:
        if session_id == data.session.id:
            continue
        other = unit.read(r, session_id)
        if other is None or other_id not in other.candidates:
            continue
        if not runs(other.session, user):
            hidden += 1
            continue
        shown.append(
            subject_access.OtherStage(session_id, other_id, other.session.title, stage_instant(other))
        )
    return sorted(shown, key=lambda s: s.when), hidden


def subject_access_export(
    r: redis.Redis, user: StaffUser, session_id: str, candidate_id: str, *, download: bool
) -> dict[str, Any]:
    """Everything the session holds about the candidate (domain/subject_access.py), for the
    session's facilitators and admins; recorded in the audit log as viewed or exported."""
    data = _managed(r, user, session_id, candidate_id)
    found = review_store.load(r, session_id)
    theirs = {o.id for o in found.observations if o.candidate_id == candidate_id}
    held = subject_access.Held(
        data=data,
        ratings=found.ratings,
        observations=found.observations,
        reviews=found.reviews,
        versions=privacy_store.observation_versions(r, session_id, theirs),
        names=_names(r, data, found, candidate_id),
    )
    stages, hidden = _other_stages(r, user, data, candidate_id)
    document = subject_access.document(
        held,
        candidate_id,
        other_stages=stages,
        other_stages_hidden=hidden,
        exported_by=audit.actor_of(user),
        now=time.time(),
    )
    action = AuditAction.EXPORTED_CANDIDATE_DATA if download else AuditAction.VIEWED_CANDIDATE_DATA
    audit.viewed(r, user, action, session_id, candidate_id, detail="JSON download" if download else "")
    return document


def _typed(text: str) -> str:
    """A name as typed for comparing: Unicode-normalised, spaces collapsed, case ignored."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


@dataclass(frozen=True)
class Erasure:
    """What an erasure did: whom, the events to push, and whether the disk is clean too."""

    candidate_id: str
    name: str
    events: list[Event]
    observations: int
    ratings: int
    log_entries: int
    mentions: int
    by_name: bool
    compaction: Compaction


def erase_candidate(
    r: redis.Redis, user: StaffUser, session_id: str, candidate_id: str, confirmation: str
) -> Erasure:
    """Erase one candidate from the session (domain/erasure.py), once the candidate's name has
    been typed to confirm; then compact Redis's files. Facilitators of the session and admins."""
    data = _managed(r, user, session_id, candidate_id)
    candidate = data.candidates[candidate_id]
    if _typed(confirmation) != _typed(candidate.name):
        raise Conflict(
            "confirmation_mismatch",
            f"To erase this candidate, type their name exactly as shown ({candidate.name}). "
            "Nothing was erased.",
        )
    namesake = any(
        _typed(c.name) == _typed(candidate.name) for c in data.candidates.values() if c.id != candidate_id
    )
    person = erasure_rules.Person.of(
        candidate_id, f"erased-{new_id(12)}", candidate.name, candidate.email, by_name=not namesake
    )
    entry = audit.entry(user, AuditAction.ERASED_CANDIDATE, session_id=session_id, candidate_id=candidate_id)
    outcome = erasure_store.take_off_roster(
        r, session_id, person, lambda pipe: audit_store.append(pipe, entry, audit.KEEP_DAYS)
    )
    gone = list(outcome.result["observations"])
    log_entries = mentions = 0
    for _ in range(MAX_SWEEPS):
        swept = erasure_store.sweep(r, session_id, person, gone)
        gone = []
        log_entries += swept.log_entries
        mentions += swept.rewritten
        if not swept.changed:
            break
    else:
        log.warning(
            "erasure of %s in %s: the session kept changing; sweeps stopped", candidate_id, session_id
        )
    done = compaction.compact(r)
    log.info("erased candidate %s of session %s: %s", candidate_id, session_id, done.describe())
    return Erasure(
        candidate_id=candidate_id,
        name=candidate.name,
        events=outcome.events,
        observations=len(outcome.result["observations"]),
        ratings=int(outcome.result["ratings"]),
        log_entries=log_entries,
        mentions=mentions,
        by_name=not namesake,
        compaction=done,
    )


def compact_after_purge(r: redis.Redis, session_ids: list[str]) -> Compaction:
    """After the retention purge: drop the purged sessions' pushes, then compact the files."""
    rooms = tuple(f'"s:{sid}:' for sid in session_ids)
    erasure_store.drop_pushes(r, lambda text: any(room in text for room in rooms))
    return compaction.compact(r)
