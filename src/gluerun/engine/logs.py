"""LogCollector: turns each run's stdout.log/stderr.log into CloudWatch-style log events.

A background thread tails the files of the runs it watches, a line per event, timestamped when
read (never before the run started), and appends them to the store together with how far into
each file it got, so a restarted server resumes without duplicates. Memory per run is one read
chunk, whatever the job prints. Every append carries the node's fence: once the node was
presumed dead and taken over, the store refuses its lines, as it refuses its other run writes.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from gluerun.clock import Clock
from gluerun.model.logs import ERROR_GROUP, OUTPUT_GROUP, split_lines, stderr_group
from gluerun.model.runs import JobRun
from gluerun.store.base import Fence
from gluerun.store.roles import LogStore

log = logging.getLogger(__name__)

#: Bytes read from a file at a time, each stored in one write transaction that every other
#: write (StartJobRun's) waits for: 256 KiB of 100-byte lines holds it ~30 ms on the loaded
#: 2-core box, 1 MiB ~145 ms. A pass reads on until the file is drained, so the rate of
#: ingestion does not depend on it.
CHUNK = 256 * 1024
#: Seconds between passes: how far behind a live tail can be.
INTERVAL = 0.2


@dataclass
class _Source:
    path: Path
    group: str
    stream: str
    started_ms: int
    offset: int
    #: where the file's offset is kept, when another file feeds the same stream
    offset_group: str | None = None
    #: the node's epoch when it started tailing: its lines are refused once that was taken over
    fence: Fence | None = None
    #: the collector thread and the engine (finishing a run) may drain the same source
    lock: threading.Lock = field(default_factory=threading.Lock)


class LogCollector:
    """Tails the log files of running runs into the store."""

    def __init__(
        self,
        logs: LogStore,
        clock: Clock,
        runs_dir: Path,
        fence: Callable[[], Fence | None] = lambda: None,
    ) -> None:
        """`fence` gives the node's current epoch (None: writes are not fenced); a file is
        tailed under the epoch it was first watched in."""
        self.logs = logs
        self.clock = clock
        self.runs_dir = runs_dir
        self.fence = fence
        self._sources: dict[str, list[_Source]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="gluerun-logs", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.collect()

    def _loop(self) -> None:
        while not self._stop.wait(INTERVAL):
            try:
                self.collect()
            except Exception:
                log.exception("log collection failed")

    def watch(self, run: JobRun) -> None:
        """Start tailing `run`'s files, from where the store says ingestion stopped (no-op
        when they are tailed already)."""
        with self._lock:
            if run.id in self._sources:
                return
        run_dir = self.runs_dir / run.id
        sources = [
            self._source(run_dir / "stdout.log", OUTPUT_GROUP, run),
            self._stderr_source(run_dir / "stderr.log", run),
        ]
        with self._lock:
            self._sources[run.id] = sources

    def _source(
        self, path: Path, group: str, run: JobRun, offset_group: str | None = None
    ) -> _Source:
        stream = self.logs.log_stream(offset_group or group, run.id)
        offset = stream.source_bytes if stream is not None else 0
        started = int(run.started_on * 1000)
        return _Source(
            path, group, run.id, started, offset, offset_group=offset_group, fence=self.fence()
        )

    def _stderr_source(self, path: Path, run: JobRun) -> _Source:
        """stderr: /error, or from Glue 5.0 /output beside stdout (its offset then kept on the
        run's /error stream, since stdout's offset is on the /output one)."""
        group = stderr_group(run.glue_version)
        return self._source(path, group, run, ERROR_GROUP if group != ERROR_GROUP else None)

    def finish(self, run: JobRun) -> None:
        """The run's process has ended: ingest everything left, including a last partial line."""
        with self._lock:
            sources = self._sources.pop(run.id, None)
        if sources is None:
            self.watch(run)
            with self._lock:
                sources = self._sources.pop(run.id)
        for source in sources:
            self._drain(source, final=True)

    def collect(self) -> None:
        """One pass over every watched run."""
        with self._lock:
            sources = [s for group in self._sources.values() for s in group]
        for source in sources:
            self._drain(source, final=False)

    def note(self, run: JobRun, message: str) -> None:
        """gluerun's own message about a run, on the run's error stream."""
        now = self._now_ms(int(run.started_on * 1000))
        event = [(now, f"gluerun: {message}")]
        self.logs.append_log_events(ERROR_GROUP, run.id, event, now, fence=self.fence())

    def _now_ms(self, floor: int) -> int:
        return max(int(self.clock.now() * 1000), floor)

    def _drain(self, source: _Source, final: bool) -> None:
        with source.lock:
            self._drain_locked(source, final)

    def _drain_locked(self, source: _Source, final: bool) -> None:
        while True:
            data = _read(source.path, source.offset, CHUNK)
            if not data:
                return
            lines, rest = split_lines(data)
            consumed = len(data) - len(rest)
            if final and len(data) < CHUNK and rest:
                lines.append(rest.decode("utf-8", "replace"))
                consumed = len(data)
            if consumed == 0:
                return
            now = self._now_ms(source.started_ms)
            written = self.logs.append_log_lines(
                source.group,
                source.stream,
                now,
                lines,
                now,
                source.offset + consumed,
                offset_group=source.offset_group,
                fence=source.fence,
            )
            if not written:
                return  # this node was taken over: the run is no longer its to log
            source.offset += consumed
            if len(data) < CHUNK:
                return


def _read(path: Path, offset: int, size: int) -> bytes:
    try:
        with path.open("rb") as handle:
            handle.seek(offset)
            return handle.read(size)
    except FileNotFoundError:
        return b""
