"""Facts about a candidate and a session the summary states: arrival, weights, safe links."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from ...domain.models import Candidate, CandidateStatus, Session
from .common import Moment, moment, weight


@dataclass(frozen=True)
class Arrival:
    """When the candidate checked in and how that compares with the scheduled start."""

    checked_in: Moment | None
    scheduled: Moment | None
    punctuality: str
    minutes_late: int | None  # negative when early


def arrival(session: Session, candidate: Candidate) -> Arrival:
    """Check-in time and punctuality against the scheduled start."""
    scheduled = moment(session.scheduled_start.timestamp()) if session.scheduled_start else None
    if candidate.checked_in_at is None or candidate.status == CandidateStatus.INVITED:
        return Arrival(None, scheduled, "Did not check in", None)
    checked_in = moment(candidate.checked_in_at)
    if scheduled is None:
        return Arrival(checked_in, None, "No scheduled start", None)
    minutes = round((candidate.checked_in_at - scheduled.epoch) / 60)
    if minutes == 0:
        text = "On time"
    else:
        text = f"{abs(minutes)} minute{'' if abs(minutes) == 1 else 's'} {'late' if minutes > 0 else 'early'}"
    return Arrival(checked_in, scheduled, text, minutes)


def weights_in_force(session: Session) -> list[str]:
    """The weights that are set, as sentences; none when every weight is 1."""
    lines = []
    exercises = [
        f"{e.title} \N{MULTIPLICATION SIGN} {weight(w)}"
        for e in session.exercises
        if (w := session.exercise_weight(e.id)) != 1.0
    ]
    competencies = [
        f"{c.name} \N{MULTIPLICATION SIGN} {weight(w)}"
        for c in session.competencies
        if (w := session.competency_weight(c.id)) != 1.0
    ]
    if exercises:
        lines.append("Exercise weights: " + ", ".join(exercises) + "; the others count once.")
    if competencies:
        lines.append("Competency weights: " + ", ".join(competencies) + "; the others count once.")
    return lines


def safe_link(url: str | None) -> str | None:
    """A link fit to put in an href: absolute http or https only."""
    if not url:
        return None
    parts = urlsplit(url.strip())
    return url.strip() if parts.scheme in ("http", "https") and parts.netloc else None
