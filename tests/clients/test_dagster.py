"""Dagster's PipesGlueClient + PipesCloudWatchMessageReader against a live gluerun.

An `@asset` is materialised in-process (`dagster.materialize`, ephemeral instance). The Glue job
script speaks dagster-pipes (`open_dagster_pipes` with `PipesCliArgsParamsLoader`), so the job
process must import dagster_pipes: this module's server runs pythonshell jobs with the Dagster
venv's interpreter (GLUERUN_PYTHON). Messages travel job stdout → gluerun's CloudWatch Logs
(`/aws-glue/jobs/output`, stream = run id) → the message reader, which needs the Logs API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from clientlib import Driver, Result, Venv, client_env, require_logs_api, start_server, stop_server
from live_server import FINAL, Server, wait_state

pytestmark = pytest.mark.clients


@pytest.fixture(scope="module")
def dagster_server(
    dagster_venv: Venv, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    srv = start_server(
        tmp_path_factory.mktemp("dagster-server"), {"GLUERUN_PYTHON": dagster_venv.python}
    )
    yield srv
    stop_server(srv)


@pytest.fixture
def dagster(
    dagster_venv: Venv, dagster_server: Server, tmp_path: Path, run_driver: Driver
) -> Callable[..., Result]:
    # boto3.client("glue") / ("logs") inside Dagster pick the endpoint up from AWS_ENDPOINT_URL.
    env = client_env(tmp_path, dagster_server.endpoint, DAGSTER_HOME=str(tmp_path))

    def run(body: str, params: dict[str, Any], timeout: float = 240) -> Result:
        return run_driver(
            dagster_venv, DRIVER + body, env, timeout=timeout, args=[json.dumps(params)]
        )

    return run


PIPES_JOB = """
import sys
from dagster_pipes import PipesCliArgsParamsLoader, open_dagster_pipes

with open_dagster_pipes(params_loader=PipesCliArgsParamsLoader()) as pipes:
    pipes.log.info("hello from the glue job")
    print("plain stdout line")
    print("plain stderr line", file=sys.stderr)
    day = sys.argv[sys.argv.index("--day") + 1]
    pipes.report_asset_materialization(metadata={"rows": 42, "day": day}, data_version="v1")
"""

FAILING_PIPES_JOB = """
from dagster_pipes import PipesCliArgsParamsLoader, open_dagster_pipes

with open_dagster_pipes(params_loader=PipesCliArgsParamsLoader()) as pipes:
    pipes.log.info("about to fail")
    raise ValueError("pipes boom")
"""

DRIVER = r"""
import json, sys
import boto3
from dagster import (AssetExecutionContext, DagsterEventType, PipesEnvContextInjector, asset,
                     materialize)
from dagster_aws.pipes import PipesCloudWatchMessageReader, PipesGlueClient

P = json.loads(sys.argv[1])
glue = boto3.client("glue")
glue.create_job(Name=P["job"], Role="arn:aws:iam::123456789012:role/glue",
                Command={"Name": "pythonshell", "ScriptLocation": P["script"],
                         "PythonVersion": "3.9"})

@asset
def glue_asset(context: AssetExecutionContext, pipes_glue_client: PipesGlueClient):
    return pipes_glue_client.run(
        context=context,
        start_job_run_params={"JobName": P["job"], "Arguments": {"--day": "2024-01-01"}},
    ).get_materialize_result()

# The context travels inline in the --dagster-pipes-context argument (no S3 needed).
client = PipesGlueClient(context_injector=PipesEnvContextInjector(), client=glue,
                         message_reader=PipesCloudWatchMessageReader(client=boto3.client("logs")))
"""


@pytest.fixture(scope="module")
def _logs(dagster_server: Server) -> None:
    require_logs_api(dagster_server)


@pytest.mark.usefixtures("_logs")
def test_asset_materialises_from_a_pipes_glue_job(
    dagster: Callable[..., Result], dagster_server: Server, job_script: Callable[..., str]
) -> None:
    script = job_script(PIPES_JOB, "pipes_job.py")
    res = dagster(
        """
result = materialize([glue_asset], resources={"pipes_glue_client": client})
mats = result.asset_materializations_for_node("glue_asset")
logs = [e.message for e in result.all_events if e.event_type == DagsterEventType.LOGS_CAPTURED
        or e.message]
out = {
    "success": result.success,
    "metadata": {k: getattr(v, "value", str(v)) for m in mats for k, v in m.metadata.items()},
    "data_version": [m.tags.get("dagster/data_version") for m in mats],
}
print(json.dumps(out, default=str))
""",
        {"job": "dg-pipes", "script": script},
    )
    assert res.code == 0, res
    out = res.json()
    assert out["success"] is True
    meta = out["metadata"]
    assert meta["rows"] == 42 and meta["day"] == "2024-01-01"
    assert meta["AWS Glue Job Name"] == "dg-pipes"
    assert out["data_version"] == ["v1"]
    (run,) = dagster_server.client().get_job_runs(JobName="dg-pipes")["JobRuns"]
    assert meta["AWS Glue Job Run ID"] == run["Id"]
    assert run["JobRunState"] == "SUCCEEDED"
    # The pipes context and messages params reached the job as Glue arguments.
    assert {"--day", "--dagster-pipes-context", "--dagster-pipes-messages"} <= set(run["Arguments"])
    # The job's pipes log message was forwarded into Dagster's logs.
    assert "hello from the glue job" in res.stdout + res.stderr, res


def test_failed_glue_run_fails_the_asset_with_the_error_message(
    dagster: Callable[..., Result], job_script: Callable[..., str]
) -> None:
    script = job_script(FAILING_PIPES_JOB, "failing_job.py")
    res = dagster(
        """
result = materialize([glue_asset], resources={"pipes_glue_client": client},
                     raise_on_error=False)
failures = [e.event_specific_data.error.to_string() for e in result.all_events
            if e.event_type == DagsterEventType.STEP_FAILURE]
print(json.dumps({"success": result.success, "failures": failures}))
""",
        {"job": "dg-fail", "script": script},
    )
    assert res.code == 0, res
    out = res.json()
    assert out["success"] is False
    (failure,) = out["failures"]
    assert "Glue job dg-fail run jr_" in failure
    assert "completed with status FAILED" in failure
    assert "ValueError: pipes boom" in failure


SLOW_PIPES_JOB = """
import time
from dagster_pipes import PipesCliArgsParamsLoader, open_dagster_pipes

with open_dagster_pipes(params_loader=PipesCliArgsParamsLoader()) as pipes:
    pipes.log.info("working")
    time.sleep(600)
"""


def test_interrupted_materialisation_stops_the_glue_run(
    dagster: Callable[..., Result], dagster_server: Server, job_script: Callable[..., str]
) -> None:
    script = job_script(SLOW_PIPES_JOB, "slow_job.py")
    res = dagster(
        """
import os, signal, threading, time

def interrupt_when_running():
    while True:
        runs = glue.get_job_runs(JobName=P["job"])["JobRuns"]
        if runs and runs[0]["JobRunState"] == "RUNNING":
            break
        time.sleep(0.2)
    time.sleep(1)
    os.kill(os.getpid(), signal.SIGINT)  # what terminating a Dagster run sends

threading.Thread(target=interrupt_when_running, daemon=True).start()
result = materialize([glue_asset], resources={"pipes_glue_client": client},
                     raise_on_error=False)
run = glue.get_job_runs(JobName=P["job"])["JobRuns"][0]
print(json.dumps({"success": result.success, "run_id": run["Id"]}))
""",
        {"job": "dg-interrupt", "script": script},
    )
    assert res.code == 0, res
    out = res.json()
    assert out["success"] is False
    assert f"Successfully stopped Glue job run {out['run_id']}" in res.stderr, res
    glue = dagster_server.client()
    run = wait_state(glue, "dg-interrupt", out["run_id"], FINAL, timeout=30)
    assert run["JobRunState"] == "STOPPED"
