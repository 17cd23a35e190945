"""Messages between the room and the panel: announcements, questions, links, group outputs."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .errors import Conflict, NotFound
from .events import EVERYONE, Audience, Event, staff_and_candidates, to_candidates
from .lookup import exercise_or_404
from .models import Announcement, GroupOutput, Question, RunStatus, SessionData, SessionState
from .outputs import output_view
from .states import require_state

MAX_ANNOUNCEMENTS_KEPT = 50
# What one person may add to a session, so that a script on one phone cannot make the
# session slow for everyone or grow its records and event log without end.
MAX_QUESTIONS_PER_CANDIDATE = 30
MAX_OUTPUT_VERSIONS = 50  # per group and exercise; each version is logged in full


def announcement_view(item: Announcement) -> dict[str, Any]:
    """An announcement as phones and staff pages show it."""
    return {
        "id": item.id,
        "text": item.text,
        "group_id": item.group_id,
        "group_name": item.group_name,
        "exercise_id": item.exercise_id,
        "sent_at": item.sent_at,
    }


def announce(
    data: SessionData, announcement_id: str, text: str, group_id: str | None, now: float
) -> list[Event]:
    """Send a message to everyone, or to one group of the current exercise."""
    require_state(data.session, SessionState.OPEN, SessionState.LIVE, doing="make announcements")
    # Phones show the current exercise's announcements first, so each one belongs to the
    # exercise that was on when it was sent.
    item = Announcement(
        id=announcement_id, text=text, exercise_id=data.session.current_exercise_id, sent_at=now
    )
    audience = EVERYONE
    if group_id is not None:
        run = data.session.current_run
        group = next((g for g in run.groups if g.id == group_id), None) if run else None
        if run is None or group is None:
            raise NotFound("unknown_group", "There is no such group in the current exercise.")
        audience = staff_and_candidates(*group.members)
        item.group_id, item.group_name, item.sent_to = group.id, group.name, list(group.members)
    data.announcements.append(item)
    del data.announcements[:-MAX_ANNOUNCEMENTS_KEPT]
    return [Event("announcement_made", announcement_view(item), audience)]


def question_view(data: SessionData, question: Question) -> dict[str, Any]:
    """A question with the asker's name, for managers and the asker."""
    asker = data.candidates.get(question.candidate_id)
    return {
        "id": question.id,
        "candidate_id": question.candidate_id,
        "candidate_name": asker.name if asker else "",
        "text": question.text,
        "asked_at": question.asked_at,
        "answered_at": question.answered_at,
        "answer": question.answer,
    }


def ask_question(
    data: SessionData, candidate_id: str, question_id: str, text: str, now: float
) -> list[Event]:
    """A candidate asks the panel something; managers see it in their queue."""
    require_state(data.session, SessionState.OPEN, SessionState.LIVE, doing="ask questions")
    if question_id in data.questions:
        raise Conflict("duplicate_id", "A question with this id already exists.")
    if sum(q.candidate_id == candidate_id for q in data.questions.values()) >= MAX_QUESTIONS_PER_CANDIDATE:
        raise Conflict(
            "too_many_questions",
            f"You have asked {MAX_QUESTIONS_PER_CANDIDATE} questions, the most one person can send "
            "in a session. Ask the facilitator in person.",
        )
    question = Question(id=question_id, candidate_id=candidate_id, text=text, asked_at=now)
    data.questions[question_id] = question
    return [Event("question_asked", question_view(data, question), to_candidates(candidate_id))]


def answer_question(data: SessionData, question_id: str, answer: str | None, now: float) -> list[Event]:
    """Mark a question answered (with an optional written answer the asker sees)."""
    question = data.questions.get(question_id)
    if question is None:
        raise NotFound("unknown_question", "There is no such question.")
    if question.answered_at is not None:
        raise Conflict("already_answered", "This question has already been marked answered.")
    question.answered_at = now
    question.answer = answer or None
    return [Event("question_answered", question_view(data, question), to_candidates(question.candidate_id))]


def check_portfolio_url(url: str) -> str:
    """Accept only an absolute http(s) link of sensible length."""
    url = url.strip()
    parts = urlsplit(url)
    if len(url) > 500 or parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
        raise Conflict(
            "bad_url", "Give a full web address that starts with https:// (500 characters at most)."
        )
    return url


def share_portfolio(data: SessionData, candidate_id: str, url: str) -> list[Event]:
    """A candidate shares a link to their portfolio with the panel."""
    require_state(data.session, SessionState.OPEN, SessionState.LIVE, doing="share a portfolio link")
    candidate = data.candidate(candidate_id)
    candidate.portfolio_url = check_portfolio_url(url)
    payload = {"candidate_id": candidate_id, "portfolio_url": candidate.portfolio_url}
    return [Event("portfolio_shared", payload, Audience(observers="all", candidates=(candidate_id,)))]


def submit_group_output(
    data: SessionData, candidate_id: str, exercise_id: str, text: str, now: float
) -> list[Event]:
    """Save a new version of the group's output; the whole group sees the latest."""
    exercise = exercise_or_404(data, exercise_id)
    if exercise.output_prompt is None:
        raise Conflict("no_output", f"“{exercise.title}” does not ask for a group output.")
    run = data.session.runs.get(exercise_id)
    if run is None or run.status not in (RunStatus.RUNNING, RunStatus.PAUSED):
        raise Conflict("not_running", f"You can submit only while “{exercise.title}” is running.")
    group = run.group_of(candidate_id)
    if group is None:
        raise Conflict("no_group", "You are not in a group for this exercise.")
    key = f"{exercise_id}:{group.id}"
    previous = data.outputs.get(key)
    if previous is not None and previous.version >= MAX_OUTPUT_VERSIONS:
        raise Conflict(
            "too_many_versions",
            f"Your group has saved {MAX_OUTPUT_VERSIONS} versions of its answer, the most that "
            "can be kept. Ask the facilitator if it must change again.",
        )
    output = GroupOutput(
        exercise_id=exercise_id,
        group_id=group.id,
        text=text,
        version=(previous.version + 1) if previous else 1,
        submitted_by=candidate_id,
        submitted_at=now,
    )
    data.outputs[key] = output
    return [Event("group_output_submitted", output_view(data, output), staff_and_candidates(*group.members))]
