"""Persistence: the only package that talks to Redis."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import redis
from redis.backoff import NoBackoff
from redis.connection import SSLConnection, parse_url
from redis.retry import Retry
from redis.sentinel import Sentinel

from ..errors import StartupError
from .client import Pool, SentinelPool, Storage
from .embedded import EmbeddedRedis

if TYPE_CHECKING:
    from flask import Flask

EXTENSION = "facilitator.redis"
SETTINGS = "facilitator.redis_settings"


@dataclass(frozen=True)
class RedisSettings:
    """Where Redis is and how long to wait for it.

    `url` carries the scheme (TLS with rediss://), user, password and database; with
    `sentinels` the primary's address comes from Redis Sentinel instead of the URL's host.
    """

    url: str
    sentinels: tuple[tuple[str, int], ...] = ()
    sentinel_master: str = "facilitator"
    sentinel_password: str | None = None
    # Short on purpose: while Redis is down a request fails in about a second instead of
    # hanging, and says so; a Redis command of ours takes milliseconds.
    connect_timeout_s: float = 1.0
    socket_timeout_s: float = 2.0
    pool_wait_s: float = 2.0
    max_connections: int = 500

    @property
    def where(self) -> str:
        """A description of the server for messages, without its password."""
        if self.sentinels:
            hosts = ",".join(f"{h}:{p}" for h, p in self.sentinels)
            return f"Redis Sentinel {hosts} (primary {self.sentinel_master!r})"
        parsed = parse_url(self.url) if "://" in self.url else {}
        if "path" in parsed:
            return f"unix://{parsed['path']}"
        scheme = self.url.split("://", 1)[0]
        host, port = parsed.get("host", "localhost"), parsed.get("port", 6379)
        return f"{scheme}://{host}:{port}/{parsed.get('db', 0)}"


def parse_sentinels(text: str) -> tuple[tuple[str, int], ...]:
    """ "host:port,host:port" as pairs; a clear error for anything else."""
    found = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        host, _, port = part.rpartition(":")
        if not host or not port.isdigit():
            raise StartupError(f"REDIS_SENTINELS: {part!r} is not host:port (e.g. 10.0.0.5:26379).")
        found.append((host.strip("[]"), int(port)))
    return tuple(found)


def open_client(
    settings: RedisSettings,
    *,
    max_connections: int | None = None,
    socket_timeout_s: float | None = None,
    client_name: str | None = None,
) -> Storage:
    """A client for `settings` (not checked yet); each call has a pool of its own."""
    options: dict[str, Any] = {
        "decode_responses": True,
        "socket_connect_timeout": settings.connect_timeout_s,
        "socket_timeout": settings.socket_timeout_s if socket_timeout_s is None else socket_timeout_s,
        "health_check_interval": 30,
        # No silent retries: a retried write could be applied twice, and retrying while
        # Redis is down only delays the honest answer. Callers retry with the same id.
        "retry": Retry(NoBackoff(), 0),
        "max_connections": max_connections or settings.max_connections,
        # No CLIENT SETINFO: redis-py looks its own version up in the installed packages' metadata
        # for every new connection and sends two more commands. In a connect storm the pool opens
        # hundreds of connections at once, and that lookup was a quarter of each phone's connect.
        "driver_info": None,
    }
    if client_name:
        options["client_name"] = client_name
    if not settings.sentinels:
        pool = Pool.from_url(settings.url, timeout=settings.pool_wait_s, **options)
        return Storage(connection_pool=pool)
    from_url = parse_url(settings.url) if settings.url else {}
    for part in ("host", "port", "path"):
        from_url.pop(part, None)
    if from_url.pop("connection_class", None) is SSLConnection:
        from_url["ssl"] = True
    sentinel = Sentinel(
        list(settings.sentinels),
        sentinel_kwargs={
            "socket_connect_timeout": settings.connect_timeout_s,
            "socket_timeout": settings.socket_timeout_s,
            **({"password": settings.sentinel_password} if settings.sentinel_password else {}),
        },
    )
    return sentinel.master_for(
        settings.sentinel_master,
        redis_class=Storage,
        connection_pool_class=SentinelPool,
        **{**from_url, **options},
    )


def connect(settings: RedisSettings) -> Storage:
    """A client for `settings`, checked with a PING so a bad address fails at start-up."""
    client = open_client(settings)
    try:
        client.ping()
    except (redis.RedisError, OSError) as exc:
        if isinstance(exc, redis.AuthenticationError) or isinstance(exc.__cause__, redis.AuthenticationError):
            raise StartupError(
                f"Redis at {settings.where} refused the password. Check the user and password in REDIS_URL."
            ) from None
        server = settings.where if settings.sentinels else f"Redis at {settings.where}"
        raise StartupError(f"Cannot reach {server}: {exc}. Check REDIS_URL.") from None
    return client


def settings_of(app: Flask, url: str) -> RedisSettings:
    """The Redis settings in the app's configuration, for `url`."""
    config = app.config
    return RedisSettings(
        url=url,
        sentinels=parse_sentinels(config.get("REDIS_SENTINELS") or ""),
        sentinel_master=config.get("REDIS_SENTINEL_MASTER") or "facilitator",
        sentinel_password=config.get("REDIS_SENTINEL_PASSWORD") or None,
        connect_timeout_s=float(config.get("REDIS_CONNECT_TIMEOUT_S", 1.0)),
        socket_timeout_s=float(config.get("REDIS_TIMEOUT_S", 2.0)),
        pool_wait_s=float(config.get("REDIS_POOL_WAIT_S", 2.0)),
        max_connections=int(config.get("REDIS_MAX_CONNECTIONS", 500)),
    )


def init_app(app: Flask) -> None:
    """Connect to REDIS_URL (or through REDIS_SENTINELS), or start the embedded server."""
    url = app.config.get("REDIS_URL")
    if not url and not app.config.get("REDIS_SENTINELS"):
        server = EmbeddedRedis(Path(app.config["DATA_DIR"]))
        url = server.start()
        app.extensions["facilitator.embedded_redis"] = server
    app.config["REDIS_EFFECTIVE_URL"] = url or ""
    settings = settings_of(app, url or "")
    app.extensions[SETTINGS] = settings
    app.extensions[EXTENSION] = connect(settings)


def get_redis() -> redis.Redis:
    """The application's Redis client."""
    from flask import current_app

    return current_app.extensions[EXTENSION]


def redis_settings(app: Flask) -> RedisSettings:
    """How the application reaches Redis (for clients of its own, like the push stream's)."""
    return app.extensions[SETTINGS]
