"""Every route of the OpenAPI document and every page, called as every role that reaches the
app over HTTP: only what the rules allow opens, and a refused write changes nothing.

The rules, as `services/access.py` and the pages state them:
- a session's staff pages and API routes are for those who run it (owner, co-facilitator,
  admin); to anyone else the session does not exist;
- its review pages and exports also open for a panel member who owes no ratings;
- the observer's tablet, and the evidence and rating routes, are for its panel;
- a candidate's pages open with that candidate's own device cookie only;
- account pages need a staff sign-in, the admin pages an admin;
- an old cookie after sign-out, and an expired or revoked API token, are nobody.

One finished session is built once for the module; allowed roles read (GET) every route and
page; every write is sent by every refused role, with a minimal valid body from the request
schema, and the whole database is compared before and after. (Allowed writes are exercised
by the rest of the suite, route by route.)
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient

from facilitator import create_app
from facilitator.realtime.connection import DEVICE_COOKIE
from facilitator.store import api_tokens
from facilitator.store import users as user_store

from ..builders import SessionBuilder
from ..conftest import PASSWORD, app_config, make_user
from ..redis_server import RedisProcess
from ..review_helpers import Finished, finished_session

PARAMETER = re.compile(r"[<{](?:[a-z]+:)?([a-z_]+)[>}]")
SKIPPED_PREFIXES = ("/api/", "/static/", "/vendor/", "/socket.io/")
REFUSED = (401, 403, 404)

# Who may use what, named by the rules above.
ANYONE = "anyone"  # no credential needed
STAFF = "staff"  # any signed-in staff member (what they see is scoped)
CREATORS = "creators"  # facilitators and admins
ADMIN = "admin"
MANAGER = "manager"  # runs the session
REVIEWER = "reviewer"  # runs it, or sits on its panel owing no ratings
PANEL = "panel"  # sits on its panel (running it is not enough)
PANEL_OR_MANAGER = "panel_or_manager"
AUTHOR = "author"  # the panel member who wrote the observation in the address
CANDIDATE = "candidate"  # this session's candidate, by their own device
TOKEN_PAGE = "token_page"  # the token in the address is the credential: a made-up one opens nothing

# The roles, as what they hold and whom the rules count them as.
ROLES = (
    "anonymous",
    "candidate",
    "candidate_elsewhere",
    "removed_candidate",
    "observer_off_panel",
    "observer_owing_none",
    "observer_owing",
    "other_facilitator",
    "owner",
    "co_facilitator",
    "admin",
    "signed_out_cookie",
    "expired_token",
    "revoked_token",
)
ALLOWED: dict[str, set[str]] = {
    ANYONE: set(ROLES),
    STAFF: {
        "observer_off_panel",
        "observer_owing_none",
        "observer_owing",
        "other_facilitator",
        "owner",
        "co_facilitator",
        "admin",
    },
    CREATORS: {"other_facilitator", "owner", "co_facilitator", "admin"},
    ADMIN: {"admin"},
    MANAGER: {"owner", "co_facilitator", "admin"},
    REVIEWER: {"owner", "co_facilitator", "admin", "observer_owing_none"},
    PANEL: {"observer_owing_none", "observer_owing"},
    PANEL_OR_MANAGER: {"owner", "co_facilitator", "admin", "observer_owing_none", "observer_owing"},
    AUTHOR: {"observer_owing_none"},
    CANDIDATE: {"candidate"},
    TOKEN_PAGE: set(),
}

# API operations whose rule is not "runs the session" (the default for session routes).
API_RULES: dict[str, str] = {
    "api.openapi_json": ANYONE,
    "api.join": ANYONE,
    "api.join_admission": ANYONE,
    "api.list_competencies": STAFF,
    "api.save_competency": CREATORS,
    "api.list_sessions": STAFF,
    "api.create_session": CREATORS,
    "api.audit_log": ADMIN,
    "api.list_evidence": PANEL_OR_MANAGER,
    "api.record_observation": PANEL,
    # The observation in the address is Alex's: Blair, who owes a rating, may not read it
    # (the blind rule), and only its author changes it.
    "api.edit_observation": AUTHOR,
    "api.delete_observation": AUTHOR,
    "api.observation_versions": REVIEWER,
    "api.get_history": REVIEWER,
    "api.rate_candidate": PANEL,
    "api.read_review": REVIEWER,
    "api.export_csv": REVIEWER,
    "api.export_json": REVIEWER,
    "api.export_workbook": REVIEWER,
}
# Pages whose rule is not "runs the session".
PAGE_RULES: dict[str, str] = {
    "sessions.index": STAFF,
    "account.index": STAFF,
    "library.index": STAFF,  # the competency library holds no personal data
    "library.edit": CREATORS,
    "sessions.new": CREATORS,
    "privacy.audit_log": ADMIN,
    "branding.edit": ADMIN,
    "privacy.notice_editor": ADMIN,
    "staff.index": ADMIN,
    "panel.observe": PANEL,
    "review.summary": REVIEWER,
    "review.compare": REVIEWER,
    "review.agreement": REVIEWER,
    "review.pack": REVIEWER,
    "review.candidate_pack": REVIEWER,
    "washup.show": REVIEWER,
    "exports.csv_sheet": REVIEWER,
    "exports.session_json": REVIEWER,
    "exports.workbook": REVIEWER,
    "candidate.phone": CANDIDATE,
    "candidate.feedback": CANDIDATE,
    "candidate.invite": TOKEN_PAGE,
    "candidate.feedback_by_link": TOKEN_PAGE,
    "panel.invite": TOKEN_PAGE,
    "auth.reset": TOKEN_PAGE,
    "auth.setup": TOKEN_PAGE,
    # Open to everyone by design: signing in, joining, branding, the service workers.
    "auth.login": ANYONE,
    "candidate.join": ANYONE,
    "candidate.join_with_code": ANYONE,
    "candidate.privacy": ANYONE,
    "candidate.waiting": ANYONE,
    "candidate.waiting_status": ANYONE,
    "branding.stylesheet": ANYONE,
    "branding.logo": ANYONE,
    "observe_service_worker": ANYONE,
    "phone_service_worker": ANYONE,
}
PAGE_QUERIES = {"exports.csv_sheet": "?sheet=summary"}


def _bodies(world: World) -> dict[str, Any]:
    """Bodies the schema sampler cannot make valid by itself (a write refused for the body
    would not show that the rules refused it)."""
    return {
        "api.save_competency": world.browsers["anonymous"]
        .get("/api/v1/competencies", headers={"Authorization": f"Bearer {world.tokens['admin']}"})
        .get_json()[-1],
        "api.record_observation": {
            "id": "obs-by-a-stranger",
            "exercise_id": world.ids["exercise_id"],
            "candidate_id": world.ids["candidate_id"],
            "indicator_id": "teamwork-p1",
        },
    }


@dataclass
class World:
    """The seeded session, the ids to fill addresses with, and a client per role."""

    app: Flask
    r: redis.Redis
    raw: redis.Redis
    finished: Finished
    ids: dict[str, str]
    browsers: dict[str, FlaskClient] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def sid(self) -> str:
        return self.finished.sid


def _browser(app: Flask, email: str | None = None) -> FlaskClient:
    browser = app.test_client()
    if email is not None:
        answer = browser.post("/login", data={"email": email, "password": PASSWORD})
        assert answer.status_code == 302, email
    return browser


def _with_device(app: Flask, session_id: str, token: str) -> FlaskClient:
    browser = app.test_client()
    browser.set_cookie(DEVICE_COOKIE.format(session_id), token)
    return browser


@pytest.fixture(scope="module")
def world(redis_server: RedisProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    r = redis.Redis.from_url(redis_server.url, decode_responses=True)
    r.flushdb()
    app = create_app(app_config(redis_server.url, Path(tmp_path_factory.mktemp("routes"))))
    client = app.test_client()
    fran = make_user(r, "fran@example.com", "facilitator")
    fran_token = user_store.issue_api_token(r, fran.id)
    finished = finished_session(client, r, fran_token, candidates=3)
    sid = finished.sid
    build = finished.build
    people = finished.panel.people
    # The third candidate is taken off the roster; in review, the second observer has a rating
    # reopened, so owes one.
    build.call("delete", f"/sessions/{sid}/candidates/{people[2]['candidate_id']}", expect=200)
    finished.start_review()
    build.call(
        "post",
        f"/sessions/{sid}/ratings/{finished.exercise_ids[0]}/{people[0]['candidate_id']}/{finished.panel.b_id}/reopen",
        {"reason": "Scores disagree by two points"},
        expect=200,
    )
    # The first candidate's feedback is released, so their feedback page has something to show.
    feedback = f"/sessions/{sid}/candidates/{people[0]['candidate_id']}/feedback"
    build.call("put", feedback, {"introduction": "Thank you for taking part."}, expect=200)
    build.call("post", feedback + "/release", {"released": True}, expect=200)
    other = SessionBuilder(client, fran_token).create()
    other.state("open")
    elsewhere = other.join("Eve Elsewhere")

    olga = make_user(r, "olga@example.com", "facilitator")
    cora = make_user(r, "cora@example.com", "facilitator")
    build.call("post", f"/sessions/{sid}/co-facilitators", {"email": cora.email}, expect=201)
    ada = make_user(r, "ada@example.com", "admin")
    oscar = make_user(r, "oscar@example.com", "observer")
    expired, _ = api_tokens.issue(r, fran.id, "old script", 1)
    r.hset(f"fac:api-token:{user_store.token_hash(expired)}", "expires", repr(time.time() - 1))
    revoked, gone = api_tokens.issue(r, fran.id, "retired script", 30)
    api_tokens.revoke(r, fran.id, gone.id)
    signed_out = _browser(app, fran.email)
    cookie = signed_out.get_cookie("session")
    assert cookie is not None
    assert _browser(app).post("/logout").status_code in (302, 400)  # a stranger's sign-out ends nothing
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    assert signed_out.post("/logout").status_code == 302

    observation = finished.observations[0]
    world = World(
        app,
        r,
        redis.Redis.from_url(redis_server.url),
        finished,
        {
            "session_id": sid,
            "candidate_id": people[0]["candidate_id"],
            "exercise_id": finished.exercise_ids[0],
            "observer_id": finished.panel.a_id,
            "observation_id": observation["id"],
            "user_id": finished.panel.a_id,
            "question_id": "q-none",
            "admission_id": "adm-none",
            "competency_id": "teamwork",
            "code": build.join_code,
            "token": "made-up-token-0000000000",
            "token_id": "made-up",
        },
    )
    world.browsers = {
        "anonymous": _browser(app),
        "candidate": _with_device(app, sid, people[0]["token"]),
        "candidate_elsewhere": _with_device(app, other.session_id, elsewhere["token"]),
        "removed_candidate": _with_device(app, sid, people[2]["token"]),
        "observer_off_panel": _browser(app, oscar.email),
        "observer_owing_none": _browser(app, "alex@example.com"),
        "observer_owing": _browser(app, "blair@example.com"),
        "other_facilitator": _browser(app, olga.email),
        "owner": _browser(app, fran.email),
        "co_facilitator": _browser(app, cora.email),
        "admin": _browser(app, ada.email),
        "signed_out_cookie": copy,
        "expired_token": _browser(app),
        "revoked_token": _browser(app),
    }
    world.tokens = {
        "observer_off_panel": user_store.issue_api_token(r, oscar.id),
        "observer_owing_none": finished.panel.a.headers["Authorization"].split()[1],
        "observer_owing": finished.panel.b.headers["Authorization"].split()[1],
        "other_facilitator": user_store.issue_api_token(r, olga.id),
        "owner": fran_token,
        "co_facilitator": user_store.issue_api_token(r, cora.id),
        "admin": user_store.issue_api_token(r, ada.id),
        "expired_token": expired,
        "revoked_token": revoked,
    }
    yield world
    world.raw.close()
    r.flushdb()
    r.close()


def _fill(rule: str, ids: dict[str, str]) -> str:
    return PARAMETER.sub(lambda m: ids[m.group(1)], rule)


def _deref(schema: dict[str, Any], document: dict[str, Any]) -> dict[str, Any]:
    """The schema a `$ref` points to, followed until it is a schema of its own."""
    while "$ref" in schema:
        target: Any = document
        for part in str(schema["$ref"]).lstrip("#/").split("/"):
            target = target[part]
        schema = target
    return schema


def sample(schema: dict[str, Any], document: dict[str, Any], ids: dict[str, str]) -> Any:
    """A small value the schema accepts: required fields only, the first choice of each."""
    schema = _deref(schema, document)
    for key in ("anyOf", "oneOf", "allOf"):
        if key in schema:
            choices = [c for c in schema[key] if _deref(c, document).get("type") != "null"]
            return sample(choices[0], document, ids)
    if "const" in schema:
        return schema["const"]
    if "enum" in schema:
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type", "object")
    if kind == "object":
        properties = schema.get("properties", {})
        return {
            name: _sample_field(name, properties[name], document, ids) for name in schema.get("required", [])
        }
    if kind == "array":
        return [sample(schema.get("items", {}), document, ids)] * int(schema.get("minItems", 0))
    if kind == "integer":
        return int(schema.get("minimum", 1))
    if kind == "number":
        return float(schema.get("minimum", 1))
    if kind == "boolean":
        return True
    return "x" * max(1, int(schema.get("minLength", 1)))


def _sample_field(name: str, schema: dict[str, Any], document: dict[str, Any], ids: dict[str, str]) -> Any:
    # Fields naming the seeded session's things get their real ids, so an allowed caller
    # would be past the rules and a refused one is refused by them, not by a missing id.
    if name in ids and _deref(schema, document).get("type") == "string":
        return ids[name]
    if name == "email":
        return "someone@example.com"
    return sample(schema, document, ids)


@dataclass(frozen=True)
class Route:
    """One API operation, ready to call."""

    endpoint: str
    method: str
    path: str
    body: Any

    @property
    def rule(self) -> str:
        return API_RULES.get(self.endpoint, MANAGER if "/sessions/" in self.path else STAFF)


def api_routes(world: World) -> list[Route]:
    """Every operation of the OpenAPI document, its address filled with the seeded ids."""
    document = world.browsers["anonymous"].get("/api/v1/openapi.json").get_json()
    endpoints = {
        (rule.rule, method.lower()): rule.endpoint
        for rule in world.app.url_map.iter_rules()
        for method in rule.methods or ()
    }
    bodies = _bodies(world)
    routes = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            rule = PARAMETER.sub(lambda m: f"<{m.group(1)}>", path)
            query = [
                f"{p['name']}={_deref(p['schema'], document).get('enum', ['x'])[0]}"
                for p in operation.get("parameters", [])
                if p.get("in") == "query" and p.get("required")
            ]
            filled = _fill(path, world.ids) + ("?" + "&".join(query) if query else "")
            body = None
            if "requestBody" in operation:
                content = operation["requestBody"]["content"]
                schema = next(iter(content.values())).get("schema", {})
                body = sample(schema, document, world.ids) if "application/json" in content else {}
            endpoint = endpoints[(rule, method)]
            routes.append(Route(endpoint, method, filled, bodies.get(endpoint, body)))
    return routes


def pages(world: World) -> list[tuple[str, str]]:
    """Every page (GET outside the API, static files and Engine.IO), with seeded ids."""
    found = []
    for rule in world.app.url_map.iter_rules():
        if "GET" not in (rule.methods or ()) or rule.rule.startswith(SKIPPED_PREFIXES):
            continue
        path = rule.rule if not rule.arguments else _fill(rule.rule, world.ids)
        found.append((rule.endpoint, path + PAGE_QUERIES.get(rule.endpoint, "")))
    return found


def call_api(world: World, role: str, route: Route) -> Any:
    browser = world.browsers[role]
    headers = {"Authorization": f"Bearer {world.tokens[role]}"} if role in world.tokens else {}
    return getattr(browser, route.method)(route.path, json=route.body, headers=headers)


def page_refused(answer: Any) -> bool:
    """A page that opened nothing: an error, or a redirect to sign in (or, for a candidate's
    page, to joining)."""
    if answer.status_code in REFUSED:
        return True
    return answer.status_code == 302 and answer.headers["Location"].startswith(("/login", "/join"))


def test_every_api_route_answers_only_the_roles_the_rules_allow(world: World) -> None:
    routes = api_routes(world)
    assert len(routes) >= 60, len(routes)
    wrong: list[str] = []
    for route in routes:
        if route.rule == ANYONE:
            continue
        allowed = ALLOWED[route.rule]
        for role in ROLES:
            if route.method != "get" and role in allowed:
                continue
            before = dumped(world.raw) if route.method != "get" else None
            answer = call_api(world, role, route)
            if role in allowed:
                if not 200 <= answer.status_code < 300:
                    wrong.append(
                        f"{role} {route.method.upper()} {route.path}: {answer.status_code}, expected 2xx"
                    )
            elif answer.status_code not in REFUSED and not _closed_to_all(route, answer):
                wrong.append(
                    f"{role} {route.method.upper()} {route.path}: {answer.status_code}, expected refusal:"
                    f" {answer.get_data(as_text=True)[:200]}"
                )
            if before is not None:
                changed = [k for k in changed_keys(before, dumped(world.raw)) if not _bookkeeping(k)]
                if changed:
                    wrong.append(f"{role} {route.method.upper()} {route.path} changed {changed}")
    assert wrong == [], "\n".join(wrong)


def _closed_to_all(route: Route, answer: Any) -> bool:
    """In review, evidence is closed to everyone, its author too, so that rule answers first
    (nothing of whose the observation is shows in it)."""
    return (
        route.rule == AUTHOR
        and answer.status_code == 409
        and answer.get_json()["error"]["code"] == "review_started"
    )


def dumped(r: redis.Redis) -> dict[str, bytes | None]:
    """Every key's serialised value, in two round trips."""
    keys = list(r.scan_iter(count=10_000))
    pipe = r.pipeline(transaction=False)
    for key in keys:
        pipe.dump(key)
    names = [k.decode() if isinstance(k, bytes) else k for k in keys]
    return dict(zip(names, pipe.execute(), strict=True))


def changed_keys(before: dict[str, bytes | None], after: dict[str, bytes | None]) -> list[str]:
    """Keys added, removed or changed."""
    return sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))


def _bookkeeping(key: str) -> bool:
    """Keys that change without anything of the session changing: a token's last use,
    join-pace counters of earlier requests expiring, and the heartbeats of app processes that
    other tests left running against this Redis."""
    return key.startswith(("fac:api-token:", "fac:rate:", "fac:process:", "fac:processes"))


def test_every_page_opens_only_for_the_roles_the_rules_allow(world: World) -> None:
    found = pages(world)
    assert len(found) >= 40, len(found)
    wrong: list[str] = []
    for endpoint, path in found:
        rule = PAGE_RULES.get(endpoint, MANAGER if path.startswith("/sessions/") else None)
        assert rule is not None, f"{endpoint} ({path}) has no rule in PAGE_RULES"
        allowed = ALLOWED[rule]
        for role in ROLES:
            answer = world.browsers[role].get(path)
            if rule == ANYONE:
                ok = answer.status_code < 500
            elif role in allowed:
                ok = answer.status_code in (200, 302) and not page_refused(answer)
            else:
                ok = page_refused(answer)
            if not ok:
                wrong.append(f"{role} GET {path}: {answer.status_code} {answer.headers.get('Location', '')}")
            answer.close()  # a file sent from disk (a service worker) holds it open until closed
    assert wrong == [], "\n".join(wrong)
