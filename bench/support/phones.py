"""Many phones from a few processes: raw Engine.IO v4 / Socket.IO v5 over WebSocket.

A python-socketio client costs a few hundred kilobytes and a good deal of CPU per phone; this
client speaks only what a phone needs (the open packet, the namespace connect with its auth,
answering pings, reading `42[...]` event frames), so one load-generator process carries
hundreds of phones and the generator is not what the benchmark measures.

Each worker process writes, for every push it sees, how many of its phones have it and when
the last of them got it (time.monotonic is system-wide on Linux, so the parent compares it
with the instant it sent the push) into shared arrays; the parent polls them.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import re
import resource
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any

import websockets

MARK = re.compile(rb"bench-push-(\d+)")


@dataclass
class Shared:
    """Per worker and push: phones that have it, and the instant the last one got it."""

    pushes: int
    workers: int
    counts: Any
    last_at: Any

    @classmethod
    def create(cls, workers: int, pushes: int) -> Shared:
        """Zeroed arrays for `workers` x `pushes`."""
        return cls(
            pushes,
            workers,
            multiprocessing.RawArray("i", workers * pushes),
            multiprocessing.RawArray("d", workers * pushes),
        )

    def delivered(self, push: int) -> int:
        """Phones, across every worker, that have push `push`."""
        return sum(self.counts[w * self.pushes + push] for w in range(self.workers))

    def last(self, push: int) -> float:
        """The instant the last phone got push `push`."""
        return max(self.last_at[w * self.pushes + push] for w in range(self.workers))

    def reset(self) -> None:
        """Forget every push seen so far (before the next round)."""
        for i in range(len(self.counts)):
            self.counts[i] = 0
            self.last_at[i] = 0.0


class Phone:
    """One socket: connect, answer pings, count the pushes it receives."""

    def __init__(
        self, url: str, auth: dict[str, Any], worker: Worker, headers: dict[str, str] | None = None
    ) -> None:
        self.url, self.auth, self.worker, self.headers = url, auth, worker, headers
        self.ws: Any = None
        self.task: asyncio.Task[None] | None = None

    async def connect(self) -> None:
        """Open the socket and wait for the namespace connect's answer."""
        self.ws = await websockets.connect(
            self.url,
            max_size=None,
            compression=None,
            ping_interval=None,
            open_timeout=60,
            additional_headers=self.headers,
        )
        opened = await self.ws.recv()
        if not str(opened).startswith("0"):
            raise RuntimeError(f"no Engine.IO open packet: {opened!r}")
        await self.ws.send("40" + json.dumps(self.auth))
        while True:
            frame = await self.ws.recv()
            if frame == "2":
                await self.ws.send("3")
            elif frame.startswith("40"):
                break
            elif frame.startswith("44"):
                raise RuntimeError(f"connection refused: {frame}")
        self.task = asyncio.create_task(self.listen())

    async def listen(self) -> None:
        """Read frames until the socket closes."""
        worker = self.worker
        try:
            async for frame in self.ws:
                if frame == "2":
                    await self.ws.send("3")
                    continue
                if isinstance(frame, str):
                    frame = frame.encode()
                found = MARK.search(frame)
                if found is not None and frame.startswith(b"42"):
                    worker.seen(int(found.group(1)))
                elif frame.startswith(b"43"):
                    worker.acks.put_nowait(frame)
        except websockets.ConnectionClosed:
            pass

    async def close(self) -> None:
        """Close the socket."""
        if self.ws is not None:
            await self.ws.close()


class Worker:
    """One load-generator process: its phones and its slots in the shared arrays."""

    def __init__(self, index: int, shared: Shared) -> None:
        self.index, self.shared = index, shared
        self.phones: list[Phone] = []
        self.acks: asyncio.Queue[bytes] = asyncio.Queue()

    def seen(self, push: int) -> None:
        """A phone has push `push`."""
        if push < self.shared.pushes:
            slot = self.index * self.shared.pushes + push
            self.shared.counts[slot] += 1
            self.shared.last_at[slot] = time.monotonic()

    async def connect(
        self,
        url: str,
        auths: list[dict[str, Any]],
        at_once: int,
        headers: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        """Connect every phone, `at_once` at a time (each with its own request headers, if
        given: a cookie, say); how long it took and what failed."""
        door = asyncio.Semaphore(at_once)
        extra = headers or [{} for _ in auths]
        phones = [Phone(url, auth, self, more) for auth, more in zip(auths, extra, strict=True)]
        errors: list[str] = []

        async def one(phone: Phone) -> None:
            async with door:
                try:
                    await phone.connect()
                    self.phones.append(phone)
                except Exception as exc:  # counted and reported, not fatal to the others
                    errors.append(repr(exc)[:200])

        began = time.monotonic()
        await asyncio.gather(*(one(p) for p in phones))
        return {
            "connected": len(phones) - len(errors),
            "seconds": time.monotonic() - began,
            "errors": errors[:3],
        }

    async def close(self) -> None:
        """Close every phone."""
        await asyncio.gather(*(p.close() for p in self.phones), return_exceptions=True)
        self.phones = []


def cpu_seconds() -> float:
    """This process's CPU time so far (user + system)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _serve(index: int, shared: Shared, pipe: Connection) -> None:
    asyncio.run(_main(index, shared, pipe))


async def _main(index: int, shared: Shared, pipe: Connection) -> None:
    loop = asyncio.get_running_loop()
    worker = Worker(index, shared)
    commands: asyncio.Queue[Any] = asyncio.Queue()
    loop.add_reader(pipe.fileno(), lambda: commands.put_nowait(pipe.recv()))
    while True:
        name, *args = await commands.get()
        if name == "connect":
            pipe.send(await worker.connect(*args))
        elif name == "close":
            await worker.close()
            pipe.send(True)
        elif name == "cpu":
            pipe.send(cpu_seconds())
        elif name == "stop":
            await worker.close()
            pipe.send(True)
            return


class Crowd:
    """A pool of load-generator processes, each holding a share of the phones."""

    def __init__(self, workers: int, pushes: int) -> None:
        self.shared = Shared.create(workers, pushes)
        context = multiprocessing.get_context("fork")
        self.pipes: list[Connection] = []
        self.processes = []
        for index in range(workers):
            mine, theirs = context.Pipe()
            process = context.Process(target=_serve, args=(index, self.shared, theirs), daemon=True)
            process.start()
            self.pipes.append(mine)
            self.processes.append(process)

    def _all(self, *command: Any) -> list[Any]:
        for pipe in self.pipes:
            pipe.send(command)
        return [pipe.recv() for pipe in self.pipes]

    def connect(
        self,
        url: str,
        auths: list[dict[str, Any]],
        at_once: int = 50,
        headers: list[dict[str, str]] | None = None,
    ) -> dict[str, Any]:
        """Connect the phones (split evenly over the workers), phone i with `headers[i]` if
        given; connected, seconds, errors."""
        workers = len(self.pipes)
        extra = headers or [{} for _ in auths]
        for index, pipe in enumerate(self.pipes):
            share, more = auths[index::workers], extra[index::workers]
            pipe.send(("connect", url, share, max(1, at_once // workers), more))
        answers = [pipe.recv() for pipe in self.pipes]
        return {
            "connected": sum(a["connected"] for a in answers),
            "seconds": max(a["seconds"] for a in answers),
            "errors": [e for a in answers for e in a["errors"]],
        }

    def close(self) -> None:
        """Close every phone."""
        self._all("close")

    def cpu(self) -> float:
        """The load generators' CPU seconds so far, all together."""
        return float(sum(self._all("cpu")))

    def stop(self) -> None:
        """Close the phones and end the processes."""
        self._all("stop")
        for process in self.processes:
            process.join(timeout=10)


def socket_url(http_url: str) -> str:
    """The Engine.IO WebSocket address of a server."""
    return http_url.replace("http://", "ws://", 1) + "/socket.io/?EIO=4&transport=websocket"


def worker_count() -> int:
    """Load-generator processes: one per core, at least two."""
    return max(2, os.cpu_count() or 2)
