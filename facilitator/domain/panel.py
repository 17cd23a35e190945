"""Decide which observers watch which candidates, so each candidate meets many observers."""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Mapping, Sequence


def distinct_observers(history: Sequence[Mapping[str, Sequence[str]]]) -> dict[str, int]:
    """For each candidate, how many different observers have watched them."""
    seen: dict[str, set[str]] = {}
    for mapping in history:
        for candidate, observers in mapping.items():
            seen.setdefault(candidate, set()).update(observers)
    return {candidate: len(observers) for candidate, observers in seen.items()}


def observers_per_candidate(observer_count: int, per_candidate: int | None = None) -> int:
    """How many observers each candidate gets: two by default, never more than exist."""
    if observer_count == 0:
        return 0
    wanted = 2 if per_candidate is None else per_candidate
    return max(1, min(wanted, observer_count))


def assign_observers(
    candidate_ids: Sequence[str],
    observer_ids: Sequence[str],
    per_candidate: int | None = None,
    history: Sequence[Mapping[str, Sequence[str]]] = (),
    seed: int | None = None,
) -> dict[str, list[str]]:
    """Map every candidate to distinct observers, balancing load and favouring new pairings."""
    if len(set(candidate_ids)) != len(candidate_ids):
        raise ValueError("candidate_ids contains duplicates")
    if len(set(observer_ids)) != len(observer_ids):
        raise ValueError("observer_ids contains duplicates")
    each = observers_per_candidate(len(observer_ids), per_candidate)
    if each == 0 or not candidate_ids:
        return {candidate: [] for candidate in candidate_ids}
    watched = Counter(
        (candidate, observer)
        for mapping in history
        for candidate, observers in mapping.items()
        for observer in observers
    )
    rng = random.Random(seed)
    # Shuffling the order the solver meets people in breaks ties differently per seed.
    candidates = list(candidate_ids)
    observers = list(observer_ids)
    rng.shuffle(candidates)
    rng.shuffle(observers)
    most_watched = max(watched.values(), default=0)
    # A repeat pairing must cost more than any spread of repeat counts, so "new" wins first.
    repeat_cost = len(candidates) * each * most_watched + 1

    def cost(candidate: str, observer: str) -> int:
        times = watched[candidate, observer]
        return repeat_cost + times if times else 0

    flow = _Flow(len(candidates) + len(observers) + 2)
    source, sink = 0, len(candidates) + len(observers) + 1
    links: list[tuple[str, str, int]] = []
    for c, candidate in enumerate(candidates, start=1):
        flow.add(source, c, each, 0)
        for o, observer in enumerate(observers, start=len(candidates) + 1):
            links.append((candidate, observer, flow.add(c, o, 1, cost(candidate, observer))))
    base_load, busier = divmod(len(candidates) * each, len(observers))
    # Going past the base load is so dear that only the unavoidable remainder does it,
    # which keeps every observer's load within one of the others'.
    overload_cost = len(candidates) * each * (repeat_cost + most_watched) + 1
    for o in range(len(candidates) + 1, sink):
        flow.add(o, sink, base_load, 0)
        if busier:
            flow.add(o, sink, 1, overload_cost)
    flow.run(source, sink)
    assigned: dict[str, set[str]] = {candidate: set() for candidate in candidate_ids}
    for candidate, observer, arc in links:
        if flow.capacity[arc] == 0:
            assigned[candidate].add(observer)
    # Observers listed in roster order so the panel sheet reads the same way each time.
    return {
        candidate: [observer for observer in observer_ids if observer in assigned[candidate]]
        for candidate in candidate_ids
    }


class _Flow:
    """Min-cost flow by successive shortest paths with Dijkstra and node potentials."""

    def __init__(self, nodes: int) -> None:
        self.arcs: list[list[int]] = [[] for _ in range(nodes)]
        self.head: list[int] = []
        self.capacity: list[int] = []
        self.cost: list[int] = []

    def add(self, tail: int, head: int, capacity: int, cost: int) -> int:
        """Add an arc and its residual twin; return the arc's index."""
        index = len(self.head)
        for start, end, room, price in ((tail, head, capacity, cost), (head, tail, 0, -cost)):
            self.arcs[start].append(len(self.head))
            self.head.append(end)
            self.capacity.append(room)
            self.cost.append(price)
        return index

    def run(self, source: int, sink: int) -> None:
        """Push as much flow as fits from source to sink at least total cost."""
        nodes = len(self.arcs)
        potential = [0] * nodes
        while True:
            distance: list[int | None] = [None] * nodes
            via = [-1] * nodes
            distance[source] = 0
            queue = [(0, source)]
            while queue:
                reach, node = heapq.heappop(queue)
                if reach != distance[node]:
                    continue
                for arc in self.arcs[node]:
                    if self.capacity[arc] == 0:
                        continue
                    head = self.head[arc]
                    step = reach + self.cost[arc] + potential[node] - potential[head]
                    known = distance[head]
                    if known is None or step < known:
                        distance[head] = step
                        via[head] = arc
                        heapq.heappush(queue, (step, head))
            if distance[sink] is None:
                return
            for node, settled in enumerate(distance):
                if settled is not None:
                    potential[node] += settled
            push = []
            node = sink
            while node != source:
                push.append(via[node])
                node = self.head[via[node] ^ 1]
            amount = min(self.capacity[arc] for arc in push)
            for arc in push:
                self.capacity[arc] -= amount
                self.capacity[arc ^ 1] += amount
