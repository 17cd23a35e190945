"""The shipped competency library: complete, consistent and safe to edit."""

from __future__ import annotations

from facilitator.domain.library import DEFAULT_COMPETENCIES, default_library
from facilitator.domain.models import Polarity

REQUIRED_IDS = {
    "teamwork",
    "communication",
    "leadership",
    "problem-solving",
    "adaptability",
    "planning",
    "commercial-awareness",
}


def test_library_ships_the_core_competencies_with_unique_ids() -> None:
    ids = [competency.id for competency in DEFAULT_COMPETENCIES]
    assert len(ids) >= 6
    assert len(ids) == len(set(ids))
    assert set(ids) >= REQUIRED_IDS


def test_every_competency_has_a_description_and_both_kinds_of_indicator() -> None:
    for competency in DEFAULT_COMPETENCIES:
        polarities = [indicator.polarity for indicator in competency.indicators]
        assert competency.description.strip(), competency.id
        assert polarities.count(Polarity.POSITIVE) >= 3, competency.id
        assert polarities.count(Polarity.NEGATIVE) >= 3, competency.id


def test_indicator_ids_are_unique_across_the_library_and_name_their_competency() -> None:
    ids = [indicator.id for competency in DEFAULT_COMPETENCIES for indicator in competency.indicators]
    assert len(ids) == len(set(ids))
    for competency in DEFAULT_COMPETENCIES:
        for indicator in competency.indicators:
            suffix = "p" if indicator.polarity is Polarity.POSITIVE else "n"
            assert indicator.id.startswith(f"{competency.id}-{suffix}"), indicator.id


def test_every_competency_has_five_distinct_rating_anchors() -> None:
    for competency in DEFAULT_COMPETENCIES:
        assert len(competency.anchors) == 5, competency.id
        assert all(anchor.strip() for anchor in competency.anchors), competency.id
        assert len(set(competency.anchors)) == 5, competency.id


def test_default_library_returns_copies_that_callers_can_edit() -> None:
    first = default_library()
    first[0].name = "Edited"
    first[0].indicators[0].text = "Edited indicator"
    first[0].anchors[0] = "Edited anchor"
    first.pop()

    second = default_library()
    assert len(second) == len(DEFAULT_COMPETENCIES)
    assert second == list(DEFAULT_COMPETENCIES)
    assert second[0].name != "Edited"
    assert second[0].indicators[0].text != "Edited indicator"
    assert second[0].anchors[0] != "Edited anchor"
