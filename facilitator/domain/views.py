"""Snapshots: the whole current state as one viewer may see it.

A client that connects for the first time, or that fell too far behind the event log,
gets one of these instead of a replay.
"""

from __future__ import annotations

from typing import Any

from .comms import announcement_view, question_view
from .exercises import assignment_for, exercise_public, groups_view
from .lobby import candidate_summary
from .models import Announcement, CandidateStatus, SessionData
from .outputs import output_view


def session_header(data: SessionData) -> dict[str, Any]:
    """What anyone in the session may know about it."""
    s = data.session
    return {
        "id": s.id,
        "title": s.title,
        "role": s.role,
        "location": s.location,
        "state": s.state.value,
        "scheduled_start": s.scheduled_start.isoformat() if s.scheduled_start else None,
    }


def candidate_view(data: SessionData, candidate_id: str) -> dict[str, Any]:
    """One candidate's phone: their group, role, the brief and clock; nothing of anyone else's."""
    me = data.candidate(candidate_id)
    view: dict[str, Any] = {
        "session": session_header(data),
        "me": {"id": me.id, "name": me.name, "status": me.status.value, "portfolio_url": me.portfolio_url},
        "exercise": None,
        "assignment": None,
        "output": None,
    }
    run = data.session.current_run
    group = run.group_of(candidate_id) if run else None
    if run is not None and run.started_at is not None:
        exercise = data.session.exercise(run.exercise_id)
        if exercise is not None:
            view["exercise"] = exercise_public(exercise, run)
            if group is not None:
                view["assignment"] = assignment_for(data, exercise, group, candidate_id)
                output = data.outputs.get(f"{exercise.id}:{group.id}")
                view["output"] = output_view(data, output) if output else None
    view["announcements"] = [
        announcement_view(a) for a in data.announcements if _reached(data, a, candidate_id)
    ]
    view["questions"] = [
        question_view(data, q) for q in data.questions.values() if q.candidate_id == candidate_id
    ]
    return view


def _reached(data: SessionData, item: Announcement, candidate_id: str) -> bool:
    """True when the announcement went to this candidate: to everyone, or to a group they were
    in when it was sent (they keep it after a move; who joined the group later never got it)."""
    if item.group_id is None:
        return True
    if item.sent_to is not None:
        return candidate_id in item.sent_to
    # Kept from before announcements recorded who they reached: the group as it is now.
    run = data.session.runs.get(item.exercise_id or "")
    group = next((g for g in run.groups if g.id == item.group_id), None) if run else None
    return group is not None and candidate_id in group.members


def manager_view(
    data: SessionData,
    online: set[str],
    panel: list[dict[str, str]] | None = None,
    completion: list[dict[str, Any]] | None = None,
    observation_counts: dict[str, int] | None = None,
    observer_names: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The facilitator's control room: roster with presence, every run, questions, outputs,
    the panel, the rating completion matrix and observation counts."""
    s = data.session
    runs = {}
    for exercise in s.exercises:
        run = s.runs.get(exercise.id)
        if run is not None:
            runs[exercise.id] = {
                **exercise_public(exercise, run),
                "groups": groups_view(data, exercise, run),
                "observers": run.observers,
            }
    return {
        "panel": panel or [],
        "observer_names": observer_names or {},
        "completion": completion or [],
        "observation_counts": observation_counts or {},
        "session": {**session_header(data), "join_code": s.join_code, "lobby_locked": s.lobby_locked},
        "candidates": [{**candidate_summary(c), "online": c.id in online} for c in data.candidates.values()],
        "exercises": [
            {
                "id": e.id,
                "title": e.title,
                "kind": e.kind.value,
                "duration_minutes": e.duration_minutes,
                "group_size": e.group_size,
                "has_output": e.output_prompt is not None,
                "status": s.runs[e.id].status.value if e.id in s.runs else "not_started",
            }
            for e in s.exercises
        ],
        "current_exercise_id": s.current_exercise_id,
        "runs": runs,
        "questions": [
            question_view(data, q) for q in sorted(data.questions.values(), key=lambda q: q.asked_at)
        ],
        "announcements": [announcement_view(a) for a in data.announcements],
        "outputs": [output_view(data, o) for o in data.outputs.values()],
    }


def observer_view(
    data: SessionData,
    observer_id: str,
    observations: list[dict[str, Any]],
    ratings: list[dict[str, Any]],
    follow_ups: dict[str, str] | None = None,
) -> dict[str, Any]:
    """An observer's tablet: the framework, each exercise with its groups and the candidates
    assigned to them, their own observations and ratings (nobody else's), and the points the
    facilitator asked the panel to follow up."""
    s = data.session
    exercises = []
    for exercise in s.exercises:
        run = s.runs.get(exercise.id)
        entry: dict[str, Any] = {
            "id": exercise.id,
            "title": exercise.title,
            "kind": exercise.kind.value,
            "competency_ids": exercise.competency_ids,
            "status": run.status.value if run else "not_started",
            "timer": None,
            "started_at": None,
            "ended_at": None,
            "groups": [],
            "assigned": [],
        }
        if run is not None:
            entry.update(
                timer=exercise_public(exercise, run)["timer"],
                started_at=run.started_at,
                ended_at=run.ended_at,
                groups=[{"id": g.id, "name": g.name, "members": g.members} for g in run.groups],
                assigned=[cid for cid, obs in run.observers.items() if observer_id in obs],
            )
        exercises.append(entry)
    return {
        "session": {**session_header(data), "blind_ratings": s.blind_ratings},
        "me": {"id": observer_id},
        "competencies": [c.model_dump(mode="json") for c in s.competencies],
        "exercises": exercises,
        "current_exercise_id": s.current_exercise_id,
        "candidates": [{"id": c.id, "name": c.name} for c in data.active_candidates()],
        "observations": observations,
        "ratings": ratings,
        # Every roster entry's, not only today's assignments: observers are assigned when an
        # exercise starts, usually after the tablet loaded this snapshot.
        "follow_ups": {
            cid: text
            for cid, text in (follow_ups or {}).items()
            if text and cid in data.candidates and data.candidates[cid].status != CandidateStatus.REMOVED
        },
    }
