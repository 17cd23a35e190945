"""Facilitator pages that build a session: details, exercises, roster, state."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain import setup as setup_rules
from ..domain.commands import ChangeState, ExerciseInput, SessionDetails
from ..domain.errors import DomainError
from ..domain.models import ExerciseKind, SessionState
from ..domain.states import LABELS, allowed_targets
from ..services import co_facilitators, panel, setup
from ..services.access import can_create_sessions, runs, visible_sessions
from ..store import get_redis
from ..store import sessions as session_store
from ..store import users as user_store
from . import forms, notes, roster, weights
from .helpers import app_secret, managed, me, parse_local_datetime, safe_next

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
        "sessions/index.html",
        sessions=sessions,
        labels=LABELS,
        runs={s.id for s in sessions if runs(s, me())},
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
                return notes.back(
                    session.id,
                    "exercises",
                    "Session created. Now add its exercises, then its candidates.",
                    jump=False,
                )
            except DomainError as exc:
                errors["form"] = exc.message
    library = setup.library(get_redis())
    chosen = (
        request.form.getlist("competency_ids") if request.method == "POST" else [c.id for c in library[:4]]
    )
    return render_template(
        "sessions/form.html",
        session=None,
        library=in_shown_order(library, chosen),
        chosen=chosen,
        errors=errors,
        form=request.form,
    ), (400 if errors else 200)  # type: ignore[return-value]


def in_shown_order(competencies: list[Any], chosen: list[str]) -> list[Any]:
    """Competencies as the form lists them: as the user last saw them after a failed post,
    else the chosen ones first, in their order (which is the order they are assessed in)."""
    shown = request.form.getlist("competency_shown") if request.method == "POST" else []
    order = list(dict.fromkeys([*shown, *chosen]))
    rank = {cid: i for i, cid in enumerate(order)}
    return sorted(competencies, key=lambda c: rank.get(c.id, len(rank)))


@bp.get("/sessions/<session_id>")
def show(session_id: str) -> str:
    """A session's set-up in four parts (details, exercises, candidates, panel), each with
    the result of the last form sent from it."""
    data = managed(session_id)
    r = get_redis()
    invites = session_store.invite_tokens(r, session_id, app_secret())
    on_panel = set(data.session.panel)
    staff = [u for u in user_store.all_users(r) if u.active and u.id not in on_panel]
    namesakes = {c.id for group in setup_rules.namesakes(data.candidates.values()) for c in group}
    return render_template(
        "sessions/show.html",
        data=data,
        session=data.session,
        candidates=setup_rules.roster(data),
        namesakes=namesakes,
        invites=invites,
        labels=LABELS,
        panel=panel.members(r, data),
        staff=staff,
        co_facilitators=co_facilitators.members(r, data.session),
        facilitators=co_facilitators.candidates(r, data.session),
        chooses_co_facilitators=me().role == "admin" or me().id == data.session.owner_id,
        targets=sorted(allowed_targets(data.session.state), key=list(SessionState).index),
        note=notes.take(session_id) or {},
    )


@bp.route("/sessions/<session_id>/edit", methods=["GET", "POST"])
def edit(session_id: str) -> str | Response:
    """Change a session's details and competencies."""
    data = managed(session_id)
    errors: dict[str, str] = {}
    if weights.posted():
        saved, errors = weights.save(data.session)
        if saved is not None:
            return saved
    elif request.method == "POST":
        details, errors = forms.parse(SessionDetails, _details_from_form())
        if details is not None:
            try:
                broadcast.publish(
                    session_id, setup.update_details(get_redis(), me(), session_id, details).events
                )
                return notes.back(session_id, "details", "Details saved.")
            except DomainError as exc:
                errors["form"] = exc.message
    library = setup.library(get_redis())
    known = {c.id for c in library}
    library += [c for c in data.session.competencies if c.id not in known]
    chosen = (
        request.form.getlist("competency_ids")
        if request.method == "POST" and not weights.posted()
        else [c.id for c in data.session.competencies]
    )
    return render_template(
        "sessions/form.html",
        session=data.session,
        library=in_shown_order(library, chosen),
        chosen=chosen,
        errors=errors,
        form={} if weights.posted() else request.form,
        weights=weights,
    ), (400 if errors else 200)  # type: ignore[return-value]


def _role_slots() -> list[int]:
    """The role brief slots the user filled in, by their place on the form."""
    form = request.form
    return [
        i
        for i in range(MAX_ROLE_SLOTS)
        if form.get(f"role_title_{i}", "").strip() or form.get(f"role_body_{i}", "").strip()
    ]


def _exercise_from_form() -> dict[str, Any]:
    form = request.form
    roles = [
        {"title": form.get(f"role_title_{i}", "").strip(), "body": form.get(f"role_body_{i}", "")}
        for i in _role_slots()
    ]
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
        # A role brief's problem is shown on its own slot, named as the form numbers it.
        labels, keys = {}, {}
        for n, slot in enumerate(_role_slots()):
            for part, field, word in (
                ("title", "role_title", "Title"),
                ("body", "role_body", "Private brief"),
            ):
                labels[f"role_briefs.{n}.{part}"] = f"{word} of role {slot + 1}"
                keys[f"role_briefs.{n}.{part}"] = f"{field}_{slot}"
        given, errors = forms.parse(ExerciseInput, _exercise_from_form(), labels, keys)
        if given is not None:
            try:
                outcome = setup.save_exercise(get_redis(), me(), session_id, exercise_id, given)
                broadcast.publish(session_id, outcome.events)
                return notes.back(session_id, "exercises", f"Exercise “{given.title}” saved.")
            except DomainError as exc:
                errors["form"] = exc.message
    chosen = (
        request.form.getlist("competency_ids")
        if request.method == "POST"
        else (current.competency_ids if current else [c.id for c in data.session.competencies])
    )
    return render_template(
        "sessions/exercise.html",
        session=data.session,
        competencies=in_shown_order(list(data.session.competencies), chosen),
        chosen=chosen,
        exercise=current,
        kinds=list(ExerciseKind),
        errors=errors,
        form=request.form,
        role_slots=MAX_ROLE_SLOTS,
    ), (400 if errors else 200)  # type: ignore[return-value]


@bp.post("/sessions/<session_id>/exercises/<exercise_id>/delete")
def delete_exercise(session_id: str, exercise_id: str) -> Response:
    """Remove an exercise that has not run."""
    data = managed(session_id)
    exercise = data.session.exercise(exercise_id)
    try:
        broadcast.publish(
            session_id, setup.remove_exercise(get_redis(), me(), session_id, exercise_id).events
        )
    except DomainError as exc:
        return notes.back(session_id, "exercises", exc.message, "error")
    return notes.back(session_id, "exercises", f"Exercise “{exercise.title if exercise else ''}” removed.")


@bp.post("/sessions/<session_id>/roster")
def add_to_roster(session_id: str) -> Response:
    """Add one candidate, or import a pasted list or an uploaded CSV."""
    managed(session_id)
    upload = request.files.get("csv")
    if upload is not None and upload.filename:
        return roster.import_list(
            session_id, upload.read(roster.MAX_UPLOAD).decode("utf-8-sig", errors="replace")
        )
    part = request.form.get("part") or ("import" if request.form.get("names", "").strip() else "one")
    if part == "import":
        return roster.import_list(session_id, request.form.get("names", ""))
    return roster.add_one(session_id)


@bp.post("/sessions/<session_id>/duplicate")
def duplicate(session_id: str) -> Response:
    """Copy the session's set-up into a new draft, to reuse it as a template."""
    try:
        copy = setup.duplicate_session(get_redis(), me(), session_id)
    except DomainError:
        abort(404, "There is no such session.")
    return notes.back(
        copy.id, "details", "Copied. This is the new draft: change what differs, then open it.", jump=False
    )


@bp.post("/sessions/<session_id>/state")
def change_state(session_id: str) -> Response:
    """Move the session to another state (open the lobby, go live, end)."""
    managed(session_id)
    command, _ = forms.parse(
        ChangeState, {"state": request.form.get("state", ""), "confirm": request.form.get("confirm") == "1"}
    )
    elsewhere = safe_next(request.form.get("next"))
    text, kind, confirm = "Choose a valid state.", "error", None
    if command is not None:
        try:
            outcome = setup.change_state(get_redis(), me(), session_id, command)
            broadcast.publish(session_id, outcome.events)
            text, kind = f"The session is now {LABELS[command.state]}.", "success"
        except DomainError as exc:
            text = exc.message
            # Owed ratings only need a second, confirmed click: offer it beside the message.
            confirm = command.state.value if exc.code == "ratings_owed" else None
    if elsewhere:
        # Sent from another page (the live control room): its own banner shows the result.
        flash(text, "message" if kind == "success" else kind)
        return redirect(elsewhere)
    return notes.back(session_id, "state", text, kind, confirm_state=confirm)
