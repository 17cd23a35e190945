"""Socket.IO handlers: authenticate, validate, call one service, broadcast, acknowledge."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    """Register the handlers (importing the modules binds them to the socketio object)."""
    from . import actions, connection  # noqa: F401
