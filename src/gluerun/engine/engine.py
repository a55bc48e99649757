"""Engine: claims STARTING runs, launches them, watches them, stops and times them out.

`tick()` is one deterministic pass over the store; `run_forever()` repeats it whenever the
store changes or a deadline is due. Launches and kills happen on worker threads and report
back through a queue, so a tick never blocks on a process.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor

from gluerun.clock import Clock
from gluerun.engine.config import EngineConfig
from gluerun.engine.launch import launch_request
from gluerun.engine.live import Event, Live
from gluerun.engine.logs import LogCollector
from gluerun.engine.nodes import Membership
from gluerun.engine.retention import RunRetention
from gluerun.engine.triggers import TriggerFirer
from gluerun.errors import ExecutorError
from gluerun.executors.base import Execution, Executor, ExitStatus, LaunchRequest, ProcessHandle
from gluerun.executors.launch_marks import recorded_process
from gluerun.model import events, policies, starts
from gluerun.model.jobs import unsupported_command
from gluerun.model.runs import SLOT_HOLDING, JobRun, RunState
from gluerun.store.base import Fence
from gluerun.store.roles import Stores

log = logging.getLogger(__name__)

__all__ = ["FINAL_NOTE", "Engine", "EngineConfig"]

#: States of runs an engine owns once it has claimed them.
#: How often the loop looks at the store when nothing wakes it (other nodes' writes).
POLL_SECONDS = 1.0
#: How gluerun's last message on a run's error stream starts (`gluerun logs --follow` stops there).
FINAL_NOTE = "run ended"
#: The shortest pause between two passes of the loop.
MIN_TICK_SECONDS = 0.005


class Engine:
    """Runs the runs of one node."""

    def __init__(
        self,
        store: Stores,
        executors: Mapping[str, Executor],
        clock: Clock,
        config: EngineConfig,
    ) -> None:
        self.store = store
        self.executors = executors
        self.clock = clock
        self.config = config
        self._live: dict[str, Live] = {}
        self._events: queue.SimpleQueue[Event] = queue.SimpleQueue()
        self._pool = ThreadPoolExecutor(max(4, config.max_parallel_runs), "gluerun-run")
        self._stop = threading.Event()
        self._draining = threading.Event()
        self._thread: threading.Thread | None = None
        self.triggers = TriggerFirer(store.runs, store.triggers, clock)
        self.logs = LogCollector(store.logs, clock, config.runs_dir, self._log_fence)
        self._next_expiry = 0.0
        self.retention = RunRetention(
            store.retention, clock, config.runs_dir, config.node_id, config.run_retention_days
        )
        self.membership = Membership(store.nodes, clock, config.node_id, config.lease_seconds)

    # -- lifecycle ----------------------------------------------------------------------
    def start(self) -> None:
        """Join the cluster, recover this node's runs, then loop in a background thread."""
        taken_over = self.membership.was_taken_over()
        self.membership.join()
        self.recover()
        if taken_over:
            self._kill_orphans()
        self.logs.start()
        self._thread = threading.Thread(target=self.run_forever, name="gluerun-engine", daemon=True)
        self._thread.start()

    def shutdown(self) -> None:
        """Stop looping. Job processes keep running; a restarted engine reattaches to them."""
        self._stop.set()
        self.store.db.notify()
        if self._thread is not None:
            self._thread.join(timeout=10)
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.logs.shutdown()

    def drain(self, timeout: float) -> bool:
        """Stop claiming runs (other nodes take them) and wait up to `timeout` seconds for this
        node's runs to end; True if they all did. The loop keeps recording their results."""
        self._draining.set()
        self.store.db.notify()
        deadline = self.clock.now() + timeout
        while self._live and self.clock.now() < deadline:
            self._stop.wait(0.1)
        return not self._live

    def run_forever(self) -> None:
        while not self._stop.is_set():
            try:
                self.tick()
            except Exception:
                log.exception("engine tick failed")
            self.store.db.wait_for_change(self._sleep_seconds())
            # Bursts of writes (thousands of StartJobRun a second) coalesce into one pass.
            self._stop.wait(MIN_TICK_SECONDS)

    def _sleep_seconds(self) -> float:
        now = self.clock.now()
        deadlines = [policies.deadline(live.run) for live in self._live.values()]
        deadlines.append(self.triggers.next_due())
        due = [d - now for d in deadlines if d is not None]
        return max(0.0, min([POLL_SECONDS, *due]))

    # -- one pass -----------------------------------------------------------------------
    def tick(self) -> None:
        """One pass: apply reports, stops, timeouts, queue admissions and new claims."""
        self._drain_events()
        self._keep_membership()
        owned = self.store.runs.node_runs(self.config.node_id, SLOT_HOLDING)
        for run in owned:
            if run.state is RunState.STOPPING:
                self._stop_run(run)
            self._notify_delay(run)
        self._enforce_timeouts()
        self.triggers.tick()
        self._expire_logs()
        self.retention.tick(self._pool)
        self.store.runs.admit_waiting(self.clock.now())
        free = 0 if self._draining.is_set() else self.config.max_parallel_runs - len(self._live)
        fence = self.membership.current()
        for run in self.store.runs.claim_runs(self.config.node_id, free, fence):
            self._launch(run)

    def _update(
        self,
        run: JobRun,
        expected: set[RunState] | frozenset[RunState],
        retry: JobRun | None = None,
    ) -> bool:
        """Every write about a run carries this node's epoch: refused once it was taken over."""
        return self.store.runs.update_run(run, expected, self.membership.current(), retry)

    def _log_fence(self) -> Fence | None:
        """The epoch the log collector's writes carry (None until this node first joins)."""
        return self.membership.fence

    # -- cluster ------------------------------------------------------------------------
    def _keep_membership(self) -> None:
        if not self.membership.renew():
            self._rejoin()
        for lost in self.membership.take_over():
            message = (
                f"gluerun node {lost.node_id} was lost (its lease expired): the run's process"
                " could not be reached."
            )
            self._take_over(lost, message)

    def _take_over(self, lost: Fence, message: str) -> None:
        """End the runs of a node taken over: their processes cannot be reached from here."""
        for run in self.store.runs.node_runs(lost.node_id, SLOT_HOLDING):
            self._lost(run, message)

    def _rejoin(self) -> None:
        """This node was presumed dead: kill its orphaned processes, join with a new epoch."""
        stale = self.membership.current()
        for live in list(self._live.values()):
            if live.execution is not None:
                self._pool.submit(live.execution.kill, self.config.kill_grace)
            self.logs.finish(live.run)
        self._live.clear()
        fence = self.membership.join()
        # Runs claimed under the old epoch that the takeover did not see (a claim racing it).
        self._take_over(
            fence,
            f"gluerun node {stale.node_id} was presumed dead (its lease expired): the run's"
            " process was killed.",
        )

    def _kill_orphans(self) -> None:
        """After a takeover while this node was down: end job processes of runs it lost.

        Their runs were ended (and retried) by the node that took over; left running, they
        would do the job a second time beside the retry.
        """
        owned = {run.id for run in self.store.runs.node_runs(self.config.node_id, SLOT_HOLDING)}
        runs_dir = self.config.runs_dir
        dirs = [d for d in runs_dir.iterdir() if d.is_dir()] if runs_dir.is_dir() else []
        executors = list({id(e): e for e in self.executors.values()}.values())
        for run_dir in dirs:
            handle = recorded_process(run_dir)
            if run_dir.name in owned or handle is None:
                continue
            for executor in executors:
                execution = executor.reattach(handle)
                if execution is not None:
                    log.warning("killing %s's process: its run was taken over", run_dir.name)
                    self._pool.submit(execution.kill, self.config.kill_grace)
                    break

    def _notify_delay(self, run: JobRun) -> None:
        """A "Glue Job Run Status" event once a run outlives its NotifyDelayAfter."""
        now = self.clock.now()
        if not events.delay_due(run, now):
            return
        marked = dataclasses.replace(run, extra={**run.extra, "delay_notified": True})
        if self._update(marked, {run.state}):
            self.store.events.record_event(events.RUN_STATUS, events.run_status_detail(run), now)
            if run.id in self._live:
                self._live[run.id].run = marked

    def _ended(self, run: JobRun) -> None:
        if self.config.observer is not None:
            self.config.observer(run)

    def _expire_logs(self) -> None:
        days = self.config.log_retention_days
        now = self.clock.now()
        if days <= 0 or now < self._next_expiry:
            return
        self._next_expiry = now + 3600
        self.store.logs.expire_logs(int((now - days * 86400) * 1000))

    def _drain_events(self) -> None:
        while True:
            try:
                event = self._events.get_nowait()
            except queue.Empty:
                return
            live = self._live.get(event.run_id)
            if live is None:
                if event.launched is not None:
                    # Launched for an epoch that was taken over since: nobody owns it.
                    self._pool.submit(event.launched.kill, self.config.kill_grace)
                continue
            if event.error is not None:
                self._fail_launch(live, event.error)
            elif event.launched is not None:
                self._started(live, event.launched)
            elif event.status is not None:
                self._finished(live, event.status)

    # -- launching ----------------------------------------------------------------------
    def _launch(self, run: JobRun) -> None:
        live = Live(run)
        self._live[run.id] = live
        executor = self.executors.get(run.launch.command_name)
        if executor is None:
            self._fail_launch(live, unsupported_command(run.launch.command_name))
            return
        if not run.launch.script_location:
            self._fail_launch(live, "The job has no Command.ScriptLocation.")
            return
        # Tailed from the launch on: preparing a run (a runtime's first build) is logged live.
        self.logs.watch(run)
        self._pool.submit(self._launch_worker, executor, launch_request(run, self.config))

    def _launch_worker(self, executor: Executor, request: LaunchRequest) -> None:
        try:
            execution = executor.launch(request)
        except ExecutorError as exc:
            self._report(Event(request.run_id, error=str(exc)))
        except Exception as exc:
            log.exception("launch of %s failed", request.run_id)
            self._report(Event(request.run_id, error=f"gluerun could not launch the run: {exc}"))
        else:
            self._report(Event(request.run_id, launched=execution))

    def _report(self, event: Event) -> None:
        self._events.put(event)
        self.store.db.notify()

    def _started(self, live: Live, execution: Execution) -> None:
        live.execution = execution
        handle = execution.handle
        now = self.clock.now()
        base = self._current(live.run) or live.run
        if base.state is not RunState.STARTING:
            self._watch(live.run.id, execution)
            self._kill(live)
            return
        running = base.with_state(
            RunState.RUNNING,
            now,
            running_since=now,
            pid=handle.pid,
            pid_started=handle.started,
        )
        if self._update(running, {RunState.STARTING}):
            live.run = running
            self.logs.watch(running)
            self.logs.note(running, f"run started (pid {handle.pid}).")
            warning = policies.script_name_warning(running.launch.script_location)
            if warning is not None:
                self.logs.note(running, warning)
            self._watch(live.run.id, execution)
        else:
            # Stopped (or timed out) while it was being prepared: end it now.
            self._watch(live.run.id, execution)
            self._kill(live)

    def _watch(self, run_id: str, execution: Execution) -> None:
        def wait() -> None:
            status = execution.wait()
            self._report(Event(run_id, status=status or ExitStatus(None, "Process lost.")))

        threading.Thread(target=wait, name=f"wait-{run_id[:12]}", daemon=True).start()

    def _fail_launch(self, live: Live, message: str) -> None:
        self._live.pop(live.run.id, None)
        self.logs.finish(live.run)
        current = self._current(live.run)
        if current is None or current.state is not RunState.STARTING:
            self._settle_stopped(current)
            return
        failed = current.with_state(RunState.FAILED, self.clock.now(), error_message=message)
        self.logs.note(current, f"{FINAL_NOTE} FAILED: the run could not start: {message}")
        self._end(failed, {RunState.STARTING})

    # -- finishing ----------------------------------------------------------------------
    def _finished(self, live: Live, status: ExitStatus) -> None:
        self._live.pop(live.run.id, None)
        current = self._current(live.run)
        if current is None:
            return
        self.logs.finish(current)
        now = self.clock.now()
        if current.state is RunState.STOPPING:
            self._end_stopping(current, status, now)
        elif live.timed_out and current.state is RunState.RUNNING:
            minutes = current.timeout
            message = f"Job run timed out after {minutes} minutes (Timeout)."
            self.logs.note(current, f"{FINAL_NOTE} TIMEOUT: {message}")
            timed_out = current.with_state(RunState.TIMEOUT, now, error_message=message)
            if self._update(timed_out, {RunState.RUNNING}):
                self._ended(timed_out)
        elif current.state is RunState.RUNNING:
            self._complete(current, status, now)

    def _complete(self, run: JobRun, status: ExitStatus, now: float) -> None:
        if status.succeeded:
            done = run.with_state(RunState.SUCCEEDED, now)
        else:
            message = status.error_message or f"Command failed with exit code {status.code}"
            done = run.with_state(RunState.FAILED, now, error_message=message)
        detail = f": {done.error_message}" if done.error_message else "."
        self.logs.note(run, f"{FINAL_NOTE} {done.state.value}{detail}")
        self._end(done, {run.state})

    def _end_stopping(self, run: JobRun, status: ExitStatus | None, now: float) -> None:
        """A STOPPING run whose process is gone: STOPPED, unless its script had run to a
        successful end before the stop reached it (it finished while the server was down, or
        in the moment the stop came). STOPPED would then say the job did not do what it did."""
        if status is None or not status.succeeded:
            self._settle_stopped(run)
            return
        self.logs.note(run, "the run's script finished before the stop could end it.")
        self._complete(run, status, now)

    def _settle_stopped(self, run: JobRun | None) -> None:
        if run is None or run.state is not RunState.STOPPING:
            return
        message = run.error_message or "Job run stopped by BatchStopJobRun."
        self.logs.note(run, f"{FINAL_NOTE} STOPPED: {message}")
        stopped = run.with_state(RunState.STOPPED, self.clock.now(), error_message=message)
        if self._update(stopped, {RunState.STOPPING}):
            self._ended(stopped)

    def _end(self, done: JobRun, expected: set[RunState]) -> None:
        """Write a run's final state together with its retry, if MaxRetries asks for one.

        One transaction: a node lost between the two writes would leave a FAILED run that
        is never retried.
        """
        retry = self._retry_of(done)
        if not self._update(done, expected, retry):
            return
        self._ended(done)
        if retry is not None:
            self.logs.note(done, f"retrying as {retry.id} (attempt {retry.attempt}).")

    def _retry_of(self, run: JobRun) -> JobRun | None:
        """The next attempt of a FAILED run, per its job's MaxRetries; None if none is due."""
        if run.state is not RunState.FAILED:
            return None  # never retried: no need to read the job
        job = self.store.runs.get_job(run.job_name)
        if job is None or job.job_id != run.launch.job_id:
            return None
        if policies.retry_decision(run, job.max_retries) is None:
            return None
        return starts.retry_run(run, self.clock.now())

    def _current(self, run: JobRun) -> JobRun | None:
        return self.store.runs.get_run(run.launch.job_id, run.id)

    # -- stopping and timeouts ----------------------------------------------------------
    def _stop_run(self, run: JobRun) -> None:
        live = self._live.get(run.id)
        if live is None:
            # Not ours in memory: preparing was lost, or the process is already gone.
            self._settle_stopped(run)
            return
        live.run = run
        if live.execution is not None:
            self._kill(live)
        # Still launching: _started sees the STOPPING state and kills it then.

    def _enforce_timeouts(self) -> None:
        now = self.clock.now()
        for live in list(self._live.values()):
            deadline = policies.deadline(live.run)
            if deadline is None or now < deadline or live.timed_out:
                continue
            live.timed_out = True
            if live.execution is not None:
                self._kill(live)
            else:
                self._time_out_unlaunched(live, now)

    def _time_out_unlaunched(self, live: Live, now: float) -> None:
        message = f"Job run timed out after {live.run.timeout} minutes (Timeout)."
        timed_out = live.run.with_state(RunState.TIMEOUT, now, error_message=message)
        self._update(timed_out, {RunState.STARTING})

    def _kill(self, live: Live) -> None:
        if live.killing or live.execution is None:
            return
        live.killing = True
        execution = live.execution
        self._pool.submit(execution.kill, self.config.kill_grace)

    # -- recovery -----------------------------------------------------------------------
    def recover(self) -> None:
        """Reattach to this node's runs after a restart, or settle the ones that were lost."""
        for run in self.store.runs.node_runs(self.config.node_id, SLOT_HOLDING):
            try:
                self._recover_run(run)
            except Exception:
                # One run's trouble (a broken run directory, say) must not keep the server down.
                log.exception("recovery of %s failed; a restart retries it", run.id)
        # Stopped before any engine claimed them (older servers left these STOPPING).
        for run in self.store.runs.node_runs(None, {RunState.STOPPING}):
            if run.node_id is None:
                self._settle_stopped(run)

    def _recover_run(self, run: JobRun) -> None:
        executor = self.executors.get(run.launch.command_name)
        if executor is None:
            self._lost(run, "gluerun stopped before the run's process started.")
            return
        handle = self._handle(run)
        if handle is None:
            # Claimed, but the store never learnt a pid: the launch was cut short.
            handle = executor.find_launch(self.config.runs_dir / run.id, run.started_on)
            if handle is None:
                self._relaunch(run)
                return
            adopted = self._adopt(run, handle)
            if adopted is None:
                return
            run = adopted
        execution = executor.reattach(handle)
        if execution is not None:
            self._reattach(run, execution)
            return
        status = executor.finished_status(handle)
        self.logs.finish(run)
        if status is not None and run.state is RunState.RUNNING:
            self._complete(run, status, self.clock.now())
        elif run.state is RunState.STOPPING:
            self._end_stopping(run, status, self.clock.now())
        else:
            self._lost(run, "The run's process was lost: gluerun stopped while it ran.")

    def _relaunch(self, run: JobRun) -> None:
        """A launch no process came of (and none ever will): stop it, or launch it again."""
        if run.state is not RunState.STARTING:
            self._lost(run, "gluerun stopped before the run's process started.")
            return
        self.logs.note(run, "server restarted before the run's process started; starting it.")
        self._launch(run)

    def _adopt(self, run: JobRun, handle: ProcessHandle) -> JobRun | None:
        """Record the pid of a process found on disk; the run as stored afterwards."""
        if run.state is not RunState.STARTING:
            return run
        since = handle.started or self.clock.now()
        running = run.with_state(
            RunState.RUNNING,
            self.clock.now(),
            running_since=since,
            pid=handle.pid,
            pid_started=handle.started,
        )
        if self._update(running, {RunState.STARTING}):
            self.logs.note(running, f"run started (pid {handle.pid}).")
            return running
        return self._current(run)

    def _reattach(self, run: JobRun, execution: Execution) -> None:
        live = Live(run, execution)
        self._live[run.id] = live
        self.logs.watch(run)
        self.logs.note(run, "server restarted; reattached to the running process.")
        self._watch(run.id, execution)
        if run.state is not RunState.RUNNING:
            self._kill(live)

    def _handle(self, run: JobRun) -> ProcessHandle | None:
        if run.pid is None or run.pid_started is None:
            return None
        return ProcessHandle(run.pid, run.pid_started, self.config.runs_dir / run.id)

    def _lost(self, run: JobRun, message: str) -> None:
        if run.state.terminal:
            return
        if run.state is RunState.STOPPING:
            self._settle_stopped(run)
            return
        failed = run.with_state(RunState.FAILED, self.clock.now(), error_message=message)
        self.logs.note(run, f"{FINAL_NOTE} FAILED: {message}")
        self._end(failed, {run.state})
