"""Helpers shared by the Spark tier (imported by name: pytest puts this dir on sys.path)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import psycopg

RUNTIME = Path(__file__).resolve().parents[2] / "src" / "gluerun" / "runtime"
#: the e2e tier's live-server helpers, and the awsglue runtime for the in-process unit tests
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))
sys.path.insert(0, str(RUNTIME))

from live_server import (  # noqa: E402
    BIN,
    FINAL,
    Server,
    free_port,
    moto_s3,
    prepare_runtimes,
    stop_process,
    wait_for_port,
    wait_state,
)

__all__ = [
    "BIN",
    "CREDENTIALS",
    "FINAL",
    "RUNTIME",
    "RUN_TIMEOUT",
    "MariaDb",
    "PgSchema",
    "Server",
    "free_port",
    "job_env",
    "moto_s3",
    "prepare_runtimes",
    "run_script",
    "stop_process",
    "wait_for_port",
    "wait_state",
]

#: the S3 credentials moto accepts, given to the servers' job processes
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}
#: the first run of a fresh driver JVM can take long on a loaded 2-core box
RUN_TIMEOUT = 240.0


def run_script(server: Server, name: str, script: Path, args: dict[str, str] | None = None) -> str:
    """Run `script` as a glueetl job to its end; its stdout (the run must succeed)."""
    glue = server.client()
    glue.create_job(
        Name=name,
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script)},
        DefaultArguments=args or {},
    )
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    run = wait_state(glue, name, run_id, FINAL, timeout=RUN_TIMEOUT)
    run_dir = server.data_dir / "runs" / run_id
    assert run["JobRunState"] == "SUCCEEDED", (run_dir / "stderr.log").read_text()[-4000:]
    return (run_dir / "stdout.log").read_text()


def job_env() -> str:
    return ",".join(f"{k}={v}" for k, v in CREDENTIALS.items())


@dataclass(frozen=True)
class PgSchema:
    """A PostgreSQL schema of its own for one test: a JDBC URL into it and a SQL runner."""

    dsn: str
    schema: str

    @property
    def url(self) -> str:
        parts = urlsplit(self.dsn)
        query = f"user={parts.username or 'postgres'}&currentSchema={self.schema}"
        if parts.password:
            query += f"&password={parts.password}"
        return f"jdbc:postgresql://{parts.hostname}:{parts.port or 5432}{parts.path}?{query}"

    def execute(self, sql: str) -> list[tuple[Any, ...]]:
        with psycopg.connect(self.dsn, autocommit=True) as conn:
            conn.execute(f"SET search_path TO {self.schema}")
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []


@dataclass(frozen=True)
class MariaDb:
    """A MariaDB database of its own for one test, driven by the ``mariadb`` client.

    ``server`` is ``mysql://user:password@host:port`` (``GLUERUN_TEST_MYSQL_URL``, which
    ``scripts/test-services`` prints).
    """

    name: str
    server: str

    @property
    def _parts(self) -> Any:
        return urlsplit(self.server)

    @property
    def url(self) -> str:
        parts = self._parts
        credentials = f"user={parts.username}&password={parts.password or ''}"
        return f"jdbc:mysql://{parts.hostname}:{parts.port or 3306}/{self.name}?{credentials}"

    def execute(self, sql: str, database: str | None = None) -> list[list[str]]:
        parts = self._parts
        client = ["mariadb", "--protocol=tcp", "-h", parts.hostname, "-P", str(parts.port or 3306)]
        client += ["-u", parts.username, f"-p{parts.password or ''}", "-N", "-B"]
        done = subprocess.run(
            [*client, "-D", database or self.name, "-e", sql],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        )
        return [line.split("\t") for line in done.stdout.splitlines()]
