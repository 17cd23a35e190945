"""Benchmark: the review pages and the Excel export on a big session, against reading its data.

Starts a Redis server (as bench/observations.py does: appendfsync always), seeds one session
straight through the services and the store: 60 candidates checked in, 4 exercises that each
assess all 6 competencies (the heaviest matrix), 12 observers with 3 on each candidate in
every exercise, 5,000 observations, all 720 ratings submitted (6 scores each), consensus for
every candidate and decisions for half. Then, in the same process, it times (p50 of --runs):

- GET /sessions/<id>/candidates/<id>/summary, /compare and /export.xlsx through Flask's test
  client, signed in as the facilitator: server time for the whole request (read, build, render);
- the view-models and the workbook alone, built from a review already read;
- the baseline: reading the same data from Redis (store.review.load + unit.load), measured
  right before each row.

    .venv/bin/python bench/review.py [--runs 20]
"""

from __future__ import annotations

import argparse
import io
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import redis
from openpyxl import load_workbook
from werkzeug.security import generate_password_hash

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from observations import start_redis

from facilitator import create_app
from facilitator.domain.commands import CandidateInput, ExerciseInput, SessionDetails
from facilitator.domain.evidence import Observation, Rating, RatingStatus, Score
from facilitator.domain.models import (
    CandidateStatus,
    ExerciseRun,
    Group,
    RunStatus,
    SessionData,
    SessionState,
)
from facilitator.domain.review import CandidateReview, ConsensusScore, Decision, DecisionOutcome
from facilitator.services import exports, panel, review, setup
from facilitator.store import keys, unit
from facilitator.store import review as review_store
from facilitator.store import users as user_store
from facilitator.store.unit import Extra

CANDIDATES = 60
EXERCISES = 4
COMPETENCIES = ("teamwork", "communication", "leadership", "problem-solving", "adaptability", "planning")
OBSERVERS = 12
PER_CANDIDATE = 3
OBSERVATIONS = 5_000
PASSWORD = "benchmark-password"
NOTES = (
    "",
    "Brought the quiet member in and built on her idea",
    "Summarised the options before the vote",
    "Talked over the chair twice",
    "Checked the time and re-planned the last ten minutes",
    "Changed his view when shown the costs",
)
TARGETS_MS = {"summary": 300.0, "comparison": 300.0, "export": 1000.0}


def seed(r: redis.Redis) -> tuple[str, list[str]]:
    """The session described above; returns its id and its candidates' ids."""
    rng = random.Random(6)
    fast = generate_password_hash(PASSWORD, method="pbkdf2:sha256:1000")
    lead = user_store.create(r, "lead@bench.example", "Lead Facilitator", "facilitator", fast)
    assert lead is not None
    observers = []
    for n in range(OBSERVERS):
        account = user_store.create(r, f"observer{n}@bench.example", f"Observer {n:02d}", "observer", fast)
        assert account is not None
        observers.append(account.id)
    details = SessionDetails(title="Graduate assessment centre (bench)", competency_ids=list(COMPETENCIES))
    sid = setup.create_session(r, lead, details).id
    for n in range(EXERCISES):
        exercise = ExerciseInput(
            title=f"Exercise {n + 1}", duration_minutes=30, competency_ids=list(COMPETENCIES)
        )
        setup.save_exercise(r, lead, sid, None, exercise)
    people = [
        CandidateInput(name=f"Candidate {n:02d}", email=f"candidate{n}@bench.example")
        for n in range(CANDIDATES)
    ]
    setup.add_candidates(r, lead, sid, people, "bench-secret")
    for observer_id in observers:
        panel.add(r, lead, sid, observer_id)
    start = time.time() - 6 * 3600

    def finish(data: SessionData, extra: Extra) -> tuple[None, list[Any]]:
        """Everyone checked in; every exercise run and ended with 3 observers a candidate."""
        ids = sorted(data.candidates)
        for n, cid in enumerate(ids):
            person = data.candidates[cid]
            person.status, person.privacy_accepted_at, person.checked_in_at = (
                CandidateStatus.CHECKED_IN,
                start - 600,
                start - 600 + n * 5,
            )
        for e, exercise in enumerate(data.session.exercises):
            began = start + e * 3600
            groups = [
                Group(id=f"g{g + 1}", name=f"Group {g + 1}", members=ids[g * 4 : g * 4 + 4])
                for g in range(15)
            ]
            watching = {
                cid: [observers[(n + e * 5 + k * 4) % OBSERVERS] for k in range(PER_CANDIDATE)]
                for n, cid in enumerate(ids)
            }
            data.session.runs[exercise.id] = ExerciseRun(
                exercise_id=exercise.id,
                status=RunStatus.ENDED,
                groups=groups,
                started_at=began,
                ended_at=began + 1800,
                segments=[(began, began + 1800)],
                observers=watching,
            )
        data.session.state = SessionState.REVIEW
        data.session.ended_at = start + EXERCISES * 3600
        return None, []

    unit.change(r, sid, finish)
    data = unit.load(r, sid)
    session = data.session
    ids = [c.id for c in data.active_candidates()]
    indicators = {c.id: c.indicators for c in session.competencies}
    with r.pipeline(transaction=False) as pipe:
        for n in range(OBSERVATIONS):
            exercise = session.exercises[n % EXERCISES]
            run = session.runs[exercise.id]
            cid = ids[(n // EXERCISES) % len(ids)]
            indicator = rng.choice(indicators[rng.choice(COMPETENCIES)])
            clock = rng.uniform(0, 1800)
            assert run.started_at is not None
            observation = Observation(
                id=f"bench-obs-{n:05d}",
                exercise_id=exercise.id,
                observer_id=rng.choice(run.observers[cid]),
                candidate_id=cid,
                competency_id=next(c for c, found in indicators.items() if indicator in found),
                indicator_id=indicator.id,
                polarity=indicator.polarity.value,  # type: ignore[arg-type]
                note=rng.choice(NOTES),
                recorded_at=run.started_at + clock,
                clock_s=round(clock, 1),
                received_at=run.started_at + clock + 0.2,
            )
            pipe.hset(keys.observations(sid), observation.id, observation.model_dump_json())
        for exercise in session.exercises:
            run = session.runs[exercise.id]
            assert run.ended_at is not None
            for cid in ids:
                for observer_id in run.observers[cid]:
                    rating = Rating(
                        exercise_id=exercise.id,
                        candidate_id=cid,
                        observer_id=observer_id,
                        scores={
                            c: Score(score=rng.randint(1, 5), evidence=f"{rng.choice(NOTES[1:])} ({c})")
                            for c in COMPETENCIES
                        },
                        status=RatingStatus.SUBMITTED,
                        updated_at=run.ended_at + 300,
                        submitted_at=run.ended_at + 300,
                    )
                    pipe.hset(keys.ratings(sid), rating.key, rating.model_dump_json())
        decided_at = start + EXERCISES * 3600 + 1800
        for n, cid in enumerate(ids):
            record = CandidateReview(candidate_id=cid)
            for c in COMPETENCIES:
                agreed = ConsensusScore(
                    competency_id=c,
                    score=rng.randint(1, 5),
                    note="Agreed in the wash-up",
                    by=lead.id,
                    at=decided_at,
                )
                record.consensus[c] = agreed
                record.consensus_history.append(agreed)
            if n % 2 == 0:
                outcome = rng.choice(list(DecisionOutcome))
                record.decision = Decision(
                    outcome=outcome, rationale="Strong evidence", by=lead.id, at=decided_at
                )
            pipe.hset(keys.reviews(sid), cid, record.model_dump_json())
        pipe.execute()
    return sid, ids


def p50(runs: int, work: Callable[[], object]) -> tuple[float, float]:
    """Median wall time and median CPU time of `work` in milliseconds, after two warm-up calls.

    Everything runs in this process, so its CPU time is the server's work without the time
    spent waiting for a core that other programs on the machine hold.
    """
    for _ in range(2):
        work()
    wall, cpu = [], []
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        work()
        wall.append((time.perf_counter() - began) * 1000)
        cpu.append((time.process_time() - began_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    """Seed, time every row against its Redis read, print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        redis_process, redis_url = start_redis(Path(folder) / "redis")
        try:
            r = redis.Redis.from_url(redis_url, decode_responses=True)
            began = time.perf_counter()
            sid, ids = seed(r)
            seeded_s = time.perf_counter() - began
            measure(r, redis_url, Path(folder), sid, ids, args.runs, seeded_s)
        finally:
            redis_process.terminate()
            redis_process.wait()


def measure(
    r: redis.Redis, redis_url: str, folder: Path, sid: str, ids: list[str], runs: int, seeded_s: float
) -> None:
    """Every row of the table."""
    from facilitator.services import summaries

    app = create_app(
        {
            "TESTING": True,
            "SECRET_KEY": "bench",
            "REDIS_URL": redis_url,
            "SOCKETIO_MESSAGE_QUEUE": None,
            "SOCKETIO_ASYNC_MODE": "threading",
            "DATA_DIR": str(folder / "app"),
            "WTF_CSRF_ENABLED": False,
        }
    )
    client = app.test_client()
    assert (
        client.post("/login", data={"email": "lead@bench.example", "password": PASSWORD}).status_code == 302
    )
    lead = user_store.by_email(r, "lead@bench.example")
    assert lead is not None
    user = lead[0]
    candidate = ids[len(ids) // 2]

    def read() -> None:
        review_store.load(r, sid)
        unit.load(r, sid)

    def page(path: str) -> Callable[[], object]:
        def get() -> object:
            response = client.get(path)
            assert response.status_code == 200, (path, response.status_code)
            return response.data

        return get

    found = review_store.load(r, sid)
    shown = sum(not o.deleted for o in found.observations)
    scores = sum(len(x.scores) for x in found.ratings.values() if x.status == RatingStatus.SUBMITTED)
    book = load_workbook(io.BytesIO(client.get(f"/sessions/{sid}/export.xlsx").data), read_only=True)
    sheet_rows = {ws.title: sum(1 for _ in ws.iter_rows()) - 1 for ws in book.worksheets}
    print(
        f"Review pages and exports: {len(ids)} candidates, {EXERCISES} exercises x {len(COMPETENCIES)} "
        f"competencies, {PER_CANDIDATE} observers a candidate, {shown} observations, {len(found.ratings)} "
        f"ratings ({scores} scores); seeded in {seeded_s:.1f} s; p50 of {runs}; {os.cpu_count()} cores"
    )
    print(f"workbook rows: {sheet_rows}")
    with app.app_context():
        opened = review.open_review(r, user, sid)
        people = summaries.names(r, opened)
        source = exports.source(r, user, sid)
    from facilitator.domain import exports as export_rows

    rows: list[tuple[str, Callable[[], object], str | None]] = [
        (
            "summary page (GET, 1 candidate)",
            page(f"/sessions/{sid}/candidates/{candidate}/summary"),
            "summary",
        ),
        ("  its view-model only", lambda: summaries.candidate_page(opened, candidate, people), None),
        ("comparison page (GET)", page(f"/sessions/{sid}/compare"), "comparison"),
        ("  its view-model only", lambda: summaries.comparison(opened), None),
        ("Excel export (GET .xlsx)", page(f"/sessions/{sid}/export.xlsx"), "export"),
        ("  the sheets' rows only", lambda: export_rows.sheets(source), None),
        ("CSV observations (GET)", page(f"/sessions/{sid}/export.csv?sheet=observations"), None),
        ("JSON of the session (GET)", page(f"/sessions/{sid}/export.json"), None),
    ]
    print(f"load average before: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(
        f"{'what (ms)':<34} | {'wall p50':>8} | {'cpu p50':>8} | {'read wall':>9} | {'read cpu':>8} | "
        f"{'ratio cpu':>9} | target (cpu)"
    )
    for label, work, target in rows:
        read_wall, read_cpu = p50(runs, read)
        wall, cpu = p50(runs, work)
        goal = TARGETS_MS.get(target or "")
        verdict = "" if goal is None else f"< {goal:.0f} ms: {'met' if cpu < goal else 'MISSED'}"
        print(
            f"{label:<34} | {wall:>8.1f} | {cpu:>8.1f} | {read_wall:>9.1f} | {read_cpu:>8.1f} | "
            f"{cpu / read_cpu:>9.1f} | {verdict}"
        )
    print(f"load average after: {', '.join(f'{x:.1f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
