"""Fixtures: a real Redis per test run (flushed per test), the app, and its clients."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
from flask import Flask
from flask.testing import FlaskClient
from playwright.sync_api import Browser, BrowserContext, sync_playwright
from werkzeug.security import generate_password_hash

from facilitator import create_app
from facilitator.store import users as user_store

from .cluster import cluster, cluster_topology  # noqa: F401  (Redis, three app processes, nginx)
from .live_server import LiveServer
from .redis_server import RedisProcess

PASSWORD = "correct horse battery"


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisProcess]:
    """One real Redis server for the whole run."""
    server = RedisProcess(tmp_path_factory.mktemp("redis"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def r(redis_server: RedisProcess) -> Iterator[redis.Redis]:
    """A client on a freshly emptied database."""
    client = redis.Redis.from_url(redis_server.url, decode_responses=True)
    client.flushdb()
    yield client
    client.close()


def app_config(redis_url: str, data_dir: Path, **extra: Any) -> dict[str, Any]:
    """The configuration tests run the app with."""
    return {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "REDIS_URL": redis_url,
        "SOCKETIO_MESSAGE_QUEUE": None,
        "SOCKETIO_ASYNC_MODE": "threading",
        "DATA_DIR": str(data_dir),
        "WTF_CSRF_ENABLED": False,
        **extra,
    }


@pytest.fixture
def app(r: redis.Redis, redis_server: RedisProcess, tmp_path: Path) -> Flask:
    """The app on the test Redis, CSRF off (one test turns it back on)."""
    return create_app(app_config(redis_server.url, tmp_path))


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """An HTTP client for the app."""
    return app.test_client()


def make_user(r: redis.Redis, email: str, role: str) -> user_store.StaffUser:
    """A staff account with the standard test password."""
    account = user_store.create(
        r,
        email,
        email.split("@")[0].title(),
        role,
        generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000"),
    )
    assert account is not None
    return account


@pytest.fixture
def facilitator_user(r: redis.Redis) -> user_store.StaffUser:
    """A facilitator account."""
    return make_user(r, "fran@example.com", "facilitator")


@pytest.fixture
def api_token(r: redis.Redis, facilitator_user: user_store.StaffUser) -> str:
    """A bearer token for the facilitator."""
    return user_store.issue_api_token(r, facilitator_user.id)


@pytest.fixture
def signed_in(client: FlaskClient, facilitator_user: user_store.StaffUser) -> FlaskClient:
    """The HTTP client, signed in as the facilitator."""
    response = client.post("/login", data={"email": facilitator_user.email, "password": PASSWORD})
    assert response.status_code == 302
    return client


@pytest.fixture(scope="session")
def live_server(redis_server: RedisProcess, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """The app running as its own process (gevent, Redis message queue), for the whole run."""
    server = LiveServer(redis_server.url, tmp_path_factory.mktemp("live"))
    server.start()
    yield server
    server.stop()


@pytest.fixture
def live(live_server: LiveServer, r: redis.Redis) -> LiveServer:
    """The running server, with an emptied database."""
    return live_server


@pytest.fixture
def live_token(live: LiveServer, r: redis.Redis) -> str:
    """An API token for a facilitator on the running server."""
    account = make_user(r, "lead@example.com", "facilitator")
    return user_store.issue_api_token(r, account.id)


# One Playwright per process: every folder of browser tests shares these two fixtures.
@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """One headless Chromium for the run (CHROMIUM_PATH, default Debian's /usr/bin/chromium)."""
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield launched
        launched.close()


@pytest.fixture
def contexts(browser: Browser) -> Iterator[list[BrowserContext]]:
    """Contexts a test opens are closed after it."""
    opened: list[BrowserContext] = []
    yield opened
    for context in opened:
        context.close()
