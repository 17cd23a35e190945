"""The Redis client the app uses, able to say whether a failed request may have written.

redis-py raises ConnectionError both when it cannot reach the server (nothing was sent) and
when a connection breaks after a command went out (the server may have applied it). Clients
deserve different answers for the two: `unavailable` means "nothing was saved", while
`outcome_unknown` means "it may have been saved; send it again with the same id". So:

- the pool raises `StorageUnreachable` whenever it cannot hand out a connected connection,
  which is before anything of the command was sent;
- the client notes, for the request being handled, that a write went out once a write
  command has a connection to go out on. A request that fails before any write went out
  changed nothing; one that fails after may have.

Each request or socket event runs in its own greenlet (or thread), and each has its own
context, so the note is per request. `begin()` clears it where a handler starts anyway.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

import redis
from redis.client import Pipeline
from redis.sentinel import SentinelConnectionPool

# Commands that change nothing. Anything else (scripts included) counts as a write.
READS = frozenset(
    {
        *("GET", "MGET", "STRLEN", "EXISTS", "TYPE", "TTL", "PTTL", "KEYS", "SCAN", "DBSIZE"),
        *("HGET", "HMGET", "HGETALL", "HVALS", "HKEYS", "HLEN", "HEXISTS", "HSCAN"),
        *("SMEMBERS", "SISMEMBER", "SMISMEMBER", "SCARD", "SRANDMEMBER", "SSCAN"),
        *("ZRANGE", "ZREVRANGE", "ZRANGEBYSCORE", "ZREVRANGEBYSCORE", "ZSCORE", "ZCARD", "ZRANK"),
        *("LRANGE", "LLEN", "LINDEX", "XRANGE", "XREVRANGE", "XREAD", "XLEN", "XINFO"),
        *("PING", "ECHO", "INFO", "TIME", "WATCH", "UNWATCH", "CLIENT", "ROLE", "SENTINEL"),
    }
)

_wrote: ContextVar[bool] = ContextVar("facilitator_storage_wrote", default=False)


class StorageUnreachable(redis.ConnectionError):
    """No connection to Redis could be made or had: the command was not sent."""


def begin() -> None:
    """Start a request: nothing has been written in it yet."""
    _wrote.set(False)


def may_have_written() -> bool:
    """True once a write command of the current request went out to Redis."""
    return _wrote.get()


def failure_code() -> str:
    """`outcome_unknown` when a write of this request went out before storage failed, else
    `unavailable` (nothing was changed)."""
    return "outcome_unknown" if _wrote.get() else "unavailable"


def _is_write(name: Any) -> bool:
    return str(name).upper() not in READS


class _Checked:
    """Pool mixin: any failure to hand out a ready connection is `StorageUnreachable`."""

    def get_connection(self, *args: Any, **kwargs: Any) -> Any:
        """A connected connection, or StorageUnreachable (nothing was sent)."""
        try:
            return super().get_connection(*args, **kwargs)  # type: ignore[misc]
        except StorageUnreachable:
            raise
        except (redis.ConnectionError, redis.TimeoutError, OSError) as exc:
            raise StorageUnreachable(str(exc)) from exc


class Pool(_Checked, redis.BlockingConnectionPool):
    """The app's pool: requests wait (a bounded time) for a free connection."""


class SentinelPool(_Checked, SentinelConnectionPool):
    """The pool when the primary is found through Redis Sentinel."""


class StoragePipeline(Pipeline):
    """A pipeline that notes when a batch with writes is about to go out."""

    def execute(self, raise_on_error: bool = True) -> list[Any]:
        """Send the batch; note the write first, once a connection is in hand."""
        if any(_is_write(args[0]) for args, _ in self.command_stack):
            if self.connection is None:
                # Taken here so that failing to connect is told apart from failing mid-way.
                self.connection = self.connection_pool.get_connection()
            _wrote.set(True)
        return super().execute(raise_on_error)


class Storage(redis.Redis):
    """redis.Redis, noting each write of the current request that reached a connection."""

    def execute_command(self, *args: Any, **options: Any) -> Any:
        """Run one command; a write counts once it was (or may have been) sent."""
        try:
            result = super().execute_command(*args, **options)
        except (StorageUnreachable, redis.BusyLoadingError):
            raise  # not sent, or refused while loading: nothing changed
        except (redis.ConnectionError, redis.TimeoutError):
            if _is_write(args[0]):
                _wrote.set(True)
            raise
        if _is_write(args[0]):
            _wrote.set(True)
        return result

    def pipeline(self, transaction: bool = True, shard_hint: Any = None) -> StoragePipeline:
        """A pipeline that notes its writes like the client does."""
        return StoragePipeline(self.connection_pool, self.response_callbacks, transaction, shard_hint)
