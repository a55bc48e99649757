"""A catalog-driven glueetl job end to end through the API: a Glue Studio-style script reads a
partitioned catalog table with pushdown, writes through a catalog-updating sink, queries the
new table with spark.sql (--enable-glue-datacatalog), appends to it with
write_dynamic_frame.from_catalog and registers a query's result with saveAsTable."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from live_server import SPARK_PACKAGES_DIR
from spark_support import FINAL, RUN_TIMEOUT, PgSchema, Server, wait_state

SCRIPT = """
import sys
from awsglue.context import GlueContext
from awsglue.dynamicframe import DynamicFrame
from awsglue.job import Job
from awsglue.transforms import *
from awsglue.transforms.apply_mapping import ApplyMapping
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "database", "output"])
sc = SparkContext()
glueContext = GlueContext(sc)
spark = glueContext.spark_session
job = Job(glueContext)
job.init(args["JOB_NAME"], args)

sales = glueContext.create_dynamic_frame.from_catalog(
    database=args["database"],
    table_name="sales",
    push_down_predicate="month <= 2",
    additional_options={"catalogPartitionPredicate": "year = '2024'"},
    transformation_ctx="sales",
)
mapped = ApplyMapping.apply(
    frame=sales,
    mappings=[
        ("id", "int", "sale_id", "long"),
        ("amount", "double", "amount", "double"),
        ("year", "string", "year", "string"),
        ("month", "int", "month", "int"),
    ],
    transformation_ctx="mapped",
)
sink = glueContext.getSink(
    connection_type="s3",
    path=args["output"],
    enableUpdateCatalog=True,
    updateBehavior="UPDATE_IN_DATABASE",
    partitionKeys=["year", "month"],
    transformation_ctx="sink",
)
sink.setFormat("glueparquet")
sink.setCatalogInfo(catalogDatabase=args["database"], catalogTableName="sales_2024")
sink.writeFrame(mapped)
row = spark.sql(
    f"SELECT count(*) AS n, sum(amount) AS total FROM {args['database']}.sales_2024"
).collect()[0]
print("SQL", row.n, row.total)
# the catalog's own writer appends a month; saveAsTable registers a table of the query
schema = "sale_id long, amount double, year string, month int"
march = spark.createDataFrame([(5, 7.5, "2024", 3)], schema)
glueContext.write_dynamic_frame.from_catalog(
    frame=DynamicFrame.fromDF(march, glueContext, "march"),
    database=args["database"],
    table_name="sales_2024",
    additional_options={"enableUpdateCatalog": True, "partitionKeys": ["year", "month"]},
)
totals = spark.sql(
    f"SELECT month, sum(amount) AS total FROM {args['database']}.sales_2024 GROUP BY month"
)
print("MONTHS", sorted(r.month for r in totals.collect()))
totals.write.saveAsTable(f"{args['database']}.monthly")
job.commit()
"""


def make_sales(glue: Any, database: str, root: Path) -> None:
    """A csv table (OpenCSVSerde, header) partitioned by year and month, four partitions; the
    job's catalogPartitionPredicate leaves out 2023, its push_down_predicate 2024's March."""
    glue.create_database(DatabaseInput={"Name": database})
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": "sales",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "PartitionKeys": [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "int"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "int"}, {"Name": "amount", "Type": "double"}],
                "Location": root.as_uri() + "/",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
                    "Parameters": {"separatorChar": ","},
                },
            },
        },
    )
    inputs = []
    for year, month, lines in (
        ("2023", 12, ["1,1.5"]),
        ("2024", 1, ["2,2.5", "3,3.5"]),
        ("2024", 2, ["4,10.0"]),
        ("2024", 3, ["6,100.0"]),
    ):
        folder = root / f"year={year}" / f"month={month}"
        folder.mkdir(parents=True)
        (folder / "data.csv").write_text("id,amount\n" + "\n".join(lines) + "\n")
        location = f"file://{folder}"
        inputs.append({"Values": [year, str(month)], "StorageDescriptor": {"Location": location}})
    glue.batch_create_partition(DatabaseName=database, TableName="sales", PartitionInputList=inputs)


def run_catalog_job(server: Server, tmp_path: Path, database: str) -> None:
    """SCRIPT as a glueetl job with --enable-glue-datacatalog; checks what it did."""
    glue = server.client()
    script = tmp_path / "catalog_job.py"
    script.write_text(SCRIPT)
    glue.create_job(
        Name=f"catalog-job-{database}",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script), "PythonVersion": "3"},
        GlueVersion="5.0",
        DefaultArguments={"--enable-glue-datacatalog": "true"},
    )
    out = (tmp_path / "out").as_uri()
    name = f"catalog-job-{database}"
    arguments = {"--database": database, "--output": out}
    run_id = glue.start_job_run(JobName=name, Arguments=arguments)["JobRunId"]
    run = wait_state(glue, name, run_id, FINAL, timeout=RUN_TIMEOUT)
    logs = server.data_dir / "runs" / run_id
    assert run["JobRunState"] == "SUCCEEDED", (logs / "stderr.log").read_text()[-3000:]
    assert "SQL 3 16.0" in (logs / "stdout.log").read_text()
    assert "MONTHS [1, 2, 3]" in (logs / "stdout.log").read_text()
    created = glue.get_table(DatabaseName=database, Name="sales_2024")["Table"]
    assert [(c["Name"], c["Type"]) for c in created["StorageDescriptor"]["Columns"]] == [
        ("sale_id", "bigint"),
        ("amount", "double"),
    ]
    found = glue.get_partitions(DatabaseName=database, TableName="sales_2024")["Partitions"]
    assert sorted(p["Values"] for p in found) == [["2024", "1"], ["2024", "2"], ["2024", "3"]]
    monthly = glue.get_table(DatabaseName=database, Name="monthly")["Table"]
    assert [c["Name"] for c in monthly["StorageDescriptor"]["Columns"]] == ["month", "total"]
    assert monthly["Parameters"]["classification"] == "parquet"


def test_catalog_job_reads_pruned_writes_through_the_sink_and_queries_with_sql(
    spark_server: Server, tmp_path: Path
) -> None:
    make_sales(spark_server.client(), "shop", tmp_path / "sales")
    run_catalog_job(spark_server, tmp_path, "shop")


BOOKMARKED = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "database"])
glueContext = GlueContext(SparkContext())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
logs = glueContext.create_dynamic_frame.from_catalog(
    database=args["database"], table_name="logs", transformation_ctx="logs"
)
print("READ", sorted(r.msg for r in logs.toDF().collect()))
job.commit()
"""


def run_bookmarked_job(server: Server, tmp_path: Path, database: str) -> None:
    """BOOKMARKED twice with bookmarks on, a partition added before each run: the second run
    reads only the new partition's files."""
    glue = server.client()
    glue.create_database(DatabaseInput={"Name": database})
    root = tmp_path / "logs"
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": "logs",
            "Parameters": {"classification": "json"},
            "PartitionKeys": [{"Name": "day", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "msg", "Type": "string"}],
                "Location": f"file://{root}/",
            },
        },
    )

    def add_day(day: str, messages: list[str]) -> None:
        folder = root / f"day={day}"
        folder.mkdir(parents=True)
        (folder / "part.json").write_text("".join(f'{{"msg": "{m}"}}\n' for m in messages))
        glue.create_partition(
            DatabaseName=database, TableName="logs", PartitionInput={"Values": [day]}
        )

    script = tmp_path / "bookmarked.py"
    script.write_text(BOOKMARKED)
    glue.create_job(
        Name=f"bookmarked-{database}",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script), "PythonVersion": "3"},
        GlueVersion="5.0",
        DefaultArguments={"--job-bookmark-option": "job-bookmark-enable", "--database": database},
    )
    outputs = []
    for day, messages in (("1", ["a", "b"]), ("2", ["c"])):
        add_day(day, messages)
        run_id = glue.start_job_run(JobName=f"bookmarked-{database}")["JobRunId"]
        run = wait_state(glue, f"bookmarked-{database}", run_id, FINAL, timeout=RUN_TIMEOUT)
        logs = server.data_dir / "runs" / run_id
        assert run["JobRunState"] == "SUCCEEDED", (logs / "stderr.log").read_text()[-3000:]
        outputs.append((logs / "stdout.log").read_text())
    assert "READ ['a', 'b']" in outputs[0]
    assert "READ ['c']" in outputs[1]


def test_a_bookmarked_catalog_source_reads_only_new_partitions_files(
    spark_server: Server, tmp_path: Path
) -> None:
    run_bookmarked_job(spark_server, tmp_path, "books")


AVRO = """
import sys
from awsglue.context import GlueContext
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["database", "root"])
glueContext = GlueContext(SparkContext())
spark = glueContext.spark_session
for day, names in (("1", ["a", "b"]), ("2", ["c"])):
    data = spark.createDataFrame([(i, n) for i, n in enumerate(names)], "id bigint, name string")
    data.write.format("avro").save(f"{args['root']}/day={day}")
frame = glueContext.create_dynamic_frame.from_catalog(
    database=args["database"], table_name="events", push_down_predicate="day = '2'"
)
print("AVRO", sorted(tuple(r) for r in frame.toDF().collect()))
"""


def spark_avro_jar() -> str:
    """Spark's avro data source for the installed PySpark, which does not bundle it
    (docs/catalog.md), fetched once into the tier's package cache as gluerun fetches S3A."""
    import pyspark

    from gluerun.executors.packages import Coordinate, PackageCache, PackageSet

    avro = Coordinate("org.apache.spark", "spark-avro_2.12", pyspark.__version__)
    cache = PackageCache(Path(SPARK_PACKAGES_DIR))
    found = cache.jars([PackageSet("spark-avro", (avro,))], Path(pyspark.__file__).parent)
    return str(found.jars[0])


def test_an_avro_table_is_read_with_spark_avro(spark_server: Server, tmp_path: Path) -> None:
    jar = spark_avro_jar()
    glue = spark_server.client()
    glue.create_database(DatabaseInput={"Name": "avro_db"})
    root = tmp_path / "events"
    glue.create_table(
        DatabaseName="avro_db",
        TableInput={
            "Name": "events",
            "PartitionKeys": [{"Name": "day", "Type": "string"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "name", "Type": "string"}],
                "Location": f"file://{root}/",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.avro.AvroSerDe"
                },
            },
        },
    )
    glue.batch_create_partition(
        DatabaseName="avro_db",
        TableName="events",
        PartitionInputList=[{"Values": ["1"]}, {"Values": ["2"]}],
    )
    script = tmp_path / "avro_job.py"
    script.write_text(AVRO)
    glue.create_job(
        Name="avro",
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script), "PythonVersion": "3"},
        GlueVersion="5.0",
        DefaultArguments={"--extra-jars": jar},
    )
    arguments = {"--database": "avro_db", "--root": str(root)}
    run_id = glue.start_job_run(JobName="avro", Arguments=arguments)["JobRunId"]
    run = wait_state(glue, "avro", run_id, FINAL, timeout=RUN_TIMEOUT)
    logs = spark_server.data_dir / "runs" / run_id
    assert run["JobRunState"] == "SUCCEEDED", (logs / "stderr.log").read_text()[-3000:]
    assert "AVRO [(0, 'c', '2')]" in (logs / "stdout.log").read_text()


CONNECTED = """
import sys
from awsglue.context import GlueContext
from awsglue.job import Job
from awsglue.utils import getResolvedOptions
from pyspark.context import SparkContext

args = getResolvedOptions(sys.argv, ["JOB_NAME", "database", "connection"])
glueContext = GlueContext(SparkContext())
job = Job(glueContext)
job.init(args["JOB_NAME"], args)
conf = glueContext.extract_jdbc_conf(args["connection"])
print("VENDOR", conf["vendor"], conf["user"])
src = glueContext.create_dynamic_frame.from_catalog(database=args["database"], table_name="src")
glueContext.write_dynamic_frame.from_jdbc_conf(
    frame=src, catalog_connection=args["connection"], connection_options={"dbtable": "copy"}
)
again = glueContext.create_dynamic_frame.from_options(
    connection_type="postgresql",
    connection_options={"connectionName": args["connection"], "dbtable": "copy"},
)
print("COPIED", sorted(tuple(r) for r in again.toDF().collect()))
job.commit()
"""


def run_connected_job(server: Server, tmp_path: Path, pg_schema: PgSchema, database: str) -> None:
    """CONNECTED as a glueetl job: a crawled JDBC table read through its catalog connection,
    copied with write_dynamic_frame.from_jdbc_conf, read back by connectionName."""
    glue = server.client()
    pg_schema.execute("CREATE TABLE src (id int PRIMARY KEY, name text)")
    pg_schema.execute("INSERT INTO src VALUES (1, 'a'), (2, 'b')")
    connection = f"{database}-pg"
    glue.create_connection(
        ConnectionInput={
            "Name": connection,
            "ConnectionType": "JDBC",
            "ConnectionProperties": {
                "JDBC_CONNECTION_URL": pg_schema.url,
                "USERNAME": "postgres",
                "PASSWORD": urlsplit(pg_schema.dsn).password or "unused",
            },
        }
    )
    glue.create_database(DatabaseInput={"Name": database})
    pg_database = pg_schema.url.rpartition("/")[2].split("?")[0]
    glue.create_table(
        DatabaseName=database,
        TableInput={
            "Name": "src",
            "Parameters": {"classification": "postgresql", "connectionName": connection},
            "StorageDescriptor": {"Location": f"{pg_database}.{pg_schema.schema}.src"},
        },
    )
    script = tmp_path / "connected.py"
    script.write_text(CONNECTED)
    name = f"connected-{database}"
    glue.create_job(
        Name=name,
        Role="r",
        Command={"Name": "glueetl", "ScriptLocation": str(script), "PythonVersion": "3"},
        GlueVersion="5.0",
    )
    arguments = {"--database": database, "--connection": connection}
    run_id = glue.start_job_run(JobName=name, Arguments=arguments)["JobRunId"]
    run = wait_state(glue, name, run_id, FINAL, timeout=RUN_TIMEOUT)
    logs = server.data_dir / "runs" / run_id
    assert run["JobRunState"] == "SUCCEEDED", (logs / "stderr.log").read_text()[-3000:]
    out = (logs / "stdout.log").read_text()
    assert "VENDOR postgresql postgres" in out
    assert "COPIED [(1, 'a'), (2, 'b')]" in out
    assert pg_schema.execute("SELECT id, name FROM copy ORDER BY id") == [(1, "a"), (2, "b")]


def test_a_job_reaches_jdbc_through_a_catalog_connection(
    spark_server: Server, tmp_path: Path, pg_schema: PgSchema
) -> None:
    run_connected_job(spark_server, tmp_path, pg_schema, "connected")
