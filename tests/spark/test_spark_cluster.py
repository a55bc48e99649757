"""glueetl runs sent to a Spark standalone cluster (master + worker from the pyspark package)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest
from spark_support import (
    CREDENTIALS,
    FINAL,
    RUN_TIMEOUT,
    PgSchema,
    Server,
    free_port,
    job_env,
    run_script,
    stop_process,
    wait_for_port,
    wait_state,
)

pyspark = pytest.importorskip("pyspark")

pytestmark = pytest.mark.slow

SPARK_HOME = Path(pyspark.__file__).resolve().parent

CLUSTER_SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.transforms import Map
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["input", "output"])
sc = SparkContext()
print("MASTER", sc.master)
glueContext = GlueContext(sc)
frame = glueContext.create_dynamic_frame.from_options(
    connection_type="s3", connection_options={"paths": [args["input"]]}, format="json"
)

def double(record):
    record["n"] = record["n"] * 2
    return record

doubled = Map.apply(frame=frame, f=double)
glueContext.write_dynamic_frame.from_options(
    frame=doubled, connection_type="s3", connection_options={"path": args["output"]}, format="json"
)
"""

JDBC_SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "url", "counts"])
glueContext = GlueContext(SparkContext())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
options = {"url": args["url"], "user": "postgres", "dbtable": "t", "hashexpression": "id"}
frame = glueContext.create_dynamic_frame.from_options(
    connection_type="postgresql",
    connection_options={**options, "hashpartitions": "2"},
    transformation_ctx="t",
)
with open(args["counts"] + "/" + args["JOB_RUN_ID"], "w") as out:
    out.write(str(frame.count()))
job.commit()
"""

S3_SCRIPT = """
from pyspark.sql import SparkSession

spark = SparkSession.builder.getOrCreate()
frame = spark.read.json("s3://cluster-bucket/in/")
frame.selectExpr("n * 2 AS n").write.mode("overwrite").parquet("s3://cluster-bucket/out/")
print("BACK", sorted(row.n for row in spark.read.parquet("s3://cluster-bucket/out/").collect()))
hosts = spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size()
print("JVMS", hosts)
"""

BUSY_SCRIPT = """
import time
from pyspark.context import SparkContext

sc = SparkContext()
print("READY", flush=True)
sc.parallelize(range(2), 2).map(lambda x: time.sleep(600)).count()
"""


def _spark_class(*args: str, log: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "SPARK_HOME": str(SPARK_HOME), "SPARK_LOCAL_IP": "127.0.0.1"}
    with log.open("ab") as out:
        return subprocess.Popen(
            [str(SPARK_HOME / "bin" / "spark-class"), *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_for_text(path: Path, text: str, proc: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while text not in path.read_text(errors="replace"):
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{text!r} never appeared:\n{path.read_text()[-3000:]}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, psutil.Process]]:
    """A standalone master and one worker on 127.0.0.1; both stopped by pid afterwards."""
    base = tmp_path_factory.mktemp("cluster")
    port = free_port()
    master = _spark_class(
        "org.apache.spark.deploy.master.Master",
        *("--host", "127.0.0.1", "--port", str(port), "--webui-port", str(free_port())),
        log=base / "master.log",
    )
    started: list[subprocess.Popen[bytes]] = [master]
    try:
        wait_for_port(port, master, timeout=120)
        url = f"spark://127.0.0.1:{port}"
        worker = _spark_class(
            "org.apache.spark.deploy.worker.Worker",
            *("--host", "127.0.0.1", "--cores", "2", "--memory", "2g"),
            *("--webui-port", str(free_port()), "--work-dir", str(base / "work"), url),
            log=base / "worker.log",
        )
        started.append(worker)
        _wait_for_text(base / "worker.log", "Successfully registered with master", worker, 120)
        yield url, psutil.Process(worker.pid)
    finally:
        for proc in reversed(started):
            leftovers = _descendants(proc.pid)
            stop_process(proc)
            psutil.wait_procs(leftovers, timeout=10)
            for left in leftovers:
                if left.is_running():
                    left.kill()


def _descendants(pid: int) -> list[psutil.Process]:
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _executors(worker: psutil.Process) -> list[psutil.Process]:
    found = []
    for child in _descendants(worker.pid):
        try:
            if any("CoarseGrainedExecutorBackend" in part for part in child.cmdline()):
                found.append(child)
        except psutil.NoSuchProcess:
            continue
    return found


@pytest.fixture(scope="module")
def cluster_server(
    tmp_path_factory: pytest.TempPathFactory, cluster: tuple[str, psutil.Process], s3_endpoint: str
) -> Iterator[Server]:
    """A server sending runs to the cluster; the credentials are the runs' own (the worker,
    and so its executors, has none in its environment)."""
    env = {
        "GLUERUN_SPARK_MASTER": cluster[0],
        "GLUERUN_JOB_ENV": job_env(),
        "GLUERUN_S3_ENDPOINT_URL": s3_endpoint,
        **CREDENTIALS,
    }
    srv = Server(tmp_path_factory.mktemp("cluster-server") / "data", env=env)
    srv.start()
    yield srv
    srv.shutdown()


def _create(glue: Any, name: str, script: Path, **extra: Any) -> None:
    command = {"Name": "glueetl", "ScriptLocation": str(script)}
    glue.create_job(Name=name, Role="r", Command=command, **extra)


def test_a_glue_script_runs_on_the_cluster(cluster_server: Server, tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "n.json").write_text("".join(json.dumps({"n": n}) + "\n" for n in (1, 2, 3)))
    script = tmp_path / "cluster.py"
    script.write_text(CLUSTER_SCRIPT)
    glue = cluster_server.client()
    _create(glue, "on-cluster", script)
    out = tmp_path / "out"
    arguments = {"--input": str(tmp_path / "in"), "--output": str(out)}
    run_id = glue.start_job_run(JobName="on-cluster", Arguments=arguments)["JobRunId"]
    run = wait_state(glue, "on-cluster", run_id, FINAL, timeout=RUN_TIMEOUT)
    run_dir = cluster_server.data_dir / "runs" / run_id
    assert run["JobRunState"] == "SUCCEEDED", (run_dir / "stderr.log").read_text()[-3000:]
    assert "MASTER spark://127.0.0.1:" in (run_dir / "stdout.log").read_text()
    lines = [json.loads(x) for f in out.glob("part-*") for x in f.read_text().splitlines()]
    assert sorted(r["n"] for r in lines) == [2, 4, 6]


def test_the_clusters_executors_read_and_write_s3(
    cluster_server: Server, cluster: tuple[str, psutil.Process], s3_client: Any, tmp_path: Path
) -> None:
    assert "AWS_ACCESS_KEY_ID" not in cluster[1].environ()
    s3_client.create_bucket(Bucket="cluster-bucket")
    body = "".join(json.dumps({"n": n}) + "\n" for n in (1, 2, 3)).encode()
    s3_client.put_object(Bucket="cluster-bucket", Key="in/n.json", Body=body)
    script = tmp_path / "s3_on_cluster.py"
    script.write_text(S3_SCRIPT)
    glue = cluster_server.client()
    _create(glue, "s3-on-cluster", script)
    run_id = glue.start_job_run(JobName="s3-on-cluster")["JobRunId"]
    run = wait_state(glue, "s3-on-cluster", run_id, FINAL, timeout=RUN_TIMEOUT)
    run_dir = cluster_server.data_dir / "runs" / run_id
    assert run["JobRunState"] == "SUCCEEDED", (run_dir / "stderr.log").read_text()[-3000:]
    out = (run_dir / "stdout.log").read_text()
    assert "BACK [2, 4, 6]" in out
    assert "JVMS 2" in out  # the driver and the worker's executor, which did the reading


def test_jdbc_reads_run_on_the_clusters_executors(
    cluster_server: Server, pg_schema: PgSchema, tmp_path: Path
) -> None:
    """The driver jar reaches the executors (a JVM of the worker's), bookmarks included."""
    pg_schema.execute("CREATE TABLE t (id int PRIMARY KEY)")
    pg_schema.execute("INSERT INTO t SELECT generate_series(1, 3)")
    script = tmp_path / "jdbc_on_cluster.py"
    script.write_text(JDBC_SCRIPT)
    glue = cluster_server.client()
    counts = tmp_path / "counts"
    counts.mkdir()
    arguments = {
        "--job-bookmark-option": "job-bookmark-enable",
        "--url": pg_schema.url,
        "--counts": str(counts),
    }
    _create(glue, "jdbc-on-cluster", script, DefaultArguments=arguments)
    read = []
    for new in ("4", "5"):
        run_id = glue.start_job_run(JobName="jdbc-on-cluster")["JobRunId"]
        run = wait_state(glue, "jdbc-on-cluster", run_id, FINAL, timeout=RUN_TIMEOUT)
        run_dir = cluster_server.data_dir / "runs" / run_id
        assert run["JobRunState"] == "SUCCEEDED", (run_dir / "stderr.log").read_text()[-3000:]
        read.append(int((counts / run_id).read_text()))
        pg_schema.execute(f"INSERT INTO t VALUES ({new}), ({new}0)")
    assert read == [3, 2]


def test_stop_ends_the_driver_and_its_executors(
    cluster_server: Server, cluster: tuple[str, psutil.Process], tmp_path: Path
) -> None:
    worker = cluster[1]
    script = tmp_path / "busy.py"
    script.write_text(BUSY_SCRIPT)
    glue = cluster_server.client()
    _create(glue, "busy", script)
    run_id = glue.start_job_run(JobName="busy")["JobRunId"]
    executors = _wait_busy(cluster_server, run_id, worker)
    glue.batch_stop_job_run(JobName="busy", JobRunIds=[run_id])
    assert wait_state(glue, "busy", run_id, FINAL, timeout=60)["JobRunState"] == "STOPPED"
    _, alive = psutil.wait_procs(executors, timeout=30)
    assert not alive


def _wait_busy(server: Server, run_id: str, worker: psutil.Process) -> list[psutil.Process]:
    """Until the run's driver printed READY and the worker runs its executors: those."""
    stdout = server.data_dir / "runs" / run_id / "stdout.log"
    deadline = time.monotonic() + RUN_TIMEOUT
    while not _executors(worker) or "READY" not in (stdout.read_text() if stdout.exists() else ""):
        assert time.monotonic() < deadline, "no executor ever started"
        time.sleep(0.5)
    return _executors(worker)


@pytest.mark.postgres
def test_a_paused_nodes_driver_is_killed_and_the_cluster_releases_its_executors(
    cluster: tuple[str, psutil.Process], pg_schema: PgSchema, s3_endpoint: str, tmp_path: Path
) -> None:
    """Two nodes on one PostgreSQL send glueetl runs to the cluster. The node running a driver
    pauses past its lease: the other ends the run FAILED naming it. Resumed, the paused node
    kills its orphaned driver, whose executors on the cluster end with it, and the takeover's
    result stands (docs/cluster.md: glueetl on a Spark cluster follows the same rules)."""
    database = f"{pg_schema.dsn}{'&' if '?' in pg_schema.dsn else '?'}"
    database += f"options=-csearch_path%3D{pg_schema.schema}"
    servers: list[Server] = []

    def node(name: str) -> Server:
        env = {
            "GLUERUN_SPARK_MASTER": cluster[0],
            "GLUERUN_JOB_ENV": job_env(),
            "GLUERUN_S3_ENDPOINT_URL": s3_endpoint,
            "GLUERUN_DATABASE_URL": database,
            "GLUERUN_NODE_ID": name,
            "GLUERUN_NODE_LEASE_SECONDS": "3",
            **CREDENTIALS,
        }
        (tmp_path / name).mkdir()
        server = Server(tmp_path / name / "data", env=env)
        servers.append(server)
        server.start()
        return server

    try:
        a = node("node-a")
        script = tmp_path / "busy.py"
        script.write_text(BUSY_SCRIPT)
        _create(a.client(), "busy-node", script)
        run_id = a.client().start_job_run(JobName="busy-node")["JobRunId"]
        executors = _wait_busy(a, run_id, cluster[1])
        glue = node("node-b").client()
        assert a.proc is not None
        os.kill(a.proc.pid, signal.SIGSTOP)
        taken = wait_state(glue, "busy-node", run_id, FINAL, timeout=60)
        assert taken["JobRunState"] == "FAILED" and "node-a" in taken["ErrorMessage"]
        assert all(e.is_running() for e in executors), "a pause leaves the application going"
        os.kill(a.proc.pid, signal.SIGCONT)
        _, alive = psutil.wait_procs(executors, timeout=60)
        assert not alive, "the orphaned driver was killed, and its executors with it"
        run = glue.get_job_run(JobName="busy-node", RunId=run_id)["JobRun"]
        assert run["JobRunState"] == "FAILED" and "node-a" in run["ErrorMessage"]
    finally:
        for server in servers:
            if server.proc is not None:
                os.kill(server.proc.pid, signal.SIGCONT)
            server.shutdown()


def test_a_catalog_job_runs_on_the_cluster(cluster_server: Server, tmp_path: Path) -> None:
    # the driver reaches the catalog; the cluster's executors read the chosen partitions
    from test_spark_catalog_e2e import make_sales, run_catalog_job

    make_sales(cluster_server.client(), "cluster_shop", tmp_path / "sales")
    run_catalog_job(cluster_server, tmp_path, "cluster_shop")


def test_a_bookmarked_catalog_source_on_the_cluster(cluster_server: Server, tmp_path: Path) -> None:
    from test_spark_catalog_e2e import run_bookmarked_job

    run_bookmarked_job(cluster_server, tmp_path, "cluster_books")


def test_a_catalog_connection_reaches_jdbc_on_the_cluster(
    cluster_server: Server, tmp_path: Path, pg_schema: PgSchema
) -> None:
    from test_spark_catalog_e2e import run_connected_job

    run_connected_job(cluster_server, tmp_path, pg_schema, "cluster_connected")


#: the lake tests' bucket here (the local lake tests use their own: moto is the tier's)
CLUSTER_LAKE = "cluster-lake"
#: printed by each lake script: the executors that joined (the driver runs no tasks here)
EXECUTORS_LINE = """
print("EXECUTORS", spark.sparkContext._jsc.sc().getExecutorMemoryStatus().size() - 1)
"""


def _on_cluster_lake(script: str) -> str:
    return script.replace("lake-bucket", CLUSTER_LAKE) + EXECUTORS_LINE


def _lake_args(formats: str, conf: str) -> dict[str, str]:
    return {"--datalake-formats": formats, "--conf": conf.replace("lake-bucket", CLUSTER_LAKE)}


@pytest.fixture(scope="module")
def cluster_lake(s3_client: Any) -> str:
    s3_client.create_bucket(Bucket=CLUSTER_LAKE)
    return CLUSTER_LAKE


def test_an_iceberg_table_is_written_and_read_by_the_clusters_executors(
    cluster_server: Server, s3_client: Any, cluster_lake: str, tmp_path: Path
) -> None:
    """S3FileIO on the executors (not S3A) finds the endpoint and the run's credentials."""
    from test_spark_datalake import ICEBERG_CONF, ICEBERG_READ, ICEBERG_WRITE

    write, read = tmp_path / "write.py", tmp_path / "read.py"
    write.write_text(_on_cluster_lake(ICEBERG_WRITE))
    read.write_text(_on_cluster_lake(ICEBERG_READ))
    args = _lake_args("iceberg", ICEBERG_CONF)
    out = run_script(cluster_server, "cluster-iceberg-write", write, args)
    assert "WROTE 3" in out
    assert "EXECUTORS 1" in out
    table = cluster_server.client().get_table(DatabaseName="lakedb", Name="events")["Table"]
    location = table["Parameters"]["metadata_location"]
    assert location.startswith(f"s3://{cluster_lake}/warehouse/lakedb.db/events/metadata/")
    listed = s3_client.list_objects_v2(
        Bucket=cluster_lake, Prefix="warehouse/lakedb.db/events/data/"
    )
    assert any(o["Key"].endswith(".parquet") for o in listed["Contents"])
    out = run_script(cluster_server, "cluster-iceberg-read", read, args)
    assert "READ [(1, 'a'), (2, 'b'), (3, 'c')]" in out
    assert "SNAPSHOTS 2" in out


def test_a_delta_table_takes_a_merge_on_the_cluster(
    cluster_server: Server, s3_client: Any, cluster_lake: str, tmp_path: Path
) -> None:
    from test_spark_datalake import DELTA_CONF, DELTA_MERGE, DELTA_WRITE

    write, merge = tmp_path / "write.py", tmp_path / "merge.py"
    write.write_text(_on_cluster_lake(DELTA_WRITE))
    merge.write_text(_on_cluster_lake(DELTA_MERGE))
    args = _lake_args("delta", DELTA_CONF)
    assert "WROTE 3" in run_script(cluster_server, "cluster-delta-write", write, args)
    out = run_script(cluster_server, "cluster-delta-merge", merge, args)
    assert "MERGED [(1, 'ann'), (2, 'bobby'), (3, 'cy'), (4, 'dee')]" in out
    assert "VERSIONS 2" in out
    assert "EXECUTORS 1" in out


def test_a_hudi_table_takes_an_upsert_on_the_cluster(
    cluster_server: Server, s3_client: Any, cluster_lake: str, tmp_path: Path
) -> None:
    from test_spark_datalake import HUDI_CONF, HUDI_UPSERT

    script = tmp_path / "hudi.py"
    script.write_text(_on_cluster_lake(HUDI_UPSERT))
    out = run_script(cluster_server, "cluster-hudi", script, _lake_args("hudi", HUDI_CONF))
    assert "UPSERTED [(1, 'ann'), (2, 'bobby'), (3, 'cy')]" in out
    assert "EXECUTORS 1" in out
    listed = s3_client.list_objects_v2(Bucket=cluster_lake, Prefix="hudi/people/.hoodie/")
    assert any(o["Key"].endswith(".commit") for o in listed["Contents"])


@pytest.fixture(scope="module")
def magic_cluster_server(
    tmp_path_factory: pytest.TempPathFactory, cluster: tuple[str, psutil.Process], s3_endpoint: str
) -> Iterator[Server]:
    """A server sending runs to the cluster with S3A's magic committer."""
    env = {
        "GLUERUN_SPARK_MASTER": cluster[0],
        "GLUERUN_JOB_ENV": job_env(),
        "GLUERUN_S3_ENDPOINT_URL": s3_endpoint,
        "GLUERUN_SPARK_S3_COMMITTER": "magic",
        **CREDENTIALS,
    }
    srv = Server(tmp_path_factory.mktemp("magic-cluster-server") / "data", env=env)
    srv.start()
    yield srv
    srv.shutdown()


def test_the_clusters_executors_commit_through_the_magic_committer(
    magic_cluster_server: Server, s3_client: Any, tmp_path: Path
) -> None:
    """spark-hadoop-cloud reaches the executors, whose tasks upload to the final keys."""
    from test_spark_committer import BUCKET, SCRIPT

    bucket = "cluster-commit"
    s3_client.create_bucket(Bucket=bucket)
    script = tmp_path / "magic.py"
    script.write_text(SCRIPT.replace(BUCKET, bucket) + EXECUTORS_LINE)
    out = run_script(magic_cluster_server, "cluster-magic", script)
    assert "PLAIN 1000" in out
    assert "EXECUTORS 1" in out
    success = s3_client.get_object(Bucket=bucket, Key="plain/_SUCCESS")["Body"].read()
    assert json.loads(success)["committer"] == "magic"
    keys = [o["Key"] for o in s3_client.list_objects_v2(Bucket=bucket)["Contents"]]
    assert not [key for key in keys if "__magic" in key or "_temporary" in key]
