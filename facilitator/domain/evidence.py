"""Observations and ratings: what the panel records, the rules it must follow, and who may
read whose evidence (blind until you have submitted your own)."""

from __future__ import annotations

import enum
from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from .errors import Conflict, Forbidden, NotFound
from .events import Audience, Event
from .models import (
    CandidateStatus,
    Exercise,
    ExerciseRun,
    Identifier,
    Record,
    RunStatus,
    Session,
    SessionData,
    SessionState,
)

MAX_NOTE = 1_000
MAX_EVIDENCE = 2_000
# An observation may say it was recorded up to this long after the exercise ended
# (finishing a note), and a device clock may run this far ahead of the server's.
AFTER_END_GRACE_S = 10 * 60
CLOCK_SKEW_S = 60

Note = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_NOTE)]
Evidence = Annotated[str, StringConstraints(strip_whitespace=True, max_length=MAX_EVIDENCE)]
ObservationPolarity = Literal["positive", "negative", "neutral"]


class Observation(Record):
    """One piece of time-stamped behavioural evidence about one candidate."""

    id: Identifier
    exercise_id: Identifier
    observer_id: Identifier
    candidate_id: Identifier
    competency_id: Identifier | None = None
    indicator_id: Identifier | None = None
    polarity: ObservationPolarity = "neutral"
    note: Note = ""
    recorded_at: float
    clock_s: float
    received_at: float
    version: int = 1
    deleted: bool = False
    edited_at: float | None = None


class RatingStatus(enum.StrEnum):
    """A rating is a draft until the observer submits it; then it is locked."""

    DRAFT = "draft"
    SUBMITTED = "submitted"


class Score(Record):
    """A score on the anchored 1-5 scale with the evidence for it."""

    score: int = Field(ge=1, le=5)
    evidence: Evidence = ""


class Reopening(Record):
    """A facilitator reopened a submitted rating during the review: why, and what it said then."""

    reason: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=500)]
    by: Identifier
    at: float
    scores: dict[str, Score]
    submitted_at: float | None = None


class Rating(Record):
    """One observer's scores of one candidate in one exercise, per competency."""

    exercise_id: Identifier
    candidate_id: Identifier
    observer_id: Identifier
    scores: dict[str, Score] = Field(default_factory=dict)
    status: RatingStatus = RatingStatus.DRAFT
    updated_at: float
    submitted_at: float | None = None
    # Each time a facilitator reopened it in the review, with the scores as submitted then.
    reopenings: list[Reopening] = Field(default_factory=list)

    @property
    def key(self) -> str:
        """Where the rating is filed: exercise, candidate, observer."""
        return rating_key(self.exercise_id, self.candidate_id, self.observer_id)


def rating_key(exercise_id: str, candidate_id: str, observer_id: str) -> str:
    """The field a rating is stored under."""
    return f"{exercise_id}:{candidate_id}:{observer_id}"


def _run(session: Session, exercise_id: str) -> tuple[Exercise, ExerciseRun]:
    exercise = session.exercise(exercise_id)
    if exercise is None:
        raise NotFound("unknown_exercise", "There is no such exercise in this session.")
    run = session.runs.get(exercise_id)
    if run is None or run.started_at is None:
        raise Conflict("not_started", f"“{exercise.title}” has not started yet.")
    return exercise, run


def _not_in_review(session: Session, what: str) -> None:
    if session.state in (SessionState.REVIEW, SessionState.DECIDED, SessionState.ARCHIVED):
        raise Conflict(
            "review_started",
            f"The review has started, so evidence can no longer be {what}; "
            "ask the facilitator to reopen your rating if it needs a change.",
        )


def _candidate(data: SessionData, candidate_id: str) -> None:
    candidate = data.candidates.get(candidate_id)
    if candidate is None or candidate.status == CandidateStatus.REMOVED:
        raise NotFound("unknown_candidate", "That candidate is not in this session.")


def indicator_in(session: Session, exercise: Exercise, indicator_id: str) -> tuple[str, str]:
    """(competency id, polarity) of an indicator of a competency the exercise assesses."""
    for competency_id in exercise.competency_ids:
        competency = session.competency(competency_id)
        for indicator in competency.indicators if competency else ():
            if indicator.id == indicator_id:
                return competency_id, indicator.polarity.value
    raise Conflict(
        "indicator_not_assessed",
        f"That indicator is not one of the competencies “{exercise.title}” assesses.",
    )


def new_observation(
    data: SessionData,
    observer_id: str,
    *,
    observation_id: str,
    exercise_id: str,
    candidate_id: str,
    indicator_id: str | None,
    competency_id: str | None,
    polarity: str | None,
    note: str,
    recorded_at: float | None,
    now: float,
) -> Observation:
    """Check a new observation against the session and stamp it with exercise time."""
    _not_in_review(data.session, "recorded")
    exercise, run = _run(data.session, exercise_id)
    _candidate(data, candidate_id)
    if indicator_id is not None:
        competency_id, polarity = indicator_in(data.session, exercise, indicator_id)
    elif competency_id is not None and competency_id not in exercise.competency_ids:
        raise Conflict("competency_not_assessed", f"“{exercise.title}” does not assess that competency.")
    if indicator_id is None and not note:
        raise Conflict("empty_observation", "Choose a behaviour or write a note.")
    at = now if recorded_at is None else recorded_at
    assert run.started_at is not None
    if at > now + CLOCK_SKEW_S:
        raise Conflict("bad_time", "The observation's time is in the future; check the device's clock.")
    if at < run.started_at - CLOCK_SKEW_S:
        raise Conflict("before_start", f"That time is before “{exercise.title}” started.")
    if run.status == RunStatus.ENDED and run.ended_at is not None and at > run.ended_at + AFTER_END_GRACE_S:
        raise Conflict(
            "too_late",
            f"“{exercise.title}” ended more than {AFTER_END_GRACE_S // 60} minutes before that; "
            "record it as a note in your rating instead.",
        )
    return Observation(
        id=observation_id,
        exercise_id=exercise_id,
        observer_id=observer_id,
        candidate_id=candidate_id,
        competency_id=competency_id,
        indicator_id=indicator_id,
        polarity=polarity or "neutral",  # type: ignore[arg-type]
        note=note,
        recorded_at=at,
        clock_s=round(run.clock(at), 1),
        received_at=now,
    )


def edited(
    data: SessionData,
    current: Observation,
    observer_id: str,
    *,
    note: str | None,
    indicator_id: str | None,
    delete: bool,
    now: float,
) -> Observation:
    """The next version of an observation (an edit or a deletion) by its own author."""
    _not_in_review(data.session, "changed")
    if current.observer_id != observer_id:
        # Someone else's observation is, to you, one that does not exist.
        raise NotFound("unknown_observation", "There is no such observation.")
    if current.deleted:
        raise Conflict("deleted", "That observation has been deleted.")
    if not delete and note is None and indicator_id is None:
        raise Conflict("no_change", "Give a new note or a new behaviour to change.")
    changes: dict[str, object] = {"version": current.version + 1, "edited_at": now}
    if delete:
        changes["deleted"] = True
    else:
        if indicator_id is not None:
            exercise, _ = _run(data.session, current.exercise_id)
            changes["competency_id"], changes["polarity"] = indicator_in(data.session, exercise, indicator_id)
            changes["indicator_id"] = indicator_id
        if note is not None:
            changes["note"] = note
        if not (changes.get("indicator_id", current.indicator_id) or changes.get("note", current.note)):
            raise Conflict("empty_observation", "An observation needs a behaviour or a note.")
    return current.model_copy(update=changes)


def assigned(run: ExerciseRun, observer_id: str) -> list[str]:
    """The candidates this observer watches in a run."""
    return [cid for cid, observers in run.observers.items() if observer_id in observers]


def rate(
    data: SessionData,
    observer_id: str,
    *,
    exercise_id: str,
    candidate_id: str,
    scores: dict[str, Score],
    submit: bool,
    existing: Rating | None,
    now: float,
) -> Rating:
    """Save a draft or submit a rating; submitting needs every competency scored with evidence.

    Once the review has started ratings are locked, except one a facilitator reopened.
    """
    reopened = existing is not None and existing.status == RatingStatus.DRAFT and bool(existing.reopenings)
    if not (reopened and data.session.state == SessionState.REVIEW):
        _not_in_review(data.session, "rated")
    exercise, run = _run(data.session, exercise_id)
    _candidate(data, candidate_id)
    if run.status != RunStatus.ENDED:
        raise Conflict("not_ended", f"Ratings open when “{exercise.title}” ends.")
    if observer_id not in run.observers.get(candidate_id, []):
        raise Forbidden("not_assigned", "You are not assigned to rate this candidate in this exercise.")
    if existing is not None and existing.status == RatingStatus.SUBMITTED:
        raise Conflict("already_submitted", "This rating has been submitted and is locked.")
    unknown = [cid for cid in scores if cid not in exercise.competency_ids]
    if unknown:
        raise Conflict("competency_not_assessed", f"“{exercise.title}” does not assess {unknown[0]!r}.")
    merged = {**(existing.scores if existing else {}), **scores}
    if submit:
        missing = [c for c in exercise.competency_ids if c not in merged]
        if missing:
            name = data.session.competency(missing[0])
            raise Conflict("incomplete", f"Score {name.name if name else missing[0]} before submitting.")
        bare = [c for c in exercise.competency_ids if not merged[c].evidence]
        if bare:
            name = data.session.competency(bare[0])
            raise Conflict(
                "evidence_required",
                f"Write the evidence for your {name.name if name else bare[0]} score before submitting.",
            )
    return Rating(
        exercise_id=exercise_id,
        candidate_id=candidate_id,
        observer_id=observer_id,
        scores=merged,
        status=RatingStatus.SUBMITTED if submit else RatingStatus.DRAFT,
        updated_at=now,
        submitted_at=now if submit else None,
        reopenings=existing.reopenings if existing else [],
    )


def may_read(session: Session, viewer_kind: str, viewer_id: str, author_id: str, submitted_own: bool) -> bool:
    """The blind rule: an observer sees another's evidence of a candidate in an exercise only
    after submitting their own rating of that candidate in that exercise."""
    if viewer_kind == "manager" or viewer_id == author_id:
        return True
    if viewer_kind != "observer":
        return False
    return not session.blind_ratings or submitted_own


def to_author(observer_id: str) -> Audience:
    """Evidence events go to the session's managers and the observer who wrote it."""
    return Audience(observers=(observer_id,))


def observation_event(kind: str, observation: Observation) -> Event:
    """observation_recorded / _edited / _deleted, for managers and the author only."""
    return Event(kind, observation.model_dump(), to_author(observation.observer_id))


def rating_event(rating: Rating) -> Event:
    """rating_saved or rating_submitted, for managers and the author only."""
    kind = "rating_submitted" if rating.status == RatingStatus.SUBMITTED else "rating_saved"
    return Event(kind, rating.model_dump(mode="json"), to_author(rating.observer_id))
