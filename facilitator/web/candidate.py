"""Candidates joining from their phones: code or link, privacy notice, check-in, phone page."""

from __future__ import annotations

from flask import (
    Blueprint,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain import lobby
from ..domain.commands import Join
from ..domain.errors import DomainError
from ..domain.models import CandidateStatus
from ..realtime.connection import DEVICE_COOKIE
from ..services import joining, notice
from ..services.review import released_feedback
from ..store import get_redis, unit
from ..store import sessions as session_store
from . import feedback as feedback_pages
from . import forms

bp = Blueprint("candidate", __name__)
PENDING = "pending_join"
WAITING = "waiting_admission"  # {"session_id", "token"}: a phone waiting to be let in
DEVICE_COOKIE_MAX_AGE = 3 * 24 * 3600
DEVICE_PREFIX = DEVICE_COOKIE.format("")


@bp.after_request
def private(response: Response) -> Response:
    """Candidates' pages hold personal links and names: never cached, never sent on as a referrer."""
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers.setdefault("Cache-Control", "no-store")
    return response


def _devices() -> dict[str, str]:
    """Session id -> the device token this phone holds for it (from its device cookies)."""
    return {
        name[len(DEVICE_PREFIX) :]: value
        for name, value in request.cookies.items()
        if name.startswith(DEVICE_PREFIX)
    }


def _with_device(response: Response, session_id: str, token: str) -> Response:
    response.set_cookie(
        DEVICE_COOKIE.format(session_id),
        token,
        max_age=DEVICE_COOKIE_MAX_AGE,
        httponly=True,
        samesite="Lax",
        secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
    )
    return response


def _begin(started: joining.Started) -> Response:
    """Go on to the privacy notice, or straight back to the phone page of a phone already in."""
    if started.pending is None:
        return redirect(url_for("candidate.phone", session_id=started.session_id))
    session[PENDING] = started.pending
    return redirect(url_for("candidate.privacy"))


@bp.route("/join", methods=["GET", "POST"])
def join() -> str | Response:
    """Type the session code and your name."""
    errors: dict[str, str] = {}
    if request.method == "POST":
        command, errors = forms.parse(
            Join, {"code": request.form.get("code", ""), "name": request.form.get("name", "")}
        )
        if command is not None:
            try:
                started = joining.start_by_code(
                    get_redis(),
                    command,
                    request.remote_addr or "?",
                    joining.pace_from(current_app.config),
                    _devices(),
                )
                return _begin(started)
            except DomainError as exc:
                errors["form"] = exc.message
    status = 400 if errors else 200
    return render_template(
        "candidate/join.html", errors=errors, form=request.form, code=request.form.get("code", "")
    ), status  # type: ignore[return-value]


@bp.get("/join/<code>")
def join_with_code(code: str) -> str:
    """The QR code's target: the join form with the code filled in, under the session's title."""
    code = code[:20]
    title = joining.title_for_code(
        get_redis(), code, request.remote_addr or "?", joining.pace_from(current_app.config)
    )
    return render_template("candidate/join.html", errors={}, form={}, code=code, session_title=title)


@bp.get("/i/<token>")
def invite(token: str) -> str | Response:
    """A personal invite link: no code, no typing."""
    r = get_redis()
    found = session_store.resolve_invite(r, token[:100])
    if found is None:
        return render_template(
            "candidate/problem.html",
            message="This invite link is not valid. Ask the facilitator for a new one.",
        ), 404  # type: ignore[return-value]
    session_id, candidate_id = found
    try:
        started = joining.start_by_link(r, session_id, candidate_id, _devices())
    except DomainError as exc:
        # After the session the same link is how a candidate reads their released feedback.
        if released_feedback(r, session_id, candidate_id) is not None:
            return redirect(url_for("candidate.feedback_by_link", token=token[:100]))
        return render_template("candidate/problem.html", message=exc.message), 409  # type: ignore[return-value]
    return _begin(started)


@bp.route("/join/privacy", methods=["GET", "POST"])
def privacy() -> str | Response:
    """The privacy notice comes before check-in; accepting it checks you in."""
    pending = session.get(PENDING)
    if not pending:
        flash("Start by entering the session code.")
        return redirect(url_for("candidate.join"))
    data = unit.read(get_redis(), pending["session_id"])
    if data is None:
        session.pop(PENDING, None)
        return redirect(url_for("candidate.join"))
    if request.method == "POST":
        try:
            finished = joining.finish(get_redis(), pending, _devices())
        except DomainError as exc:
            session.pop(PENDING, None)
            return render_template("candidate/problem.html", message=exc.message), 409  # type: ignore[return-value]
        broadcast.publish(finished.session_id, finished.events)
        session.pop(PENDING, None)
        if finished.admission_token is not None:
            session[WAITING] = {"session_id": finished.session_id, "token": finished.admission_token}
            return redirect(url_for("candidate.waiting"))
        response = redirect(url_for("candidate.phone", session_id=finished.session_id))
        if finished.device_token is None:
            return response  # this phone already is that candidate
        return _with_device(response, finished.session_id, finished.device_token)
    return render_template(
        "candidate/privacy.html",
        session=data.session,
        name=pending["name"],
        notice=notice.candidate_notice(get_redis(), int(current_app.config.get("RETENTION_DAYS", 180))),
    )


REFUSED = (
    "The facilitator did not let this phone in. If you think that is a mistake, speak to them in the room."
)
CLOSED = "The session stopped taking people in before the facilitator answered."
EXPIRED = (
    "Nobody answered in time, so this request has expired. Join again, or ask the facilitator in the room."
)


@bp.get("/join/waiting")
def waiting() -> str | Response:
    """A phone waits here until the facilitator lets it in (then goes to its page) or refuses it."""
    held = session.get(WAITING)
    if not held:
        return redirect(url_for("candidate.join"))
    r = get_redis()
    answer = joining.answer_for(r, held["token"])
    if answer.status == "waiting":
        found = session_store.get(r, held["session_id"])
        return render_template("candidate/waiting.html", session=found)
    session.pop(WAITING, None)
    joining.collected(r, held["token"])
    if answer.status == "admitted":
        # The token this phone waited with is its device token from now on.
        response = redirect(url_for("candidate.phone", session_id=held["session_id"]))
        return _with_device(response, held["session_id"], held["token"])
    message = {"refused": REFUSED, "closed": CLOSED}.get(answer.status, EXPIRED)
    return render_template("candidate/problem.html", message=message), 403  # type: ignore[return-value]


@bp.get("/join/waiting/status")
def waiting_status() -> Response:
    """The waiting page asks every few seconds whether it has been answered."""
    held = session.get(WAITING)
    answer = joining.answer_for(get_redis(), held["token"]) if held else joining.Answer("expired")
    return jsonify(status=answer.status)


@bp.get("/s/<session_id>/phone")
def phone(session_id: str) -> str | Response:
    """The candidate's phone page; everything on it arrives over the socket."""
    r = get_redis()
    token = request.cookies.get(DEVICE_COOKIE.format(session_id), "")
    found = session_store.resolve_device(r, token) if token else None
    data = unit.read(r, session_id)
    if found is None or found[0] != session_id or data is None:
        flash("Join the session first.")
        return redirect(url_for("candidate.join"))
    candidate = data.candidates.get(found[1])
    if candidate is None or candidate.status == CandidateStatus.REMOVED:
        return render_template(
            "candidate/problem.html", message="You have been removed from this session."
        ), 403  # type: ignore[return-value]
    return render_template(
        "candidate/phone.html",
        session=data.session,
        candidate=candidate,
        summary=lobby.candidate_summary(candidate),
        feedback_released=released_feedback(r, session_id, candidate.id) is not None,
    )


@bp.get("/i/<token>/feedback")
def feedback_by_link(token: str) -> tuple[str, int]:
    """A candidate's feedback report through their personal link, once it has been released."""
    found = session_store.resolve_invite(get_redis(), token[:100])
    if found is None:
        return render_template(
            "candidate/problem.html", message="This link is not valid. Ask the facilitator for a new one."
        ), 404
    return feedback_pages.candidate_report(*found)


@bp.get("/s/<session_id>/feedback")
def feedback(session_id: str) -> tuple[str, int]:
    """The same report on the phone the candidate checked in with (its device cookie)."""
    token = request.cookies.get(DEVICE_COOKIE.format(session_id), "")
    found = session_store.resolve_device(get_redis(), token) if token else None
    if found is None or found[0] != session_id:
        return render_template(
            "candidate/problem.html",
            message="Open your feedback with the personal link the facilitator sent you.",
        ), 404
    return feedback_pages.candidate_report(*found)
