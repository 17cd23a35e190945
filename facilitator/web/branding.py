"""The organisation's branding: the admin's form, and the stylesheet and logo candidates' pages
load. Every page gets the current branding as `brand`."""

from __future__ import annotations

import redis
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from ..domain import branding
from ..domain.branding import Brand
from ..store import branding as brand_store
from ..store import get_redis
from .helpers import me

bp = Blueprint("branding", __name__)

# A URL carrying the current version never changes; one without it must be checked each time.
FOREVER = "public, max-age=31536000, immutable"
CHECK = "no-cache"


@bp.app_context_processor
def _current_brand() -> dict[str, Brand]:
    """`brand` in every template; a page still renders (unbranded) when Redis is down."""
    try:
        return {"brand": brand_store.load(get_redis())}
    except (redis.RedisError, OSError):
        return {"brand": Brand()}


def _admins_only() -> None:
    if me().role != "admin":
        abort(403, "Only admins change the organisation's branding.")


@bp.route("/admin/branding", methods=["GET", "POST"])
@login_required
def edit() -> Response:
    """Organisation name, accent colour and logo, as candidates will see them."""
    _admins_only()
    r = get_redis()
    current = brand_store.load(r)
    errors: dict[str, str] = {}
    if request.method == "POST":
        form, errors = branding.read_form(
            {
                "organisation": request.form.get("organisation", ""),
                "accent": request.form.get("accent", ""),
                "remove_logo": request.form.get("remove_logo") == "1",
            }
        )
        logo = _uploaded_logo(errors)
        if form is not None and not errors:
            brand_store.save(r, form.organisation, form.accent, logo, form.remove_logo)
            flash("Branding saved. Candidates' join, privacy and waiting pages show it from now on.")
            return redirect(url_for("branding.edit"))  # type: ignore[return-value]
    return _page(current, errors, dict(request.form) if request.method == "POST" else None)


def _uploaded_logo(errors: dict[str, str]) -> tuple[str, bytes] | None:
    """The uploaded logo's type and bytes; a plain reason in `errors` when it cannot be used."""
    upload = request.files.get("logo")
    if upload is None or not upload.filename:
        return None
    data = upload.stream.read(branding.MAX_LOGO_BYTES + 1)
    if len(data) > branding.MAX_LOGO_BYTES:
        data += upload.stream.read()  # the whole size, to say how much too large it is
    problem = branding.logo_problem(data)
    if problem:
        errors["logo"] = problem
        return None
    return branding.logo_type(data) or "", data


def _page(current: Brand, errors: dict[str, str], typed: dict[str, str] | None) -> Response:
    values = typed or {"organisation": current.organisation, "accent": current.accent}
    ratio = branding.contrast(current.accent, current.on_accent) if current.accent else None
    body = render_template("admin/branding.html", current=current, errors=errors, form=values, ratio=ratio)
    return make_response(body, 400 if errors else 200)


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_: RequestEntityTooLarge) -> Response:
    """An upload past the request limit is refused on the form, not on an error page."""
    if not current_user.is_authenticated or me().role != "admin":
        message = "That upload is too large."
        return make_response(render_template("error.html", code=413, title="Too large", message=message), 413)
    response = _page(
        brand_store.load(get_redis()),
        {"logo": f"The logo is too large; it can be at most {branding.MAX_LOGO_BYTES // 1024} KB."},
        None,
    )
    response.status_code = 413
    return response


@bp.get("/brand.css")
def stylesheet() -> Response:
    """The accent colour as CSS (the Content-Security-Policy forbids inline styles)."""
    current = brand_store.load(get_redis())
    response = make_response(render_template("brand.css", brand=current))
    response.mimetype = "text/css"
    response.headers["Cache-Control"] = FOREVER if request.args.get("v") == str(current.version) else CHECK
    return response


@bp.get("/brand/logo")
def logo() -> Response:
    """The organisation's logo, with the type it was checked to be."""
    r = get_redis()
    stored = brand_store.logo(r)
    if stored is None:
        abort(404, "No logo has been uploaded.")
    kind, data = stored
    response = make_response(data)
    response.mimetype = kind
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Disposition"] = "inline"
    version = str(brand_store.load(r).version)
    response.headers["Cache-Control"] = FOREVER if request.args.get("v") == version else CHECK
    return response
