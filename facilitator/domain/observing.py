"""The panel: who observes the session, and which candidates each observer watches."""

from __future__ import annotations

from typing import Any

from .errors import Conflict, NotFound
from .events import MANAGERS, Audience, Event
from .evidence import Rating, RatingStatus
from .lookup import exercise_or_404
from .models import CandidateStatus, ExerciseRun, RunStatus, SessionData
from .panel import assign_observers

MAX_PANEL = 50


def add_observer(data: SessionData, user_id: str, name: str) -> list[Event]:
    """Put a staff member on the session's panel."""
    if user_id in data.session.panel:
        raise Conflict("already_on_panel", f"{name} is already on the panel.")
    if len(data.session.panel) >= MAX_PANEL:
        raise Conflict("panel_full", f"A panel has at most {MAX_PANEL} observers.")
    data.session.panel.append(user_id)
    return [Event("panel_changed", {"panel": list(data.session.panel)}, MANAGERS)]


def remove_observer(data: SessionData, user_id: str) -> list[Event]:
    """Take an observer off the panel (their evidence stays on the record)."""
    if user_id not in data.session.panel:
        raise NotFound("not_on_panel", "That person is not on the panel.")
    data.session.panel.remove(user_id)
    for run in data.session.runs.values():
        if run.status != RunStatus.ENDED:
            for observers in run.observers.values():
                if user_id in observers:
                    observers.remove(user_id)
    return [
        Event("panel_changed", {"panel": list(data.session.panel)}, MANAGERS),
        Event("observer_removed", {"observer_id": user_id}, Audience(observers=(user_id,))),
    ]


def _history(data: SessionData, exclude: str) -> list[dict[str, list[str]]]:
    return [run.observers for eid, run in data.session.runs.items() if eid != exclude and run.observers]


def assign_run_observers(data: SessionData, run: ExerciseRun, seed: int | None = None) -> None:
    """Rotate the panel over the run's candidates so each meets new observers."""
    members = [m for g in run.groups for m in g.members]
    run.observers = (
        assign_observers(members, list(data.session.panel), None, _history(data, run.exercise_id), seed=seed)
        if data.session.panel
        else {}
    )


def observers_event(data: SessionData, run: ExerciseRun) -> Event:
    """Staff learn who watches whom; each observer can find their own candidates in it."""
    return Event(
        "observers_assigned",
        {"exercise_id": run.exercise_id, "observers": run.observers},
        Audience(observers=tuple(data.session.panel)),
    )


def set_observers(
    data: SessionData,
    exercise_id: str,
    candidate_id: str | None,
    observer_ids: list[str],
    seed: int | None = None,
) -> list[Event]:
    """Adjust by hand who watches one candidate; with no candidate, rotate everyone afresh."""
    exercise = exercise_or_404(data, exercise_id)
    run = data.session.runs.get(exercise_id)
    if run is None:
        raise Conflict("no_groups", f"Form groups for “{exercise.title}” first.")
    if run.status == RunStatus.ENDED:
        raise Conflict("exercise_ended", f"“{exercise.title}” has ended; its observers are on the record.")
    if candidate_id is None:
        assign_run_observers(data, run, seed)
        return [observers_event(data, run)]
    candidate = data.candidate(candidate_id)
    if candidate.status != CandidateStatus.CHECKED_IN:
        raise Conflict("not_checked_in", f"{candidate.name} has not checked in.")
    strangers = [o for o in observer_ids if o not in data.session.panel]
    if strangers:
        raise NotFound("not_on_panel", "Every observer must be on the session's panel.")
    run.observers[candidate_id] = list(dict.fromkeys(observer_ids))
    return [observers_event(data, run)]


def completion(data: SessionData, ratings: dict[str, Rating]) -> list[dict[str, Any]]:
    """Observer x candidate x exercise: not started, draft or submitted."""
    cells = []
    for exercise in data.session.exercises:
        run = data.session.runs.get(exercise.id)
        if run is None or run.started_at is None:
            continue
        for candidate_id, observers in run.observers.items():
            for observer_id in observers:
                rating = ratings.get(f"{exercise.id}:{candidate_id}:{observer_id}")
                status = (
                    "not_started"
                    if rating is None
                    else ("submitted" if rating.status == RatingStatus.SUBMITTED else "draft")
                )
                cells.append(
                    {
                        "exercise_id": exercise.id,
                        "candidate_id": candidate_id,
                        "observer_id": observer_id,
                        "status": status,
                        "due": run.status == RunStatus.ENDED,
                    }
                )
    return cells


def nudge(data: SessionData, observer_id: str, ratings: dict[str, Rating]) -> list[Event]:
    """Remind an observer of the ratings they still owe."""
    if observer_id not in data.session.panel:
        raise NotFound("not_on_panel", "That person is not on the panel.")
    owed = [
        c
        for c in completion(data, ratings)
        if c["observer_id"] == observer_id and c["due"] and c["status"] != "submitted"
    ]
    if not owed:
        raise Conflict("nothing_owed", "That observer has submitted every rating that is due.")
    return [
        Event(
            "ratings_nudged", {"observer_id": observer_id, "owed": owed}, Audience(observers=(observer_id,))
        )
    ]
