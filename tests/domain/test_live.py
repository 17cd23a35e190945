"""Lobby and exercise rules on plain objects: who is told what, and the server's clock."""

from __future__ import annotations

import pytest

from facilitator.domain import comms, exercises, lobby
from facilitator.domain.errors import Conflict, Forbidden
from facilitator.domain.events import Viewer, may_see
from facilitator.domain.models import (
    Candidate,
    CandidateStatus,
    Exercise,
    RoleBrief,
    Session,
    SessionData,
    SessionState,
)

ROLES = [RoleBrief(title=t, body=f"Secret for {t}") for t in ("Chair", "Scribe", "Critic", "Timekeeper")]


def live_session(people: int = 12, state: SessionState = SessionState.LIVE) -> SessionData:
    exercise = Exercise(
        id="e1", title="Tower", group_size=4, duration_minutes=10, role_briefs=ROLES, output_prompt="Plan"
    )
    second = Exercise(id="e2", title="Pitch", group_size=4, duration_minutes=5)
    data = SessionData(
        session=Session(
            id="s1",
            title="AC",
            join_code="ACDEFGH",
            owner_id="u1",
            state=state,
            exercises=[exercise, second],
            created_at=0.0,
            updated_at=0.0,
        )
    )
    for n in range(people):
        data.candidates[f"c{n}"] = Candidate(
            id=f"c{n}",
            name=f"Person {n}",
            added_at=0.0,
            status=CandidateStatus.CHECKED_IN,
            checked_in_at=float(n),
        )
    return data


def test_each_member_gets_a_different_role_brief_and_only_their_own() -> None:
    data = live_session()
    events = exercises.start_exercise(data, "e1", now=1000.0, seed=1)
    assigned = [e for e in events if e.type == "group_assigned"]
    assert len(assigned) == 12
    for event in assigned:
        (owner,) = event.audience.candidates
        assert event.audience.observers == ()
        group = event.data["group"]
        assert owner in [m["id"] for m in group["members"]]
        assert event.data["role"]["body_html"].startswith("<p>Secret for")
    for group in data.session.runs["e1"].groups:
        roles = [group.roles[m] for m in group.members]
        assert len(set(roles)) == len(roles) == 4


def test_no_candidate_may_see_another_candidates_assignment() -> None:
    data = live_session()
    events = exercises.start_exercise(data, "e1", now=1000.0, seed=3)
    for event in (e for e in events if e.type == "group_assigned"):
        (owner,) = event.audience.candidates
        for other in data.candidates:
            assert may_see(event.audience, Viewer("candidate", other)) == (other == owner)


def test_staff_events_never_reach_candidates() -> None:
    data = live_session()
    events = exercises.start_exercise(data, "e1", now=0.0)
    groups = [e for e in events if e.type == "groups_changed"]
    assert groups and all(not may_see(e.audience, Viewer("candidate", "c0")) for e in groups)


def test_pause_keeps_the_time_left_and_resume_sets_a_new_end() -> None:
    data = live_session()
    exercises.start_exercise(data, "e1", now=0.0)
    exercises.pause_exercise(data, "e1", now=120.0)
    run = data.session.runs["e1"]
    assert run.timer is not None and run.timer.ends_at is None and run.timer.remaining_s == 480.0
    exercises.resume_exercise(data, "e1", now=1000.0)
    assert run.timer.ends_at == 1480.0


def test_extend_after_time_ran_out_counts_from_now() -> None:
    data = live_session()
    exercises.start_exercise(data, "e1", now=0.0)
    exercises.extend_exercise(data, "e1", 2, now=700.0)
    run = data.session.runs["e1"]
    assert run.timer is not None and run.timer.ends_at == 820.0


def test_only_one_exercise_runs_at_a_time() -> None:
    data = live_session()
    exercises.start_exercise(data, "e1", now=0.0)
    with pytest.raises(Conflict, match="still running"):
        exercises.start_exercise(data, "e2", now=1.0)


def test_exercise_cannot_start_before_the_session_is_live() -> None:
    data = live_session(state=SessionState.OPEN)
    with pytest.raises(Conflict, match="only while the session is live"):
        exercises.start_exercise(data, "e1", now=0.0)


def test_pausing_an_ended_exercise_is_refused() -> None:
    data = live_session()
    exercises.start_exercise(data, "e1", now=0.0)
    exercises.end_exercise(data, "e1", now=10.0)
    with pytest.raises(Conflict, match="only while"):
        exercises.pause_exercise(data, "e1", now=11.0)


def test_moving_a_candidate_tells_both_groups_during_an_exercise() -> None:
    data = live_session()
    exercises.start_exercise(data, "e1", now=0.0, seed=2)
    run = data.session.runs["e1"]
    source, target = run.groups[0], run.groups[1]
    mover = source.members[0]
    events = exercises.move_candidate(data, "e1", mover, target.id)
    told = {e.audience.candidates[0] for e in events if e.type == "group_assigned"}
    assert mover in told and set(source.members) <= told and set(target.members) <= told


def test_locked_lobby_refuses_every_typed_name_but_not_personal_links() -> None:
    data = live_session(state=SessionState.OPEN)
    data.candidates["r1"] = Candidate(id="r1", name="Rosa Parks", added_at=0.0)
    lobby.set_lobby_lock(data, True)
    with pytest.raises(Forbidden, match="locked"):
        lobby.check_in(data, name="Stranger", candidate_id=None, by_link=False, now=1.0)
    # A rostered name typed in is no proof of who is typing it.
    with pytest.raises(Forbidden, match="locked"):
        lobby.check_in(data, name="rosa  PARKS", candidate_id=None, by_link=False, now=2.0)
    assert data.candidates["r1"].status == CandidateStatus.INVITED
    candidate, _ = lobby.check_in(data, name="Rosa Parks", candidate_id="r1", by_link=True, now=3.0)
    assert candidate.id == "r1" and candidate.checked_in_at == 3.0


def test_removed_candidate_cannot_check_in_again() -> None:
    data = live_session(state=SessionState.OPEN)
    lobby.remove_candidate(data, "c1")
    with pytest.raises(Forbidden, match="removed"):
        lobby.check_in(data, name="Person 1", candidate_id="c1", by_link=True, now=5.0)


def test_group_announcement_reaches_only_that_group() -> None:
    data = live_session()
    exercises.start_exercise(data, "e1", now=0.0, seed=4)
    group = data.session.runs["e1"].groups[0]
    (event,) = comms.announce(data, "a1", "Ten minutes left", group.id, now=1.0)
    for cid in data.candidates:
        assert may_see(event.audience, Viewer("candidate", cid)) == (cid in group.members)


def test_group_output_versions_are_shared_by_the_group() -> None:
    data = live_session()
    exercises.start_exercise(data, "e1", now=0.0, seed=5)
    group = data.session.runs["e1"].groups[0]
    comms.submit_group_output(data, group.members[0], "e1", "First draft", now=1.0)
    (event,) = comms.submit_group_output(data, group.members[1], "e1", "Final", now=2.0)
    assert event.data["version"] == 2 and event.data["text"] == "Final"
    assert set(event.audience.candidates) == set(group.members)
