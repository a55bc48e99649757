"""JDBC bookmarks end to end: glueetl runs read only the new rows of a PostgreSQL table.

One job copies a table's new rows into another table through Glue's JDBC source and sink, run
by a live server: a first run, a failed run that must not advance, its retry, and a reset.
"""

from __future__ import annotations

import json
from pathlib import Path

from spark_support import FINAL, RUN_TIMEOUT, PgSchema, Server, wait_state

SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "url", "counts", "fail"])
glueContext = GlueContext(SparkContext())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
connection = {"url": args["url"], "user": "postgres"}
orders = glueContext.create_dynamic_frame.from_options(
    connection_type="postgresql",
    connection_options={**connection, "dbtable": "orders"},
    transformation_ctx="orders",
)
with open(args["counts"] + "/" + args["JOB_RUN_ID"], "w") as out:
    out.write(str(orders.count()))
if args["fail"] == "yes":
    raise RuntimeError("failing after the read")
glueContext.write_dynamic_frame.from_options(
    orders,
    connection_type="postgresql",
    connection_options={**connection, "dbtable": "orders_copy"},
)
job.commit()
"""


def test_jdbc_bookmarks_copy_each_new_row_once(
    spark_server: Server, pg_schema: PgSchema, tmp_path: Path
) -> None:
    pg_schema.execute("CREATE TABLE orders (id serial PRIMARY KEY, amount numeric(8,2))")
    pg_schema.execute("INSERT INTO orders (amount) VALUES (1.50), (2.50), (3.50)")
    counts = tmp_path / "counts"
    counts.mkdir()
    script = tmp_path / "copy_orders.py"
    script.write_text(SCRIPT)
    glue = spark_server.client()
    glue.create_job(
        Name="orders",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script), "PythonVersion": "3"},
        GlueVersion="5.0",
        DefaultArguments={
            "--job-bookmark-option": "job-bookmark-enable",
            "--url": pg_schema.url,
            "--counts": str(counts),
            "--fail": "no",
        },
    )

    def run(state: str = "SUCCEEDED", **arguments: str) -> tuple[str, int]:
        run_id = glue.start_job_run(JobName="orders", Arguments=arguments)["JobRunId"]
        found = wait_state(glue, "orders", run_id, FINAL, timeout=RUN_TIMEOUT)
        log = spark_server.data_dir / "runs" / run_id / "stderr.log"
        assert found["JobRunState"] == state, log.read_text()[-3000:]
        return run_id, int((counts / run_id).read_text())

    first, read = run()
    assert read == 3
    entry = glue.get_job_bookmark(JobName="orders")["JobBookmarkEntry"]
    assert json.loads(entry["JobBookmark"])["orders"]["frontier"] == ["3"]

    pg_schema.execute("INSERT INTO orders (amount) VALUES (4.50), (5.50)")
    _, read = run("FAILED", **{"--fail": "yes"})
    assert read == 2
    assert glue.get_job_bookmark(JobName="orders")["JobBookmarkEntry"]["RunId"] == first

    second, read = run()
    assert read == 2  # the failed run's rows, once
    copied = pg_schema.execute("SELECT id, amount::text FROM orders_copy ORDER BY id")
    assert copied == [(1, "1.50"), (2, "2.50"), (3, "3.50"), (4, "4.50"), (5, "5.50")]
    entry = glue.get_job_bookmark(JobName="orders")["JobBookmarkEntry"]
    assert (entry["Run"], entry["RunId"], entry["PreviousRunId"]) == (2, second, first)
    assert json.loads(entry["JobBookmark"])["orders"]["frontier"] == ["5"]

    _, read = run()
    assert read == 0
    glue.reset_job_bookmark(JobName="orders", RunId=first)  # rewind: after the first run
    _, read = run()
    assert read == 2
