"""Job runtimes as a user meets them: Glue's libraries are there, gluerun's are not.

Every runtime gets a job that imports its documented set and prints the versions; the
analytics set reads Parquet from S3 (moto) with awswrangler; a first build shows in the first
run's log, and two runs racing for one runtime get one build.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import FINAL, Server, moto_s3, prepare_runtimes, wait_state

from gluerun.model.logs import ERROR_GROUP, OUTPUT_GROUP

#: what each runtime must let a job import (module names), from docs/runtimes.md
IMPORTS = {
    "pythonshell-3.9-analytics": [
        "avro", "awscli", "awswrangler", "boto3", "botocore", "elasticsearch", "numpy", "pandas",
        "psycopg2", "pyathena", "pymysql", "pyorc", "redshift_connector", "requests", "sklearn",
        "scipy", "sqlalchemy", "s3fs", "pyarrow", "pg", "pgdb", "pyodbc",
    ],
    "pythonshell-3.9-none": ["awscli", "botocore"],
    "glueetl-4.0": [
        "boto3", "numpy", "pandas", "pyarrow", "scipy", "sklearn", "statsmodels", "pmdarima",
        "matplotlib", "nltk", "sympy", "s3fs", "yaml", "pymysql", "plotly", "pyspark",
    ],
    "glueetl-5.0": [
        "boto3", "numpy", "pandas", "pyarrow", "matplotlib", "seaborn", "plotly", "s3fs",
        "fsspec", "tenacity", "pyspark",
    ],
}  # fmt: skip
COMMANDS = {
    "pythonshell-3.9-analytics": ({"Name": "pythonshell", "PythonVersion": "3.9"}, {}),
    "pythonshell-3.9-none": (
        {"Name": "pythonshell", "PythonVersion": "3.9"},
        {"library-set": "none"},
    ),
    "glueetl-4.0": ({"Name": "glueetl", "PythonVersion": "3"}, {"GlueVersion": "4.0"}),
    "glueetl-5.0": ({"Name": "glueetl", "PythonVersion": "3"}, {"GlueVersion": "5.0"}),
}
PYTHONS = {
    "pythonshell-3.9-analytics": "3.9",
    "pythonshell-3.9-none": "3.9",
    "glueetl-4.0": "3.10",
    "glueetl-5.0": "3.11",
}
IMPORT_SCRIPT = """
import importlib, sys
print("python", "%d.%d" % sys.version_info[:2])
for name in sys.argv[sys.argv.index("--modules") + 1].split(","):
    module = importlib.import_module(name)
    print(name, getattr(module, "__version__", "?"))
"""
CREDENTIALS = {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_s3() as url:
        yield url


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory, s3_endpoint: str) -> Iterator[Server]:
    prepare_runtimes(*IMPORTS)
    job_env = ",".join(f"{k}={v}" for k, v in {**CREDENTIALS, "AWS_REGION": "us-east-1"}.items())
    srv = Server(tmp_path_factory.mktemp("runtimes") / "data", env={"GLUERUN_JOB_ENV": job_env})
    srv.start()
    yield srv
    srv.shutdown()


def run_job(
    glue: Any, name: str, source: str, script: Callable[..., str], **job: Any
) -> dict[str, Any]:
    command = job.pop("Command", {"Name": "pythonshell", "PythonVersion": "3.9"})
    arguments = job.pop("Arguments", {})
    location = script(source, f"{name}.py")
    glue.create_job(Name=name, Role="r", Command={**command, "ScriptLocation": location}, **job)
    run_id = glue.start_job_run(JobName=name, Arguments=arguments)["JobRunId"]
    return wait_state(glue, name, run_id, FINAL, timeout=300)


def log_lines(server: Server, group: str, run_id: str) -> list[str]:
    page = server.client("logs").get_log_events(
        logGroupName=group, logStreamName=run_id, startFromHead=True
    )
    return [event["message"] for event in page["events"]]


@pytest.mark.parametrize("runtime", list(IMPORTS))
def test_each_runtime_imports_its_documented_set(
    server: Server, script: Callable[..., str], runtime: str
) -> None:
    glue = server.client()
    command, extra = COMMANDS[runtime]
    job = dict(extra)
    arguments = {"--modules": ",".join(IMPORTS[runtime])}
    if "library-set" in job:
        arguments["library-set"] = job.pop("library-set")
    name = f"imports-{runtime}".replace(".", "-")
    run = run_job(glue, name, IMPORT_SCRIPT, script, Command=command, Arguments=arguments, **job)
    # From Glue 5.0 stderr goes to /output, and gluerun's notes on preparing a run (warm or
    # cold start) are written to the run's stderr: leave them out of the job's own lines.
    out = [
        line
        for line in log_lines(server, OUTPUT_GROUP, run["Id"])
        if not line.startswith("gluerun: ")
    ]
    assert run["JobRunState"] == "SUCCEEDED", (run.get("ErrorMessage"), out)
    assert out[0] == f"python {PYTHONS[runtime]}"
    assert [line.split()[0] for line in out[1:]] == IMPORTS[runtime]


def test_library_set_none_has_no_analytics_libraries(
    server: Server, script: Callable[..., str]
) -> None:
    run = run_job(
        server.client(),
        "none-has-no-numpy",
        "import numpy\n",
        script,
        DefaultArguments={"library-set": "none"},
    )
    assert run["JobRunState"] == "FAILED"
    assert "No module named 'numpy'" in run["ErrorMessage"]


@pytest.mark.parametrize("module", ["starlette", "gluerun", "alembic", "uvicorn"])
def test_gluerun_own_dependencies_are_out_of_a_jobs_reach(
    server: Server, script: Callable[..., str], module: str
) -> None:
    run = run_job(server.client(), f"no-{module}", f"import {module}\n", script)
    assert run["JobRunState"] == "FAILED"
    assert f"No module named '{module}'" in run["ErrorMessage"]


AWSWRANGLER_SCRIPT = """
import io, sys
import awswrangler as wr, boto3, pyarrow as pa, pyarrow.parquet as pq
endpoint = sys.argv[sys.argv.index("--endpoint") + 1]
wr.config.s3_endpoint_url = endpoint
buffer = io.BytesIO()
pq.write_table(pa.table({"id": [1, 2, 3], "name": ["a", "b", "c"]}), buffer)
boto3.client("s3", endpoint_url=endpoint).put_object(
    Bucket="lake", Key="t/part-0.parquet", Body=buffer.getvalue()
)
frame = wr.s3.read_parquet("s3://lake/t/")
print("rows", len(frame), "sum", int(frame["id"].sum()), "names", "".join(frame["name"]))
"""


def test_awswrangler_reads_parquet_from_s3(
    server: Server, script: Callable[..., str], s3_endpoint: str
) -> None:
    import boto3

    boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1", **_keys()).create_bucket(
        Bucket="lake"
    )
    run = run_job(
        server.client(),
        "wrangler",
        AWSWRANGLER_SCRIPT,
        script,
        Arguments={"--endpoint": s3_endpoint},
        DefaultArguments={"library-set": "analytics"},
    )
    out = log_lines(server, OUTPUT_GROUP, run["Id"])
    assert run["JobRunState"] == "SUCCEEDED", (run.get("ErrorMessage"), out)
    assert out == ["rows 3 sum 6 names abc"]


def _keys() -> dict[str, str]:
    return {"aws_access_key_id": "test", "aws_secret_access_key": "test"}


def test_an_interpreter_the_node_lacks_is_replaced_and_said_once(
    tmp_path: Path, script: Callable[..., str]
) -> None:
    """A node whose only Python is 3.11 runs 3.9 jobs on it, and each run's log says so."""
    import sys

    srv = Server(
        tmp_path / "data",
        env={
            "GLUERUN_RUNTIMES_DIR": str(tmp_path / "runtimes"),
            "GLUERUN_RUNTIME_PYTHONS": os.path.realpath(sys.executable),
        },
    )
    srv.start()
    try:
        glue = srv.client()
        run = run_job(
            glue,
            "on-311",
            "import sys; print('%d.%d' % sys.version_info[:2])\n",
            script,
            DefaultArguments={"library-set": "none"},
        )
        assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
        assert log_lines(srv, OUTPUT_GROUP, run["Id"]) == ["3.11"]
        notes = [line for line in log_lines(srv, ERROR_GROUP, run["Id"]) if "no Python 3.9" in line]
        assert len(notes) == 1
        assert "closest" in notes[0]
    finally:
        srv.shutdown()


def test_two_runs_racing_for_a_new_runtime_get_one_build(
    tmp_path: Path, script: Callable[..., str]
) -> None:
    runtimes = tmp_path / "runtimes"
    srv = Server(tmp_path / "data", env={"GLUERUN_RUNTIMES_DIR": str(runtimes)})
    srv.start()
    try:
        glue = srv.client()
        glue.create_job(
            Name="race",
            Role="r",
            Command={"Name": "pythonshell", "ScriptLocation": script("import awscli\n")},
            DefaultArguments={"library-set": "none"},
            ExecutionProperty={"MaxConcurrentRuns": 2},
        )
        ids = [glue.start_job_run(JobName="race")["JobRunId"] for _ in range(2)]
        runs = [wait_state(glue, "race", run_id, FINAL, timeout=300) for run_id in ids]
        assert [run["JobRunState"] for run in runs] == ["SUCCEEDED", "SUCCEEDED"]
        logs = ["\n".join(log_lines(srv, ERROR_GROUP, run_id)) for run_id in ids]
        assert sum("building runtime pythonshell-3.9-none" in log for log in logs) == 1
        assert sum("built meanwhile by another run" in log for log in logs) == 1
        assert len(list(runtimes.glob("pythonshell-3.9-none-*/runtime.json"))) == 1
    finally:
        srv.shutdown()
