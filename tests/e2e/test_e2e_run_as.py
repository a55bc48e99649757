"""--run-as: job processes run as an unprivileged user and cannot read the server's secrets.

Needs root (to create the user and to switch to it): skipped locally without it, a failure in CI.
"""

from __future__ import annotations

import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import FINAL, Server, wait_state

USER = "gluerun-job"
IN_CI = bool(os.environ.get("CI"))

PROBE = """
import json, os, sys
args = dict(zip(sys.argv[1::2], sys.argv[2::2]))
def probe(path, listing=False):
    try:
        os.listdir(path) if listing else open(path, "rb").read(1)
        return "read"
    except PermissionError:
        return "denied"
    except FileNotFoundError:
        return "missing"
data = args["--data"]
found = {
    "uid": os.getuid(),
    "server environ": probe(f"/proc/{args['--server-pid']}/environ"),
    "store": probe(os.path.join(data, "gluerun.db")),
    "run token key": probe(os.path.join(data, "run-token.key")),
    "runs listing": probe(os.path.join(data, "runs"), listing=True),
    "own script": probe(os.path.abspath(sys.argv[0])),
    "earlier run": probe(os.path.join(data, "runs", args.get("--earlier", "none")), listing=True),
}
open("written-by-the-job", "w").write("ok")
print(json.dumps(found))
"""


def missing(reason: str) -> None:
    if IN_CI:
        pytest.fail(f"{reason} (CI runs as root and must run this test)")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def job_user() -> pwd.struct_passwd:
    if os.geteuid() != 0:
        missing("--run-as needs root")
    try:
        return pwd.getpwnam(USER)
    except KeyError:
        pass
    useradd = shutil.which("useradd")
    if useradd is None:
        missing("useradd is not installed")
    nologin = shutil.which("nologin") or "/bin/false"
    created = subprocess.run(
        [str(useradd), "--system", "--no-create-home", "--shell", nologin, USER],
        capture_output=True,
        text=True,
        check=False,
    )
    if created.returncode != 0:
        missing(f"cannot create user {USER}: {created.stderr.strip()}")
    return pwd.getpwnam(USER)


def job_python(user: pwd.struct_passwd) -> str:
    """An interpreter the job user may run: the server's, else the system's (an interpreter
    under /root, as pyenv installs it, is out of the job user's reach)."""
    for python in (sys.executable, "/usr/bin/python3"):
        try:
            tried = subprocess.run(
                [python, "-c", "pass"], user=user.pw_uid, group=user.pw_gid, check=False,
                capture_output=True, cwd="/",
            )  # fmt: skip
        except OSError:
            continue
        if tried.returncode == 0:
            return python
    missing(f"no Python interpreter that {USER} may run")
    raise AssertionError("unreachable")


@pytest.fixture(scope="module")
def run_as_server(job_user: pwd.struct_passwd) -> Iterator[Server]:
    # pytest's tmp_path is 0700 root: the job user could not reach its run directory in it.
    base = Path(tempfile.mkdtemp(prefix="gluerun-run-as-"))
    base.chmod(0o711)
    env = {"GLUERUN_RUN_AS": USER, "GLUERUN_PYTHON": job_python(job_user)}
    srv = Server(base / "data", env=env)
    srv.start()
    try:
        yield srv
    finally:
        srv.shutdown()
        shutil.rmtree(base, ignore_errors=True)


def run_probe(srv: Server, name: str, script: str, **args: str) -> tuple[dict[str, Any], Path]:
    glue = srv.client()
    assert srv.proc is not None
    arguments = {"--data": str(srv.data_dir), "--server-pid": str(srv.proc.pid), **args}
    glue.create_job(
        Name=name,
        Role="arn:aws:iam::123456789012:role/r",
        Command={"Name": "pythonshell", "ScriptLocation": script, "PythonVersion": "3.9"},
        DefaultArguments=arguments,
    )
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    run = wait_state(glue, name, run_id, FINAL, timeout=60)
    run_dir = srv.data_dir / "runs" / run_id
    assert run["JobRunState"] == "SUCCEEDED", (run, (run_dir / "stderr.log").read_text())
    return json.loads((run_dir / "stdout.log").read_text().splitlines()[-1]), run_dir


def test_a_job_under_run_as_cannot_read_the_servers_secrets(
    run_as_server: Server, job_user: pwd.struct_passwd, tmp_path: Path
) -> None:
    script = tmp_path / "probe.py"
    script.write_text(PROBE)
    first, first_dir = run_probe(run_as_server, "probe-1", str(script))
    assert first["uid"] == job_user.pw_uid
    assert first["server environ"] == "denied"
    assert first["store"] == "denied"
    assert first["run token key"] == "denied"
    assert first["runs listing"] == "denied"
    assert first["own script"] == "read"
    assert (first_dir / "written-by-the-job").read_text() == "ok"
    # Once a run ended its directory is the server's again: a later run cannot read it.
    assert first_dir.stat().st_uid == os.geteuid()
    second, _ = run_probe(run_as_server, "probe-2", str(script), **{"--earlier": first_dir.name})
    assert second["earlier run"] == "denied"
