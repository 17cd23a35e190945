"""Redis fails under a burst of observations through nginx: killed outright and restarted
(AOF `appendfsync always`), or unreachable for 10 s. Every acknowledged observation is stored
once, nothing else is, and the tablets' retries settle every write the failure left open."""

from __future__ import annotations

import time

import pytest

from ..cluster import LocalCluster
from .history import INDETERMINATE, OK
from .scenario import panel_burst

pytestmark = pytest.mark.cluster

TABLETS = 4
# The app gives up on Redis after its 2 s timeout (plus up to 2 s waiting for a pooled
# connection): an answer while Redis is unreachable comes within this bound, never later.
ANSWER_WITHIN_S = 4.5
OUTAGE_S = 10.0


def test_acknowledged_observations_survive_redis_killed_and_restarted(cluster: LocalCluster) -> None:
    burst, exercise_id, candidate_ids = panel_burst(cluster, TABLETS)
    burst.start(60, 0.04, exercise_id, candidate_ids)
    burst.wait_until_made(TABLETS * 60 * 2 // 5)
    cluster.redis.kill()  # SIGKILL: only what AOF fsync'd survives
    time.sleep(1.0)
    cluster.redis.start()
    figures = burst.finish_and_check("Redis killed and restarted")
    assert figures["invoked"] == figures["acknowledged"] == figures["present"] == TABLETS * 60
    # The kill landed mid-burst: some writes were answered "not stored" or "not known" first.
    assert figures["unavailable"] + figures["outcome_unknown"] + figures["timeout"] > 0, figures
    burst.close()


def test_redis_unreachable_for_ten_seconds_answers_quickly_and_the_app_recovers_by_itself(
    cluster: LocalCluster,
) -> None:
    burst, exercise_id, candidate_ids = panel_burst(cluster, TABLETS)
    burst.start(150, 0.1, exercise_id, candidate_ids)
    burst.wait_until_made(TABLETS * 20)
    cluster.redis.freeze()  # connections stay open, nothing answers: unreachable, not refused
    frozen_at = time.monotonic()
    try:
        time.sleep(OUTAGE_S)
    finally:
        cluster.redis.thaw()
    thawed_at = time.monotonic()
    figures = burst.finish_and_check("Redis unreachable for 10 s")
    assert figures["invoked"] == figures["acknowledged"] == figures["present"] == TABLETS * 150

    during = [a for a in burst.history.attempts if frozen_at + 0.5 < a.sent_at < thawed_at - ANSWER_WITHIN_S]
    assert len(during) >= TABLETS * 2, figures  # the tablets kept trying through the outage
    for attempt in during:
        # An answer that says so (never silence), and promptly.
        assert attempt.answer not in (OK, "timeout"), attempt
        assert attempt.latency < ANSWER_WITHIN_S, attempt
    assert any(a.answer in INDETERMINATE or a.answer == "unavailable" for a in during)
    # Nobody restarted anything: new connections are let in again, on every process.
    for tablet in burst.tablets:
        assert tablet.connect(), f"{tablet.name} refused after the outage"
    for n in range(3):
        assert "Traceback" not in cluster.log_of(n)
    burst.close()
