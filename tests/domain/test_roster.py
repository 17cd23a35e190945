"""Roster rules on plain objects: reading a pasted list, its order, and people who share a name."""

from __future__ import annotations

import pytest

from facilitator.domain import lobby, setup
from facilitator.domain.commands import CandidateInput
from facilitator.domain.errors import Conflict, DomainError
from facilitator.domain.models import CandidateStatus, Session, SessionData, SessionState

PASTED = """Name, Email
Ada Lovelace, ada@example.com
Grace Hopper

Linus Torvalds, not-an-email
ada@example.com
, nobody@example.com
"Hopper, Grace", grace@example.com
"""


def session(state: SessionState = SessionState.DRAFT) -> SessionData:
    return SessionData(
        session=Session(
            id="s1",
            title="AC",
            join_code="ACDEFGH",
            owner_id="u1",
            state=state,
            created_at=0.0,
            updated_at=0.0,
        )
    )


def test_readable_lines_become_people_and_the_others_say_which_line_and_why() -> None:
    reading = setup.read_roster(PASTED)
    assert [(e.name, e.email) for e in reading.entries] == [
        ("Ada Lovelace", "ada@example.com"),
        ("Grace Hopper", None),
        ("Hopper, Grace", "grace@example.com"),
    ]
    assert [(line.number, line.text) for line in reading.rejected] == [
        (5, "Linus Torvalds, not-an-email"),
        (6, "ada@example.com"),
        (7, ", nobody@example.com"),
    ]
    reasons = [line.reason for line in reading.rejected]
    assert reasons[0] == "Email is not a valid email address (like name@example.com)."
    assert "no name" in reasons[1] and reasons[2] == "Name is required."
    assert reading.leftover == "Linus Torvalds, not-an-email\nada@example.com\n, nobody@example.com"


def test_a_name_over_eighty_characters_is_refused_in_plain_words() -> None:
    (line,) = setup.read_roster("Ada\n" + "x" * 81).rejected
    assert line.number == 2 and line.reason == "Name is too long: at most 80 characters."


def test_strict_parsing_names_every_bad_line() -> None:
    with pytest.raises(DomainError) as refused:
        setup.parse_roster("Ada\nLinus, nope\nGrace\nKen, also-nope")
    assert "Line 2" in refused.value.message and "Line 4" in refused.value.message
    with pytest.raises(DomainError):
        setup.parse_roster("name\n\n")


def test_people_added_together_keep_the_order_they_were_given() -> None:
    data = session()
    names = [f"Person {n:02d}" for n in range(40)]
    setup.add_candidates(data, [CandidateInput(name=n) for n in names], now=1_800_000_000.0)
    shuffled = dict(sorted(data.candidates.items()))  # as a store with no order would give them back
    assert [c.name for c in setup.roster(SessionData(session=data.session, candidates=shuffled))] == names


def test_people_who_share_a_name_are_named_together() -> None:
    data = session()
    setup.add_candidates(
        data,
        [CandidateInput(name=n) for n in ("Sam Lee", "Ada", "sam  LÉE", "Grace")],
        now=1.0,
    )
    groups = setup.namesakes(data.candidates.values())
    assert [sorted(c.name for c in group) for group in groups] == [["Sam Lee", "sam  LÉE"]]
    warning = setup.namesake_warning(groups)
    assert warning is not None and warning.startswith("Two people have the same name: Sam Lee and sam  LÉE.")
    assert "personal link" in warning
    setup.add_candidates(data, [CandidateInput(name="Ada")], now=2.0)
    assert setup.namesake_warning(setup.namesakes(data.candidates.values())) == (
        "Some people share a name: Sam Lee (2), Ada (2). People who share a name cannot check in "
        "by typing it: send each of them their personal link."
    )
    same = setup.namesakes(
        [c.model_copy(update={"id": f"x{n}", "name": "Ada"}) for n, c in enumerate(groups[0])]
    )
    assert setup.namesake_warning(same) == (
        "Two people are called Ada. People who share a name cannot check in by typing it: "
        "send each of them their personal link."
    )
    # Someone removed from the roster no longer shares their name with anyone.
    removed = next(c for c in data.candidates.values() if c.name == "sam  LÉE")
    removed.status = CandidateStatus.REMOVED
    assert [[c.name for c in g] for g in setup.namesakes(data.candidates.values())] == [["Ada", "Ada"]]


def test_a_name_two_roster_entries_share_asks_for_the_personal_link_not_a_third_person() -> None:
    data = session(SessionState.OPEN)
    setup.add_candidates(data, [CandidateInput(name="Sam Lee"), CandidateInput(name="Sam Lée")], now=1.0)
    with pytest.raises(Conflict) as refused:
        lobby.check_in(data, name="sam lee", candidate_id=None, by_link=False, now=2.0)
    assert refused.value.code == "same_name" and "personal link" in refused.value.message
    assert len(data.candidates) == 2
    by_link = next(iter(data.candidates))
    candidate, _ = lobby.check_in(data, name="Sam Lee", candidate_id=by_link, by_link=True, now=3.0)
    assert candidate.id == by_link and candidate.status == CandidateStatus.CHECKED_IN


def test_a_unique_name_still_matches_its_roster_entry() -> None:
    data = session(SessionState.OPEN)
    setup.add_candidates(data, [CandidateInput(name="Zoë Ångström")], now=1.0)
    candidate, _ = lobby.check_in(data, name="zoe angstrom", candidate_id=None, by_link=False, now=2.0)
    assert not candidate.walk_in and len(data.candidates) == 1
