"""One hash of a session's records, read as far as a decision asks and no further.

`unit.change` hands a decision the session's candidates, questions and group outputs as
`Records`: a mapping that fetches one record with HGET when the decision looks it up and the
whole hash with HGETALL only when the decision goes through all of them. An announcement or
a timer command then reads no roster at all, and a command about one candidate reads one
record. Every key stays under the transaction's WATCH from the start, so a record read late
is as consistent as one read first.

Afterwards `changes` says what to write: the records whose JSON differs from what was read
(or that were added), and the ones removed.
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

M = TypeVar("M", bound=BaseModel)


class Records(MutableMapping[str, M], Generic[M]):
    """The records of one Redis hash (field -> model JSON), fetched on first use."""

    def __init__(self, r: Any, key: str, model: type[M]) -> None:
        self.key = key
        self._r, self._model = r, model
        self._items: dict[str, M] = {}
        # Each record's JSON as read: records are always written as this code dumps them, so an
        # untouched one compares equal without a second dump.
        self._before: dict[str, str] = {}
        self._looked_up: set[str] = set()  # fields asked for one by one (present or not)
        self._gone: set[str] = set()
        self._complete = False

    def _parse(self, field: str, raw: str) -> M:
        self._before[field] = raw
        return self._model.model_validate_json(raw)

    def _everything(self) -> None:
        if self._complete:
            return
        found = self._r.hgetall(self.key)
        # Redis's order, keeping the objects already handed out (the decision may hold them).
        items = {
            field: self._items[field] if field in self._items else self._parse(field, raw)
            for field, raw in found.items()
            if field not in self._gone
        }
        items.update((field, item) for field, item in self._items.items() if field not in items)
        self._items, self._complete = items, True

    def __getitem__(self, field: str) -> M:
        if field in self._items:
            return self._items[field]
        if self._complete or field in self._gone or field in self._looked_up:
            raise KeyError(field)
        self._looked_up.add(field)
        raw = self._r.hget(self.key, field)
        if raw is None:
            raise KeyError(field)
        item = self._items[field] = self._parse(field, raw)
        return item

    def __setitem__(self, field: str, item: M) -> None:
        self._gone.discard(field)
        self._items[field] = item

    def __delitem__(self, field: str) -> None:
        self[field]  # read first: a KeyError for a record that is not there
        del self._items[field]
        self._gone.add(field)

    def __iter__(self) -> Iterator[str]:
        self._everything()
        return iter(list(self._items))

    def __len__(self) -> int:
        self._everything()
        return len(self._items)

    def __repr__(self) -> str:
        return f"Records({self.key!r}, {len(self._items)} read{', all' if self._complete else ''})"

    def changes(self) -> tuple[dict[str, str], list[str]]:
        """(field -> JSON to write, fields to delete) since the records were read."""
        written = {}
        for field, item in self._items.items():
            now = item.model_dump_json()
            if self._before.get(field) != now:
                written[field] = now
        return written, sorted(self._gone - set(self._items))
