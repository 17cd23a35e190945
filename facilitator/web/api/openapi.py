"""The OpenAPI 3 document, generated from the declared operations and their models."""

from __future__ import annotations

import re
from typing import Any

from . import OPERATIONS, operation

ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "error": {
            "type": "object",
            "properties": {
                "code": {"type": "string"},
                "message": {"type": "string"},
                "fields": {"type": "array", "items": {"type": "object"}},
            },
            "required": ["code", "message"],
        }
    },
}


def _success(media_type: str) -> dict[str, Any]:
    """JSON is an object; any other media type is a file."""
    if media_type == "application/json":
        return {"schema": {"type": "object"}}
    return {"schema": {"type": "string", "contentMediaType": media_type}}


def document() -> dict[str, Any]:
    """The whole OpenAPI document."""
    paths: dict[str, dict[str, Any]] = {}
    schemas: dict[str, Any] = {"Error": ERROR_SCHEMA}
    for op in OPERATIONS:
        entry: dict[str, Any] = {
            "summary": op.summary,
            "tags": [op.tag],
            "operationId": f"{op.method}_{re.sub(r'[^a-z0-9]+', '_', op.path.lower()).strip('_')}",
            "responses": {
                str(op.status): {
                    "description": "Success",
                    "content": {op.produces: _success(op.produces)},
                },
                "default": {
                    "description": "Error",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                },
            },
        }
        params = re.findall(r"{([a-z_]+)}", op.path)
        parameters = [
            {"name": p, "in": "path", "required": True, "schema": {"type": "string"}} for p in params
        ] + [
            {
                "name": q.name,
                "in": "query",
                "required": q.required,
                "description": q.description,
                "schema": {"type": "string", **({"enum": list(q.choices)} if q.choices else {})},
            }
            for q in op.query
        ]
        if parameters:
            entry["parameters"] = parameters
        if op.body is not None:
            schema = op.body.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(schema.pop("$defs", {}))
            schemas[op.body.__name__] = schema
            entry["requestBody"] = {
                "required": True,
                "content": {
                    "application/json": {"schema": {"$ref": f"#/components/schemas/{op.body.__name__}"}}
                },
            }
        if not op.auth:
            entry["security"] = []
        paths.setdefault("/api/v1" + op.path, {})[op.method] = entry
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Facilitator API",
            "version": "1",
            "description": "Run assessment-centre sessions: set-up, lobby, groups, exercises, messages.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


@operation("GET", "/openapi.json", "This document", tag="meta", auth=False)
def openapi_json() -> dict[str, Any]:
    """The API's OpenAPI 3 description (public, so tools can read it)."""
    return document()
