"""Building a session before it runs: details, exercises, roster, copies."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from dataclasses import dataclass, field

from pydantic import ValidationError

from ..input_errors import problems
from .commands import CandidateInput, ExerciseInput, SessionDetails
from .errors import Conflict, DomainError, NotFound
from .events import MANAGERS, Event
from .ids import new_id
from .lobby import candidate_summary, name_key
from .models import (
    MAX_CANDIDATES,
    MAX_EXERCISES,
    Candidate,
    CandidateStatus,
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
    """Put people on the roster, in the order given; each will get a personal join link."""
    check_editable(data.session)
    if len(data.candidates) + len(entries) > MAX_CANDIDATES:
        raise Conflict("roster_full", f"A session holds at most {MAX_CANDIDATES} candidates.")
    added = []
    for position, entry in enumerate(entries):
        # The roster is listed by added_at (the store does not keep insertion order), so
        # people added together are a millisecond apart and keep the order they were given.
        candidate = Candidate(id=new_id(), name=entry.name, email=entry.email, added_at=now + position / 1000)
        data.candidates[candidate.id] = candidate
        added.append(candidate)
    events = [Event("candidate_added", candidate_summary(c), MANAGERS) for c in added]
    return added, events


def roster(data: SessionData) -> list[Candidate]:
    """Everyone on the roster, in the order they were added (walk-ins as they arrived)."""
    return sorted(data.candidates.values(), key=lambda c: c.added_at)


def namesakes(candidates: Iterable[Candidate]) -> list[list[Candidate]]:
    """Groups of two or more current candidates whose names match (case and accents aside),
    each in roster order."""
    by_key: dict[str, list[Candidate]] = {}
    for candidate in sorted(candidates, key=lambda c: c.added_at):
        if candidate.status != CandidateStatus.REMOVED:
            by_key.setdefault(name_key(candidate.name), []).append(candidate)
    return [group for group in by_key.values() if len(group) > 1]


def namesake_warning(groups: list[list[Candidate]]) -> str | None:
    """A sentence naming the people who share a name, and what that means for joining."""
    if not groups:
        return None
    consequence = (
        "People who share a name cannot check in by typing it: send each of them their personal link."
    )
    if len(groups) == 1:
        count = len(groups[0])
        how_many = COUNT_WORDS.get(count, str(count))
        spellings = list(dict.fromkeys(c.name for c in groups[0]))
        if len(spellings) == 1:
            return f"{how_many} people are called {spellings[0]}. {consequence}"
        written = ", ".join(spellings[:-1]) + " and " + spellings[-1]
        return f"{how_many} people have the same name: {written}. {consequence}"
    listed = ", ".join(f"{group[0].name} ({len(group)})" for group in groups)
    return f"Some people share a name: {listed}. {consequence}"


COUNT_WORDS = {2: "Two", 3: "Three", 4: "Four", 5: "Five"}
HEADER_NAMES = ("name", "names", "full name", "candidate", "candidate name")


@dataclass(frozen=True)
class RosterLine:
    """A line of a pasted list that could not be read, and why."""

    number: int
    text: str
    reason: str


@dataclass
class RosterReading:
    """What a pasted list or CSV holds: the people it names, and the lines it could not read."""

    entries: list[CandidateInput] = field(default_factory=list)
    rejected: list[RosterLine] = field(default_factory=list)

    @property
    def leftover(self) -> str:
        """The rejected lines as they were typed, to correct and import again."""
        return "\n".join(line.text for line in self.rejected)


def read_roster(text: str) -> RosterReading:
    """Read one person a line, "name" or "name, email"; a header row is skipped."""
    reading = RosterReading()
    seen_a_row = False
    # Line by line rather than one CSV stream, so each problem names the line as typed.
    for number, line in enumerate(text.splitlines(), start=1):
        cells = [cell.strip() for cell in next(csv.reader([line]), [])]
        if not any(cells):
            continue
        first_row, seen_a_row = not seen_a_row, True
        if first_row and cells[0].casefold() in HEADER_NAMES:
            continue
        name, email = cells[0], (cells[1] if len(cells) > 1 else "") or None
        if email is None and "@" in name and " " not in name:
            reason = "This is an email address with no name: write the name, a comma, then the email."
            reading.rejected.append(RosterLine(number, line.strip(), reason))
            continue
        try:
            reading.entries.append(CandidateInput(name=name, email=email))
        except ValidationError as exc:
            reason = " ".join(dict.fromkeys(p.message for p in problems(exc)))
            reading.rejected.append(RosterLine(number, line.strip(), reason))
    return reading


def rejected_lines_sentence(rejected: list[RosterLine], most: int = 3) -> str:
    """The unreadable lines in one paragraph: "Line 4 (“…”): Email is not valid."."""
    shown = [f"Line {line.number} (“{line.text[:60]}”): {line.reason}" for line in rejected[:most]]
    more = len(rejected) - most
    return " ".join(shown) + (f" And {more} more lines." if more > 0 else "")


def parse_roster(text: str) -> list[CandidateInput]:
    """Every person in a pasted list, or an error naming the lines that cannot be read."""
    reading = read_roster(text)
    if reading.rejected:
        raise DomainError("bad_roster_line", rejected_lines_sentence(reading.rejected))
    if not reading.entries:
        raise DomainError("empty_roster", "Paste at least one name, one person a line.")
    return reading.entries


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
