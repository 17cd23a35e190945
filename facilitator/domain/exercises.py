"""Running exercises: forming groups, the clock, and who is told what."""

from __future__ import annotations

from typing import Any

from ..text import render_markdown
from .errors import Conflict, NotFound
from .events import EVERYONE, STAFF, Audience, Event
from .groups import assign_role_briefs, form_groups
from .lookup import exercise_or_404
from .models import (
    CandidateStatus,
    Exercise,
    ExerciseRun,
    Group,
    RunStatus,
    SessionData,
    SessionState,
    Timer,
)
from .observing import assign_run_observers, observers_event
from .outputs import output_view
from .states import require_state

MAX_EXTENSION_MINUTES = 120
ACTIVE = (RunStatus.RUNNING, RunStatus.PAUSED)


def active_run(data: SessionData) -> ExerciseRun | None:
    """The run that is running or paused now, if any."""
    run = data.session.current_run
    return run if run is not None and run.status in ACTIVE else None


def timer_view(run: ExerciseRun) -> dict[str, Any] | None:
    """The clock as clients need it: an end instant, or the remaining time when paused."""
    if run.timer is None:
        return None
    return {
        "duration_s": run.timer.duration_s,
        "ends_at": run.timer.ends_at,
        "remaining_s": run.timer.remaining_s,
        "paused": run.status == RunStatus.PAUSED,
        "ended": run.status == RunStatus.ENDED,
    }


def exercise_public(exercise: Exercise, run: ExerciseRun) -> dict[str, Any]:
    """What every participant may know about a running exercise."""
    return {
        "id": exercise.id,
        "title": exercise.title,
        "kind": exercise.kind.value,
        "brief_html": render_markdown(exercise.brief),
        "output_prompt": exercise.output_prompt,
        "status": run.status.value,
        "started_at": run.started_at,
        "ended_at": run.ended_at,
        "timer": timer_view(run),
    }


def assignment_for(data: SessionData, exercise: Exercise, group: Group, member: str) -> dict[str, Any]:
    """One candidate's own view of their group: team-mates and their private role brief."""
    role_index = group.roles.get(member)
    role = None
    if role_index is not None and role_index < len(exercise.role_briefs):
        brief = exercise.role_briefs[role_index]
        role = {"title": brief.title, "body_html": render_markdown(brief.body)}
    members = [{"id": m, "name": data.candidates[m].name} for m in group.members if m in data.candidates]
    output = data.outputs.get(f"{exercise.id}:{group.id}")
    return {
        "exercise_id": exercise.id,
        "group": {"id": group.id, "name": group.name, "members": members},
        "role": role,
        "output": output_view(data, output) if output else None,
    }


def groups_view(data: SessionData, exercise: Exercise, run: ExerciseRun) -> list[dict[str, Any]]:
    """Every group of a run with member names and role titles, for staff."""
    result = []
    for group in run.groups:
        members = []
        for member in group.members:
            role_index = group.roles.get(member)
            role = (
                exercise.role_briefs[role_index].title
                if role_index is not None and role_index < len(exercise.role_briefs)
                else None
            )
            name = data.candidates[member].name if member in data.candidates else "?"
            members.append({"id": member, "name": name, "role": role})
        result.append({"id": group.id, "name": group.name, "members": members})
    return result


def _group_name(index: int) -> str:
    """Group A, Group B, ... Group Z, Group 27, ..."""
    return f"Group {chr(ord('A') + index)}" if index < 26 else f"Group {index + 1}"


def _history(data: SessionData, exclude: str) -> list[list[list[str]]]:
    """Earlier exercises' groupings, oldest first, so new groups mix people up."""
    return [[g.members for g in run.groups] for eid, run in data.session.runs.items() if eid != exclude]


def _earlier_roles(data: SessionData, exclude: str) -> dict[str, set[int]]:
    """Role-brief indexes each candidate held in other exercises."""
    held: dict[str, set[int]] = {}
    for eid, run in data.session.runs.items():
        if eid == exclude:
            continue
        for group in run.groups:
            for member, index in group.roles.items():
                held.setdefault(member, set()).add(index)
    return held


def form_exercise_groups(data: SessionData, exercise_id: str, seed: int | None = None) -> list[Event]:
    """Form (or re-form) balanced groups for an exercise that has not started yet."""
    session = data.session
    require_state(session, SessionState.OPEN, SessionState.LIVE, doing="form groups")
    exercise = exercise_or_404(data, exercise_id)
    run = session.runs.get(exercise_id)
    if run is not None and run.status != RunStatus.GROUPED:
        raise Conflict(
            "already_started", f"“{exercise.title}” has already started; move people by hand instead."
        )
    present = [c.id for c in data.active_candidates()]
    if not present:
        raise Conflict("no_candidates", "Nobody has checked in yet, so there is nobody to group.")
    split = form_groups(present, exercise.group_size, _history(data, exercise_id), seed=seed)
    earlier = _earlier_roles(data, exercise_id)
    groups = []
    for index, members in enumerate(split):
        roles = assign_role_briefs(members, len(exercise.role_briefs), earlier, seed=seed)
        groups.append(Group(id=f"g{index + 1}", name=_group_name(index), members=members, roles=roles))
    run = ExerciseRun(exercise_id=exercise_id, groups=groups)
    session.runs[exercise_id] = run
    assign_run_observers(data, run, seed)
    return [groups_changed(data, exercise, run), observers_event(data, run)]


def groups_changed(data: SessionData, exercise: Exercise, run: ExerciseRun) -> Event:
    """Staff learn the current groups of an exercise."""
    return Event(
        "groups_changed",
        {"exercise_id": exercise.id, "status": run.status.value, "groups": groups_view(data, exercise, run)},
        STAFF,
    )


def assignment_events(
    data: SessionData, exercise: Exercise, run: ExerciseRun, only: set[str] | None = None
) -> list[Event]:
    """One private `group_assigned` event per candidate: their group and role brief only."""
    events = []
    for group in run.groups:
        for member in group.members:
            if only is None or member in only:
                # Private to the candidate: staff follow groups through groups_changed.
                events.append(
                    Event(
                        "group_assigned",
                        assignment_for(data, exercise, group, member),
                        Audience(managers=False, candidates=(member,)),
                    )
                )
    return events


def move_candidate(
    data: SessionData, exercise_id: str, candidate_id: str, group_id: str | None
) -> list[Event]:
    """Move a candidate to another group (a new one when `group_id` is None)."""
    exercise = exercise_or_404(data, exercise_id)
    run = data.session.runs.get(exercise_id)
    if run is None:
        raise Conflict("no_groups", f"Form groups for “{exercise.title}” first.")
    if run.status == RunStatus.ENDED:
        raise Conflict("exercise_ended", f"“{exercise.title}” has ended; its groups are final.")
    candidate = data.candidate(candidate_id)
    if candidate.status != CandidateStatus.CHECKED_IN:
        raise Conflict("not_checked_in", f"{candidate.name} has not checked in.")
    if group_id is None:
        target = Group(id=f"g{len(run.groups) + 1}", name=_group_name(len(run.groups)), members=[])
        while any(g.id == target.id for g in run.groups):
            target = Group(id=target.id + "x", name=target.name, members=[])
        run.groups.append(target)
    else:
        found = next((g for g in run.groups if g.id == group_id), None)
        if found is None:
            raise NotFound("unknown_group", "There is no such group in this exercise.")
        target = found
    source = run.group_of(candidate_id)
    if source is target:
        raise Conflict("same_group", f"{candidate.name} is already in {target.name}.")
    affected = {candidate_id}
    if source is not None:
        source.members.remove(candidate_id)
        source.roles.pop(candidate_id, None)
        affected.update(source.members)
    affected.update(target.members)
    target.members.append(candidate_id)
    observers_changed = False
    if data.session.panel and not run.observers.get(candidate_id):
        # A late arrival gets the observers with the lightest load.
        load = {o: sum(o in v for v in run.observers.values()) for o in data.session.panel}
        run.observers[candidate_id] = sorted(load, key=load.__getitem__)[: min(2, len(load))]
        observers_changed = True
    used = set(target.roles.values())
    free = [i for i in range(len(exercise.role_briefs)) if i not in used]
    if free:
        target.roles[candidate_id] = free[0]
    run.groups = [g for g in run.groups if g.members]
    events = [groups_changed(data, exercise, run)]
    if observers_changed:
        events.append(observers_event(data, run))
    if run.status in ACTIVE:
        events += assignment_events(data, exercise, run, only=affected)
    return events


def start_exercise(data: SessionData, exercise_id: str, now: float, seed: int | None = None) -> list[Event]:
    """Start an exercise: every phone gets the brief, its group, its role and the clock."""
    session = data.session
    require_state(session, SessionState.LIVE, doing="start an exercise")
    exercise = exercise_or_404(data, exercise_id)
    running = active_run(data)
    if running is not None:
        other = exercise_or_404(data, running.exercise_id)
        raise Conflict("exercise_running", f"“{other.title}” is still running; end it first.")
    events: list[Event] = []
    run = session.runs.get(exercise_id)
    if run is not None and run.status == RunStatus.ENDED:
        raise Conflict("already_run", f"“{exercise.title}” has already been run.")
    if run is None:
        events += form_exercise_groups(data, exercise_id, seed=seed)
        run = session.runs[exercise_id]
    if session.panel and not run.observers:
        assign_run_observers(data, run, seed)
        events.append(observers_event(data, run))
    duration = exercise.duration_minutes * 60.0
    run.timer = Timer(duration_s=duration, ends_at=now + duration)
    run.status = RunStatus.RUNNING
    run.started_at = now
    run.segments = [(now, None)]
    session.current_exercise_id = exercise_id
    events.append(Event("exercise_started", exercise_public(exercise, run), EVERYONE))
    events += assignment_events(data, exercise, run)
    events.append(groups_changed(data, exercise, run))
    return events


def _current(data: SessionData, exercise_id: str, doing: str) -> tuple[Exercise, ExerciseRun]:
    """The exercise and its run, refusing unless it is the one running or paused."""
    exercise = exercise_or_404(data, exercise_id)
    run = data.session.runs.get(exercise_id)
    if run is None or run.status not in ACTIVE or data.session.current_exercise_id != exercise_id:
        raise Conflict("not_running", f"You can {doing} only while “{exercise.title}” is running.")
    return exercise, run


def _timer_event(name: str, exercise: Exercise, run: ExerciseRun, **extra: Any) -> Event:
    """Everyone learns the clock's new end instant or remaining time."""
    return Event(
        name,
        {
            "exercise_id": exercise.id,
            "status": run.status.value,
            "timer": timer_view(run),
            "ended_at": run.ended_at,
            **extra,
        },
        EVERYONE,
    )


def _close_segment(run: ExerciseRun, now: float) -> None:
    """Stop the exercise clock at `now`."""
    if run.segments and run.segments[-1][1] is None:
        run.segments[-1] = (run.segments[-1][0], now)


def pause_exercise(data: SessionData, exercise_id: str, now: float) -> list[Event]:
    """Stop the clock; phones show the time that was left."""
    exercise, run = _current(data, exercise_id, "pause")
    if run.status == RunStatus.PAUSED or run.timer is None or run.timer.ends_at is None:
        raise Conflict("already_paused", f"“{exercise.title}” is already paused.")
    run.timer.remaining_s = max(0.0, run.timer.ends_at - now)
    run.timer.ends_at = None
    run.status = RunStatus.PAUSED
    _close_segment(run, now)
    return [_timer_event("exercise_paused", exercise, run)]


def resume_exercise(data: SessionData, exercise_id: str, now: float) -> list[Event]:
    """Restart the clock from where it was paused."""
    exercise, run = _current(data, exercise_id, "resume")
    if run.status != RunStatus.PAUSED or run.timer is None:
        raise Conflict("not_paused", f"“{exercise.title}” is not paused.")
    run.timer.ends_at = now + (run.timer.remaining_s or 0.0)
    run.timer.remaining_s = None
    run.status = RunStatus.RUNNING
    run.segments.append((now, None))
    return [_timer_event("exercise_resumed", exercise, run)]


def extend_exercise(data: SessionData, exercise_id: str, minutes: int, now: float) -> list[Event]:
    """Give more time; when time has already run out, the extra counts from now."""
    exercise, run = _current(data, exercise_id, "extend")
    if not 1 <= minutes <= MAX_EXTENSION_MINUTES:
        raise Conflict("bad_extension", f"Extend by 1 to {MAX_EXTENSION_MINUTES} minutes.")
    assert run.timer is not None
    extra = minutes * 60.0
    if run.timer.ends_at is not None:
        overrun = max(0.0, now - run.timer.ends_at)
        run.timer.ends_at = max(run.timer.ends_at, now) + extra
        run.timer.duration_s += extra + overrun
    else:
        run.timer.remaining_s = max(0.0, run.timer.remaining_s or 0.0) + extra
        run.timer.duration_s += extra
    return [_timer_event("exercise_extended", exercise, run, minutes=minutes)]


def end_exercise(data: SessionData, exercise_id: str, now: float) -> list[Event]:
    """Stop the exercise for good; phones say time is up and thank the group."""
    exercise, run = _current(data, exercise_id, "end")
    if run.timer is not None:
        run.timer.remaining_s = max(0.0, run.timer.remaining(now))
        run.timer.ends_at = None
    run.status = RunStatus.ENDED
    run.ended_at = now
    _close_segment(run, now)
    return [_timer_event("exercise_ended", exercise, run)]
