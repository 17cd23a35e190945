"""Assigning observers to candidates for each exercise."""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Mapping, Sequence

from facilitator.domain.panel import assign_observers, distinct_observers


def people(prefix: str, count: int) -> list[str]:
    """Ids such as c00, c01, ... in roster order."""
    return [f"{prefix}{index:02d}" for index in range(count)]


def loads(mapping: Mapping[str, Sequence[str]], observers: Sequence[str]) -> list[int]:
    """How many candidates each observer watches, idle observers included."""
    counted = Counter(observer for watched in mapping.values() for observer in watched)
    return [counted[observer] for observer in observers]


def run_exercises(
    candidates: list[str], observers: list[str], per_candidate: int | None, exercises: int
) -> list[dict[str, list[str]]]:
    """Assign observers for each exercise with the earlier ones as history."""
    history: list[dict[str, list[str]]] = []
    for exercise in range(exercises):
        history.append(assign_observers(candidates, observers, per_candidate, history, seed=exercise))
    return history


def test_every_candidate_gets_exactly_per_candidate_distinct_observers() -> None:
    for candidate_count, observer_count, per_candidate in [
        (8, 4, 2),
        (7, 3, 2),
        (10, 6, 3),
        (5, 5, 5),
        (3, 7, 1),
        (13, 4, None),
    ]:
        candidates = people("c", candidate_count)
        observers = people("o", observer_count)
        for mapping in run_exercises(candidates, observers, per_candidate, 3):
            assert set(mapping) == set(candidates)
            for watched in mapping.values():
                assert len(set(watched)) == len(watched) == (per_candidate or 2)
                assert set(watched) <= set(observers)


def test_observer_loads_differ_by_at_most_one() -> None:
    for candidate_count, observer_count, per_candidate in [(8, 4, 2), (7, 3, 2), (11, 5, 3)]:
        observers = people("o", observer_count)
        for mapping in run_exercises(people("c", candidate_count), observers, per_candidate, 4):
            load = loads(mapping, observers)
            assert max(load) - min(load) <= 1, load


def test_eight_candidates_meet_all_four_observers_over_four_exercises() -> None:
    history = run_exercises(people("c", 8), people("o", 4), 2, 4)
    assert set(distinct_observers(history).values()) == {4}
    # Two exercises are already enough when no pairing repeats.
    assert set(distinct_observers(history[:2]).values()) == {4}


def test_observers_who_watched_least_are_preferred_once_all_have_watched() -> None:
    history = [{"ana": ["o1", "o2"]}, {"ana": ["o1", "o3"]}]
    assert assign_observers(["ana"], ["o1", "o2", "o3"], 2, history, seed=0) == {"ana": ["o2", "o3"]}


def test_no_observers_leave_every_candidate_unwatched() -> None:
    assert assign_observers(["ana", "ben"], []) == {"ana": [], "ben": []}


def test_per_candidate_defaults_to_two_or_all_observers_when_fewer() -> None:
    assert all(len(w) == 2 for w in assign_observers(people("c", 4), people("o", 5)).values())
    assert assign_observers(["ana"], ["o1"]) == {"ana": ["o1"]}


def test_per_candidate_is_clamped_to_the_panel() -> None:
    observers = people("o", 3)
    too_many = assign_observers(people("c", 4), observers, per_candidate=9)
    assert all(watched == observers for watched in too_many.values())
    too_few = assign_observers(people("c", 4), observers, per_candidate=0)
    assert all(len(watched) == 1 for watched in too_few.values())


def test_observers_are_listed_in_panel_order() -> None:
    observers = ["zed", "amy", "kai", "bea"]
    for watched in assign_observers(people("c", 6), observers, 3, seed=2).values():
        assert watched == sorted(watched, key=observers.index)


def test_same_seed_gives_the_same_panel() -> None:
    candidates, observers = people("c", 9), people("o", 4)
    history = run_exercises(candidates, observers, 2, 2)
    assert assign_observers(candidates, observers, 2, history, seed=5) == assign_observers(
        candidates, observers, 2, history, seed=5
    )


def test_a_hundred_candidates_and_ten_observers_are_assigned_well_under_a_second() -> None:
    candidates, observers = people("c", 100), people("o", 10)
    history: list[dict[str, list[str]]] = []
    for exercise in range(5):
        started = time.perf_counter()
        history.append(assign_observers(candidates, observers, 2, history, seed=exercise))
        assert time.perf_counter() - started < 1.0
    assert set(distinct_observers(history).values()) == {10}


def test_distinct_observers_counts_each_observer_once_per_candidate() -> None:
    history = [{"ana": ["o1", "o2"], "ben": ["o1"]}, {"ana": ["o2", "o3"], "ben": []}]
    assert distinct_observers(history) == {"ana": 3, "ben": 1}
    assert distinct_observers([]) == {}
