"""The competency library: the default set, edited or extended by facilitators."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from ..domain.models import Competency
from ..services import setup
from ..store import get_redis
from ..store import sessions as session_store
from . import forms
from .helpers import me

bp = Blueprint("library", __name__, url_prefix="/library")


@bp.before_request
@login_required
def _staff_only() -> None:
    """Signed-in staff may read the library; only facilitators and admins change it."""
    if request.endpoint != "library.index" and me().role not in ("admin", "facilitator"):
        abort(403, "Only facilitators and admins edit the competency library.")


def slug(name: str) -> str:
    """An id made from a competency name."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "competency"


def from_form(competency_id: str) -> dict[str, Any]:
    """Build a competency from the form: one indicator a line, starting with + or -."""
    form = request.form
    indicators = []
    for number, line in enumerate(form.get("indicators", "").splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        polarity = "negative" if line.startswith("-") else "positive"
        indicators.append(
            {"id": f"{competency_id}-{number}", "text": line.lstrip("+- ").strip(), "polarity": polarity}
        )
    return {
        "id": competency_id,
        "name": form.get("name", ""),
        "description": form.get("description", ""),
        "indicators": indicators,
        "anchors": [form.get(f"anchor_{i}", "").strip() or f"Score {i}" for i in range(1, 6)],
    }


@bp.get("/")
def index() -> str:
    """Every competency with its indicators and anchored scale."""
    return render_template("library/index.html", library=setup.library(get_redis()))


@bp.route("/new", methods=["GET", "POST"], defaults={"competency_id": None})
@bp.route("/<competency_id>/edit", methods=["GET", "POST"])
def edit(competency_id: str | None) -> str | Response:
    """Add a competency, or change one (sessions keep the copy they were set up with)."""
    library = {c.id: c for c in setup.library(get_redis())}
    current = library.get(competency_id) if competency_id else None
    if competency_id and current is None:
        abort(404, "There is no such competency.")
    errors: dict[str, str] = {}
    if request.method == "POST":
        new_id = competency_id or slug(request.form.get("name", ""))
        if competency_id is None and new_id in library:
            errors["name"] = "A competency with this name already exists."
        else:
            competency, errors = forms.parse(Competency, from_form(new_id))
            if competency is not None:
                session_store.save_competency(get_redis(), competency)
                flash(f"“{competency.name}” saved.")
                return redirect(url_for("library.index"))
    return render_template("library/edit.html", competency=current, errors=errors, form=request.form), (
        400 if errors else 200
    )  # type: ignore[return-value]
