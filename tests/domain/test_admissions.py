"""Where a join goes, and the admission queue's rules, on plain objects."""

from __future__ import annotations

import pytest

from facilitator.domain import admissions, lobby
from facilitator.domain.admissions import ADMISSION_TTL_S, MAX_WAITING, Admission, AdmissionStatus
from facilitator.domain.errors import Conflict, Forbidden
from facilitator.domain.events import Viewer, may_see
from facilitator.domain.lobby import Asked
from facilitator.domain.models import Candidate, CandidateStatus, Session, SessionData, SessionState


def lobby_with(*people: tuple[str, str, CandidateStatus]) -> SessionData:
    data = SessionData(
        session=Session(
            id="s1",
            title="AC",
            join_code="ACDEFGHJKM",
            owner_id="u1",
            state=SessionState.OPEN,
            created_at=0.0,
            updated_at=0.0,
        )
    )
    for cid, name, status in people:
        data.candidates[cid] = Candidate(id=cid, name=name, added_at=0.0, status=status)
    return data


INVITED, IN, REMOVED = CandidateStatus.INVITED, CandidateStatus.CHECKED_IN, CandidateStatus.REMOVED


def typed(data: SessionData, name: str, holder: str | None = None) -> lobby.Route:
    return lobby.route_join(data, name=name, candidate_id=None, by_link=False, holder=holder)


def by_link(data: SessionData, cid: str, holder: str | None = None) -> lobby.Route:
    return lobby.route_join(data, name="", candidate_id=cid, by_link=True, holder=holder)


def test_a_typed_name_takes_only_an_identity_nobody_holds() -> None:
    data = lobby_with(("a", "Ada Lovelace", INVITED), ("g", "Grace Hopper", IN))
    assert typed(data, "ada lovelace") == lobby.Route("check_in", "a")
    assert typed(data, "Walk In") == lobby.Route("check_in", None)
    assert typed(data, "GRACE hopper") == lobby.Route("ask", asked=Asked.CHECKED_IN, matches=("g",))


def test_a_name_two_entries_share_goes_to_the_facilitator_with_both() -> None:
    data = lobby_with(("s1", "Sam Lee", INVITED), ("s2", "Sam Lée", IN), ("s3", "Sam Lee", REMOVED))
    assert typed(data, "sam lee") == lobby.Route("ask", asked=Asked.NAMESAKES, matches=("s1", "s2"))


def test_the_phone_already_holding_the_identity_just_continues() -> None:
    data = lobby_with(("g", "Grace Hopper", IN), ("s1", "Sam Lee", INVITED), ("s2", "Sam Lee", IN))
    assert typed(data, "Grace Hopper", holder="g") == lobby.Route("continue", "g")
    assert typed(data, "Sam Lee", holder="s2") == lobby.Route("continue", "s2")
    assert by_link(data, "g", holder="g") == lobby.Route("continue", "g")
    # Another candidate's phone is no proof of being Grace.
    assert by_link(data, "g", holder="s2") == lobby.Route("ask", asked=Asked.SECOND_DEVICE, matches=("g",))


def test_a_locked_lobby_turns_every_typed_name_away_but_not_personal_links() -> None:
    data = lobby_with(("a", "Ada Lovelace", INVITED), ("g", "Grace Hopper", IN))
    data.session.lobby_locked = True
    for name in ("Ada Lovelace", "Grace Hopper", "Walk In"):
        with pytest.raises(Forbidden) as refused:
            typed(data, name)
        assert refused.value.code == "lobby_locked"
    assert by_link(data, "a") == lobby.Route("check_in", "a")
    assert by_link(data, "g").kind == "ask"


def test_a_direct_check_in_never_takes_a_held_identity() -> None:
    data = lobby_with(("g", "Grace Hopper", IN))
    with pytest.raises(Conflict) as by_name:
        lobby.check_in(data, name="Grace Hopper", candidate_id=None, by_link=False, now=1.0)
    with pytest.raises(Conflict) as second:
        lobby.check_in(data, name="Grace Hopper", candidate_id="g", by_link=True, now=1.0)
    assert (by_name.value.code, second.value.code) == ("already_checked_in", "second_device")
    assert list(data.candidates) == ["g"]


def asked(data: SessionData, route: lobby.Route, name: str = "Sam Lee", now: float = 100.0) -> Admission:
    admission, (event,) = admissions.request(data, route, name, "adm1", 0, now)
    assert event.type == "admission_requested" and not may_see(event.audience, Viewer("candidate", "s1"))
    assert not may_see(event.audience, Viewer("observer", "o1"))
    return admission


def test_the_facilitator_admits_a_namesake_as_the_one_they_are() -> None:
    data = lobby_with(("s1", "Sam Lee", INVITED), ("s2", "Sam Lee", INVITED))
    admission = asked(data, typed(data, "Sam Lee"))
    candidate, replaces, events = admissions.admit(data, admission, "s2", "u1", now=160.0)
    assert candidate.id == "s2" and not replaces
    # Arrival is when the phone asked, not when the facilitator answered.
    assert candidate.status == IN and candidate.checked_in_at == 100.0
    assert [e.type for e in events] == ["candidate_checked_in", "admission_decided"]
    assert admission.status == AdmissionStatus.ADMITTED and admission.candidate_id == "s2"
    with pytest.raises(Conflict) as again:
        admissions.refuse(data, admission, "u1", now=170.0)
    assert again.value.code == "already_decided"


def test_admitting_as_someone_already_in_signs_their_first_phone_out() -> None:
    data = lobby_with(("g", "Grace Hopper", IN))
    admission = asked(data, by_link(data, "g"), name="")
    assert admission.name == "Grace Hopper" and admission.asked == Asked.SECOND_DEVICE
    with pytest.raises(Conflict) as walk_in:
        admissions.admit(data, admission, None, "u1", now=101.0)
    assert walk_in.value.code == "not_a_walk_in"
    candidate, replaces, events = admissions.admit(data, admission, "g", "u1", now=101.0)
    assert candidate.id == "g" and replaces
    assert [e.type for e in events] == ["candidate_device_replaced", "admission_decided"]
    assert len(data.candidates) == 1


def test_a_phone_is_let_in_only_as_someone_it_named_or_as_a_walk_in() -> None:
    data = lobby_with(("g", "Grace Hopper", IN), ("a", "Ada Lovelace", INVITED))
    admission = asked(data, typed(data, "Grace Hopper"), name="grace hopper")
    with pytest.raises(Conflict) as other:
        admissions.admit(data, admission, "a", "u1", now=101.0)
    assert other.value.code == "not_a_match"
    # A lobby locked since the phone asked does not overrule the facilitator's own answer.
    data.session.lobby_locked = True
    candidate, replaces, _ = admissions.admit(data, admission, None, "u1", now=102.0)
    assert candidate.walk_in and candidate.name == "grace hopper" and not replaces
    assert data.candidates["g"].status == IN


def test_stale_full_and_closed_queues_are_refused() -> None:
    data = lobby_with(("g", "Grace Hopper", IN))
    route = typed(data, "Grace Hopper")
    with pytest.raises(Conflict) as full:
        admissions.request(data, route, "Grace Hopper", "adm2", MAX_WAITING, 100.0)
    assert full.value.code == "queue_full"
    admission = asked(data, route)
    with pytest.raises(Conflict) as stale:
        admissions.admit(data, admission, "g", "u1", now=100.0 + ADMISSION_TTL_S + 1)
    assert stale.value.code == "admission_expired"
    data.session.state = SessionState.ENDED
    with pytest.raises(Conflict) as closed:
        admissions.refuse(data, admission, "u1", now=101.0)
    assert closed.value.code == "closed" and admission.status == AdmissionStatus.WAITING


def test_the_control_room_sees_who_the_phone_may_be() -> None:
    data = lobby_with(("s1", "Sam Lee", INVITED), ("s2", "Sam Lée", IN))
    view = admissions.view(data, asked(data, typed(data, "sam lee"), name="sam lee"))
    assert view["name"] == "sam lee" and view["asked"] == "namesakes"
    assert view["matches"] == [
        {"id": "s1", "name": "Sam Lee", "status": "invited"},
        {"id": "s2", "name": "Sam Lée", "status": "checked_in"},
    ]
    assert view["expires_at"] == 100.0 + ADMISSION_TTL_S
