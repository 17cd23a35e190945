"""The push stream's manager against a real Redis: every message once and in order across a
killed connection, copies skipped, and gaps noticed so that local clients resume."""

from __future__ import annotations

import functools
import json
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import redis
import socketio

from facilitator.realtime.streams import StreamManager
from facilitator.store import RedisSettings, keys, open_client, pushes

from .redis_server import RedisProcess


def manager(url: str) -> StreamManager:
    """A StreamManager serving a Socket.IO server of its own (threads, as in the tests)."""
    made = StreamManager(functools.partial(open_client, RedisSettings(url=url)), maxlen=10_000)
    socketio.Server(async_mode="threading", client_manager=made)
    return made


@pytest.fixture
def pair(redis_server: RedisProcess, r: redis.Redis) -> Iterator[tuple[StreamManager, StreamManager]]:
    """A sending and a receiving process's managers, on an empty stream."""
    yield manager(redis_server.url), manager(redis_server.url)


def emit(sender: StreamManager, text: str) -> None:
    """What a handler's emit does on the sending process."""
    sender.emit("announcement_made", {"text": text}, namespace="/", room="s:x:candidates")


def read(receiver: StreamManager, count: int, got: list[dict[str, Any]], sender: str | None = None) -> None:
    """Pull messages from the receiver's listener until `count` arrived (from `sender` only,
    if given: app servers of other tests may still be writing to the shared stream)."""
    for message in receiver._listen():
        if sender is None or message.get("host_id") == sender:
            got.append(message)
        if len(got) == count:
            return


def test_every_message_arrives_once_and_in_order_across_killed_connections(
    pair: tuple[StreamManager, StreamManager], r: redis.Redis
) -> None:
    sender, receiver = pair
    receiver.last_id = pushes.tail(r)
    got: list[dict[str, Any]] = []
    listener = threading.Thread(target=read, args=(receiver, 300, got, sender.host_id), daemon=True)
    listener.start()
    for n in range(300):
        emit(sender, f"Notice {n}")
        if n in (60, 150, 240):
            deadline = time.monotonic() + 5
            while not [c for c in r.client_list() if c.get("name") == receiver.reader_name]:
                assert time.monotonic() < deadline, "the reader never reconnected"
                time.sleep(0.01)
            for client in r.client_list():
                if client.get("name") == receiver.reader_name:
                    r.client_kill_filter(_id=client["id"])
        time.sleep(0.002)
    listener.join(timeout=30)
    assert [m["data"][0]["text"] for m in got] == [f"Notice {n}" for n in range(300)]


def test_a_copy_added_twice_is_delivered_once(pair: tuple[StreamManager, StreamManager]) -> None:
    _, receiver = pair
    message = {"method": "emit", "event": "e", "data": [1], "host_id": "other", "mid": "other:1"}
    assert receiver._decode(json.dumps(message)) == message
    assert receiver._decode(json.dumps(message)) is None
    assert receiver._decode(json.dumps({**message, "mid": "other:2"})) is not None


def test_a_gap_in_another_process_s_messages_makes_local_clients_resume(
    pair: tuple[StreamManager, StreamManager], monkeypatch: pytest.MonkeyPatch
) -> None:
    _, receiver = pair
    phone = receiver.connect("eio-phone", "/")
    closed: list[str] = []
    monkeypatch.setattr(receiver.server, "disconnect", lambda sid, **_: closed.append(sid))
    base = {"method": "emit", "event": "e", "data": [1], "host_id": "other"}
    for number in (1, 2, 3):
        receiver._decode(json.dumps({**base, "mid": f"other:{number}"}))
    assert closed == []
    receiver._decode(json.dumps({**base, "mid": "other:7"}))  # 4 to 6 were trimmed away
    assert closed == [phone]


def test_a_reader_knows_when_the_cap_has_overtaken_it(r: redis.Redis) -> None:
    first = r.xadd(keys.pushes(), {"m": "{}"})
    for _ in range(5):
        r.xadd(keys.pushes(), {"m": "{}"})
    assert not pushes.trimmed_past(r, first)
    r.xtrim(keys.pushes(), maxlen=2, approximate=False)
    assert pushes.trimmed_past(r, first)
    assert not pushes.trimmed_past(r, pushes.tail(r))
