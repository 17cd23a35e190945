"""The JSON API under /api/v1: bearer-token auth, typed bodies, an OpenAPI document.

Routes are declared with `operation`, which registers the Flask rule and records the
OpenAPI description from the same facts, so the two cannot drift apart. An operation answers
JSON, or, when it says what it `produces`, a file of that media type.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from flask import Blueprint, current_app, g, jsonify, request
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, TypeAdapter, ValidationError
from werkzeug.wrappers import Response

from ... import payloads
from ...domain.errors import DomainError
from ...realtime.replies import describe, fields
from ...store import api_tokens, get_redis

bp = Blueprint("api", __name__, url_prefix="/api/v1")


@dataclass(frozen=True)
class Query:
    """A query-string parameter of an operation, as the OpenAPI document describes it."""

    name: str
    description: str
    choices: tuple[str, ...] = ()
    required: bool = False
    # The JSON Schema of its value (a string of the `choices`, when there are choices).
    schema: tuple[tuple[str, Any], ...] = (("type", "string"),)


@dataclass(frozen=True)
class Operation:
    """One documented route."""

    method: str
    rule: str
    summary: str
    tag: str
    body: type[BaseModel] | None
    status: int
    auth: bool
    produces: str = "application/json"
    query: tuple[Query, ...] = ()
    response: TypeAdapter[Any] | None = None
    # "key": the Idempotency-Key header makes a retry harmless; "id": the body's own id does.
    idempotency: Literal["key", "id"] | None = None
    # Error statuses besides those every operation of its kind may answer (see openapi.py).
    errors: tuple[int, ...] = ()

    @property
    def path(self) -> str:
        """The OpenAPI path: Flask's <name> becomes {name}."""
        return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", self.rule)


OPERATIONS: list[Operation] = []

# Says that a request answered a repeat of one already applied (the first answer, nothing changed).
REPLAYED_HEADER = "Idempotent-Replayed"


def note_replayed(replayed: bool) -> None:
    """Mark this request's answer as a repeat's, for the `Idempotent-Replayed: true` header."""
    g.api_replayed = replayed


def error_response(code: str, message: str, status: int, **extra: Any) -> ResponseReturnValue:
    """The JSON shape of every API error."""
    return jsonify(error={"code": code, "message": message, **extra}), status


def _authenticate() -> ResponseReturnValue | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return error_response("unauthorised", "Send an API token: Authorization: Bearer <token>.", 401)
    # Expired and revoked tokens, and tokens of switched-off accounts, answer 401 too.
    found = api_tokens.check(get_redis(), token.strip()[:200])
    if found.user is None:
        return error_response("unauthorised", found.problem, 401)
    g.api_user = found.user
    return None


PATH_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def _malformed(params: dict[str, Any]) -> ResponseReturnValue | None:
    """A 404 for an id in the path that no record can have (every id is 1-64 of [A-Za-z0-9_-])."""
    for name, value in params.items():
        if not PATH_ID.fullmatch(value):
            thing = name.removesuffix("_id").replace("_", " ")
            return error_response("not_found", f"There is no such {thing}: that id is not valid.", 404)
    return None


def _body(model: type[BaseModel]) -> BaseModel:
    """The request's JSON object as `model`, read strictly (see `payloads`)."""
    payload = payloads.decode(request.get_data()) if request.is_json else None
    if not isinstance(payload, dict):
        raise DomainError("invalid", "Send a JSON object as the request body.")
    limit = current_app.config.get("MAX_CONTENT_LENGTH") or payloads.MAX_BYTES
    return payloads.read(model, payload, limit)


def operation(
    method: str,
    rule: str,
    summary: str,
    *,
    tag: str,
    body: type[BaseModel] | None = None,
    status: int = 200,
    auth: bool = True,
    produces: str | None = None,
    query: tuple[Query, ...] = (),
    response: Any = None,
    idempotency: Literal["key", "id"] | None = None,
    errors: tuple[int, ...] = (),
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare an API route: authenticate, parse the body into `body`, map domain errors.

    A JSON operation's data is validated through its `response` type and sent as that type
    dumps it, so the document (generated from the same type) describes exactly what is sent.
    With `produces` the view returns a file Response of that media type instead; its errors
    are still JSON.
    """
    adapter = TypeAdapter(response) if response is not None else None

    def register(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(**params: Any) -> ResponseReturnValue:
            if auth and (refused := _authenticate()) is not None:
                return refused
            if (unknown := _malformed(params)) is not None:
                return unknown
            try:
                if body is not None:
                    params["body"] = _body(body)
                result = view(**params)
            except DomainError as exc:
                return error_response(exc.code, exc.message, exc.status)
            except ValidationError as exc:
                return error_response("invalid", describe(exc), 422, fields=fields(exc))
            # A Redis failure is answered by the app's handler (503, `unavailable` or
            # `outcome_unknown`), as on every route.
            if produces is not None:
                assert isinstance(result, Response) and result.mimetype == produces, rule
                return result
            if adapter is not None:
                result = adapter.dump_python(adapter.validate_python(result), mode="json")
            answer = jsonify(result)
            answer.status_code = status
            if g.pop("api_replayed", False):
                answer.headers[REPLAYED_HEADER] = "true"
            return answer

        bp.add_url_rule(rule, view.__name__, wrapped, methods=[method])
        OPERATIONS.append(
            Operation(
                method.lower(),
                rule,
                summary,
                tag,
                body,
                status,
                auth,
                produces or "application/json",
                query,
                adapter,
                idempotency,
                errors,
            )
        )
        return wrapped

    return register


def current_api_user() -> Any:
    """The account the bearer token belongs to."""
    return g.api_user


from . import (  # noqa: E402,F401  (registers the routes)
    co_facilitator_routes,
    export_routes,
    feedback_routes,
    live_routes,
    openapi,
    panel_routes,
    privacy_routes,
    review_routes,
    setup_routes,
)
