"""The weights section of the session form: how much each exercise and competency counts.

The section is a form of its own on the edit page (`form=weights`), so weights can be set in
any state, also during the review, when the rest of the set-up no longer changes. A bad
weight is refused next to its field and nothing is saved.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain.commands import SetWeights
from ..domain.errors import DomainError
from ..domain.models import Session
from ..services import review
from ..store import get_redis
from . import forms
from .helpers import me

FORM = "weights"


def posted() -> bool:
    """True when the request is the weights form being sent."""
    return request.method == "POST" and request.form.get("form") == FORM


def field(kind: str, item_id: str) -> str:
    """The form field of one exercise's or competency's weight."""
    return f"weight-{kind}-{item_id}"


def shown(session: Session, kind: str, item_id: str) -> str:
    """What a weight field holds: what was just sent, else the weight in force ("1" when unset)."""
    if posted():
        return request.form.get(field(kind, item_id), "")
    weight = session.exercise_weight(item_id) if kind == "exercise" else session.competency_weight(item_id)
    return f"{weight:g}"


def save(session: Session) -> tuple[Response | None, dict[str, str]]:
    """Save the posted weights (a redirect), or the problems by field with nothing changed."""
    payload: dict[str, dict[str, str]] = {"exercise_weights": {}, "competency_weights": {}}
    labels, keys = {}, {}
    for kind, items in (("exercise", session.exercises), ("competency", session.competencies)):
        for item in items:
            name = item.title if kind == "exercise" else item.name  # type: ignore[union-attr]
            # An empty field means "no weight set", which counts as 1.
            raw = request.form.get(field(kind, item.id), "").strip() or "1"
            payload[f"{kind}_weights"][item.id] = raw
            labels[f"{kind}_weights.{item.id}"] = f"The weight of “{name}”"
            keys[f"{kind}_weights.{item.id}"] = field(kind, item.id)
    command, errors = forms.parse(SetWeights, payload, labels, keys)
    if command is None:
        return None, errors
    try:
        outcome = review.set_weights(get_redis(), me(), session.id, command)
    except DomainError as exc:
        return None, {"weights": exc.message}
    broadcast.publish(session.id, outcome.events)
    flash("Weights saved. The overall ratings use them from now on.")
    return redirect(url_for("sessions.edit", session_id=session.id) + "#weights"), {}
