"""Prometheus metrics of one gluerun process: API latency, event-loop lag, run durations, and
store gauges.

Counts of runs by job and state and the queue depth are read from the store at scrape time,
so every node reports the whole cluster's; latencies, lag and durations are this process's own.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from gluerun.model.runs import JobRun
from gluerun.store.base import NodeLease
from gluerun.store.roles import EventStore, NodeStore

#: Content type of the text exposition format.
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class _StoreCollector(Collector):
    def __init__(self, events: EventStore, nodes: NodeStore) -> None:
        self.events = events
        self.nodes = nodes

    def collect(self) -> Iterator[Metric]:
        runs = GaugeMetricFamily(
            "gluerun_job_runs",
            "Job runs kept in the store, by job and state.",
            labels=["job", "state"],
        )
        for job, state, count in self.events.run_counts():
            runs.add_metric([job, state], count)
        yield runs
        waiting, unclaimed = self.events.queue_depth()
        queue = GaugeMetricFamily("gluerun_queue_depth", "Runs not yet executing.", labels=["kind"])
        queue.add_metric(["waiting"], waiting)
        queue.add_metric(["unclaimed"], unclaimed)
        yield queue
        yield from _node_metrics(self.nodes.list_nodes(), time.time())


def _node_metrics(leases: list[NodeLease], now: float) -> Iterator[Metric]:
    """Each engine node's lease (negative once it ran out) and epoch: a cluster's liveness."""
    lease = GaugeMetricFamily(
        "gluerun_node_lease_seconds",
        "Seconds left on each engine node's lease (negative: ran out), by node and state.",
        labels=["node", "state"],
    )
    epoch = GaugeMetricFamily(
        "gluerun_node_epoch",
        "Each engine node's epoch (bumped by each join and takeover).",
        labels=["node"],
    )
    for node in leases:
        lease.add_metric([node.fence.node_id, node.state], node.lease_until - now)
        epoch.add_metric([node.fence.node_id], node.fence.epoch)
    yield lease
    yield epoch


#: Fine below 10 ms, where a healthy loop's lag lives, coarse above.
LAG_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.02, 0.05, 0.1, 0.25, 1, 5)


class LoopLagMonitor:
    """Sleeps `interval` seconds at a time on the event loop and observes how late each wake-up
    is: a blocking call or a long computation on the loop shows up as lag, whatever it was."""

    def __init__(self, observe: Callable[[float], None], interval: float = 0.02) -> None:
        self.observe = observe
        self.interval = interval
        self._task: asyncio.Task[None] | None = None

    def start(self) -> None:
        """Start watching the running loop (once: the task is kept so it is not collected)."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._watch())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()

    async def _watch(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due = loop.time() + self.interval
            await asyncio.sleep(self.interval)
            self.observe(max(0.0, loop.time() - due))


class Metrics:
    """A registry per process (never the global one, so tests stay independent)."""

    def __init__(self, events: EventStore, nodes: NodeStore) -> None:
        self.registry = CollectorRegistry()
        self.api_latency = Histogram(
            "gluerun_api_request_duration_seconds",
            "Time to answer one API request, by operation and outcome.",
            ["operation", "status"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.loop_lag = Histogram(
            "gluerun_event_loop_lag_seconds",
            "How late the API's event loop woke from a short periodic sleep: how long any "
            "request could have waited behind work holding the loop.",
            registry=self.registry,
            buckets=LAG_BUCKETS,
        )
        self.run_duration = Histogram(
            "gluerun_run_duration_seconds",
            "Wall time from StartedOn to CompletedOn of runs this node finished.",
            ["job", "state"],
            registry=self.registry,
            buckets=(0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 24 * 3600),
        )
        self.registry.register(_StoreCollector(events, nodes))
        self.events = events
        self._durations: set[tuple[str, str]] = set()  # label sets of run_duration
        self._lock = threading.Lock()

    def observe_run(self, run: JobRun) -> None:
        if run.completed_on is not None:
            seconds = max(0.0, run.completed_on - run.started_on)
            with self._lock:
                self._durations.add((run.job_name, run.state.value))
                self.run_duration.labels(run.job_name, run.state.value).observe(seconds)

    def render(self) -> bytes:
        self._drop_deleted_jobs()
        return generate_latest(self.registry)

    def _drop_deleted_jobs(self) -> None:
        """Forget the duration series of jobs that no longer exist: each job leaves a dozen
        series behind, and a server that creates and deletes jobs would grow without end."""
        with self._lock:
            if not self._durations:
                return
            existing = self.events.job_names()
            for labels in [labels for labels in self._durations if labels[0] not in existing]:
                self.run_duration.remove(*labels)
                self._durations.discard(labels)
