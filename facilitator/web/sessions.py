"""Facilitator pages that build a session: details, exercises, roster, state."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain import setup as setup_rules
from ..domain.commands import CandidateInput, ChangeState, ExerciseInput, SessionDetails
from ..domain.errors import DomainError
from ..domain.models import ExerciseKind, SessionState
from ..domain.states import LABELS, allowed_targets
from ..services import panel, setup
from ..services.access import can_create_sessions, visible_sessions
from ..store import get_redis
from ..store import sessions as session_store
from ..store import users as user_store
from . import forms
from .helpers import managed, me, parse_local_datetime, safe_next

bp = Blueprint("sessions", __name__)
MAX_ROLE_SLOTS = 12


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here is for signed-in staff; only the dashboard is for observers too."""
    if request.endpoint != "sessions.index" and not can_create_sessions(me()):
        abort(
            403, "Observers record evidence from the sessions on their dashboard; set-up is for facilitators."
        )


@bp.get("/")
def index() -> str:
    """The dashboard: every session, newest first."""
    sessions = visible_sessions(session_store.list_all(get_redis()), me())
    return render_template(
        "sessions/index.html", sessions=sessions, labels=LABELS, can_run=can_create_sessions(me())
    )


def _details_from_form() -> dict[str, Any]:
    form = request.form
    try:
        start = parse_local_datetime(form.get("scheduled_start", ""), form.get("tz_offset"))
    except ValueError:
        start = "not a date"  # type: ignore[assignment]
    return {
        "title": form.get("title", ""),
        "role": form.get("role", ""),
        "location": form.get("location", ""),
        "scheduled_start": start,
        "competency_ids": form.getlist("competency_ids"),
        "blind_ratings": form.get("blind_ratings") == "on",
    }


@bp.route("/sessions/new", methods=["GET", "POST"])
def new() -> str | Response:
    """Create a session."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        details, errors = forms.parse(SessionDetails, _details_from_form())
        if details is not None:
            try:
                session = setup.create_session(get_redis(), me(), details)
                flash("Session created. Now add its exercises and candidates.")
                return redirect(url_for("sessions.show", session_id=session.id))
            except DomainError as exc:
                errors["form"] = exc.message
    library = setup.library(get_redis())
    chosen = (
        request.form.getlist("competency_ids") if request.method == "POST" else [c.id for c in library[:4]]
    )
    return render_template(
        "sessions/form.html", session=None, library=library, chosen=chosen, errors=errors, form=request.form
    ), (400 if errors else 200)  # type: ignore[return-value]


@bp.get("/sessions/<session_id>")
def show(session_id: str) -> str:
    """A session's set-up at a glance: exercises, roster with personal links, state."""
    data = managed(session_id)
    r = get_redis()
    invites = session_store.invite_tokens(r, session_id)
    on_panel = set(data.session.panel)
    staff = [u for u in user_store.all_users(r) if u.active and u.id not in on_panel]
    return render_template(
        "sessions/show.html",
        data=data,
        session=data.session,
        invites=invites,
        labels=LABELS,
        panel=panel.members(r, data),
        staff=staff,
        targets=sorted(allowed_targets(data.session.state), key=list(SessionState).index),
    )


@bp.route("/sessions/<session_id>/edit", methods=["GET", "POST"])
def edit(session_id: str) -> str | Response:
    """Change a session's details and competencies."""
    data = managed(session_id)
    errors: dict[str, str] = {}
    if request.method == "POST":
        details, errors = forms.parse(SessionDetails, _details_from_form())
        if details is not None:
            try:
                broadcast.publish(
                    session_id, setup.update_details(get_redis(), me(), session_id, details).events
                )
                flash("Saved.")
                return redirect(url_for("sessions.show", session_id=session_id))
            except DomainError as exc:
                errors["form"] = exc.message
    library = setup.library(get_redis())
    known = {c.id for c in library}
    library += [c for c in data.session.competencies if c.id not in known]
    chosen = (
        request.form.getlist("competency_ids")
        if request.method == "POST"
        else [c.id for c in data.session.competencies]
    )
    return render_template(
        "sessions/form.html",
        session=data.session,
        library=library,
        chosen=chosen,
        errors=errors,
        form=request.form,
    ), (400 if errors else 200)  # type: ignore[return-value]


def _exercise_from_form() -> dict[str, Any]:
    form = request.form
    roles = []
    for i in range(MAX_ROLE_SLOTS):
        title, body = form.get(f"role_title_{i}", "").strip(), form.get(f"role_body_{i}", "")
        if title or body.strip():
            roles.append({"title": title, "body": body})
    return {
        "title": form.get("title", ""),
        "kind": form.get("kind", ExerciseKind.GROUP_DISCUSSION.value),
        "brief": form.get("brief", ""),
        "duration_minutes": form.get("duration_minutes", ""),
        "group_size": form.get("group_size", ""),
        "competency_ids": form.getlist("competency_ids"),
        "role_briefs": roles,
        "output_prompt": form.get("output_prompt", "").strip() or None,
    }


@bp.route("/sessions/<session_id>/exercises/new", methods=["GET", "POST"], defaults={"exercise_id": None})
@bp.route("/sessions/<session_id>/exercises/<exercise_id>/edit", methods=["GET", "POST"])
def exercise(session_id: str, exercise_id: str | None) -> str | Response:
    """Add or edit an exercise: brief, timing, competencies, role briefs, output prompt."""
    data = managed(session_id)
    current = data.session.exercise(exercise_id) if exercise_id else None
    if exercise_id and current is None:
        abort(404, "There is no such exercise.")
    errors: dict[str, str] = {}
    if request.method == "POST":
        given, errors = forms.parse(ExerciseInput, _exercise_from_form())
        if given is not None:
            try:
                outcome = setup.save_exercise(get_redis(), me(), session_id, exercise_id, given)
                broadcast.publish(session_id, outcome.events)
                flash(f"Exercise “{given.title}” saved.")
                return redirect(url_for("sessions.show", session_id=session_id))
            except DomainError as exc:
                errors["form"] = exc.message
    return render_template(
        "sessions/exercise.html",
        session=data.session,
        exercise=current,
        kinds=list(ExerciseKind),
        errors=errors,
        form=request.form,
        role_slots=MAX_ROLE_SLOTS,
    ), (400 if errors else 200)  # type: ignore[return-value]


@bp.post("/sessions/<session_id>/exercises/<exercise_id>/delete")
def delete_exercise(session_id: str, exercise_id: str) -> Response:
    """Remove an exercise that has not run."""
    managed(session_id)
    try:
        broadcast.publish(
            session_id, setup.remove_exercise(get_redis(), me(), session_id, exercise_id).events
        )
        flash("Exercise removed.")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("sessions.show", session_id=session_id))


@bp.post("/sessions/<session_id>/roster")
def add_to_roster(session_id: str) -> Response:
    """Add one candidate, or import a pasted list or an uploaded CSV."""
    managed(session_id)
    try:
        upload = request.files.get("csv")
        pasted = request.form.get("names", "")
        if upload is not None and upload.filename:
            pasted = upload.read(256 * 1024).decode("utf-8-sig", errors="replace")
        if pasted.strip():
            entries = setup_rules.parse_roster(pasted)
        else:
            one, errors = forms.parse(
                CandidateInput,
                {
                    "name": request.form.get("name", ""),
                    "email": request.form.get("email", "").strip() or None,
                },
            )
            if one is None:
                flash(" ".join(errors.values()), "error")
                return redirect(url_for("sessions.show", session_id=session_id) + "#roster")
            entries = [one]
        outcome = setup.add_candidates(get_redis(), me(), session_id, entries)
        broadcast.publish(session_id, outcome.events)
        flash(f"Added {len(outcome.result)} candidate{'s' if len(outcome.result) != 1 else ''}.")
    except DomainError as exc:
        flash(exc.message, "error")
    return redirect(url_for("sessions.show", session_id=session_id) + "#roster")


@bp.post("/sessions/<session_id>/duplicate")
def duplicate(session_id: str) -> Response:
    """Copy the session's set-up into a new draft, to reuse it as a template."""
    try:
        copy = setup.duplicate_session(get_redis(), me(), session_id)
    except DomainError:
        abort(404, "There is no such session.")
    flash("Copied. This is the new draft.")
    return redirect(url_for("sessions.show", session_id=copy.id))


@bp.post("/sessions/<session_id>/state")
def change_state(session_id: str) -> Response:
    """Move the session to another state (open the lobby, go live, end)."""
    managed(session_id)
    command, _ = forms.parse(
        ChangeState, {"state": request.form.get("state", ""), "confirm": request.form.get("confirm") == "1"}
    )
    if command is None:
        flash("Choose a valid state.", "error")
    else:
        try:
            outcome = setup.change_state(get_redis(), me(), session_id, command)
            broadcast.publish(session_id, outcome.events)
            flash(f"The session is now {LABELS[command.state]}.")
        except DomainError as exc:
            flash(exc.message, "error")
    return redirect(safe_next(request.form.get("next")) or url_for("sessions.show", session_id=session_id))
