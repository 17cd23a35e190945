"""The review's records in Redis: one hash field per candidate, compare-and-set like evidence."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import cast

import redis

from ..domain.evidence import Observation, Rating
from ..domain.review import CandidateReview, WashUp
from . import keys

WASHUP_FIELD = "state"


@dataclass
class Evidence:
    """Everything the review pages read besides the session itself, read in one round trip."""

    ratings: dict[str, Rating] = field(default_factory=dict)
    observations: list[Observation] = field(default_factory=list)
    reviews: dict[str, CandidateReview] = field(default_factory=dict)
    washup: WashUp = field(default_factory=WashUp)


def load(r: redis.Redis, session_id: str) -> Evidence:
    """Ratings, observations (deleted ones included), review records and the wash-up state."""
    with r.pipeline(transaction=False) as pipe:
        pipe.hgetall(keys.ratings(session_id))
        pipe.hvals(keys.observations(session_id))
        pipe.hgetall(keys.reviews(session_id))
        pipe.hget(keys.washup(session_id), WASHUP_FIELD)
        ratings, observations, reviews, washup = pipe.execute()
    found = [Observation.model_validate_json(v) for v in observations]
    return Evidence(
        ratings={k: Rating.model_validate_json(v) for k, v in ratings.items()},
        observations=sorted(found, key=lambda o: (o.recorded_at, o.id)),
        reviews={k: CandidateReview.model_validate_json(v) for k, v in reviews.items()},
        washup=WashUp.model_validate_json(washup) if washup else WashUp(),
    )


def reviews(r: redis.Redis, session_id: str) -> dict[str, CandidateReview]:
    """Every candidate's review record."""
    raw = cast(dict[str, str], r.hgetall(keys.reviews(session_id)))
    return {k: CandidateReview.model_validate_json(v) for k, v in raw.items()}


def review_raw(r: redis.Redis, session_id: str, candidate_id: str) -> str | None:
    """One candidate's review record exactly as stored (for compare-and-set)."""
    return cast(str | None, r.hget(keys.reviews(session_id), candidate_id))


def washup_raw(r: redis.Redis, session_id: str) -> str | None:
    """The wash-up state exactly as stored."""
    return cast(str | None, r.hget(keys.washup(session_id), WASHUP_FIELD))
