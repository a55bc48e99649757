"""An AWS-sample-style script (join, choices, Map errors, Relationalize) run through the API."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from spark_support import FINAL, RUN_TIMEOUT, Server, wait_state

# Written as aws-glue-samples' join_and_relationalize.py is, with from_options sources.
SAMPLE_SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.transforms import *
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input", "output"])
glueContext = GlueContext(SparkContext.getOrCreate())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

def source(name):
    return glueContext.create_dynamic_frame.from_options(
        "s3", {"paths": [args["input"] + "/" + name]}, format="json", transformation_ctx=name
    )

persons = source("persons")
memberships = source("memberships")
persons.printSchema()
persons = ResolveChoice.apply(frame=persons, specs=[("age", "cast:int")])
history = Join.apply(persons, memberships, "id", "person_id").drop_fields(["person_id"])

def tag(record):
    record["senior"] = record["age"] >= 60
    return record

tagged = Map.apply(frame=history, f=tag)
print("ERRORS", tagged.errorsCount())
tables = tagged.relationalize("hist_root", args["output"] + "/tmp")
for name in sorted(tables.keys()):
    print("TABLE", name, sorted(tables.select(name).toDF().columns))
    glueContext.write_dynamic_frame.from_options(
        frame=tables.select(name),
        connection_type="s3",
        connection_options={"path": args["output"] + "/" + name},
        format="parquet",
    )
job.commit()
"""

PERSONS = [
    {"id": 1, "name": "Ada", "age": 36, "links": [{"note": "web", "url": "a.example"}]},
    {"id": 2, "name": "Grace", "age": "85", "links": []},
    {"id": 3, "name": "Edsger", "age": None, "links": [{"note": "x", "url": "e.example"}]},
]
MEMBERSHIPS = [
    {"person_id": 1, "org": "House"},
    {"person_id": 2, "org": "Navy"},
    {"person_id": 3, "org": "Senate"},
]


def write_lines(folder: Path, rows: list[dict[str, Any]]) -> None:
    folder.mkdir(parents=True)
    (folder / "part-0.json").write_text("\n".join(json.dumps(r) for r in rows) + "\n")


def test_a_join_and_relationalize_sample_runs_unchanged(
    spark_server: Server, spark: Any, tmp_path: Path
) -> None:
    glue = spark_server.client()
    script = tmp_path / "sample.py"
    script.write_text(SAMPLE_SCRIPT)
    write_lines(tmp_path / "in" / "persons", PERSONS)
    write_lines(tmp_path / "in" / "memberships", MEMBERSHIPS)
    glue.create_job(
        Name="sample",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script), "PythonVersion": "3"},
        GlueVersion="5.0",
    )
    out = tmp_path / "out"
    arguments = {"--input": str(tmp_path / "in"), "--output": str(out)}
    run_id = glue.start_job_run(JobName="sample", Arguments=arguments)["JobRunId"]
    run = wait_state(glue, "sample", run_id, FINAL, timeout=RUN_TIMEOUT)
    logs = spark_server.data_dir / "runs" / run_id
    assert run["JobRunState"] == "SUCCEEDED", (logs / "stderr.log").read_text()[-3000:]
    stdout = (logs / "stdout.log").read_text()
    assert "|-- age: choice\n|    |-- int\n|    |-- string\n" in stdout
    assert "ERRORS 1" in stdout  # Edsger's age is null: None >= 60 raises TypeError
    assert "TABLE hist_root ['age', 'id', 'links', 'name', 'org', 'senior']" in stdout
    assert "TABLE hist_root_links ['id', 'index', 'links.val.note', 'links.val.url']" in stdout
    root = spark.read.parquet(str(out / "hist_root"))
    links = spark.read.parquet(str(out / "hist_root_links"))
    joined = root.join(links, root["links"] == links["id"]).select("name", "`links.val.url`")
    assert sorted(tuple(r) for r in joined.collect()) == [("Ada", "a.example")]
    assert sorted((r["name"], r["senior"]) for r in root.collect()) == [
        ("Ada", False),
        ("Grace", True),
    ]
