"""What finding choice types costs a DynamicFrame JSON read, as a ratio to Spark's own read.

One local SparkSession reads the same JSON-lines files three ways, each `--repeat` times
(median kept), with a full pass (count of a column) after each read:
  spark    create_data_frame.from_options (Spark's reader; no choice detection)
  plain    create_dynamic_frame.from_options on data whose string fields are all strings
           (detection runs: one extra pass parsing the string fields' tokens, finds nothing)
  mixed    the same read where one field is a number in half the records (a choice is built)
Usage: .venv/bin/python bench/bench_choices.py [--rows 200000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

RUNTIME = Path(__file__).resolve().parents[1] / "src" / "gluerun" / "runtime"


def write(folder: Path, rows: int, mixed: bool) -> None:
    folder.mkdir(parents=True)
    with (folder / "part-0.json").open("w") as out:
        for i in range(rows):
            code: Any = i if mixed and i % 2 else f"c{i}"
            record = {"id": i, "name": f"n{i}", "city": "Oslo", "code": code, "score": i * 0.5}
            out.write(json.dumps(record) + "\n")


def timed(read: Any, repeat: int) -> float:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        frame = read()
        data = frame.toDF() if hasattr(frame, "glue_ctx") else frame  # DynamicFrame or DataFrame
        data.selectExpr("count(code)").collect()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=200_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sys.path.insert(0, str(RUNTIME))
    os.environ["PYSPARK_PYTHON"] = sys.executable
    from awsglue.context import GlueContext
    from pyspark.sql import SparkSession

    spark = (
        SparkSession.builder.master("local[2]")
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    spark.sparkContext.setLogLevel("ERROR")
    glue = GlueContext(spark.sparkContext)
    with tempfile.TemporaryDirectory() as tmp:
        plain, mixed = Path(tmp) / "plain", Path(tmp) / "mixed"
        write(plain, args.rows, mixed=False)
        write(mixed, args.rows, mixed=True)

        def frame(path: Path, dynamic: bool) -> Any:
            reader = glue.create_dynamic_frame if dynamic else glue.create_data_frame
            return reader.from_options("s3", {"paths": [str(path)]}, format="json")

        timed(lambda: frame(plain, False), 1)  # warm-up
        base = timed(lambda: frame(plain, False), args.repeat)
        found = timed(lambda: frame(plain, True), args.repeat)
        choice = timed(lambda: frame(mixed, True), args.repeat)
    spark.stop()
    print(f"rows={args.rows} spark={base:.2f}s")
    print(f"plain dynamic / spark = {found / base:.2f}")
    print(f"mixed dynamic / spark = {choice / base:.2f}")


if __name__ == "__main__":
    main()
