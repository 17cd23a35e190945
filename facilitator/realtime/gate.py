"""The gate every client packet passes before python-socketio dispatches it.

python-socketio looks a client's event up among all the handlers, "connect" and "disconnect"
included: a client that sent an event called "connect" would run the connect handler again
(joining another session's rooms), and one called "disconnect" would forget its own presence
record, so that an eviction could no longer find and close it. python-socketio has no hook
before dispatch, so `install` puts this gate in front of the server's one entry for client
packets (`_handle_eio_message`, the Engine.IO "message" handler). For each packet it:

- closes the connection, with one line in the log, when the packet does not decode, is
  binary (nothing of ours sends binary) or is an event without a name;
- refuses, with an error acknowledgement and no handler run, an event named like a server
  lifecycle event or one of Socket.IO's reserved names (`permissions.RESERVED`);
- refuses with `rate_limited` and `retry_after` (seconds) an event beyond its socket's
  bucket (`limits`), before any handler, Flask context or Redis call;
- hands everything else to python-socketio unchanged.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qs

import socketio
from socketio import packet

from . import limits, permissions
from .replies import error
from .transport import BAD_FRAME, MARK

log = logging.getLogger("facilitator.gate")

PASSED = {packet.CONNECT, packet.DISCONNECT, packet.EVENT, packet.ACK}


def install(server: socketio.Server) -> None:
    """Put the gate in front of `server`'s dispatch of client packets."""
    dispatch = server._handle_eio_message

    def gated(eio_sid: str, data: Any) -> None:
        try:
            pkt = server.packet_class(encoded_packet=data) if isinstance(data, str) else None
        except BAD_FRAME as exc:
            return _bad_frame(server, eio_sid, f"{type(exc).__name__}: {exc}")
        if pkt is None or pkt.packet_type not in PASSED:
            kind = "binary data" if pkt is None else f"packet type {pkt.packet_type}"
            return _bad_frame(server, eio_sid, f"{kind} is not accepted")
        if pkt.packet_type != packet.EVENT:
            return dispatch(eio_sid, data)
        if not isinstance(pkt.data, list) or not pkt.data or not isinstance(pkt.data[0], str):
            return _bad_frame(server, eio_sid, "an event without a name")
        namespace = pkt.namespace or "/"
        sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
        if sid is None or not server.manager.is_connected(sid, namespace):
            return dispatch(eio_sid, data)  # python-socketio drops it
        refusal = _refusal(str(sid), pkt.data[0])
        if refusal is None:
            return server._handle_event(eio_sid, pkt.namespace, pkt.id, pkt.data)
        if pkt.id is not None:
            ack = server.packet_class(packet.ACK, namespace=pkt.namespace, id=pkt.id, data=[refusal])
            server._send_packet(eio_sid, ack)
        return None

    server._handle_eio_message = gated
    server.eio.on("message", gated)  # Engine.IO holds the method it was given at start


def _refusal(sid: str, name: str) -> dict[str, Any] | None:
    if name in permissions.RESERVED:
        return error(
            "reserved_event", f"{name!r} is an event the server keeps for itself; a client cannot send it."
        )
    wait = limits.take(sid, permissions.rate_class(name))
    if wait:
        retry_after = math.ceil(wait * 10) / 10
        return error(
            "rate_limited",
            f"Too many requests from this connection; wait {retry_after:g} s and send it again.",
            retry_after=retry_after,
        )
    return None


def _bad_frame(server: socketio.Server, eio_sid: str, reason: str) -> None:
    """One line in the log, and the connection closed (a broken or hostile client)."""
    environ = server.environ.get(eio_sid) or {}
    log.warning("bad frame from %s (%s): %s; connection closed", environ.get("REMOTE_ADDR"), eio_sid, reason)
    _close(server, eio_sid)


def _close(server: socketio.Server, eio_sid: str) -> None:
    for namespace in list(server.manager.get_namespaces()):
        sid = server.manager.sid_from_eio_sid(eio_sid, namespace)
        if sid is not None:
            server.disconnect(sid, namespace=namespace)
    # In the background: closing a polling transport waits for the client's next request.
    server.start_background_task(server.eio.disconnect, eio_sid)


def closer(server: socketio.Server) -> Callable[[dict[str, Any]], None]:
    """For the transport guard: end the Engine.IO session a broken request belonged to."""

    def close(environ: dict[str, Any]) -> None:
        found = parse_qs(str(environ.get("QUERY_STRING", ""))).get("sid", [None])[0]
        # A websocket opened without polling first has no sid in its query: find its session
        # by the mark the guard put in the environ python-socketio was given (a copy).
        mark = environ.get(MARK)
        found = found or next((e for e, env in list(server.environ.items()) if env.get(MARK) is mark), None)
        if found is not None:
            _close(server, found)

    return close
