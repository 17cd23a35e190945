"""The facilitator's live control room, the projector page and the join QR code."""

from __future__ import annotations

import io

import segno
from flask import Blueprint, Response, current_app, render_template, request
from flask_login import login_required

from .. import network
from .helpers import managed, public_url

bp = Blueprint("live", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here is for signed-in staff."""


def join_url(code: str) -> str:
    """The address a candidate's phone opens from the QR code."""
    return public_url("candidate.join_with_code", code=code)


def unreachable() -> network.Unreachable | None:
    """Why phones cannot open the address this page came to, if they cannot."""
    config = current_app.config
    return network.phone_reach(request.host, config.get("PUBLIC_URL", ""), config.get("LISTEN_HOST", ""))


@bp.get("/sessions/<session_id>/live")
def control(session_id: str) -> str:
    """Lobby, groups, exercise clock, announcements and questions, updated live."""
    data = managed(session_id)
    return render_template(
        "live/control.html",
        session=data.session,
        join_url=join_url(data.session.join_code),
        unreachable=unreachable(),
    )


@bp.get("/sessions/<session_id>/projector")
def projector(session_id: str) -> str:
    """For the big screen: join code and QR in the lobby, clock and groups in an exercise."""
    data = managed(session_id)
    return render_template(
        "live/projector.html",
        session=data.session,
        join_url=join_url(data.session.join_code),
        unreachable=unreachable(),
    )


@bp.get("/sessions/<session_id>/qr.svg")
def qr(session_id: str) -> Response:
    """The join QR code as SVG."""
    data = managed(session_id)
    code = segno.make(join_url(data.session.join_code), error="m")
    # A standalone document (with its XML namespace), so browsers show it as an <img>.
    out = io.BytesIO()
    code.save(out, kind="svg", scale=10, dark="#111", light="#fff", title="Join code QR")
    return Response(
        out.getvalue(), mimetype="image/svg+xml", headers={"Cache-Control": "private, max-age=300"}
    )
