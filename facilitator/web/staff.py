"""Staff accounts, for admins: who can sign in, and in which role."""

from __future__ import annotations

from typing import Annotated, Literal

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import login_required
from pydantic import BaseModel, ConfigDict, StringConstraints
from werkzeug.security import generate_password_hash
from werkzeug.wrappers import Response

from ..store import get_redis
from ..store import users as user_store
from . import forms
from .auth import MIN_PASSWORD
from .helpers import me

bp = Blueprint("staff", __name__, url_prefix="/staff")


class NewAccount(BaseModel):
    """An account an admin creates, with a password the admin passes on in person."""

    model_config = ConfigDict(extra="forbid")
    name: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=80)]
    email: Annotated[
        str, StringConstraints(strip_whitespace=True, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    ]
    role: Literal["admin", "facilitator", "observer"]
    password: Annotated[str, StringConstraints(min_length=MIN_PASSWORD, max_length=200)]


@bp.before_request
@login_required
def _admins_only() -> None:
    """Only admins manage staff accounts."""
    if me().role != "admin":
        abort(403, "Only admins manage staff accounts.")


@bp.route("/", methods=["GET", "POST"])
def index() -> str | Response:
    """Every staff account, and a form to add one."""
    r = get_redis()
    errors: dict[str, str] = {}
    if request.method == "POST":
        account, errors = forms.parse(
            NewAccount, {k: request.form.get(k, "") for k in ("name", "email", "role", "password")}
        )
        if account is not None:
            created = user_store.create(
                r, account.email, account.name, account.role, generate_password_hash(account.password)
            )
            if created is None:
                errors["email"] = "An account with this email already exists."
            else:
                flash(f"{created.name} can now sign in as {created.role} with {created.email}.")
                return redirect(url_for("staff.index"))
    return render_template(
        "staff/index.html", accounts=user_store.all_users(r), errors=errors, form=request.form
    ), (400 if errors else 200)  # type: ignore[return-value]
