"""A Spark script using Glue 5.0's provided modules runs unchanged, on its runtime.

The driver and its Python workers run on the glueetl-5.0 runtime's interpreter: a pandas UDF
(pyarrow and pandas in the workers) and toPandas on the driver use the runtime's versions,
while PySpark itself comes from the node's Spark.
"""

from __future__ import annotations

from pathlib import Path

from spark_support import Server, run_script

SCRIPT = """
import sys
import numpy, pandas, pyarrow, pyspark
from awsglue.context import GlueContext
from pyspark.context import SparkContext
from pyspark.sql.functions import pandas_udf

spark = GlueContext(SparkContext.getOrCreate()).spark_session


@pandas_udf("double")
def scaled(values: pandas.Series) -> pandas.Series:
    import pyarrow, sys
    assert pyarrow.__version__ == "17.0.0", pyarrow.__version__
    return values * 2.5


frame = spark.createDataFrame([(1,), (2,), (3,)], ["n"]).select(scaled("n").alias("x"))
result = frame.toPandas()
print("driver", sys.prefix.rsplit("/", 1)[-1].split("-")[0], "pyspark", pyspark.__file__)
print("versions", pandas.__version__, numpy.__version__, pyarrow.__version__)
print("sum", float(numpy.sum(result["x"])))
"""


def test_a_spark_job_uses_the_glue_5_modules_in_driver_and_workers(
    spark_server: Server, tmp_path: Path
) -> None:
    script = tmp_path / "provided.py"
    script.write_text(SCRIPT)
    out = run_script(spark_server, "provided-modules", script)
    lines = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    assert lines["versions"] == "2.2.2 1.26.4 17.0.0"
    assert lines["sum"] == "15.0"
    driver, _, pyspark_path = lines["driver"].partition(" pyspark ")
    assert driver == "glueetl"
    assert "pyspark.zip" in pyspark_path


ISOLATION_SCRIPT = """
import importlib.util
from awsglue.context import GlueContext
from pyspark.context import SparkContext

NAMES = ["starlette", "gluerun", "uvicorn", "sqlalchemy", "pandas"]


def found(_: object) -> list[str]:
    import importlib.util
    return [name for name in NAMES if importlib.util.find_spec(name) is not None]


sc = SparkContext.getOrCreate()
GlueContext(sc)
print("driver", ",".join(found(None)))
print("workers", ",".join(sc.parallelize([0], 1).map(found).first()))
"""


def test_a_spark_jobs_driver_and_workers_cannot_import_gluerun_packages(
    spark_server: Server, tmp_path: Path
) -> None:
    """gluerun's own packages (starlette, its SQLAlchemy, itself) stay out of a glueetl job's
    reach in the driver and in the Python workers; Glue's provided pandas is there."""
    script = tmp_path / "isolation.py"
    script.write_text(ISOLATION_SCRIPT)
    out = run_script(spark_server, "isolation", script)
    lines = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    assert lines == {"driver": "pandas", "workers": "pandas"}
