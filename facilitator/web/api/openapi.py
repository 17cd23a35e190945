"""The OpenAPI 3.1 document, generated from the declared operations and their models.

Request bodies and responses come from the same pydantic types the routes validate with and
answer through (`operation(body=..., response=...)`), in one pass so that a model shared by
several operations is one schema. Every operation lists the error statuses it may answer, each
with the Error schema, and the headers it honours or sends.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from pydantic import TypeAdapter
from pydantic.json_schema import JsonSchemaMode

from . import OPERATIONS, PATH_ID, REPLAYED_HEADER, Operation, operation

REF = "#/components/schemas/{model}"

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string", "description": "Stable: what a program tests."},
                "message": {"type": "string", "description": "A sentence for people."},
                "fields": {
                    "type": "array",
                    "description": "With `invalid`: each field that was wrong, and why.",
                    "items": {
                        "type": "object",
                        "properties": {"field": {"type": "string"}, "problem": {"type": "string"}},
                        "required": ["field", "problem"],
                    },
                },
            },
            "required": ["code", "message"],
        }
    },
    "required": ["error"],
}

ERRORS = {
    400: "The request cannot be carried out as sent (the code says why; nothing changed).",
    401: "No API token, or one that is not valid.",
    403: "Your account may not do this here.",
    404: "There is no such session, or no such thing in it.",
    409: "The session's state does not allow this now (nothing changed).",
    413: "The body is larger than the API accepts.",
    422: "A field is missing, unknown, of the wrong JSON type or out of bounds; `fields` lists each.",
    429: "Too many attempts from this address: wait a minute.",
    503: "Storage is unavailable; the code says whether the write may have been stored. Retry later.",
}

IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": (
        "8 to 64 letters, digits, - or _. A retry with the same key is answered with the first "
        "answer and changes nothing (the answer then carries Idempotent-Replayed: true)."
    ),
    "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]{8,64}$"},
}

REPLAYED = {
    "description": "`true` when this answers a repeat of a request already applied: the first "
    "answer, and nothing changed.",
    "schema": {"type": "string", "enum": ["true"]},
}

RETRY_AFTER = {"description": "Seconds to wait before retrying.", "schema": {"type": "string"}}


def error_statuses(op: Operation) -> list[int]:
    """What an operation may answer besides success: by what it does, plus its own."""
    found: set[int] = set(op.errors)
    if op.auth:
        found |= {400, 401, 403, 503}
        # What the path or the body names may not exist, or the session may be past it.
        if "{" in op.path or op.body is not None:
            found |= {404, 409}
    if op.body is not None:
        found |= {400, 413, 422, 503}
    if op.query:
        found |= {400, 422}
    return sorted(found)


def _schemas() -> tuple[dict[tuple[int, JsonSchemaMode], Any], dict[str, Any]]:
    """Every body (as read) and response (as written) schema, sharing one set of definitions."""
    inputs: list[tuple[int, JsonSchemaMode, TypeAdapter[Any]]] = []
    for number, op in enumerate(OPERATIONS):
        if op.body is not None:
            inputs.append((number, "validation", TypeAdapter(op.body)))
        if op.response is not None:
            inputs.append((number, "serialization", op.response))
    # Keyed by (operation number, mode): a body is read, a response written.
    found, definitions = TypeAdapter.json_schemas(inputs, ref_template=REF)
    return dict(found), definitions.get("$defs", {})


def _parameters(op: Operation) -> list[dict[str, Any]]:
    path = [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string", "pattern": PATH_ID.pattern}}
        for p in re.findall(r"{([a-z_]+)}", op.path)
    ]
    query = [
        {
            "name": q.name,
            "in": "query",
            "required": q.required,
            "description": q.description,
            "schema": {"type": "string", "enum": list(q.choices)} if q.choices else dict(q.schema),
        }
        for q in op.query
    ]
    return path + query + ([IDEMPOTENCY_KEY] if op.idempotency == "key" else [])


def _success(op: Operation, schema: Any) -> dict[str, Any]:
    if op.produces != "application/json":
        content = {op.produces: {"schema": {"type": "string", "contentMediaType": op.produces}}}
    else:
        content = {"application/json": {"schema": schema if schema is not None else {}}}
    answer: dict[str, Any] = {"description": "Success", "content": content}
    if op.idempotency is not None:
        answer["headers"] = {REPLAYED_HEADER: REPLAYED}
    return answer


def _error(status: int) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": ERRORS[status],
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if status == 503:
        answer["headers"] = {"Retry-After": RETRY_AFTER}
    return answer


@functools.cache
def document() -> dict[str, Any]:
    """The whole OpenAPI document (built once: the operations are fixed when the app is made)."""
    found, definitions = _schemas()
    paths: dict[str, dict[str, Any]] = {}
    for number, op in enumerate(OPERATIONS):
        entry: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "operationId": f"{op.method}_{re.sub(r'[^a-z0-9]+', '_', op.path.lower()).strip('_')}",
            "responses": {
                str(op.status): _success(op, found.get((number, "serialization"))),
                **{str(status): _error(status) for status in error_statuses(op)},
            },
        }
        if parameters := _parameters(op):
            entry["parameters"] = parameters
        if op.body is not None:
            entry["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": found[(number, "validation")]}},
            }
        if not op.auth:
            entry["security"] = []
        paths.setdefault("/api/v1" + op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Facilitator API",
            "version": "1",
            "description": "Run assessment-centre sessions: set-up, lobby, groups, exercises, messages, "
            "evidence, the review. Bodies are read strictly: each value must be of its JSON type.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": {**definitions, "Error": ERROR_SCHEMA},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


@operation("GET", "/openapi.json", "This document", tag="meta", auth=False, response=dict[str, Any])
def openapi_json() -> dict[str, Any]:
    """The API's OpenAPI 3 description (public, so tools can read it)."""
    return document()
