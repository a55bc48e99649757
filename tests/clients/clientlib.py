"""Helpers of the clients tier (importable by its test modules; fixtures live in conftest)."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from botocore.exceptions import ClientError

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))

from live_server import Server

IN_CI = bool(os.environ.get("CI"))
# Read at import: the suite's autouse fixture strips GLUERUN_* from each test's environment.
SWITCH = os.environ.get("GLUERUN_CLIENTS", "")
REGION = "us-east-1"
ACCOUNT = "123456789012"  # gluerun's default GLUERUN_ACCOUNT_ID
LOG_GROUP = "/aws-glue/jobs"


def missing(reason: str) -> None:
    """A capability the tier needs is absent: skip locally, fail in CI."""
    if IN_CI:
        pytest.fail(f"{reason} (CI: the clients tier may not skip this)")
    pytest.skip(reason)


#: The server's credentials file: every client signs with the `test` key (client_env, the
#: Airflow connection), so the whole tier runs with SigV4 verification on. `cli-reader` is a
#: read-only key for the AWS CLI's profile tests.
CREDENTIALS = """\
[clients]
aws_access_key_id = test
aws_secret_access_key = test

[cli-reader]
aws_access_key_id = AKIACLIREADER0000001
aws_secret_access_key = reader-secret
policy = {"Statement": [{"Effect": "Allow", "Action": ["glue:Get*", "glue:List*"],
    "Resource": "*"}]}
"""


def start_server(tmp: Path, env: dict[str, str] | None = None) -> Server:
    """A live `gluerun serve` on a free port, with credentials on (CREDENTIALS); only `env`
    sets GLUERUN_* for it."""
    credentials = tmp / "server-credentials"
    credentials.write_text(CREDENTIALS)
    srv = Server(tmp / "data", env={"GLUERUN_CREDENTIALS_FILE": str(credentials), **(env or {})})
    srv.data_dir.mkdir(parents=True)
    saved = {k: v for k, v in os.environ.items() if k.startswith("GLUERUN_")}
    for key in saved:
        del os.environ[key]
    try:
        srv.start()
    finally:
        os.environ.update(saved)
    return srv


def stop_server(srv: Server) -> None:
    """Stop every active run, then the server (by pid); kill any job process left behind."""
    srv.shutdown()


def logs_api_answers(srv: Server) -> bool:
    try:
        srv.client("logs").describe_log_groups(logGroupNamePrefix=LOG_GROUP)
    except ClientError as err:
        if err.response["Error"]["Code"] in {"UnknownOperationException", "UnknownOperation"}:
            return False
        raise
    return True


def require_logs_api(srv: Server) -> None:
    if not logs_api_answers(srv):
        missing(
            "gluerun does not serve the CloudWatch Logs API yet "
            "(Logs_20140328.DescribeLogGroups answers UnknownOperationException)"
        )


@dataclass
class Venv:
    name: str
    path: Path

    @property
    def python(self) -> str:
        return str(self.path / "bin" / "python")

    def bin(self, tool: str) -> str:
        return str(self.path / "bin" / tool)


def client_env(home: Path, endpoint: str, **extra: str) -> dict[str, str]:
    """A clean environment for a client process: dummy credentials, one endpoint for all."""
    return {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": str(home),
        "LANG": "C.UTF-8",
        "TMPDIR": os.environ.get("TMPDIR", "/tmp"),
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_CONFIG_FILE": str(home / "no-aws-config"),
        "AWS_SHARED_CREDENTIALS_FILE": str(home / "no-aws-credentials"),
        "AWS_EC2_METADATA_DISABLED": "true",
        **extra,
    }


@dataclass
class Result:
    """A client process's exit code and output."""

    code: int
    stdout: str
    stderr: str

    def json(self) -> Any:
        """The driver's result: the last stdout line that is a JSON object."""
        for line in reversed(self.stdout.splitlines()):
            if line.startswith("{"):
                return json.loads(line)
        raise AssertionError(f"no JSON result line\n{self}")

    def __str__(self) -> str:
        return (
            f"exit {self.code}\n--- stdout\n{self.stdout[-8000:]}\n"
            f"--- stderr\n{self.stderr[-8000:]}"
        )

    __repr__ = __str__


Driver = Callable[..., Result]
