"""The event-loop lag monitor: a loop held by blocking work shows up as lag on /metrics."""

from __future__ import annotations

import asyncio
import time

from gluerun.metrics import LoopLagMonitor, Metrics
from gluerun.store import open_store


async def _hold_the_loop(monitor: LoopLagMonitor, seconds: float) -> None:
    monitor.start()
    await asyncio.sleep(0.05)  # a few wake-ups on time first
    time.sleep(seconds)  # blocking on the loop, as a synchronous write waiting for a lock would
    await asyncio.sleep(0.05)
    monitor.stop()


def test_a_blocked_loop_is_observed_as_late_wake_ups() -> None:
    observed: list[float] = []
    asyncio.run(_hold_the_loop(LoopLagMonitor(observed.append, interval=0.01), 0.3))
    # The monitor was asleep for at most its interval when the loop was taken from it.
    assert max(observed) >= 0.3 - 0.01
    assert len(observed) >= 3


def test_lag_is_exported_as_a_histogram() -> None:
    store = open_store("sqlite://")
    metrics = Metrics(store.events, store.nodes)
    asyncio.run(_hold_the_loop(LoopLagMonitor(metrics.loop_lag.observe, interval=0.01), 0.1))
    text = metrics.render().decode()
    store.close()
    assert 'gluerun_event_loop_lag_seconds_bucket{le="0.05"}' in text
    count = next(
        line
        for line in text.splitlines()
        if line.startswith("gluerun_event_loop_lag_seconds_count")
    )
    assert float(count.split()[-1]) >= 3
    slow = next(line for line in text.splitlines() if 'lag_seconds_bucket{le="0.05"}' in line)
    assert float(count.split()[-1]) - float(slow.split()[-1]) >= 1  # the held wake-up
