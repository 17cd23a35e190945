"""Facilitator: run group job interviews live, with candidates on their phones.

This module stays import-light so that `facilitator serve` can patch the standard
library for gevent before Flask, Redis or ssl are imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the application (see `facilitator.app.create_app`)."""
    from .app import create_app as build

    return build(test_config)
