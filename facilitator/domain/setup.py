"""Building a session before it runs: details, exercises, roster, copies."""

from __future__ import annotations

import csv
import io

from .commands import CandidateInput, ExerciseInput, SessionDetails
from .errors import Conflict, DomainError, NotFound
from .events import MANAGERS, Event
from .ids import new_id
from .lobby import candidate_summary
from .models import (
    MAX_CANDIDATES,
    MAX_EXERCISES,
    Candidate,
    Competency,
    Exercise,
    Session,
    SessionData,
    SessionState,
)

EDITABLE = (SessionState.DRAFT, SessionState.OPEN, SessionState.LIVE)


def new_session(
    session_id: str,
    join_code: str,
    owner_id: str,
    details: SessionDetails,
    library: list[Competency],
    now: float,
) -> Session:
    """A new draft session; it keeps its own copy of the competencies it assesses."""
    session = Session(
        id=session_id,
        title=details.title,
        join_code=join_code,
        owner_id=owner_id,
        created_at=now,
        updated_at=now,
    )
    apply_details(session, details, library, now)
    return session


def check_editable(session: Session) -> None:
    """Refuse changes to a session that has finished."""
    if session.state not in EDITABLE:
        raise Conflict("not_editable", "This session has ended; its set-up can no longer change.")


def apply_details(session: Session, details: SessionDetails, library: list[Competency], now: float) -> None:
    """Set title, role, time, place and competencies (copied from the library)."""
    check_editable(session)
    by_id = {c.id: c for c in library}
    unknown = [cid for cid in details.competency_ids if cid not in by_id and session.competency(cid) is None]
    if unknown:
        raise NotFound("unknown_competency", f"No competency with id {unknown[0]!r} exists.")
    kept = []
    for cid in dict.fromkeys(details.competency_ids):
        kept.append(session.competency(cid) or by_id[cid].model_copy(deep=True))
    dropped = {c.id for c in session.competencies} - {c.id for c in kept}
    in_use = [e.title for e in session.exercises if dropped & set(e.competency_ids)]
    if in_use:
        raise Conflict(
            "competency_in_use",
            f"“{in_use[0]}” assesses a competency you removed; change the exercise first.",
        )
    session.title = details.title
    session.role = details.role
    session.scheduled_start = details.scheduled_start
    session.location = details.location
    session.blind_ratings = details.blind_ratings
    session.competencies = kept
    session.updated_at = now


def save_exercise(session: Session, exercise_id: str | None, given: ExerciseInput, now: float) -> Exercise:
    """Add an exercise, or replace one that has not run yet."""
    check_editable(session)
    unknown = [cid for cid in given.competency_ids if session.competency(cid) is None]
    if unknown:
        raise Conflict(
            "competency_not_in_session",
            f"Add the competency {unknown[0]!r} to the session before an exercise assesses it.",
        )
    if exercise_id is None:
        if len(session.exercises) >= MAX_EXERCISES:
            raise Conflict("too_many_exercises", f"A session holds at most {MAX_EXERCISES} exercises.")
        exercise = Exercise(id=new_id(8), **given.model_dump())
        session.exercises.append(exercise)
    else:
        index = next((i for i, e in enumerate(session.exercises) if e.id == exercise_id), None)
        if index is None:
            raise NotFound("unknown_exercise", "There is no such exercise in this session.")
        run = session.runs.get(exercise_id)
        if run is not None and run.started_at is not None:
            raise Conflict("exercise_started", "This exercise has started; its set-up can no longer change.")
        exercise = Exercise(id=exercise_id, **given.model_dump())
        session.exercises[index] = exercise
        session.runs.pop(exercise_id, None)
    session.updated_at = now
    return exercise


def remove_exercise(session: Session, exercise_id: str, now: float) -> None:
    """Delete an exercise that has not run."""
    check_editable(session)
    if session.exercise(exercise_id) is None:
        raise NotFound("unknown_exercise", "There is no such exercise in this session.")
    if session.runs.get(exercise_id, None) is not None and session.runs[exercise_id].started_at is not None:
        raise Conflict("exercise_started", "This exercise has run; it stays on the record.")
    session.exercises = [e for e in session.exercises if e.id != exercise_id]
    session.runs.pop(exercise_id, None)
    session.updated_at = now


def add_candidates(
    data: SessionData, entries: list[CandidateInput], now: float
) -> tuple[list[Candidate], list[Event]]:
    """Put people on the roster; each will get a personal join link."""
    check_editable(data.session)
    if len(data.candidates) + len(entries) > MAX_CANDIDATES:
        raise Conflict("roster_full", f"A session holds at most {MAX_CANDIDATES} candidates.")
    added = []
    for entry in entries:
        candidate = Candidate(id=new_id(), name=entry.name, email=entry.email, added_at=now)
        data.candidates[candidate.id] = candidate
        added.append(candidate)
    events = [Event("candidate_added", candidate_summary(c), MANAGERS) for c in added]
    return added, events


def parse_roster(text: str) -> list[CandidateInput]:
    """Read a pasted list or CSV: one person a line, "name" or "name, email"; a header is skipped."""
    rows = list(csv.reader(io.StringIO(text.strip())))
    entries: list[CandidateInput] = []
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row if cell.strip()]
        if not cells:
            continue
        if number == 1 and cells[0].casefold() in ("name", "full name", "candidate"):
            continue
        name, email = cells[0], (cells[1] if len(cells) > 1 else None)
        try:
            entries.append(CandidateInput(name=name, email=email))
        except ValueError:
            raise DomainError(
                "bad_roster_line",
                f"Line {number} (“{','.join(row)[:60]}”) needs a name of at most 80 characters "
                "and, optionally, a valid email address after a comma.",
            ) from None
    if not entries:
        raise DomainError("empty_roster", "Paste at least one name, one person a line.")
    return entries


def duplicate_session(source: Session, session_id: str, join_code: str, owner_id: str, now: float) -> Session:
    """A fresh draft with the same set-up and exercises, no roster and no runs."""
    return Session(
        id=session_id,
        title=f"{source.title} (copy)"[:120],
        role=source.role,
        location=source.location,
        join_code=join_code,
        owner_id=owner_id,
        blind_ratings=source.blind_ratings,
        competencies=[c.model_copy(deep=True) for c in source.competencies],
        exercises=[e.model_copy(deep=True) for e in source.exercises],
        created_at=now,
        updated_at=now,
    )
