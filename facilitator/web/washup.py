"""The wash-up meeting: one candidate at a time on the projector, followed live on the panel's
tablets; consensus scores, decisions and reopened ratings recorded from the same page.

The page is rendered whole for the people allowed to see it (facilitators, and panel members
who owe no rating); its script follows the facilitator's moves and fetches the page again
to redraw the records that an event changed.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import login_required
from werkzeug.wrappers import Response

from .. import broadcast
from ..domain.audit import AuditAction
from ..domain.commands import ChangeState
from ..domain.errors import DomainError
from ..domain.evidence import Rating, RatingStatus, rating_key
from ..domain.models import Competency, SessionState
from ..domain.review import OUTCOME_LABELS, REVIEWING, CandidateReview, DecisionOutcome, assessed
from ..domain.states import LABELS
from ..domain.summary import CandidateSummary, Cell, summarise_all
from ..services import audit, review, setup
from ..services.review import Review
from ..store import get_redis
from ..store import users as user_store
from .helpers import me

bp = Blueprint("washup", __name__)


@bp.before_request
@login_required
def _signed_in() -> None:
    """Every page here is for signed-in staff; who may see the review is decided per session."""


@dataclass
class RatingState:
    """One observer's rating of the candidate in one exercise, as the wash-up shows it."""

    exercise_id: str
    observer_id: str
    rating: Rating | None

    @property
    def submitted(self) -> bool:
        """True when the scores count (drafts, reopened ones included, never do)."""
        return self.rating is not None and self.rating.status == RatingStatus.SUBMITTED


@dataclass
class CandidatePage:
    """Everything the wash-up shows about one candidate."""

    id: str
    name: str
    summary: CandidateSummary
    review: CandidateReview
    observers: list[str]  # who rated or was assigned to rate them, by name
    rows: list[Cell]  # flagged disagreements first, then in session order
    ratings: list[RatingState]

    @property
    def reopened(self) -> list[RatingState]:
        """Ratings the facilitator reopened at some point, with their record."""
        return [x for x in self.ratings if x.rating is not None and x.rating.reopenings]

    @property
    def reopenable(self) -> list[RatingState]:
        """Submitted ratings, which the facilitator may reopen."""
        return [x for x in self.ratings if x.submitted]

    def cell_text(self, cell: Cell, observer_id: str) -> str:
        """An observer's submitted score in a cell, or why there is none."""
        if observer_id in cell.scores:
            return str(cell.scores[observer_id])
        wanted = (cell.exercise_id, observer_id)
        state = next((x for x in self.ratings if (x.exercise_id, x.observer_id) == wanted), None)
        if state is None:
            return "—"
        if state.rating is not None and state.rating.reopenings and not state.submitted:
            return "Reopened"
        return "Not submitted" if not state.submitted else "—"


def _open(session_id: str) -> Review:
    try:
        return review.open_review(get_redis(), me(), session_id)
    except DomainError as exc:
        abort(exc.status, exc.message)


def _candidate_page(found: Review, summary: CandidateSummary, names: dict[str, str]) -> CandidatePage:
    data, candidate_id = found.data, summary.candidate_id
    ratings: list[RatingState] = []
    for exercise in data.session.exercises:
        run = data.session.runs.get(exercise.id)
        assigned = set(run.observers.get(candidate_id, [])) if run else set()
        rated = {
            x.observer_id
            for x in found.evidence.ratings.values()
            if x.exercise_id == exercise.id and x.candidate_id == candidate_id
        }
        for observer_id in sorted(assigned | rated, key=lambda uid: names.get(uid, uid)):
            key = rating_key(exercise.id, candidate_id, observer_id)
            ratings.append(RatingState(exercise.id, observer_id, found.evidence.ratings.get(key)))
    observers = sorted({x.observer_id for x in ratings}, key=lambda uid: names.get(uid, uid))
    cells = list(summary.cells.values())
    return CandidatePage(
        id=candidate_id,
        name=data.candidates[candidate_id].name,
        summary=summary,
        review=found.review_of(candidate_id),
        observers=observers,
        rows=[c for c in cells if c.flagged] + [c for c in cells if not c.flagged],
        ratings=ratings,
    )


def _names(found: Review) -> dict[str, str]:
    """Observers' names, and the names of whoever recorded or reopened something."""
    names = dict(found.observer_names)
    people = {me().id}
    for record in found.evidence.reviews.values():
        people.update(c.by for c in record.consensus_history)
        people.update(d.by for d in record.decision_history)
        if record.decision is not None:
            people.add(record.decision.by)
    for rating in found.evidence.ratings.values():
        people.update(x.by for x in rating.reopenings)
    for uid in people - names.keys():
        account = user_store.get(get_redis(), uid)
        names[uid] = account.name if account is not None else "a former member of staff"
    return names


def _order(found: Review) -> tuple[list[str], str | None]:
    """The facilitator's order (everyone assessed, each once) and who is on screen."""
    known = assessed(found.data)
    order = [cid for cid in found.evidence.washup.order if cid in known]
    order += [cid for cid in known if cid not in order]
    current = found.evidence.washup.current
    return order, current if current in order else (order[0] if order else None)


def _assessed_competencies(found: Review) -> list[Competency]:
    session = found.data.session
    wanted = {cid for e in session.exercises for cid in e.competency_ids}
    return [c for c in session.competencies if c.id in wanted]


def clock(at: float | None) -> str:
    """A time of day in UTC, what the page shows before the browser localises it."""
    return datetime.fromtimestamp(at or 0, UTC).strftime("%H:%M UTC")


def score_text(value: float | None) -> str:
    """A mean to one decimal place, or a dash when nothing was rated."""
    return "—" if value is None else f"{value:.1f}"


def _render_washup(session_id: str, decided_error: str | None = None) -> tuple[str, int]:
    found = _open(session_id)
    session = found.data.session
    manager = found.viewer.kind == "manager"
    if session.state not in REVIEWING:
        return render_template(
            "washup/start.html",
            session=session,
            manager=manager,
            ended=session.state == SessionState.ENDED,
            labels=LABELS,
            refusal=None,
        ), 200
    names = _names(found)
    order, current = _order(found)
    summaries = summarise_all(session, order, found.evidence.ratings.values(), found.evidence.observations)
    candidates = [_candidate_page(found, summaries[cid], names) for cid in order]
    return render_template(
        "washup/show.html",
        session=session,
        manager=manager,
        editable=manager and session.state == SessionState.REVIEW,
        candidates=candidates,
        current=current,
        stage=found.evidence.washup.stage,
        competencies=_assessed_competencies(found),
        exercises={e.id: e for e in session.exercises},
        names=names,
        outcomes=[(o.value, OUTCOME_LABELS[o]) for o in DecisionOutcome],
        outcome_labels={o.value: label for o, label in OUTCOME_LABELS.items()},
        labels=LABELS,
        clock=clock,
        score_text=score_text,
        decided_error=decided_error,
    ), 200


@bp.get("/sessions/<session_id>/washup")
def show(session_id: str) -> tuple[str, int]:
    """The wash-up: the candidate being discussed, their ratings, evidence, consensus, decision."""
    shown = _render_washup(session_id)
    audit.viewed(get_redis(), me(), AuditAction.VIEWED_WASHUP, session_id)
    return shown


def _managed_review(session_id: str) -> Review:
    found = _open(session_id)
    if found.viewer.kind != "manager":
        abort(403, "Only the session's facilitators can do that.")
    return found


@bp.post("/sessions/<session_id>/washup/start")
def start(session_id: str) -> Response | tuple[str, int]:
    """Move the session into review; with ratings still owed, ask first, saying whose."""
    found = _managed_review(session_id)
    command = ChangeState(state=SessionState.REVIEW, confirm=request.form.get("confirm") == "1")
    try:
        outcome = setup.change_state(get_redis(), me(), session_id, command)
    except DomainError as exc:
        session = found.data.session
        return render_template(
            "washup/start.html",
            session=session,
            manager=True,
            ended=session.state == SessionState.ENDED,
            labels=LABELS,
            refusal=exc,
        ), exc.status
    broadcast.publish(session_id, outcome.events)
    return redirect(url_for("washup.show", session_id=session_id))


@bp.post("/sessions/<session_id>/washup/decided")
def mark_decided(session_id: str) -> Response | tuple[str, int]:
    """Mark the session decided; refused, naming them, while a candidate has no decision."""
    _managed_review(session_id)
    command = ChangeState(state=SessionState.DECIDED)
    try:
        outcome = setup.change_state(get_redis(), me(), session_id, command)
    except DomainError as exc:
        page, _ = _render_washup(session_id, decided_error=exc.message)
        return page, exc.status
    broadcast.publish(session_id, outcome.events)
    return redirect(url_for("washup.show", session_id=session_id))
