"""glueetl runs end to end through the API: a Glue-style script on local PySpark."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import psutil
import pytest
from spark_support import FINAL, RUN_TIMEOUT, Server, wait_state

GLUE_SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import ApplyMapping
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input", "output"])
sc = SparkContext()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

people = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["input"]], "recurse": True},
    format="json",
    transformation_ctx="people",
)
mapped = ApplyMapping.apply(
    frame=people,
    mappings=[
        ("id", "long", "person_id", "int"),
        ("name", "string", "full_name", "string"),
        ("address.city", "string", "city", "string"),
    ],
    transformation_ctx="mapped",
)
glueContext.write_dynamic_frame.from_options(
    frame=mapped,
    connection_type="s3",
    connection_options={"path": args["output"]},
    format="parquet",
    transformation_ctx="sink",
)
print("ROWS", mapped.count())
job.commit()
"""


def write_people(folder: Path) -> None:
    """A folder of JSON-lines files, one of them in a subfolder (read with recurse)."""
    (folder / "more").mkdir(parents=True)
    rows = [
        {"id": 1, "name": "Ada", "address": {"city": "London"}, "extra": "x"},
        {"id": 2, "name": "Grace", "address": {"city": "Arlington"}, "extra": "y"},
    ]
    (folder / "part-1.json").write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    late = {"id": 3, "name": "Edsger", "address": {"city": "Austin"}}
    (folder / "more" / "part-2.json").write_text(json.dumps(late) + "\n")


def create_job(glue: Any, name: str, script: Path, **extra: Any) -> None:
    glue.create_job(
        Name=name,
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script), "PythonVersion": "3"},
        GlueVersion="5.0",
        **extra,
    )


def test_a_glue_script_maps_json_to_parquet(
    spark_server: Server, spark: Any, tmp_path: Path
) -> None:
    glue = spark_server.client()
    script = tmp_path / "etl.py"
    script.write_text(GLUE_SCRIPT)
    write_people(tmp_path / "in")
    out = tmp_path / "out"
    create_job(glue, "etl", script)
    run_id = glue.start_job_run(
        JobName="etl", Arguments={"--input": str(tmp_path / "in"), "--output": f"file://{out}"}
    )["JobRunId"]
    run = wait_state(glue, "etl", run_id, FINAL, timeout=RUN_TIMEOUT)
    logs = spark_server.data_dir / "runs" / run_id
    assert run["JobRunState"] == "SUCCEEDED", (logs / "stderr.log").read_text()[-3000:]
    assert "ROWS 3" in (logs / "stdout.log").read_text()
    frame = spark.read.parquet(str(out))
    assert frame.columns == ["person_id", "full_name", "city"]
    assert dict(frame.dtypes) == {"person_id": "int", "full_name": "string", "city": "string"}
    assert sorted(tuple(r) for r in frame.collect()) == [
        (1, "Ada", "London"),
        (2, "Grace", "Arlington"),
        (3, "Edsger", "Austin"),
    ]


FAILING_SCRIPT = """
from awsglue.context import GlueContext
from pyspark.context import SparkContext

glueContext = GlueContext(SparkContext())
glueContext.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": ["/nonexistent/input"]}, format="json"
).count()
"""

SLEEPING_SCRIPT = """
import time
from awsglue.context import GlueContext
from pyspark.context import SparkContext

glueContext = GlueContext(SparkContext())
print("READY", flush=True)
time.sleep(600)
"""


def test_a_spark_error_fails_the_run_with_the_python_exception_line(
    spark_server: Server, tmp_path: Path
) -> None:
    glue = spark_server.client()
    script = tmp_path / "fail.py"
    script.write_text(FAILING_SCRIPT)
    create_job(glue, "fails", script)
    run_id = glue.start_job_run(JobName="fails")["JobRunId"]
    run = wait_state(glue, "fails", run_id, FINAL, timeout=RUN_TIMEOUT)
    assert run["JobRunState"] == "FAILED"
    message = run["ErrorMessage"]
    assert message.startswith("pyspark.errors.exceptions.captured.AnalysisException: "), message
    assert "Path does not exist" in message and "\n" not in message
    assert "at org.apache" not in message


def run_processes(run_dir: Path) -> list[psutil.Process]:
    """The live processes working in a run's directory (wrapper, JVM, Python driver)."""
    found = []
    for proc in psutil.process_iter(["cwd"]):
        try:
            if proc.info["cwd"] == str(run_dir):
                found.append(proc)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    return found


def start_sleeper(server: Server, tmp_path: Path, name: str, **job: Any) -> tuple[str, Path]:
    """Start a run that sleeps once its SparkContext is up; wait until it is."""
    glue = server.client()
    script = tmp_path / f"{name}.py"
    script.write_text(SLEEPING_SCRIPT)
    create_job(glue, name, script, **job)
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    run_dir = server.data_dir / "runs" / run_id
    deadline = time.monotonic() + RUN_TIMEOUT
    while "READY" not in _read(run_dir / "stdout.log"):
        assert time.monotonic() < deadline, _read(run_dir / "stderr.log")[-2000:]
        time.sleep(0.2)
    return run_id, run_dir


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except FileNotFoundError:
        return ""


def _names(procs: list[psutil.Process]) -> set[str]:
    return {p.name() for p in procs}


def test_stop_kills_the_driver_jvm(spark_server: Server, tmp_path: Path) -> None:
    glue = spark_server.client()
    run_id, run_dir = start_sleeper(spark_server, tmp_path, "stopme")
    procs = run_processes(run_dir)
    assert {"java", "python"} <= {n.split(".")[0].rstrip("0123456789") for n in _names(procs)}
    glue.batch_stop_job_run(JobName="stopme", JobRunIds=[run_id])
    run = wait_state(glue, "stopme", run_id, FINAL, timeout=60)
    assert run["JobRunState"] == "STOPPED"
    _, alive = psutil.wait_procs(procs, timeout=10)
    assert not alive, alive
    assert not run_processes(run_dir)


@pytest.mark.slow
def test_a_timeout_kills_the_driver_jvm(spark_server: Server, tmp_path: Path) -> None:
    glue = spark_server.client()
    run_id, run_dir = start_sleeper(spark_server, tmp_path, "slowpoke", Timeout=1)
    procs = run_processes(run_dir)
    run = wait_state(glue, "slowpoke", run_id, FINAL, timeout=150)
    assert run["JobRunState"] == "TIMEOUT"
    _, alive = psutil.wait_procs(procs, timeout=10)
    assert not alive, alive


S3_SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import ApplyMapping, Filter
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "bucket"])
glueContext = GlueContext(SparkContext.getOrCreate())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
source = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [f"s3://{args['bucket']}/in/"]},
    format="csv",
    format_options={"withHeader": True},
)
big = Filter.apply(frame=source, f=lambda r: r["amount"] > 10)
mappings = [("id", "int", "id", "int"), ("amount", "int", "amount", "double")]
out = ApplyMapping.apply(frame=big, mappings=mappings)
glueContext.write_dynamic_frame.from_options(
    frame=out,
    connection_type="s3",
    connection_options={"path": f"s3://{args['bucket']}/out/"},
    format="parquet",
)
job.commit()
"""


def test_s3_script_input_and_output(
    spark_server: Server, s3_client: Any, spark: Any, tmp_path: Path
) -> None:
    bucket = "spark-e2e"
    s3_client.create_bucket(Bucket=bucket)
    s3_client.put_object(Bucket=bucket, Key="etl.py", Body=S3_SCRIPT.encode())
    body = "id,amount\n1,5\n2,20\n3,30\n"
    s3_client.put_object(Bucket=bucket, Key="in/amounts.csv", Body=body.encode())
    glue = spark_server.client()
    glue.create_job(
        Name="s3etl",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": f"s3://{bucket}/etl.py"},
        DefaultArguments={"--bucket": bucket},
    )
    run_id = glue.start_job_run(JobName="s3etl")["JobRunId"]
    run = wait_state(glue, "s3etl", run_id, FINAL, timeout=RUN_TIMEOUT)
    stderr = _read(spark_server.data_dir / "runs" / run_id / "stderr.log")
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage", "") + stderr[-3000:]
    listing = s3_client.list_objects_v2(Bucket=bucket, Prefix="out/")["Contents"]
    parts = [o["Key"] for o in listing if o["Key"].endswith(".parquet")]
    assert parts
    local = tmp_path / "out"
    local.mkdir()
    for key in parts:
        s3_client.download_file(bucket, key, str(local / key.rsplit("/", 1)[-1]))
    back = spark.read.parquet(str(local))
    assert sorted(tuple(r) for r in back.collect()) == [(2, 20.0), (3, 30.0)]
