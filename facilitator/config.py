"""Settings, read from the environment once at start-up."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path
from typing import Any

from .errors import StartupError


def _data_dir() -> Path:
    return Path(os.environ.get("FACILITATOR_DATA_DIR") or Path.cwd() / "instance").resolve()


def _secret_key(data_dir: Path) -> str:
    """SECRET_KEY from the environment, else one generated once and kept in the data folder."""
    from_env = os.environ.get("SECRET_KEY")
    if from_env:
        return from_env
    path = data_dir / "secret_key"
    try:
        if path.exists():
            with contextlib.suppress(PermissionError):
                path.chmod(0o600)  # one an earlier version wrote readable to all
            return path.read_text().strip()
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = secrets.token_hex(32)
        # Created 600, so it is never readable by others, not even between write and chmod.
        with os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as out:
            out.write(key)
    except OSError as exc:
        raise StartupError(
            f"The data folder {data_dir} cannot be written ({exc.strerror or exc}). "
            "Set FACILITATOR_DATA_DIR to a folder this user can write."
        ) from None
    return key


def from_environment() -> dict[str, Any]:
    """The configuration for a real run."""
    data_dir = _data_dir()
    secure = os.environ.get("FACILITATOR_SECURE_COOKIES", "0") == "1"
    origins = [o.strip() for o in os.environ.get("FACILITATOR_ALLOWED_ORIGINS", "").split(",") if o.strip()]
    return {
        "DATA_DIR": str(data_dir),
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # The primary found through Redis Sentinel ("host:port,host:port"); REDIS_URL then
        # gives only the scheme, user, password and database.
        "REDIS_SENTINELS": os.environ.get("REDIS_SENTINELS") or None,
        "REDIS_SENTINEL_MASTER": os.environ.get("REDIS_SENTINEL_MASTER") or "facilitator",
        "REDIS_SENTINEL_PASSWORD": os.environ.get("REDIS_SENTINEL_PASSWORD") or None,
        # With an external Redis, pushes travel through it so several processes can serve.
        "PUSH_STREAM": bool(os.environ.get("REDIS_URL") or os.environ.get("REDIS_SENTINELS")),
        "PUSH_STREAM_LENGTH": int(os.environ.get("FACILITATOR_PUSH_STREAM_LENGTH", "10000")),
        "REDIS_TIMEOUT_S": float(os.environ.get("FACILITATOR_REDIS_TIMEOUT_S", "2")),
        "REDIS_CONNECT_TIMEOUT_S": float(os.environ.get("FACILITATOR_REDIS_CONNECT_TIMEOUT_S", "1")),
        "REDIS_POOL_WAIT_S": float(os.environ.get("FACILITATOR_REDIS_POOL_WAIT_S", "2")),
        # A process not heard of for this long is taken for dead: its sockets are let go.
        "PRESENCE_TTL_S": float(os.environ.get("FACILITATOR_PRESENCE_TTL_S", "15")),
        "SECRET_KEY_LOADER": lambda: _secret_key(data_dir),
        "PUBLIC_URL": os.environ.get("FACILITATOR_PUBLIC_URL", "").rstrip("/"),
        # Where the server listens (`facilitator serve` sets what it was started with), so the
        # projector can tell whether phones reach the address it was opened on.
        "LISTEN_HOST": os.environ.get("HOST", "127.0.0.1"),
        # None lets only pages served by this app connect (same origin).
        "ALLOWED_ORIGINS": origins or None,
        "SESSION_COOKIE_SECURE": secure,
        "REMEMBER_COOKIE_SECURE": secure,
        "SOCKETIO_ASYNC_MODE": os.environ.get("FACILITATOR_ASYNC_MODE", "gevent"),
        # How many proxies (nginx) stand in front; their X-Forwarded-* headers are then trusted.
        "TRUSTED_PROXIES": int(os.environ.get("FACILITATOR_TRUSTED_PROXIES", "0")),
        "PANEL_INVITE_MAX_AGE_S": int(os.environ.get("FACILITATOR_PANEL_INVITE_DAYS", "7")) * 86400,
        # A staff sign-in lasts at most this long, however the cookie is kept.
        "SIGN_IN_MAX_AGE_S": float(os.environ.get("FACILITATOR_SIGN_IN_DAYS", "14")) * 86400,
        "REDIS_MAX_CONNECTIONS": int(os.environ.get("FACILITATOR_REDIS_MAX_CONNECTIONS", "500")),
        "RETENTION_DAYS": int(os.environ.get("FACILITATOR_RETENTION_DAYS", "180")),
        "JOIN_ATTEMPTS_PER_MINUTE": int(os.environ.get("FACILITATOR_JOIN_ATTEMPTS_PER_MINUTE", "20")),
    }


DEFAULTS: dict[str, Any] = {
    "SESSION_COOKIE_HTTPONLY": True,
    "SESSION_COOKIE_SAMESITE": "Lax",
    "REMEMBER_COOKIE_HTTPONLY": True,
    "REMEMBER_COOKIE_SAMESITE": "Lax",
    "WTF_CSRF_TIME_LIMIT": None,
    "MAX_CONTENT_LENGTH": 512 * 1024,
    "RETENTION_DAYS": 180,
    "PANEL_INVITE_MAX_AGE_S": 7 * 86400,
    "SIGN_IN_MAX_AGE_S": 14 * 86400.0,
    "JOIN_ATTEMPTS_PER_MINUTE": 20,
    "SOCKETIO_ASYNC_MODE": "gevent",
    "LISTEN_HOST": "127.0.0.1",
    "PRESENCE_TTL_S": 15.0,
}
