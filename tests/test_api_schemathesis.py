"""Schemathesis against the API document: for generated requests to every operation, valid and
invalid, no answer is a server error, and every answer has a documented status, content type,
headers and body schema. Path parameters are sometimes the ids of a real, running session, so
the operations are exercised past their 404s."""

from __future__ import annotations

from typing import Any

import pytest
import redis
import schemathesis
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from .panel_helpers import running_panel

# Examples per operation and mode: enough to reach every route's answers, few enough to stay quick.
EXAMPLES = 8

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]


@pytest.fixture
def api_schema(app: Flask, client: FlaskClient, r: redis.Redis, api_token: str) -> Any:
    """The document as the app serves it, with a live session whose ids path parameters may take."""
    panel = running_panel(client, r, api_token)
    observed = panel.a.call(
        "post",
        f"/sessions/{panel.sid}/observations",
        {
            "id": "seeded-observation",
            "exercise_id": panel.exercise_id,
            "candidate_id": panel.people[0]["candidate_id"],
            "indicator_id": "teamwork-p1",
        },
        expect=201,
    )
    real = {
        "session_id": panel.sid,
        "exercise_id": panel.exercise_id,
        "candidate_id": panel.people[0]["candidate_id"],
        "observer_id": panel.a_id,
        "user_id": panel.a_id,
        "observation_id": observed["id"],
        "competency_id": "teamwork",
    }
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    # Over WSGI nothing undoes a Content-Encoding, so ask for the answers as they are.
    headers = {"Authorization": f"Bearer {api_token}", "Accept-Encoding": "identity"}
    return schema, real, headers


def test_every_answer_matches_the_document_and_none_is_a_server_error(api_schema: Any) -> None:
    schema, real, auth = api_schema
    problems: list[str] = []
    for found in schema.get_all_operations():
        operation = found.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @settings(
                max_examples=EXAMPLES,
                derandomize=True,
                deadline=None,
                database=None,
                suppress_health_check=list(HealthCheck),
            )
            @given(case=operation.as_strategy(generation_mode=mode), known=st.booleans())
            def call(case: Any, known: bool) -> None:
                if known and case.path_parameters:
                    # The running session's own ids, so the route is reached past its 404.
                    case.path_parameters = {k: real.get(k, v) for k, v in case.path_parameters.items()}
                case.call_and_validate(headers=auth, checks=CHECKS)

            try:
                call()
            except (Exception, BaseExceptionGroup) as exc:  # try every operation, then report all
                problems.append(f"{operation.label} ({mode.value}):\n{exc}")
    assert not problems, "\n\n".join(problems)
