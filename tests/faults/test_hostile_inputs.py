"""The hostile-input tier: a few thousand model-driven hostile requests (see hostile.py) at a
live server on SQLite and on PostgreSQL. Not one may be answered 5xx (or not at all), the
server must stay up, and everyone's reads must keep working throughout.

GLUERUN_HOSTILE_REQUESTS sets how many requests per store (default 2000) and
GLUERUN_HOSTILE_SEED the seed (default 11); bench/bench_hostile.py runs more.
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))

import hostile
from live_server import FINAL, Server, wait_state

PG_DSN = os.environ.get("GLUERUN_TEST_PG_DSN", "")
IN_CI = bool(os.environ.get("CI"))
COUNT = int(os.environ.get("GLUERUN_HOSTILE_REQUESTS", "2000"))
SEED = int(os.environ.get("GLUERUN_HOSTILE_SEED", "11"))
#: The server under test accepts bodies up to this; the generator sends some beyond it.
MAX_BODY = 1024 * 1024


def start_target(server: Server, tmp: Path) -> hostile.Target:
    """A job with one finished run (so it has logs) for the plausible bodies to point at."""
    script = tmp / "hello.py"
    script.write_text("print('hello from the hostile tier')\n")
    glue = server.client()
    name = f"hostile-{uuid.uuid4().hex[:8]}"
    glue.create_job(
        Name=name,
        Role="r",
        Command={"Name": "pythonshell", "ScriptLocation": str(script)},
        ExecutionProperty={"MaxConcurrentRuns": 2},
    )
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    wait_state(glue, name, run_id, FINAL, timeout=60)
    return hostile.Target(job=name, run_id=run_id, stream=run_id)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def live(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Server, hostile.Target]]:
    env = {"GLUERUN_MAX_REQUEST_BYTES": str(MAX_BODY)}
    if request.param == "postgres":
        if not PG_DSN:
            if IN_CI:
                pytest.fail("CI must set GLUERUN_TEST_PG_DSN: PostgreSQL tests may not skip in CI")
            pytest.skip("GLUERUN_TEST_PG_DSN not set")
        env["GLUERUN_DATABASE_URL"] = PG_DSN
    server = Server(tmp_path / "data", env=env)
    server.start()
    try:
        yield server, start_target(server, tmp_path)
    finally:
        server.shutdown()


def test_no_hostile_request_gets_a_5xx_and_reads_keep_working(
    live: tuple[Server, hostile.Target],
) -> None:
    server, target = live
    runner = hostile.Runner(server.port)
    broken_reads: list[str] = []

    def check() -> None:
        assert server.proc is not None and server.proc.poll() is None, "the server died"
        broken_reads.extend(hostile.reads_work(runner, target))

    tally = hostile.run(runner, hostile.requests(target, SEED, COUNT, MAX_BODY), 250, check)
    runner.close()
    failures = [f"{o.status} {o.request.what}: {o.text[:200]}" for o in tally.server_errors]
    summary = f"{len(failures)} of {tally.sent} answered 5xx or not at all:\n"
    assert not failures, summary + "\n".join(failures)
    assert not broken_reads, "reads failed after hostile calls:\n" + "\n".join(broken_reads)
    assert tally.sent == COUNT and tally.by_class.get("4xx", 0) > COUNT // 2
    # Some hostile values are legal (a job named '²'): those reach the store, as they must.
    assert tally.by_class.get("2xx", 0) > 0
