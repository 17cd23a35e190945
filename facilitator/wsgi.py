"""The WSGI application for gunicorn, with the background work `facilitator serve` runs too.

    gunicorn --worker-class geventwebsocket.gunicorn.workers.GeventWebSocketWorker --workers 1 \\
             --bind 0.0.0.0:8000 facilitator.wsgi:app

The gevent worker patches the standard library before it imports this module.
"""

from __future__ import annotations

from . import create_app
from .cli import start_background

app = create_app()
start_background(app)
