"""Job bookmarks end to end: glueetl runs on local PySpark read only new files.

One job goes through enable, a failed run, pause, pause with a run range, and a reset; each
run writes how many rows its bookmarked source read (and how many an unbookmarked read of the
same folder saw) to a file named after its run id.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

import pytest
from spark_support import CREDENTIALS, FINAL, RUN_TIMEOUT, Server, wait_state

SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input", "counts", "fail"])
glueContext = GlueContext(SparkContext())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
frame = glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["input"]], "recurse": True},
    format="json",
    transformation_ctx="source",
)
everything = glueContext.create_data_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["input"]], "recurse": True},
    format="json",
)
with open(args["counts"] + "/" + args["JOB_RUN_ID"], "w") as out:
    out.write(f"{frame.count()} {everything.count()}")
if args["fail"] == "yes":
    raise RuntimeError("failing after the read")
job.commit()
"""


def put(folder: Path, name: str, row_id: int, mtime: float | None = None) -> None:
    file = folder / name
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(json.dumps({"id": row_id}) + "\n")
    if mtime is not None:
        os.utime(file, (mtime, mtime))


class Runner:
    def __init__(self, server: Server, tmp_path: Path) -> None:
        self.server = server
        self.glue = server.client()
        self.counts = tmp_path / "counts"
        self.counts.mkdir()
        self.input = tmp_path / "in"
        script = tmp_path / "bookmarked.py"
        script.write_text(SCRIPT)
        self.glue.create_job(
            Name="bm",
            Role="r",
            Command={"Name": "glueetl", "ScriptLocation": str(script), "PythonVersion": "3"},
            GlueVersion="5.0",
            DefaultArguments={
                "--job-bookmark-option": "job-bookmark-enable",
                "--input": str(self.input),
                "--counts": str(self.counts),
                "--fail": "no",
            },
        )

    def run(self, state: str = "SUCCEEDED", **arguments: str) -> tuple[str, tuple[int, int]]:
        run_id = self.glue.start_job_run(JobName="bm", Arguments=arguments)["JobRunId"]
        run = wait_state(self.glue, "bm", run_id, FINAL, timeout=RUN_TIMEOUT)
        logs = self.server.data_dir / "runs" / run_id
        assert run["JobRunState"] == state, (logs / "stderr.log").read_text()[-3000:]
        read, total = (self.counts / run_id).read_text().split()
        return run_id, (int(read), int(total))

    def bookmark(self) -> dict[str, Any]:
        entry: dict[str, Any] = self.glue.get_job_bookmark(JobName="bm")["JobBookmarkEntry"]
        return entry


def test_bookmarks_read_only_new_files_across_runs(spark_server: Server, tmp_path: Path) -> None:
    runner = Runner(spark_server, tmp_path)
    shared = time.time() - 120
    put(runner.input, "day=1/a.json", 1, shared)  # a and b share their mtime
    put(runner.input, "day=1/b.json", 2, shared)
    put(runner.input, "day=2/c.json", 3)

    first, counts = runner.run()
    assert counts == (3, 3)
    entry = runner.bookmark()
    assert (entry["Version"], entry["Run"], entry["RunId"]) == (1, 1, first)
    state = json.loads(entry["JobBookmark"])["source"]
    assert state["jsonClass"] == "GluerunFileSourceJobBookmarkState"
    assert len(state["include_list"]) == 3

    # d lands with the same mtime as a and b (already at the high water); e is newer
    put(runner.input, "day=1/d.json", 4, shared)
    put(runner.input, "day=3/e.json", 5)
    _, counts = runner.run("FAILED", **{"--fail": "yes"})
    assert counts == (2, 5)
    assert runner.bookmark()["Version"] == 1  # the failed run did not commit

    third, counts = runner.run()
    assert counts == (2, 5)  # the same data again, once
    entry = runner.bookmark()
    assert (entry["Version"], entry["Run"], entry["RunId"]) == (2, 2, third)
    assert entry["PreviousRunId"] == first

    put(runner.input, "day=4/f.json", 6)
    _, counts = runner.run(**{"--job-bookmark-option": "job-bookmark-pause"})
    assert counts == (1, 6)
    assert runner.bookmark()["Version"] == 2  # pause never commits

    _, counts = runner.run(
        **{
            "--job-bookmark-option": "job-bookmark-pause",
            "--job-bookmark-from": first,
            "--job-bookmark-to": third,
        }
    )
    assert counts == (2, 6)  # what `third` processed beyond `first`: d and e
    assert runner.bookmark()["Version"] == 2

    runner.glue.reset_job_bookmark(JobName="bm")
    assert runner.bookmark()["Version"] == 3
    after_reset, counts = runner.run()
    assert counts == (6, 6)
    entry = runner.bookmark()
    assert (entry["Version"], entry["Run"], entry["RunId"]) == (4, 3, after_reset)


def test_s3_listing_filters_by_last_modified_and_keeps_the_include_list(
    s3_client: Any, s3_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from awsglue import _bookmarks
    from awsglue._storage import Storage

    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)

    s3_client.create_bucket(Bucket="bookmarks")
    keys = ("in/p=1/a.json", "in/p=2/b.json", "in/_SUCCESS", "in/top.json", "in/sub/c.json")
    for key in keys:
        s3_client.put_object(Bucket="bookmarks", Key=key, Body=b'{"id": 1}\n')
    storage = Storage(endpoint_url=s3_endpoint)
    listed = _bookmarks.list_files(["s3://bookmarks/in"], True, storage)
    assert [e.path for e in listed] == [
        "s3://bookmarks/in/p=1/a.json",
        "s3://bookmarks/in/p=2/b.json",
        "s3://bookmarks/in/sub/c.json",
        "s3://bookmarks/in/top.json",
    ]
    flat = _bookmarks.list_files(["s3://bookmarks/in/"], False, storage)  # partitions only
    assert [e.path for e in flat] == [
        "s3://bookmarks/in/p=1/a.json",
        "s3://bookmarks/in/p=2/b.json",
        "s3://bookmarks/in/top.json",
    ]

    context = _bookmarks.BookmarkContext(_bookmarks.ENABLE)
    assert context.select("src", listed) == listed
    assert context.select("", listed) == listed  # no ctx: no bookmark
    again = _bookmarks.BookmarkContext(_bookmarks.ENABLE, lower=context.document())
    assert again.select("src", listed) == []
    s3_client.put_object(Bucket="bookmarks", Key="in/p=1/a.json", Body=b'{"id": 2}\n')
    time.sleep(0.01)
    relisted = _bookmarks.list_files(["s3://bookmarks/in"], True, storage)
    if relisted[0].mtime_ns != listed[0].mtime_ns:  # S3 times have a resolution of 1 s
        assert [e.path for e in again.select("src", relisted)] == ["s3://bookmarks/in/p=1/a.json"]


def test_a_bookmarked_read_of_nothing_new_is_an_empty_frame(
    glue_context: Any, tmp_path: Path
) -> None:
    from awsglue import _bookmarks

    put(tmp_path / "in", "x.json", 1)
    context = _bookmarks.BookmarkContext(_bookmarks.ENABLE)
    _bookmarks.install(context)
    try:
        read = glue_context.create_dynamic_frame.from_options(
            "s3", {"paths": [str(tmp_path / "in")]}, "json", transformation_ctx="x"
        )
        assert read.count() == 1
        _bookmarks.install(_bookmarks.BookmarkContext(_bookmarks.ENABLE, lower=context.document()))
        empty = glue_context.create_dynamic_frame.from_options(
            "s3", {"paths": [str(tmp_path / "in")]}, "json", transformation_ctx="x"
        )
        assert empty.count() == 0
        assert context.commit() is None  # no endpoint: nothing to send
    finally:
        _bookmarks.install(None)


def test_a_refused_commit_raises_with_the_server_message(spark_server: Server) -> None:
    from awsglue import _bookmarks

    context = _bookmarks.BookmarkContext(
        _bookmarks.ENABLE, "no-such-job", "jr_x", spark_server.endpoint, base_version=0
    )
    # without the run's token (only its own job process has it) the server refuses the commit
    with pytest.raises(RuntimeError, match=r"AccessDeniedException.*no-such-job"):
        context.commit()


RACER = """
import sys, time
from pathlib import Path
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "input", "sync"])
glueContext = GlueContext(SparkContext())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
glueContext.create_dynamic_frame.from_options(
    connection_type="s3",
    connection_options={"paths": [args["input"]]},
    format="json",
    transformation_ctx="source",
).count()
sync, me = Path(args["sync"]), args["JOB_RUN_ID"]
(sync / me).touch()
while len(list(sync.glob("jr_*"))) < 2:  # both runs have loaded the same bookmark
    time.sleep(0.1)
if sorted(p.name for p in sync.glob("jr_*"))[0] != me:
    while not (sync / "committed").exists():  # the other run commits first
        time.sleep(0.1)
job.commit()
(sync / "committed").touch()
"""


def test_two_runs_racing_to_commit_the_later_fails(spark_server: Server, tmp_path: Path) -> None:
    glue = spark_server.client()
    put(tmp_path / "in", "a.json", 1)
    (tmp_path / "sync").mkdir()
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    glue.create_job(
        Name="racer",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script), "PythonVersion": "3"},
        GlueVersion="5.0",
        ExecutionProperty={"MaxConcurrentRuns": 2},
        DefaultArguments={
            "--job-bookmark-option": "job-bookmark-enable",
            "--input": str(tmp_path / "in"),
            "--sync": str(tmp_path / "sync"),
        },
    )
    run_ids = [glue.start_job_run(JobName="racer")["JobRunId"] for _ in range(2)]
    runs = [wait_state(glue, "racer", r, FINAL, timeout=RUN_TIMEOUT) for r in run_ids]
    by_state = {run["JobRunState"]: run for run in runs}
    assert set(by_state) == {"SUCCEEDED", "FAILED"}, [r.get("ErrorMessage") for r in runs]
    assert "GLUE_JOB_BOOKMARK_VERSION_MISMATCH_ERROR" in by_state["FAILED"]["ErrorMessage"]
    entry = glue.get_job_bookmark(JobName="racer")["JobBookmarkEntry"]
    assert (entry["Version"], entry["Run"]) == (1, 1)
    assert entry["RunId"] == by_state["SUCCEEDED"]["Id"]
