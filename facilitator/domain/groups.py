"""Split candidates into exercise groups and hand out role briefs, avoiding repeats."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping, Sequence
from itertools import combinations

# Restarts trade time for quality; small sessions can afford many, large ones converge anyway.
_RESTART_BUDGET = 1200
_MAX_RESTARTS = 40
_MIN_RESTARTS = 3


def group_count(candidate_count: int, target_size: int) -> int:
    """How many groups put sizes nearest the target (ties go to smaller groups)."""
    if target_size < 1:
        raise ValueError("target_size must be at least 1")
    if candidate_count == 0:
        return 0

    def misfit(count: int) -> tuple[int, int, int]:
        deviations = [abs(size - target_size) for size in _sizes(candidate_count, count)]
        return max(deviations), sum(deviations), -count

    return min(range(1, candidate_count + 1), key=misfit)


def repeat_pairs(rounds: Sequence[Sequence[Sequence[str]]]) -> int:
    """Total over rounds of pairs sharing a group who already shared one in an earlier round."""
    met: set[frozenset[str]] = set()
    repeats = 0
    for groups in rounds:
        together = {frozenset(pair) for group in groups for pair in combinations(group, 2)}
        repeats += len(together & met)
        met |= together
    return repeats


def form_groups(
    candidate_ids: Sequence[str],
    target_size: int,
    history: Sequence[Sequence[Sequence[str]]] = (),
    seed: int | None = None,
) -> list[list[str]]:
    """Split candidates into groups of near-equal size, keeping earlier pairs apart."""
    if len(set(candidate_ids)) != len(candidate_ids):
        raise ValueError("candidate_ids contains duplicates")
    count = group_count(len(candidate_ids), target_size)
    if count == 0:
        return []
    met = _met_before(candidate_ids, history)
    sizes = _sizes(len(candidate_ids), count)
    rng = random.Random(seed)
    restarts = max(_MIN_RESTARTS, min(_MAX_RESTARTS, _RESTART_BUDGET // len(candidate_ids)))
    best: list[int] = []
    best_cost = -1
    for _ in range(restarts):
        placement = _greedy(met, sizes, rng)
        cost = _improve(placement, met, count, rng)
        if best_cost < 0 or cost < best_cost:
            best, best_cost = placement, cost
        if best_cost == 0:
            break
    groups: list[list[str]] = [[] for _ in range(count)]
    for index, group in enumerate(best):
        groups[group].append(candidate_ids[index])
    # Reading order: a group is listed where its first member stands in the roster.
    return sorted(groups, key=lambda members: candidate_ids.index(members[0]))


def _met_before(candidate_ids: Sequence[str], history: Sequence[Sequence[Sequence[str]]]) -> list[set[int]]:
    """For each candidate index, the indexes of candidates already grouped with them."""
    position = {candidate: index for index, candidate in enumerate(candidate_ids)}
    met: list[set[int]] = [set() for _ in candidate_ids]
    for groups in history:
        for group in groups:
            present = [position[member] for member in group if member in position]
            for a, b in combinations(present, 2):
                met[a].add(b)
                met[b].add(a)
    return met


def _sizes(candidate_count: int, count: int) -> list[int]:
    """Group sizes differing by at most one, larger groups first."""
    small, extra = divmod(candidate_count, count)
    return [small + 1] * extra + [small] * (count - extra)


def _greedy(met: list[set[int]], sizes: list[int], rng: random.Random) -> list[int]:
    """Seat candidates in random order, each where they know the fewest people."""
    order = list(range(len(met)))
    rng.shuffle(order)
    members: list[list[int]] = [[] for _ in sizes]
    placement = [0] * len(met)
    for person in order:
        open_groups = [g for g, size in enumerate(sizes) if len(members[g]) < size]
        rng.shuffle(open_groups)
        group = min(
            open_groups,
            key=lambda g: (sum(other in met[person] for other in members[g]), len(members[g])),
        )
        members[group].append(person)
        placement[person] = group
    return placement


def _improve(placement: list[int], met: list[set[int]], count: int, rng: random.Random) -> int:
    """Swap candidates between groups while that lowers repeats; return the final cost."""
    # known[p][g]: how many people in group g that p has met; makes a swap's delta O(1).
    known = [[0] * count for _ in placement]
    for person, others in enumerate(met):
        for other in others:
            known[person][placement[other]] += 1
    people = list(range(len(placement)))
    improved = True
    while improved:
        improved = False
        rng.shuffle(people)
        for a in people:
            ga = placement[a]
            if known[a][ga] == 0:
                continue
            for b in people:
                gb = placement[b]
                if gb == ga:
                    continue
                # After the swap a and b no longer count each other as a group-mate.
                shared = 2 if b in met[a] else 0
                gain = known[a][ga] + known[b][gb] + shared - known[a][gb] - known[b][ga]
                if gain > 0:
                    _swap(a, b, placement, met, known)
                    improved = True
                    break
    return sum(known[p][placement[p]] for p in range(len(placement))) // 2


def _swap(a: int, b: int, placement: list[int], met: list[set[int]], known: list[list[int]]) -> None:
    """Exchange the groups of a and b, keeping the acquaintance counts current."""
    ga, gb = placement[a], placement[b]
    for other in met[a]:
        known[other][ga] -= 1
        known[other][gb] += 1
    for other in met[b]:
        known[other][gb] -= 1
        known[other][ga] += 1
    placement[a], placement[b] = gb, ga


def assign_role_briefs(
    members: Sequence[str],
    role_count: int,
    earlier: Mapping[str, Collection[int]] | None = None,
    seed: int | None = None,
) -> dict[str, int]:
    """Give each group member at most one distinct role, preferring roles new to them."""
    earlier = earlier or {}
    rng = random.Random(seed)
    # Shuffling first makes ties fall differently per seed but reproducibly.
    people = list(members)
    rng.shuffle(people)
    roles = list(range(max(0, role_count)))
    rng.shuffle(roles)
    # When roles run short, whoever has held the fewest so far gets one: sitting out rotates.
    people.sort(key=lambda person: len(earlier.get(person, ())))
    takers = people[: len(roles)]
    holder: dict[int, str] = {}

    def claim(person: str, tried: set[int]) -> bool:
        """Find person a new role, moving earlier claimants to other new roles if need be."""
        for role in roles:
            if role in tried or role in earlier.get(person, ()):
                continue
            tried.add(role)
            if role not in holder or claim(holder[role], tried):
                holder[role] = person
                return True
        return False

    # Augmenting paths give the most members possible a role they have not played yet.
    unmatched = [person for person in takers if not claim(person, set())]
    spare = [role for role in roles if role not in holder]
    holder.update(zip(spare, unmatched, strict=False))
    role_of = {person: role for role, person in holder.items()}
    return {person: role_of[person] for person in members if person in role_of}
