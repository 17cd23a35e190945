"""A candidate's subject-access export: everything one session holds about one person.

It covers the personal data held, so it includes what the review pages leave out: draft
ratings, deleted observations and every earlier version of an edited one, reopened ratings'
former scores, and each observer's name beside their notes. It leaves out other people's data
(team-mates' names) and every secret (links, device tokens, the join code).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .evidence import Observation, Rating, Score
from .exports import iso
from .models import Session, SessionData
from .review import OUTCOME_LABELS, CandidateReview, ConsensusScore, Decision
from .states import LABELS

FORMAT = "facilitator-subject-access"
ABOUT = (
    "Everything this session holds about the candidate: the roster entry, check-in, questions, "
    "portfolio link, their groups and what those groups submitted, every observation about them "
    "(deleted ones and earlier versions of edited ones included) with the observer's name and note, "
    "every rating of them, draft ratings included, the panel's agreed scores, the decision with "
    "its history, the feedback report and the points to follow up. Team-mates' names are left "
    "out: they are other people's data."
)
UNKNOWN = "a former staff member"


@dataclass(frozen=True)
class OtherStage:
    """Another session holding a roster entry with the same email address."""

    session_id: str
    candidate_id: str
    title: str
    when: float


@dataclass(frozen=True)
class Held:
    """What the session holds, as read for the export."""

    data: SessionData
    ratings: Mapping[str, Rating]
    observations: list[Observation]
    reviews: Mapping[str, CandidateReview]
    versions: Mapping[str, list[Observation]]
    names: Mapping[str, str]


class _Words:
    """Names for ids: people, exercises, competencies, behaviours."""

    def __init__(self, session: Session, names: Mapping[str, str]) -> None:
        self.session = session
        self.names = names

    def person(self, user_id: str | None) -> str | None:
        return None if not user_id else self.names.get(user_id, UNKNOWN)

    def exercise(self, exercise_id: str) -> str:
        found = self.session.exercise(exercise_id)
        return found.title if found else exercise_id

    def competency(self, competency_id: str | None) -> str | None:
        found = self.session.competency(competency_id) if competency_id else None
        return found.name if found else competency_id

    def indicator(self, indicator_id: str | None) -> str | None:
        for competency in self.session.competencies:
            for indicator in competency.indicators:
                if indicator.id == indicator_id:
                    return indicator.text
        return indicator_id


def _observation(o: Observation, words: _Words) -> dict[str, Any]:
    return {
        "id": o.id,
        "exercise": words.exercise(o.exercise_id),
        "observer": words.person(o.observer_id),
        "observer_id": o.observer_id,
        "competency": words.competency(o.competency_id),
        "behaviour": words.indicator(o.indicator_id),
        "polarity": o.polarity,
        "note": o.note,
        "exercise_clock_s": round(o.clock_s, 1),
        "recorded_at": iso(o.recorded_at),
        "received_at": iso(o.received_at),
        "version": o.version,
        "edited_at": iso(o.edited_at) or None,
        "deleted": o.deleted,
    }


def _scores(scores: Mapping[str, Score], words: _Words) -> list[dict[str, Any]]:
    return [
        {"competency": words.competency(cid), "competency_id": cid, "score": s.score, "evidence": s.evidence}
        for cid, s in scores.items()
    ]


def _rating(rating: Rating, words: _Words) -> dict[str, Any]:
    return {
        "exercise": words.exercise(rating.exercise_id),
        "observer": words.person(rating.observer_id),
        "observer_id": rating.observer_id,
        "status": rating.status.value,
        "updated_at": iso(rating.updated_at),
        "submitted_at": iso(rating.submitted_at) or None,
        "scores": _scores(rating.scores, words),
        "reopenings": [
            {
                "reason": x.reason,
                "by": words.person(x.by),
                "at": iso(x.at),
                "scores_then": _scores(x.scores, words),
            }
            for x in rating.reopenings
        ],
    }


def _agreed(score: ConsensusScore, words: _Words) -> dict[str, Any]:
    return {
        "competency": words.competency(score.competency_id),
        "score": score.score,
        "note": score.note,
        "by": words.person(score.by),
        "at": iso(score.at),
    }


def _decision(decision: Decision, words: _Words) -> dict[str, Any]:
    return {
        "outcome": OUTCOME_LABELS[decision.outcome],
        "rationale": decision.rationale,
        "by": words.person(decision.by),
        "at": iso(decision.at),
    }


def _groups(
    held: Held, candidate_id: str, words: _Words
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Their group in each exercise (with who observed them) and what those groups submitted."""
    session = held.data.session
    groups, outputs = [], []
    for exercise in session.exercises:
        run = session.runs.get(exercise.id)
        group = run.group_of(candidate_id) if run else None
        if run is None or group is None:
            continue
        role = group.roles.get(candidate_id)
        groups.append(
            {
                "exercise": exercise.title,
                "group": group.name,
                "role_brief": exercise.role_briefs[role].title
                if role is not None and role < len(exercise.role_briefs)
                else None,
                "observed_by": [words.person(uid) for uid in run.observers.get(candidate_id, [])],
            }
        )
        output = held.data.outputs.get(f"{exercise.id}:{group.id}")
        if output is not None:
            outputs.append(
                {
                    "exercise": exercise.title,
                    "group": group.name,
                    "text": output.text,
                    "version": output.version,
                    "submitted_at": iso(output.submitted_at),
                    "submitted_by_this_candidate": output.submitted_by == candidate_id,
                }
            )
    return groups, outputs


def document(
    held: Held,
    candidate_id: str,
    *,
    other_stages: list[OtherStage],
    other_stages_hidden: int,
    exported_by: str,
    now: float,
) -> dict[str, Any]:
    """Everything held about the candidate, as JSON-ready data (times in ISO 8601, UTC)."""
    data = held.data
    session = data.session
    person = data.candidate(candidate_id)
    words = _Words(session, held.names)
    about = sorted(
        (o for o in held.observations if o.candidate_id == candidate_id), key=lambda o: o.recorded_at
    )
    observations = []
    for o in about:
        entry = _observation(o, words)
        entry["earlier_versions"] = [_observation(v, words) for v in held.versions.get(o.id, [])]
        observations.append(entry)
    ratings = sorted(
        (r for r in held.ratings.values() if r.candidate_id == candidate_id),
        key=lambda r: (words.exercise(r.exercise_id), words.person(r.observer_id) or ""),
    )
    record = held.reviews.get(candidate_id) or CandidateReview(candidate_id=candidate_id)
    groups, outputs = _groups(held, candidate_id, words)
    start = session.scheduled_start.timestamp() if session.scheduled_start else None
    late = (person.checked_in_at - start) / 60 if start is not None and person.checked_in_at else None
    feedback = record.feedback
    return {
        "export": {
            "format": FORMAT,
            "version": 1,
            "exported_at": iso(now),
            "exported_by": exported_by,
            "about": ABOUT,
        },
        "candidate": {
            "id": person.id,
            "name": person.name,
            "email": person.email,
            "status": person.status.value,
            "walk_in": person.walk_in,
            "added_at": iso(person.added_at),
            "privacy_notice_accepted_at": iso(person.privacy_accepted_at) or None,
            "portfolio_url": person.portfolio_url,
        },
        "session": {
            "id": session.id,
            "title": session.title,
            "role": session.role,
            "location": session.location,
            "scheduled_start": session.scheduled_start.isoformat() if session.scheduled_start else None,
            "state": LABELS[session.state],
        },
        "check_in": {
            "checked_in_at": iso(person.checked_in_at) or None,
            "minutes_after_scheduled_start": round(late, 1) if late is not None else None,
        },
        "questions": [
            {
                "text": q.text,
                "asked_at": iso(q.asked_at),
                "answer": q.answer,
                "answered_at": iso(q.answered_at) or None,
            }
            for q in sorted(data.questions.values(), key=lambda q: q.asked_at)
            if q.candidate_id == candidate_id
        ],
        "groups": groups,
        "group_outputs": outputs,
        "observations": observations,
        "ratings": [_rating(r, words) for r in ratings],
        "consensus": [_agreed(c, words) for c in record.consensus.values()],
        "consensus_history": [_agreed(c, words) for c in record.consensus_history],
        "decision": _decision(record.decision, words) if record.decision else None,
        "decision_history": [_decision(d, words) for d in record.decision_history],
        "follow_up": record.follow_up,
        "feedback": None
        if feedback is None
        else {
            "introduction": feedback.introduction,
            "sections": [
                {
                    "competency": words.competency(s.competency_id),
                    "strengths": s.strengths,
                    "development": s.development,
                }
                for s in feedback.sections
            ],
            "updated_by": words.person(feedback.updated_by),
            "updated_at": iso(feedback.updated_at),
            "released_at": iso(feedback.released_at) or None,
        },
        "other_stages": [
            {
                "session_id": s.session_id,
                "candidate_id": s.candidate_id,
                "title": s.title,
                "when": iso(s.when),
            }
            for s in other_stages
        ],
        "other_stages_not_shown": other_stages_hidden,
    }
