"""The baseline: a bare `websockets` broadcast server speaking the same Engine.IO framing.

It does the least a Socket.IO server must for a phone: the Engine.IO open packet, the
namespace connect's answer, pings every 25 s, and `42["announcement_made",{...}]` frames.
A connection to /control is the pusher: each text it sends becomes one announcement,
encoded once and written to every phone (websockets.broadcast).

    .venv/bin/python bench/support/bare_server.py --port 8765
"""

from __future__ import annotations

import argparse
import asyncio
import json
import secrets
import time
from typing import Any

import websockets
from websockets.asyncio.server import ServerConnection, broadcast, serve

OPEN = {"upgrades": [], "pingInterval": 25000, "pingTimeout": 20000, "maxPayload": 1000000}
phones: set[ServerConnection] = set()


async def _pings(ws: ServerConnection) -> None:
    while True:
        await asyncio.sleep(25)
        await ws.send("2")


async def handle(ws: ServerConnection) -> None:
    """A phone (Engine.IO over WebSocket) or the pusher (/control)."""
    if ws.request is not None and ws.request.path.startswith("/control"):
        seq = 0
        async for text in ws:
            seq += 1
            envelope: dict[str, Any] = {
                "type": "announcement_made",
                "seq": seq,
                "at": time.time(),
                "data": {"text": str(text), "group_id": None},
            }
            broadcast(phones, "42" + json.dumps(["announcement_made", envelope]))
        return
    await ws.send("0" + json.dumps({"sid": secrets.token_urlsafe(15), **OPEN}))
    pinger = asyncio.create_task(_pings(ws))
    try:
        async for frame in ws:
            if isinstance(frame, str) and frame.startswith("40"):
                await ws.send("40" + json.dumps({"sid": secrets.token_urlsafe(15)}))
                phones.add(ws)
    except websockets.ConnectionClosed:
        pass
    finally:
        pinger.cancel()
        phones.discard(ws)


async def main(port: int) -> None:
    """Serve until killed."""
    async with serve(handle, "127.0.0.1", port, compression=None, ping_interval=None, max_size=None):
        await asyncio.Future()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    asyncio.run(main(parser.parse_args().port))
