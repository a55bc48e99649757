"""The user's path from the README: the AWS CLI against `gluerun serve`."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from live_server import FINAL, Server

AWS = str(Path(sys.executable).parent / "aws")


def aws(server: Server, *args: str) -> Any:
    env = {
        **os.environ,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": "us-east-1",
    }
    out = subprocess.run(
        [AWS, "glue", *args, "--endpoint-url", server.endpoint, "--output", "json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout) if out.stdout.strip() else {}


def test_readme_flow_with_the_aws_cli(server: Server, script: Callable[..., str]) -> None:
    hello = script("import sys\nprint('hello', sys.argv[1:])\n", "hello.py")
    aws(
        server,
        "create-job",
        "--name",
        "cli-hello",
        "--role",
        "any",
        "--command",
        f"Name=pythonshell,ScriptLocation={hello},PythonVersion=3.9",
    )
    run_id = aws(
        server, "start-job-run", "--job-name", "cli-hello", "--arguments", '{"--day":"2024-01-01"}'
    )["JobRunId"]
    deadline = time.monotonic() + 30
    state = ""
    while time.monotonic() < deadline:
        run = aws(server, "get-job-run", "--job-name", "cli-hello", "--run-id", run_id)["JobRun"]
        state = run["JobRunState"]
        if state in FINAL:
            break
        time.sleep(0.2)
    assert state == "SUCCEEDED"
    assert isinstance(run["StartedOn"], float)


def test_cli_auto_paginates_get_job_runs(server: Server, script: Callable[..., str]) -> None:
    aws(
        server,
        "create-job",
        "--name",
        "cli-many",
        "--role",
        "any",
        "--command",
        f"Name=pythonshell,ScriptLocation={script('pass')}",
        "--execution-property",
        "MaxConcurrentRuns=50",
    )
    for _ in range(5):
        aws(server, "start-job-run", "--job-name", "cli-many")
    runs = aws(server, "get-job-runs", "--job-name", "cli-many", "--page-size", "2")["JobRuns"]
    assert len(runs) == 5
