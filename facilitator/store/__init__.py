"""Persistence: the only package that talks to Redis."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import redis

from ..errors import StartupError
from .embedded import EmbeddedRedis

if TYPE_CHECKING:
    from flask import Flask

EXTENSION = "facilitator.redis"


def connect(url: str, max_connections: int = 500) -> redis.Redis:
    """A client for `url`, checked with a PING so a bad address fails at start-up.

    Every greenlet handling an event holds a connection while it talks to Redis, so under load
    requests wait for a free one (up to 10 s) instead of failing at a hard limit.
    """
    pool = redis.BlockingConnectionPool.from_url(
        url, decode_responses=True, health_check_interval=30, max_connections=max_connections, timeout=10
    )
    client = redis.Redis(connection_pool=pool)
    try:
        client.ping()
    except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
        raise StartupError(f"Cannot reach Redis at {url}: {exc}. Check REDIS_URL.") from None
    return client


def init_app(app: Flask) -> None:
    """Connect to REDIS_URL, or start the embedded server in the data folder."""
    url = app.config.get("REDIS_URL")
    if not url:
        server = EmbeddedRedis(Path(app.config["DATA_DIR"]))
        url = server.start()
        app.extensions["facilitator.embedded_redis"] = server
    app.config["REDIS_EFFECTIVE_URL"] = url
    app.extensions[EXTENSION] = connect(url, app.config.get("REDIS_MAX_CONNECTIONS", 500))


def get_redis() -> redis.Redis:
    """The application's Redis client."""
    from flask import current_app

    return current_app.extensions[EXTENSION]
