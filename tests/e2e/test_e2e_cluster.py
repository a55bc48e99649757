"""A cluster of `gluerun serve` nodes on one PostgreSQL: losing a node loses no run.

Each node has its own data directory and node id and a short lease, so a lost node is noticed
in seconds. Jobs write a ledger (one line per start and per end of each run id), which is how
the tests know no run executed twice and which process finished.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ConnectionError as BotoConnectionError
from botocore.exceptions import HTTPClientError
from live_server import BIN, FINAL, Server, kill_strays, pid_alive, wait_state
from sqlalchemy import create_engine, text

from gluerun.store.database import normalize_url
from gluerun.store.tables import metadata

pytestmark = pytest.mark.postgres

PG_DSN = os.environ.get("GLUERUN_TEST_PG_DSN", "")
LEASE = 2.0
#: what the issue promises: a dead node's runs are acted on within 30 s
BOUND = 30.0

#: waits for its release file (up to a minute), then ends; the ledger records both ends
JOB = """
import sys, time
from pathlib import Path
run_id = sys.argv[sys.argv.index("--JOB_RUN_ID") + 1]
ledger = Path({ledger!r})
with ledger.open("a") as out:
    out.write(f"start {{run_id}}\\n")
release = Path({release!r})
deadline = time.time() + 60
while not release.exists() and time.time() < deadline:
    time.sleep(0.05)
with ledger.open("a") as out:
    out.write(f"end {{run_id}}\\n")
"""


def _empty_database() -> None:
    engine = create_engine(normalize_url(PG_DSN))
    try:
        with engine.begin() as conn:
            present = set(conn.execute(text("SELECT tablename FROM pg_tables")).scalars())
            tables = [t.name for t in metadata.sorted_tables if t.name in present]
            if tables:
                conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY"))
    finally:
        engine.dispose()


@pytest.fixture
def node(tmp_path: Path) -> Iterator[Callable[..., Server]]:
    """Start a node by name on the shared database; every node is ended afterwards."""
    if not PG_DSN:
        if os.environ.get("CI"):
            pytest.fail("CI must set GLUERUN_TEST_PG_DSN: PostgreSQL tests may not skip in CI")
        pytest.skip("GLUERUN_TEST_PG_DSN not set")
    _empty_database()
    made: list[Server] = []

    def start(name: str, engine: bool = True, **settings: str) -> Server:
        env = {
            "GLUERUN_DATABASE_URL": PG_DSN,
            "GLUERUN_NODE_ID": name,
            "GLUERUN_NODE_LEASE_SECONDS": str(LEASE),
            "GLUERUN_ENGINE": str(engine).lower(),
            **settings,
        }
        (tmp_path / name).mkdir()
        server = Server(tmp_path / name / "data", env=env)
        server.start()
        made.append(server)
        return server

    yield start
    for server in made:
        if server.proc is not None:
            os.kill(server.proc.pid, signal.SIGCONT)
            server.stop(signal.SIGKILL)
        kill_strays(server.data_dir)


def ledger_job(glue: Any, name: str, tmp_path: Path, **extra: Any) -> tuple[Path, Path]:
    ledger, release = tmp_path / f"{name}.ledger", tmp_path / f"{name}.release"
    ledger.touch()
    script = tmp_path / f"{name}.py"
    script.write_text(JOB.format(ledger=str(ledger), release=str(release)))
    glue.create_job(
        Name=name,
        Role="r",
        Command={"Name": "pythonshell", "ScriptLocation": str(script)},
        **extra,
    )
    return ledger, release


def wait_for(condition: Callable[[], bool], timeout: float = BOUND) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("condition never held")
        time.sleep(0.05)


def started(ledger: Path, run_id: str) -> bool:
    return f"start {run_id}" in ledger.read_text().splitlines()


def nodes_command(*flags: str) -> str:
    return subprocess.run(
        [str(BIN / "gluerun"), "nodes", "--database-url", PG_DSN, *flags],
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def nodes_listed() -> dict[str, str]:
    """`gluerun nodes` as {node: state}."""
    rows = [line.split() for line in nodes_command().splitlines()[1:]]
    return {row[0]: row[2] for row in rows}


def runs_held() -> dict[str, str]:
    """The second table of `gluerun nodes --runs`, as {run id: node}."""
    _, held = nodes_command("--runs").split("\n\n")
    return {row.split()[2]: row.split()[0] for row in held.splitlines()[1:]}


def metrics_of(server: Server) -> str:
    with urllib.request.urlopen(server.endpoint + "/metrics") as response:
        return str(response.read().decode())


def job_pid(server: Server, run_id: str) -> int:
    """The pid of a run's wrapper process: its claim in the run directory."""
    mark = server.data_dir / "runs" / run_id / "pid"
    wait_for(lambda: mark.exists() and mark.read_text().strip().isdecimal(), timeout=10)
    return int(mark.read_text())


def test_kill9_of_a_node_fails_its_runs_naming_it_and_retries_them_on_another(
    node: Callable[..., Server], tmp_path: Path
) -> None:
    """Three nodes: two engines and an API-only one, whose API serves throughout."""
    a = node("node-a")
    api = node("node-c", engine=False)
    glue = api.client()
    ledger, release = ledger_job(
        glue, "ledgered", tmp_path, MaxRetries=1, ExecutionProperty={"MaxConcurrentRuns": 3}
    )
    runs = [glue.start_job_run(JobName="ledgered")["JobRunId"] for _ in range(3)]
    for run_id in runs:
        wait_for(lambda run_id=run_id: started(ledger, run_id))  # type: ignore[misc]
    assert runs_held() == dict.fromkeys(runs, "node-a")
    b = node("node-b")
    # The whole machine goes: the server and every job process it started.
    a.stop(signal.SIGKILL)
    kill_strays(a.data_dir)
    for run_id in runs:
        failed = wait_state(glue, "ledgered", run_id, FINAL, timeout=BOUND)
        assert failed["JobRunState"] == "FAILED"
        assert "node-a" in failed["ErrorMessage"]
    assert nodes_listed() == {"node-a": "lost", "node-b": "live"}
    for server in (api, b):  # every node serves /metrics, with every engine node's lease
        text = metrics_of(server)
        assert 'gluerun_node_epoch{node="node-a"} 2.0' in text
        assert 'gluerun_node_lease_seconds{node="node-a",state="lost"}' in text
        assert 'gluerun_node_lease_seconds{node="node-b",state="live"}' in text
    retries = [f"{run_id}_attempt_1" for run_id in runs]
    for retry in retries:
        wait_for(lambda retry=retry: started(ledger, retry))  # type: ignore[misc]
    # The takeover gave the slots back: exactly the retries hold them, so a fourth is refused.
    with pytest.raises(glue.exceptions.ConcurrentRunsExceededException):
        glue.start_job_run(JobName="ledgered")
    assert runs_held() == dict.fromkeys(retries, "node-b")
    release.touch()
    for retry in retries:
        assert wait_state(glue, "ledgered", retry, FINAL)["JobRunState"] == "SUCCEEDED"
    assert b.client().get_job_run(JobName="ledgered", RunId=retries[0])["JobRun"]["Attempt"] == 1
    lines = ledger.read_text().splitlines()
    for run_id in runs + retries:
        assert lines.count(f"start {run_id}") == 1, "no run executed twice"
    assert all(f"end {r}" in lines for r in retries)


def test_a_paused_node_cannot_overwrite_the_takeover_and_kills_its_orphan(
    node: Callable[..., Server], tmp_path: Path
) -> None:
    a = node("node-a")
    glue = a.client()
    ledger, release = ledger_job(glue, "quick", tmp_path, MaxRetries=1)
    orphans, _never = ledger_job(glue, "held", tmp_path, MaxRetries=0)
    quick = glue.start_job_run(JobName="quick")["JobRunId"]
    held = glue.start_job_run(JobName="held")["JobRunId"]
    wait_for(lambda: started(ledger, quick) and started(orphans, held))
    quick_pid, held_pid = job_pid(a, quick), job_pid(a, held)
    b = node("node-b")
    assert a.proc is not None
    os.kill(a.proc.pid, signal.SIGSTOP)  # a long pause: its lease runs out
    glue = b.client()
    for job, run_id in (("quick", quick), ("held", held)):
        taken = wait_state(glue, job, run_id, FINAL, timeout=BOUND)
        assert taken["JobRunState"] == "FAILED" and "node-a" in taken["ErrorMessage"]
    # While a is paused, its process of `quick` succeeds; a learns of it when it resumes.
    release.touch()
    wait_for(lambda: f"end {quick}" in ledger.read_text() and not pid_alive(quick_pid))
    os.kill(a.proc.pid, signal.SIGCONT)
    wait_for(lambda: not pid_alive(held_pid))
    assert f"end {held}" not in orphans.read_text(), "the orphan was killed, not finished"
    for job, run_id in (("quick", quick), ("held", held)):
        run = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        assert run["JobRunState"] == "FAILED", "the takeover's result stands"
        assert "node-a" in run["ErrorMessage"]
    retry = wait_state(glue, "quick", f"{quick}_attempt_1", FINAL)
    assert retry["JobRunState"] == "SUCCEEDED"
    # a joined again: it serves and runs jobs as before.
    glue_a = a.client()
    again = glue_a.start_job_run(JobName="quick")["JobRunId"]
    assert wait_state(glue_a, "quick", again, FINAL)["JobRunState"] == "SUCCEEDED"


def test_a_node_restarted_after_its_takeover_kills_the_processes_it_left(
    node: Callable[..., Server], tmp_path: Path
) -> None:
    a = node("node-a")
    glue = a.client()
    ledger, release = ledger_job(glue, "left", tmp_path, MaxRetries=0)
    run_id = glue.start_job_run(JobName="left")["JobRunId"]
    wait_for(lambda: started(ledger, run_id))
    pid = job_pid(a, run_id)
    a.stop(signal.SIGKILL)  # the server only: its job process lives on
    b = node("node-b")
    taken = wait_state(b.client(), "left", run_id, FINAL, timeout=BOUND)
    assert taken["JobRunState"] == "FAILED" and "node-a" in taken["ErrorMessage"]
    assert pid_alive(pid)
    a.start()
    wait_for(lambda: not pid_alive(pid))
    assert f"end {run_id}" not in ledger.read_text()
    assert glue.get_job_run(JobName="left", RunId=run_id)["JobRun"]["JobRunState"] == "FAILED"
    release.touch()


class FailoverClient(threading.Thread):
    """GetJobRuns over and over, each call to the next node, trying the others when a node
    cannot be reached (as a load balancer in front of the nodes would). `unanswered` counts
    calls no node answered; `errors` holds any answer that was an error."""

    def __init__(self, servers: list[Server], job: str) -> None:
        super().__init__(name="failover-client", daemon=True)
        self.servers, self.job = servers, job
        self.answered = self.unanswered = 0
        self.errors: list[str] = []
        self.done = threading.Event()

    def run(self) -> None:
        clients = [server.client() for server in self.servers]
        turn = 0
        while not self.done.wait(0.1):
            turn += 1
            order = clients[turn % len(clients) :] + clients[: turn % len(clients)]
            if any(self._call(client) for client in order):
                self.answered += 1
            else:
                self.unanswered += 1

    def _call(self, client: Any) -> bool:
        try:
            client.get_job_runs(JobName=self.job)
        except (BotoConnectionError, HTTPClientError):
            return False  # this node is down: the next one
        except Exception as exc:
            self.errors.append(repr(exc))
        return True


def trigger_runs(glue: Any, job: str) -> list[dict[str, Any]]:
    runs: list[dict[str, Any]] = glue.get_job_runs(JobName=job, MaxResults=200)["JobRuns"]
    return runs


def kill_node(server: Server) -> None:
    """The whole machine goes: the server and every job process it started."""
    server.stop(signal.SIGKILL)
    kill_strays(server.data_dir)


@pytest.mark.slow
def test_scheduled_ticks_fire_once_each_and_the_api_answers_while_nodes_die_and_join(
    node: Callable[..., Server], tmp_path: Path
) -> None:
    """Three engine nodes and a trigger firing every minute. After one tick a node is killed;
    after the next it comes back and another is killed. Every minute fires exactly one run,
    no run executes twice or stays unfinished, and a client failing over between the nodes
    is answered throughout."""
    a, b, c = (node(name) for name in ("node-a", "node-b", "node-c"))
    glue = c.client()
    ledger, release = ledger_job(glue, "ticked", tmp_path, MaxRetries=0)
    release.touch()  # each run ends as soon as it started
    glue.create_trigger(
        Name="every-minute",
        Type="SCHEDULED",
        Schedule="cron(* * * * ? *)",
        Actions=[{"JobName": "ticked"}],
        StartOnCreation=True,
    )
    client = FailoverClient([a, b, c], "ticked")
    client.start()
    try:
        fired = lambda n: lambda: len(trigger_runs(glue, "ticked")) >= n  # noqa: E731
        wait_for(fired(1), timeout=75)
        kill_node(a)
        wait_for(fired(2), timeout=75)
        a.start()  # joins again
        kill_node(b)
        wait_for(fired(3), timeout=75)
    finally:
        client.done.set()
        client.join()
    runs = trigger_runs(glue, "ticked")
    for run in runs:
        wait_state(glue, "ticked", run["Id"], FINAL, timeout=BOUND)
    fires = [r for r in trigger_runs(glue, "ticked") if r.get("TriggerName") == "every-minute"]
    minutes = sorted(int(r["StartedOn"].timestamp() // 60) for r in fires)
    assert minutes == list(range(minutes[0], minutes[0] + len(minutes))), "one run per tick"
    assert len(minutes) >= 3
    lines = ledger.read_text().splitlines()
    for run in trigger_runs(glue, "ticked"):
        assert lines.count(f"start {run['Id']}") <= 1, "no run executed twice"
    assert (client.unanswered, client.errors) == (0, [])
    assert client.answered > 0
    wait_for(lambda: nodes_listed().get("node-b") == "lost")
    assert nodes_listed() == {"node-a": "live", "node-b": "lost", "node-c": "live"}


def test_a_draining_node_finishes_its_run_while_another_node_claims_new_ones(
    node: Callable[..., Server], tmp_path: Path
) -> None:
    a = node("node-a", GLUERUN_DRAIN_SECONDS="60")
    glue = a.client()
    ledger, release = ledger_job(
        glue, "drained", tmp_path, ExecutionProperty={"MaxConcurrentRuns": 5}
    )
    running = glue.start_job_run(JobName="drained")["JobRunId"]
    wait_for(lambda: started(ledger, running))
    b = node("node-b")
    assert a.proc is not None
    a.proc.send_signal(signal.SIGTERM)
    log = a.data_dir.parent / f"server-{a.port}.log"
    wait_for(lambda: "gluerun: draining" in log.read_text(errors="replace"))
    later = glue.start_job_run(JobName="drained")["JobRunId"]  # the draining node's API serves
    wait_for(lambda: started(ledger, later))
    assert (b.data_dir / "runs" / later).is_dir(), "the other node claimed it"
    assert not (a.data_dir / "runs" / later).exists()
    assert a.proc.poll() is None, "still draining: its own run goes on"
    release.touch()
    assert a.proc.wait(timeout=BOUND) == 0, "stops once its run ended"
    a.log.close()
    a.proc = None
    glue = b.client()
    for run_id in (running, later):
        assert wait_state(glue, "drained", run_id, FINAL)["JobRunState"] == "SUCCEEDED"
        assert ledger.read_text().splitlines().count(f"start {run_id}") == 1
