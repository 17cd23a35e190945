"""Announcements belong to the exercise they were sent in, and a group's reach the people it reached."""

from __future__ import annotations

from facilitator.domain import comms, exercises
from facilitator.domain.views import candidate_view

from .test_live import live_session


def test_every_announcement_names_the_exercise_that_was_on() -> None:
    data = live_session()
    (lobby,) = comms.announce(data, "a1", "Welcome", None, now=1.0)
    exercises.start_exercise(data, "e1", now=2.0, seed=1)
    (during,) = comms.announce(data, "a2", "Ten minutes left", None, now=3.0)
    exercises.end_exercise(data, "e1", now=4.0)
    (after,) = comms.announce(data, "a3", "Back at eleven", None, now=5.0)
    assert [e.data["exercise_id"] for e in (lobby, during, after)] == [None, "e1", "e1"]


def test_a_moved_candidate_keeps_a_group_announcement_and_a_newcomer_never_gets_it() -> None:
    data = live_session()
    exercises.start_exercise(data, "e1", now=0.0, seed=2)
    run = data.session.runs["e1"]
    first, second = run.groups[0], run.groups[1]
    mover, newcomer = first.members[0], second.members[0]
    (event,) = comms.announce(data, "a1", "Your room is 2.14", first.id, now=1.0)
    assert event.data["group_name"] == first.name and event.data["exercise_id"] == "e1"
    exercises.move_candidate(data, "e1", mover, second.id)
    exercises.move_candidate(data, "e1", newcomer, first.id)

    kept = candidate_view(data, mover)["announcements"]
    assert [(a["text"], a["group_id"], a["group_name"]) for a in kept] == [
        ("Your room is 2.14", first.id, first.name)
    ]
    assert candidate_view(data, newcomer)["announcements"] == []
    # Who it reached stays on the server: phones learn the group, never the list of people.
    assert "sent_to" not in event.data
