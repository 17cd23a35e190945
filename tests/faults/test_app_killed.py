"""kill -9 of an app process mid-burst: its tablets reconnect through nginx to another process
and resend their outboxes; every acknowledged observation is stored once, nothing else is."""

from __future__ import annotations

import pytest

from ..cluster import LocalCluster
from .scenario import panel_burst

pytestmark = pytest.mark.cluster

TABLETS, EACH, INTERVAL_S = 4, 100, 0.04


def test_tablets_of_a_killed_process_resend_their_outboxes_elsewhere_and_nothing_is_lost_or_doubled(
    cluster: LocalCluster,
) -> None:
    burst, exercise_id, candidate_ids = panel_burst(cluster, TABLETS)
    holders = [cluster.app_holding(t.sids[0]) for t in burst.tablets]
    doomed = holders[0]
    moved = [t for t, n in zip(burst.tablets, holders, strict=True) if n == doomed]

    burst.start(EACH, INTERVAL_S, exercise_id, candidate_ids)
    burst.wait_until_made(TABLETS * EACH * 2 // 5)
    cluster.kill_app(doomed)
    figures = burst.finish_and_check("app process killed")

    assert figures["invoked"] == figures["acknowledged"] == figures["present"] == TABLETS * EACH
    for tablet in moved:
        # It came back through nginx, to a process that is still alive.
        assert tablet.connects >= 2, tablet.sids
        assert cluster.app_holding(tablet.sids[-1]) != doomed
    burst.close()
