"""The other baseline: a minimal Flask-SocketIO server on gevent, nothing of ours on top.

Every phone that connects is accepted and put in one room; POST /push?text=... emits one
announcement to the room. It runs the way the app runs (socketio.run on gevent with
gevent-websocket), with no message queue.

    .venv/bin/python bench/support/minimal_flask.py --port 8766
"""

from __future__ import annotations

from gevent import monkey

monkey.patch_all()

import argparse  # noqa: E402
import time  # noqa: E402
from typing import Any  # noqa: E402

from flask import Flask, request  # noqa: E402
from flask_socketio import SocketIO, join_room  # noqa: E402

app = Flask(__name__)
socketio = SocketIO(app, async_mode="gevent")
seq = [0]


@socketio.on("connect")
def on_connect(auth: Any = None) -> None:
    """Accept every phone into the one room."""
    join_room("phones")


@app.post("/push")
def push() -> str:
    """One announcement to every phone."""
    seq[0] += 1
    envelope = {
        "type": "announcement_made",
        "seq": seq[0],
        "at": time.time(),
        "data": {"text": request.args.get("text", ""), "group_id": None},
    }
    socketio.emit("announcement_made", envelope, to="phones")
    return "ok"


@app.get("/ready")
def ready() -> str:
    """Answers once the server is up."""
    return "ok"


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    socketio.run(app, host="127.0.0.1", port=parser.parse_args().port, log_output=False)
