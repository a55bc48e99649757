"""Apache Airflow's Amazon provider against a live gluerun, with no Airflow metadata database.

GlueJobHook, GlueJobOperator (execute with a minimal task context, as the task runner gives
it), GlueJobSensor.poke and the deferrable GlueJobCompleteTrigger (driven by asyncio.run) all
run from plain scripts in the Airflow venv (clients.md §1.8). The connection comes from
AIRFLOW_CONN_AWS_DEFAULT with the gluerun endpoint in its `endpoint_url` extra, which Airflow
uses for every service (glue and logs alike).
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from clientlib import REGION, Driver, Result, Venv, client_env, start_server, stop_server
from live_server import Server, moto_s3

pytestmark = pytest.mark.clients

PRELUDE = r"""
import asyncio, json, logging, sys, threading, time
P = json.loads(sys.argv[1]) if len(sys.argv) > 1 else {}
RESULT = {}

def done():
    print(json.dumps(RESULT, default=str), flush=True)

class TI:
    # What GlueJobOperator.execute reads of the task instance.
    dag_id, task_id, run_id, map_index, try_number = "clients", "glue", "manual__1", -1, 1
    stats_tags = {}
    def __init__(self):
        self.xcom = {}
    def xcom_push(self, key, value):
        self.xcom[key] = value
    def xcom_pull(self, key=None, task_ids=None):
        return self.xcom.get(key)

class TaskStateStore(dict):
    def set(self, key, value):
        self[key] = value

def context(store=None):
    return {"ti": TI(), "task_state_store": store if store is not None else TaskStateStore()}

def pythonshell(script):
    return {"Command": {"Name": "pythonshell", "ScriptLocation": script, "PythonVersion": "3.9"}}

ROLE = "arn:aws:iam::123456789012:role/glue"
"""


def airflow_env(tmp: Path, server: Server) -> dict[str, str]:
    conn = {
        "conn_type": "aws",
        "login": "test",
        "password": "test",
        "extra": {"endpoint_url": server.endpoint, "region_name": REGION},
    }
    env = client_env(
        tmp,
        server.endpoint,
        AIRFLOW_HOME=str(tmp / "airflow-home"),
        AIRFLOW_CONN_AWS_DEFAULT=json.dumps(conn),
        AIRFLOW__CORE__LOAD_EXAMPLES="false",
    )
    # Only the connection's endpoint_url: prove Airflow routes glue and logs with it alone.
    del env["AWS_ENDPOINT_URL"]
    return env


@pytest.fixture
def airflow(
    airflow_venv: Venv, server: Server, tmp_path: Path, run_driver: Driver
) -> Callable[..., Result]:
    env = airflow_env(tmp_path, server)

    def run(body: str, params: dict[str, Any] | None = None, timeout: float = 240) -> Result:
        source = PRELUDE + body
        res = run_driver(
            airflow_venv, source, env, timeout=timeout, args=[json.dumps(params or {})]
        )
        assert res.code == 0, str(res)
        return res

    return run


OK_SCRIPT = """
import sys, time
print("hello from glue", " ".join(sys.argv[1:3]))
print("warning line", file=sys.stderr)
time.sleep(1.5)
print("done")
"""
BAD_SCRIPT = "raise ValueError('boom')\n"
SLOW_SCRIPT = "import time\nprint('sleeping', flush=True)\ntime.sleep(600)\n"


def test_hook_creates_then_updates_the_job(
    airflow: Callable[..., Result], server: Server, job_script: Callable[..., str]
) -> None:
    ok, bad = job_script(OK_SCRIPT, "ok.py"), job_script(BAD_SCRIPT, "bad.py")
    res = airflow(
        """
from airflow.providers.amazon.aws.hooks.glue import GlueJobHook
from airflow.exceptions import AirflowException

def hook(**kw):
    base = dict(job_name="af-hook", desc="made by airflow", iam_role_arn=ROLE, num_of_dpus=1,
                job_poll_interval=0.5, create_job_kwargs={**pythonshell(P["ok"]),
                "GlueVersion": "3.0"})
    base.update(kw)
    return GlueJobHook(**base)

h = hook()
RESULT["has_before"] = h.has_job("af-hook")
run = h.initialize_job({"--day": "2024-01-01"})
RESULT["first_state"] = h.get_job_state("af-hook", run["JobRunId"])
RESULT["completion"] = h.job_completion("af-hook", run["JobRunId"])
RESULT["has_after"] = h.has_job("af-hook")

# update_config=True on an existing job: UpdateJob with the new definition, then a run.
h2 = hook(desc="updated by airflow", retry_limit=2, update_config=True,
          create_job_kwargs={**pythonshell(P["ok"]), "GlueVersion": "3.0",
                             "DefaultArguments": {"--mode": "updated"}})
run2 = h2.initialize_job()
RESULT["completion2"] = h2.job_completion("af-hook", run2["JobRunId"])
# Same definition again: the hook compares it with GetJob and finds nothing to update.
h3 = hook(desc="updated by airflow", retry_limit=2, update_config=True,
          create_job_kwargs={**pythonshell(P["ok"]), "GlueVersion": "3.0",
                             "DefaultArguments": {"--mode": "updated"}})
config = h3.create_glue_job_config()
current = h3.conn.get_job(JobName="af-hook")["Job"]
RESULT["differs"] = {k: [v, current.get(k)] for k, v in config.items()
                     if k != "Name" and current.get(k) != v}
RESULT["updated_again"] = h3.update_job(**config)

# A failing run: job_completion raises with the state.
hb = GlueJobHook(job_name="af-hook-bad", desc="d", iam_role_arn=ROLE, num_of_dpus=0.0625,
                 job_poll_interval=0.5, create_job_kwargs=pythonshell(P["bad"]))
bad = hb.initialize_job()
try:
    hb.job_completion("af-hook-bad", bad["JobRunId"])
except AirflowException as err:
    RESULT["bad_error"] = str(err)
RESULT["bad_run_id"] = bad["JobRunId"]
done()
""",
        {"ok": ok, "bad": bad},
    )
    out = res.json()
    assert out["has_before"] is False and out["has_after"] is True
    assert out["first_state"] in {"STARTING", "RUNNING"}
    assert out["completion"]["JobRunState"] == "SUCCEEDED"
    assert out["completion2"]["JobRunState"] == "SUCCEEDED"
    assert f"Exiting Job {out['bad_run_id']} Run State: FAILED" == out["bad_error"]

    glue = server.client()
    job = glue.get_job(JobName="af-hook")["Job"]
    assert job["Description"] == "updated by airflow"
    assert job["MaxRetries"] == 2
    assert job["DefaultArguments"] == {"--mode": "updated"}
    assert job["ExecutionProperty"] == {"MaxConcurrentRuns": 1}
    assert job["MaxCapacity"] == 1
    runs = glue.get_job_runs(JobName="af-hook")["JobRuns"]
    assert [r["Arguments"] for r in runs] == [{}, {"--day": "2024-01-01"}]
    # GetJob echoes what the hook created, so an unchanged definition is not re-sent.
    assert out["differs"] == {}
    assert out["updated_again"] is False


def test_operator_execute_waits_and_reconnects(
    airflow: Callable[..., Result], server: Server, job_script: Callable[..., str]
) -> None:
    ok, bad = job_script(OK_SCRIPT, "ok.py"), job_script(BAD_SCRIPT, "bad.py")
    res = airflow(
        """
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.exceptions import AirflowException

def op(name, script, **kw):
    return GlueJobOperator(task_id="glue", job_name=name, iam_role_arn=ROLE, num_of_dpus=1,
                           create_job_kwargs=pythonshell(script), script_args={"--day": "d1"},
                           job_poll_interval=0.5, **kw)

store = TaskStateStore()
ctx = context(store)
RESULT["run_id"] = op("af-op", P["ok"]).execute(ctx)
RESULT["xcom"] = ctx["ti"].xcom
RESULT["store"] = dict(store)
# A retry of the same task instance: durable reconnects to the stored, succeeded run.
RESULT["retry_run_id"] = op("af-op", P["ok"]).execute(context(store))

try:
    op("af-op-bad", P["bad"]).execute(context())
except AirflowException as err:
    RESULT["bad_error"] = f"{type(err).__name__}: {err}"
done()
""",
        {"ok": ok, "bad": bad},
    )
    out = res.json()
    run_id = out["run_id"]
    assert run_id.startswith("jr_")
    assert out["retry_run_id"] == run_id
    assert out["store"] == {"glue_job_run_id": run_id}
    assert out["xcom"]["glue_job_run_id"] == run_id
    assert re.fullmatch(r"AirflowException: Exiting Job jr_\w+ Run State: FAILED", out["bad_error"])
    glue = server.client()
    (run,) = glue.get_job_runs(JobName="af-op")["JobRuns"]
    assert run["Id"] == run_id and run["JobRunState"] == "SUCCEEDED"
    assert run["Arguments"] == {"--day": "d1"}
    job = glue.get_job(JobName="af-op")["Job"]
    assert job["Description"] == "AWS Glue Job with Airflow"


@pytest.mark.usefixtures("logs_api")
def test_operator_verbose_prints_the_run_logs_once(
    airflow: Callable[..., Result], job_script: Callable[..., str]
) -> None:
    script = job_script(
        """
        import sys, time
        for i in range(3):
            print(f"out {i}", flush=True)
            print(f"err {i}", file=sys.stderr, flush=True)
            time.sleep(1)
        """
    )
    res = airflow(
        """
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
op = GlueJobOperator(task_id="glue", job_name="af-verbose", iam_role_arn=ROLE, num_of_dpus=1,
                     create_job_kwargs=pythonshell(P["script"]), verbose=True,
                     job_poll_interval=0.7)
RESULT["run_id"] = op.execute(context())
done()
""",
        {"script": script},
    )
    text = res.stdout + res.stderr
    assert "Glue Job Run /aws-glue/jobs/output Logs:" in text, res
    assert "Glue Job Run /aws-glue/jobs/error Logs:" in text, res
    # Every line once: the continuation tokens resume exactly where the last poll stopped.
    for i in range(3):
        assert len(re.findall(rf"^\t?out {i}$", text, re.M)) == 1, res
        assert len(re.findall(rf"^\t?err {i}$", text, re.M)) == 1, res


def test_operator_on_kill_stops_the_run(
    airflow: Callable[..., Result], server: Server, job_script: Callable[..., str]
) -> None:
    slow = job_script(SLOW_SCRIPT, "slow.py")
    res = airflow(
        """
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.amazon.aws.exceptions import GlueJobRunStoppedError

op = GlueJobOperator(task_id="glue", job_name="af-kill", iam_role_arn=ROLE, num_of_dpus=1,
                     create_job_kwargs=pythonshell(P["slow"]), stop_job_run_on_kill=True,
                     job_poll_interval=0.5)
outcome = {}
def execute():
    try:
        outcome["value"] = op.execute(context())
    except BaseException as err:
        outcome["error"] = f"{type(err).__name__}: {err}"
worker = threading.Thread(target=execute)
worker.start()
while op._job_run_id is None:
    time.sleep(0.1)
time.sleep(2)  # the run is RUNNING and the operator is polling
RESULT["state_before"] = op.hook.get_job_state("af-kill", op._job_run_id)
op.on_kill()  # what the task runner calls when the task is killed
worker.join(60)
RESULT["run_id"] = op._job_run_id
RESULT.update(outcome)

# Without stop_job_run_on_kill, on_kill leaves the run alone.
op2 = GlueJobOperator(task_id="glue", job_name="af-kill", iam_role_arn=ROLE, num_of_dpus=1,
                      create_job_kwargs=pythonshell(P["slow"]), wait_for_completion=False)
RESULT["run2"] = op2.execute(context())
op2.on_kill()
time.sleep(1)
RESULT["run2_state"] = op2.hook.get_job_state("af-kill", RESULT["run2"])
op2.hook.conn.batch_stop_job_run(JobName="af-kill", JobRunIds=[RESULT["run2"]])
done()
""",
        {"slow": slow},
    )
    out = res.json()
    assert out["state_before"] == "RUNNING"
    assert out["error"].startswith("GlueJobRunStoppedError: "), out
    assert "ended in state 'STOPPED'" in out["error"]
    run = server.client().get_job_run(JobName="af-kill", RunId=out["run_id"])["JobRun"]
    assert run["JobRunState"] == "STOPPED"
    assert out["run2_state"] == "RUNNING"


def test_sensor_pokes_until_succeeded_and_raises_on_failure(
    airflow: Callable[..., Result], job_script: Callable[..., str]
) -> None:
    ok, bad = job_script(OK_SCRIPT, "ok.py"), job_script(BAD_SCRIPT, "bad.py")
    slow = job_script(SLOW_SCRIPT, "slow.py")
    res = airflow(
        """
from airflow.providers.amazon.aws.hooks.glue import GlueJobHook
from airflow.providers.amazon.aws.sensors.glue import GlueJobSensor
from airflow.exceptions import AirflowException

def start(name, script):
    hook = GlueJobHook(job_name=name, desc="d", iam_role_arn=ROLE, num_of_dpus=1,
                       create_job_kwargs=pythonshell(script))
    return hook, hook.initialize_job()["JobRunId"]

def poke_until_done(name, run_id, verbose=False):
    sensor = GlueJobSensor(task_id="wait", job_name=name, run_id=run_id, verbose=verbose)
    pokes = []
    for _ in range(120):
        try:
            if sensor.poke({}):
                pokes.append(True)
                return {"pokes": pokes}
        except AirflowException as err:
            return {"pokes": pokes, "error": str(err)}
        pokes.append(False)
        time.sleep(0.5)
    return {"pokes": pokes, "error": "never finished"}

RESULT["ok"] = poke_until_done("af-sense", start("af-sense", P["ok"])[1])
RESULT["bad"] = poke_until_done("af-sense-bad", start("af-sense-bad", P["bad"])[1])
hook, slow = start("af-sense-slow", P["slow"])
time.sleep(1)
hook.conn.batch_stop_job_run(JobName="af-sense-slow", JobRunIds=[slow])
RESULT["stopped"] = poke_until_done("af-sense-slow", slow)
done()
""",
        {"ok": ok, "bad": bad, "slow": slow},
    )
    out = res.json()
    assert out["ok"]["pokes"][-1] is True and "error" not in out["ok"]
    assert False in out["ok"]["pokes"]  # it did see the run still going
    assert "FAILED" in out["bad"]["error"]
    assert "STOPPED" in out["stopped"]["error"]


@pytest.mark.usefixtures("logs_api")
def test_sensor_verbose_prints_the_run_logs(
    airflow: Callable[..., Result], job_script: Callable[..., str]
) -> None:
    ok = job_script(OK_SCRIPT, "ok.py")
    res = airflow(
        """
from airflow.providers.amazon.aws.hooks.glue import GlueJobHook
from airflow.providers.amazon.aws.sensors.glue import GlueJobSensor
hook = GlueJobHook(job_name="af-sense-v", desc="d", iam_role_arn=ROLE, num_of_dpus=1,
                   create_job_kwargs=pythonshell(P["ok"]))
run_id = hook.initialize_job({"--who": "sensor"})["JobRunId"]
sensor = GlueJobSensor(task_id="wait", job_name="af-sense-v", run_id=run_id, verbose=True)
while not sensor.poke({}):
    time.sleep(0.5)
done()
""",
        {"ok": ok},
    )
    text = res.stdout + res.stderr
    assert len(re.findall(r"^\t?hello from glue --who sensor$", text, re.M)) == 1, res
    assert len(re.findall(r"^\t?done$", text, re.M)) == 1, res
    assert len(re.findall(r"^\t?warning line$", text, re.M)) == 1, res


TRIGGER = """
from airflow.providers.amazon.aws.hooks.glue import GlueJobHook
from airflow.providers.amazon.aws.triggers.glue import GlueJobCompleteTrigger

async def events(trigger):
    return [event.payload async for event in trigger.run()]

def start(name, script):
    hook = GlueJobHook(job_name=name, desc="d", iam_role_arn=ROLE, num_of_dpus=1,
                       create_job_kwargs=pythonshell(script))
    return hook.initialize_job()["JobRunId"]

for case, (name, script, verbose) in P["cases"].items():
    run_id = start(name, script)
    trigger = GlueJobCompleteTrigger(job_name=name, run_id=run_id, verbose=verbose,
                                     waiter_delay=1, waiter_max_attempts=60)
    RESULT[case] = {"run_id": run_id, "events": asyncio.run(events(trigger))}
done()
"""


def test_deferrable_trigger_yields_success_and_failure_events(
    airflow: Callable[..., Result], job_script: Callable[..., str]
) -> None:
    ok, bad = job_script(OK_SCRIPT, "ok.py"), job_script(BAD_SCRIPT, "bad.py")
    cases = {"ok": ["af-trig", ok, False], "bad": ["af-trig-bad", bad, False]}
    out = airflow(TRIGGER, {"cases": cases}).json()
    assert out["ok"]["events"] == [{"status": "success", "run_id": out["ok"]["run_id"]}]
    (event,) = out["bad"]["events"]
    assert event["status"] == "error" and event["run_id"] == out["bad"]["run_id"]
    # The waiter reads JobRun.ErrorMessage into the event's message.
    assert "AWS Glue job failed.: FAILED - ValueError: boom" in event["message"]


@pytest.mark.usefixtures("logs_api")
def test_deferrable_trigger_verbose_forwards_logs(
    airflow: Callable[..., Result], job_script: Callable[..., str]
) -> None:
    ok, bad = job_script(OK_SCRIPT, "ok.py"), job_script(BAD_SCRIPT, "bad.py")
    cases = {"ok": ["af-trig-v", ok, True], "bad": ["af-trig-v-bad", bad, True]}
    res = airflow(TRIGGER, {"cases": cases})
    out = res.json()
    assert out["ok"]["events"] == [{"status": "success", "run_id": out["ok"]["run_id"]}]
    assert out["bad"]["events"][0]["status"] == "error"
    assert "exited with state: FAILED" in out["bad"]["events"][0]["message"]
    text = res.stdout + res.stderr
    assert len(re.findall(r"^\t?hello from glue\b", text, re.M)) == 1, res
    assert len(re.findall(r"^\t?done$", text, re.M)) == 1, res
    assert re.search(r"^\t?ValueError: boom$", text, re.M), res


def test_deferrable_operator_defers_resumes_and_reattaches_on_retry(
    airflow: Callable[..., Result], server: Server, job_script: Callable[..., str]
) -> None:
    script = job_script("import time\ntime.sleep(4)\nprint('deferred done')\n", "defer.py")
    res = airflow(
        """
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator

def op():
    return GlueJobOperator(task_id="glue", job_name="af-defer", iam_role_arn=ROLE, num_of_dpus=1,
                           create_job_kwargs=pythonshell(P["script"]), deferrable=True,
                           durable=True, waiter_delay=1, script_args={"--day": "d1"})

def defer(operator, ctx):
    try:
        operator.execute(ctx)
    except BaseException as exc:
        if type(exc).__name__ != "TaskDeferred":
            raise
        return exc.trigger
    raise AssertionError("execute did not defer")

first = defer(op(), context())
# The task is retried (try 2) while the run is still going: the operator scans GetJobRuns for
# its --airflow_task_uuid argument and re-defers on the same run instead of starting another.
retry_ctx = context()
retry_ctx["ti"].try_number = 2
second = defer(op(), retry_ctx)
RESULT["runs"] = [first.run_id, second.run_id]

async def events(trigger):
    return [event.payload async for event in trigger.run()]

(event,) = asyncio.run(events(second))
RESULT["event"] = event
RESULT["complete"] = op().execute_complete(retry_ctx, event)
done()
""",
        {"script": script},
    )
    out = res.json()
    first, second = out["runs"]
    assert first == second
    assert out["event"] == {"status": "success", "run_id": first}
    assert out["complete"] == first
    (run,) = server.client().get_job_runs(JobName="af-defer")["JobRuns"]
    assert run["Arguments"]["--airflow_task_uuid"] == "clients:glue:manual__1:-1"
    assert run["JobRunState"] == "SUCCEEDED"


def test_hook_waits_through_a_queued_run_and_surfaces_the_concurrency_error(
    airflow: Callable[..., Result], job_script: Callable[..., str]
) -> None:
    script = job_script("import time\ntime.sleep(3)\n", "queued.py")
    res = airflow(
        """
import botocore.exceptions
from airflow.providers.amazon.aws.hooks.glue import GlueJobHook
hook = GlueJobHook(job_name="af-queue", desc="d", iam_role_arn=ROLE, num_of_dpus=1,
                   concurrent_run_limit=1, job_poll_interval=0.5,
                   create_job_kwargs=pythonshell(P["script"]))
first = hook.initialize_job()["JobRunId"]
try:
    hook.initialize_job()
except botocore.exceptions.ClientError as err:
    RESULT["refused"] = err.response["Error"]["Code"]
queued = hook.initialize_job(run_kwargs={"JobRunQueuingEnabled": True})["JobRunId"]
RESULT["queued_state"] = hook.get_job_state("af-queue", queued)
RESULT["first"] = hook.job_completion("af-queue", first)["JobRunState"]
RESULT["queued"] = hook.job_completion("af-queue", queued)["JobRunState"]
done()
""",
        {"script": script},
    )
    out = res.json()
    assert out["refused"] == "ConcurrentRunsExceededException"
    assert out["queued_state"] == "WAITING"  # not terminal for Airflow: it keeps polling
    assert (out["first"], out["queued"]) == ("SUCCEEDED", "SUCCEEDED")


DAG_FILE = """
import pendulum
from airflow.sdk import DAG
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
from airflow.providers.amazon.aws.sensors.glue import GlueJobSensor

ROLE = "arn:aws:iam::123456789012:role/glue"
COMMAND = {"Command": {"Name": "pythonshell", "ScriptLocation": __SCRIPT__}}

with DAG("gluerun_clients", schedule=None, start_date=pendulum.datetime(2024, 1, 1)) as dag:
    submit = GlueJobOperator(task_id="submit", job_name="af-dag", iam_role_arn=ROLE,
                             num_of_dpus=1, create_job_kwargs=COMMAND,
                             script_args={"--day": "{{ ds }}"}, wait_for_completion=False)
    wait = GlueJobSensor(task_id="wait", job_name="af-dag", run_id=submit.output,
                         poke_interval=1)
    run_and_wait = GlueJobOperator(task_id="run_and_wait", job_name="af-dag",
                                   iam_role_arn=ROLE, num_of_dpus=1, create_job_kwargs=COMMAND,
                                   script_args={"--day": "{{ ds }}"}, job_poll_interval=1)
    submit >> wait >> run_and_wait
"""


def test_a_real_dag_run_with_a_metadata_database(
    airflow_venv: Venv, server: Server, tmp_path: Path, job_script: Callable[..., str]
) -> None:
    """The full task runner (XCom, templating, task state) on SQLite: `airflow dags test`."""
    script = job_script(OK_SCRIPT, "ok.py")
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "gluerun_dag.py").write_text(DAG_FILE.replace("__SCRIPT__", repr(script)))
    env = airflow_env(tmp_path, server) | {"AIRFLOW__CORE__DAGS_FOLDER": str(dags)}

    def airflow_cli(*args: str) -> Result:
        out = subprocess.run(
            [airflow_venv.bin("airflow"), *args],
            env=env,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        res = Result(out.returncode, out.stdout, out.stderr)
        print(f"$ airflow {' '.join(args)}\n{res}")
        return res

    assert airflow_cli("db", "migrate").code == 0
    res = airflow_cli("dags", "test", "gluerun_clients", "2024-01-02")
    assert res.code == 0, res
    assert re.search(r"DagRun Finished: dag_id=gluerun_clients.*state=success", res.stdout), res
    runs = server.client().get_job_runs(JobName="af-dag")["JobRuns"]
    assert [(r["JobRunState"], r["Arguments"]) for r in runs] == [
        ("SUCCEEDED", {"--day": "2024-01-02"}),
        ("SUCCEEDED", {"--day": "2024-01-02"}),
    ]


def test_hook_tags_on_update_and_iam_role_name(
    airflow: Callable[..., Result], job_script: Callable[..., str]
) -> None:
    ok = job_script(OK_SCRIPT, "ok.py")
    airflow(
        """
from airflow.providers.amazon.aws.hooks.glue import GlueJobHook
def hook(**kw):
    return GlueJobHook(job_name="af-tags", desc="d", num_of_dpus=1, **kw)
hook(iam_role_arn=ROLE, create_job_kwargs={**pythonshell(P["ok"]), "Tags": {"team": "data"}}
     ).get_or_create_glue_job()
# update_config=True with Tags: StsHook.get_account_number() builds the job ARN for GetTags.
hook(iam_role_arn=ROLE, update_config=True,
     create_job_kwargs={**pythonshell(P["ok"]), "Tags": {"team": "ml"}}).create_or_update_glue_job()
# iam_role_name: IAM GetRole resolves the role's ARN before CreateJob.
GlueJobHook(job_name="af-role", desc="d", num_of_dpus=1, iam_role_name="glue",
            create_job_kwargs=pythonshell(P["ok"])).get_or_create_glue_job()
done()
""",
        {"ok": ok},
    )


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    """A moto S3 server: where GlueJobOperator uploads a local script (S3Hook)."""
    with moto_s3() as endpoint:
        yield endpoint


@pytest.fixture(scope="module")
def s3_server(s3_endpoint: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """A gluerun that fetches s3:// scripts from moto."""
    srv = start_server(
        tmp_path_factory.mktemp("s3-server"),
        {
            "GLUERUN_S3_ENDPOINT_URL": s3_endpoint,
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_DEFAULT_REGION": REGION,
        },
    )
    yield srv
    stop_server(srv)


def test_operator_uploads_a_local_script_to_s3_and_gluerun_runs_it(
    airflow_venv: Venv,
    s3_server: Server,
    s3_endpoint: str,
    tmp_path: Path,
    run_driver: Driver,
    job_script: Callable[..., str],
) -> None:
    """The operator's default path: script_location is local, so it goes through S3 first.

    The connection routes S3 elsewhere with `service_config` (gluerun serves no S3); gluerun
    reads the uploaded s3:// script from the same S3 (GLUERUN_S3_ENDPOINT_URL).
    """
    script = job_script(OK_SCRIPT, "uploaded_job.py")
    env = airflow_env(tmp_path, s3_server)
    conn = json.loads(env["AIRFLOW_CONN_AWS_DEFAULT"])
    conn["extra"]["service_config"] = {"s3": {"endpoint_url": s3_endpoint}}
    env["AIRFLOW_CONN_AWS_DEFAULT"] = json.dumps(conn)
    res = run_driver(
        airflow_venv,
        PRELUDE
        + """
from airflow.providers.amazon.aws.hooks.s3 import S3Hook
from airflow.providers.amazon.aws.operators.glue import GlueJobOperator
S3Hook().create_bucket(bucket_name="scripts")
op = GlueJobOperator(
    task_id="glue", job_name="af-s3", iam_role_arn=ROLE, num_of_dpus=1,
    script_location=P["script"], s3_bucket="scripts", script_args={"--day": "d9"},
    create_job_kwargs={"Command": {"Name": "pythonshell", "PythonVersion": "3.9",
        "ScriptLocation": "s3://scripts/artifacts/glue-scripts/uploaded_job.py"}},
    job_poll_interval=0.5)
RESULT["run_id"] = op.execute(context())
done()
""",
        env,
        args=[json.dumps({"script": script})],
    )
    assert res.code == 0, res
    glue = s3_server.client()
    job = glue.get_job(JobName="af-s3")["Job"]
    assert job["LogUri"] == "s3://scripts/logs/glue-logs/af-s3"
    run = glue.get_job_run(JobName="af-s3", RunId=res.json()["run_id"])["JobRun"]
    assert run["JobRunState"] == "SUCCEEDED"
