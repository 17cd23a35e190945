"""Pages for the panel: managing observers, accepting an invite, and the observer's tablet."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain.errors import DomainError
from ..services import accounts, panel, signin
from ..services.access import staff_viewer
from ..store import get_redis, unit
from ..store import users as user_store
from . import notes
from .helpers import managed, me, public_url

bp = Blueprint("panel", __name__)


@bp.post("/sessions/<session_id>/panel")
@login_required
def add(session_id: str) -> Response:
    """Put a staff member on the panel."""
    managed(session_id)
    user_id = request.form.get("user_id", "")[:64]
    try:
        outcome = panel.add(get_redis(), me(), session_id, user_id)
    except DomainError as exc:
        return notes.back(session_id, "panel-add", exc.message, "error")
    broadcast.publish(session_id, outcome.events)
    account = user_store.get(get_redis(), user_id)
    return notes.back(session_id, "panel-members", f"{account.name if account else 'They'} is on the panel.")


@bp.post("/sessions/<session_id>/panel/<user_id>/remove")
@login_required
def remove(session_id: str, user_id: str) -> Response:
    """Take an observer off the panel."""
    data = managed(session_id)
    name = next((m["name"] for m in panel.members(get_redis(), data) if m["id"] == user_id), "They")
    try:
        broadcast.publish(session_id, panel.remove(get_redis(), me(), session_id, user_id).events)
    except DomainError as exc:
        return notes.back(session_id, "panel-members", exc.message, "error")
    return notes.back(
        session_id, "panel-members", f"{name} is off the panel. Their evidence stays on the record."
    )


def _lifetime(seconds: int) -> str:
    """How long a link stays valid, in the largest whole unit: "7 days", "12 hours"."""
    size, word = next(
        (s, w) for s, w in ((86400, "day"), (3600, "hour"), (60, "minute")) if seconds >= s or s == 60
    )
    count = max(1, seconds // size)
    return f"{count} {word}{'' if count == 1 else 's'}"


@bp.post("/sessions/<session_id>/panel/invite")
@login_required
def create_invite(session_id: str) -> Response:
    """Make a signed invite link for this session's panel and show it once."""
    managed(session_id)
    token = panel.invite_link_token(get_redis(), me(), session_id, current_app.config["SECRET_KEY"])
    return notes.back(
        session_id,
        "panel-invite",
        f"New panel invite link, valid {_lifetime(current_app.config['PANEL_INVITE_MAX_AGE_S'])}, "
        "for this session only. Copy it and send it to the people who will observe.",
        link=public_url("panel.invite", token=token),
    )


@bp.post("/sessions/<session_id>/panel/revoke")
@login_required
def revoke(session_id: str) -> Response:
    """Stop every panel invite link of the session from working."""
    managed(session_id)
    panel.revoke_invites(get_redis(), me(), session_id)
    return notes.back(
        session_id, "panel-invite", "Every panel invite link for this session has stopped working."
    )


@bp.route("/panel/<token>", methods=["GET", "POST"])
def invite(token: str) -> str | Response:
    """Accept a panel invite: signed-in staff join; others make an observer account (or use the
    one they have) and sign in, then join."""
    r = get_redis()
    try:
        data = panel.read_invite(
            r, token[:500], current_app.config["SECRET_KEY"], current_app.config["PANEL_INVITE_MAX_AGE_S"]
        )
    except DomainError as exc:
        return render_template(
            "panel/invite.html", problem=exc.message, session=None, errors={}, form={}
        ), 404  # type: ignore[return-value]
    errors: dict[str, str] = {}
    if request.method == "POST" and current_user.is_authenticated:
        broadcast.publish(data.session.id, panel.accept_invite(r, me(), data.session.id).events)
        flash(f"You are on the panel for “{data.session.title}”.")
        return redirect(url_for("panel.observe", session_id=data.session.id))
    if request.method == "POST":
        email = request.form.get("email", "").strip().lower()
        name = request.form.get("name", "").strip()
        password = request.form.get("password", "")
        if "@" not in email or len(email) > 254:
            errors["email"] = "Enter a valid email address."
        if not 1 <= len(name) <= 80:
            errors["name"] = "Enter your name (80 characters at most)."
        if problem := accounts.password_problem(password, email):
            errors["password"] = problem
        if not errors:
            # The same answer whether or not the email had an account (see signin.sign_up_observer):
            # both go on to sign in, with the new password or the one they already had.
            problem = signin.sign_up_observer(r, email, name, password, request.remote_addr)
            if not problem:
                session["sign_in_email"] = email
                flash(
                    "If you already had an account with this email, sign in with its password; "
                    "otherwise your observer account is ready: sign in with the password you just chose. "
                    "You then join the panel."
                )
                return redirect(url_for("auth.login", next=url_for("panel.invite", token=token)))
            errors["form"] = problem
    return render_template(
        "panel/invite.html", problem=None, session=data.session, errors=errors, form=request.form
    )


@bp.get("/sessions/<session_id>/observe")
@login_required
def observe(session_id: str) -> str:
    """The observer's tablet: capture evidence live, then rate each assigned candidate."""
    try:
        data = unit.load(get_redis(), session_id)
        viewer = staff_viewer(data.session, me())
    except DomainError:
        abort(404, "There is no such session, or you are not on its panel.")
    if me().id not in data.session.panel:
        abort(403, "Join the session's panel to record evidence.")
    return render_template("panel/observe.html", session=data.session, viewer=viewer)
