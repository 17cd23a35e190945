"""Finding things in a session, or saying clearly that they are not there."""

from __future__ import annotations

from .errors import NotFound
from .models import Exercise, SessionData


def exercise_or_404(data: SessionData, exercise_id: str) -> Exercise:
    """The session's exercise with this id, or a NotFound error."""
    exercise = data.session.exercise(exercise_id)
    if exercise is None:
        raise NotFound("unknown_exercise", "There is no such exercise in this session.")
    return exercise
