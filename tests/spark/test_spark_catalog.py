"""awsglue over the Data Catalog on the tier's SparkSession, against a live gluerun server:
from_catalog with partition pruning, catalog-updating sinks, catalog connections, bookmarks."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from awsglue._bookmarks import BookmarkContext
from spark_support import PgSchema, Server

CSV_SERDE = {
    "SerializationLibrary": "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe",
    "Parameters": {"field.delim": "|"},
}


@pytest.fixture
def glue(spark_server: Server, monkeypatch: pytest.MonkeyPatch) -> Any:
    """The server's Glue client; this process's awsglue runtime talks to the same server."""
    monkeypatch.setenv("GLUERUN_ENDPOINT_URL", spark_server.endpoint)
    return spark_server.client()


@pytest.fixture
def db(glue: Any) -> Iterator[str]:
    name = f"db_{uuid.uuid4().hex[:8]}"
    glue.create_database(DatabaseInput={"Name": name})
    yield name
    glue.delete_database(Name=name)


def sales_table(glue: Any, db: str, root: Path) -> None:
    """A csv table partitioned by year (string) and month (int); one partition's Location is
    missing on disk, so reading it would fail: pruning must leave it out."""
    glue.create_table(
        DatabaseName=db,
        TableInput={
            "Name": "sales",
            "TableType": "EXTERNAL_TABLE",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "PartitionKeys": [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "int"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "int"}, {"Name": "amount", "Type": "double"}],
                "Location": root.as_uri() + "/",
                "SerdeInfo": CSV_SERDE,
            },
        },
    )
    partitions = []
    for year, month, rows in (("2023", 12, [(1, 1.5)]), ("2024", 1, [(2, 2.5), (3, 3.5)])):
        folder = root / f"y{year}m{month}"  # not Hive-style: the Location says where
        folder.mkdir(parents=True)
        lines = ["id|amount", *[f"{i}|{a}" for i, a in rows]]
        (folder / "part-0.csv").write_text("\n".join(lines) + "\n")
        partitions.append((year, month, folder.as_uri()))
    partitions.append(("2022", 6, (root / "gone").as_uri()))
    glue.batch_create_partition(
        DatabaseName=db,
        TableName="sales",
        PartitionInputList=[
            {"Values": [y, str(m)], "StorageDescriptor": {"Location": loc}}
            for y, m, loc in partitions
        ],
    )


def rows(frame: Any) -> list[tuple[Any, ...]]:
    from pyspark.sql import DataFrame

    df = frame if isinstance(frame, DataFrame) else frame.toDF()
    return sorted(tuple(row) for row in df.collect())


def test_from_catalog_prunes_partitions_through_the_catalog(
    glue_context: Any, glue: Any, db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sales_table(glue, db, tmp_path / "sales")
    frame = glue_context.create_dynamic_frame.from_catalog(
        database=db, table_name="sales", push_down_predicate="year >= '2023'"
    )
    assert frame.toDF().columns == ["id", "amount", "year", "month"]
    assert dict(frame.toDF().dtypes)["month"] == "int"
    assert rows(frame) == [(1, 1.5, "2023", 12), (2, 2.5, "2024", 1), (3, 3.5, "2024", 1)]
    # the partitions were read in one Spark read; partition by partition gives the same rows
    from awsglue import _catalog_read

    together = _catalog_read._read_together
    monkeypatch.setattr(_catalog_read, "_read_together", lambda *args, **kwargs: None)
    apart = glue_context.create_dynamic_frame.from_catalog(
        database=db, table_name="sales", push_down_predicate="year >= '2023'"
    )
    assert rows(apart) == rows(frame)
    monkeypatch.setattr(_catalog_read, "_read_together", together)
    server_side = glue_context.create_data_frame.from_catalog(
        database=db,
        table_name="sales",
        additional_options={"catalogPartitionPredicate": "month BETWEEN 1 AND 5"},
    )
    assert rows(server_side) == [(2, 2.5, "2024", 1), (3, 3.5, "2024", 1)]
    both = glue_context.create_dynamic_frame.from_catalog(
        database=db,
        table_name="sales",
        push_down_predicate="month = 12",
        additional_options={"catalogPartitionPredicate": "year > '2022'"},
    )
    assert rows(both) == [(1, 1.5, "2023", 12)]
    # without pruning the partition whose files are gone is read, and fails
    with pytest.raises(Exception, match="gone"):
        glue_context.create_data_frame.from_catalog(database=db, table_name="sales").collect()
    with pytest.raises(ValueError, match="Parameter table_name is missing"):
        glue_context.create_dynamic_frame.from_catalog(database=db)


def test_sink_creates_the_table_and_adds_partitions(
    glue_context: Any, spark: Any, glue: Any, db: str, tmp_path: Path
) -> None:
    from awsglue.dynamicframe import DynamicFrame

    data = spark.createDataFrame(
        [(1, "a", "2024", "01"), (2, "b", "2024", "02"), (3, "c", "2024", "02")],
        "id long, name string, year string, month string",
    )
    out = (tmp_path / "events").as_uri()
    sink = glue_context.getSink(
        connection_type="s3",
        path=out,
        enableUpdateCatalog=True,
        updateBehavior="UPDATE_IN_DATABASE",
        partitionKeys=["year", "month"],
    )
    sink.setFormat("glueparquet")
    sink.setCatalogInfo(catalogDatabase=db, catalogTableName="events")
    sink.writeFrame(DynamicFrame.fromDF(data, glue_context, "events"))
    table = glue.get_table(DatabaseName=db, Name="events")["Table"]
    assert table["Parameters"]["classification"] == "parquet"
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["id", "name"]
    assert [k["Name"] for k in table["PartitionKeys"]] == ["year", "month"]
    found = glue.get_partitions(DatabaseName=db, TableName="events")["Partitions"]
    assert sorted(p["Values"] for p in found) == [["2024", "01"], ["2024", "02"]]
    assert all(p["StorageDescriptor"]["Location"].startswith(out) for p in found)
    # the catalog now describes the data: read it back, pruned
    again = glue_context.create_dynamic_frame.from_catalog(
        database=db, table_name="events", push_down_predicate="month = '02'"
    )
    assert rows(again) == [(2, "b", "2024", "02"), (3, "c", "2024", "02")]
    # write_dynamic_frame.from_catalog appends in the table's format and registers new months
    more = spark.createDataFrame(
        [(4, "d", 7, "2024", "03")], "id long, name string, n int, year string, month string"
    )
    glue_context.write_dynamic_frame.from_catalog(
        frame=DynamicFrame.fromDF(more, glue_context, "more"),
        database=db,
        table_name="events",
        additional_options={"enableUpdateCatalog": True, "partitionKeys": ["year", "month"]},
    )
    months = sorted(
        p["Values"][1]
        for p in glue.get_partitions(DatabaseName=db, TableName="events")["Partitions"]
    )
    assert months == ["01", "02", "03"]
    columns = glue.get_table(DatabaseName=db, Name="events")["Table"]["StorageDescriptor"][
        "Columns"
    ]
    assert [c["Name"] for c in columns] == ["id", "name", "n"]  # UPDATE_IN_DATABASE


def test_bookmarked_catalog_source_reads_only_new_files(
    glue_context: Any, glue: Any, db: str, tmp_path: Path, bookmarks: BookmarkContext
) -> None:
    root = tmp_path / "logs"
    (root / "day=1").mkdir(parents=True)
    (root / "day=1" / "a.json").write_text(json.dumps({"msg": "first"}) + "\n")
    glue.create_table(
        DatabaseName=db,
        TableInput={
            "Name": "logs",
            "Parameters": {"classification": "json"},
            "PartitionKeys": [{"Name": "day", "Type": "int"}],
            "StorageDescriptor": {
                "Columns": [{"Name": "msg", "Type": "string"}],
                "Location": root.as_uri() + "/",
            },
        },
    )
    glue.create_partition(DatabaseName=db, TableName="logs", PartitionInput={"Values": ["1"]})
    read = lambda: glue_context.create_dynamic_frame.from_catalog(  # noqa: E731
        database=db, table_name="logs", transformation_ctx="logs"
    )
    assert rows(read()) == [("first", 1)]
    bookmarks.lower, bookmarks.updates = bookmarks.document(), {}  # commit, next run
    (root / "day=2").mkdir()
    (root / "day=2" / "b.json").write_text(json.dumps({"msg": "second"}) + "\n")
    glue.create_partition(DatabaseName=db, TableName="logs", PartitionInput={"Values": ["2"]})
    assert rows(read()) == [("second", 2)]


def test_jdbc_through_a_catalog_connection(
    glue_context: Any, glue: Any, db: str, pg_schema: PgSchema
) -> None:
    from awsglue.dynamicframe import DynamicFrame

    name = f"pg-{uuid.uuid4().hex[:6]}"
    _, _, database = pg_schema.url.rpartition("/")
    glue.create_connection(
        ConnectionInput={
            "Name": name,
            "ConnectionType": "JDBC",
            "ConnectionProperties": {
                "JDBC_CONNECTION_URL": pg_schema.url,
                "USERNAME": "postgres",
                "PASSWORD": urlsplit(pg_schema.dsn).password or "unused",
            },
        }
    )
    try:
        conf = glue_context.extract_jdbc_conf(name)
        assert (conf["vendor"], conf["user"], conf["fullUrl"]) == (
            "postgresql",
            "postgres",
            pg_schema.url,
        )
        pg_schema.execute("CREATE TABLE src (id int PRIMARY KEY, name text)")
        pg_schema.execute("INSERT INTO src VALUES (1, 'a'), (2, 'b')")
        frame = glue_context.create_dynamic_frame.from_options(
            connection_type="postgresql",
            connection_options={"connectionName": name, "dbtable": "src"},
        )
        assert rows(frame) == [(1, "a"), (2, "b")]
        glue_context.write_dynamic_frame.from_jdbc_conf(
            frame=DynamicFrame.fromDF(frame.toDF(), glue_context, "f"),
            catalog_connection=name,
            connection_options={"dbtable": "copy"},
        )
        assert pg_schema.execute("SELECT id, name FROM copy ORDER BY id") == [(1, "a"), (2, "b")]
        # a JDBC table in the catalog, as a crawler records it, read with from_catalog
        glue.create_table(
            DatabaseName=db,
            TableInput={
                "Name": "src",
                "Parameters": {"classification": "postgresql", "connectionName": name},
                "StorageDescriptor": {
                    "Location": f"{database.split('?')[0]}.{pg_schema.schema}.src"
                },
            },
        )
        assert rows(
            glue_context.create_dynamic_frame.from_catalog(database=db, table_name="src")
        ) == [
            (1, "a"),
            (2, "b"),
        ]
    finally:
        glue.delete_connection(ConnectionName=name)


@pytest.fixture
def mirrored(spark: Any, glue_context: Any, glue: Any) -> Iterator[Any]:
    """--enable-glue-datacatalog on the tier's session: attach, then undo (Spark databases
    the test made are dropped so later tests see a clean session catalog)."""
    from awsglue import _spark_catalog
    from awsglue._catalog_api import catalog

    before = {row.name for row in spark.catalog.listDatabases()}
    yield lambda: _spark_catalog.attach(spark, catalog(), glue_context.storage)
    _spark_catalog.detach()
    for row in spark.catalog.listDatabases():
        if row.name not in before:
            spark.sql(f"DROP DATABASE IF EXISTS `{row.name}` CASCADE")


def test_spark_sql_over_catalog_tables_and_save_as_table(
    spark: Any, glue: Any, db: str, tmp_path: Path, mirrored: Any
) -> None:
    sales_table(glue, db, tmp_path / "sales")
    glue.delete_partition(DatabaseName=db, TableName="sales", PartitionValues=["2022", "6"])
    odd = {"Columns": [{"Name": "u", "Type": "uniontype<int,string>"}], "Location": "file:///x/"}
    glue.create_table(
        DatabaseName=db,
        TableInput={
            "Name": "odd",
            "Parameters": {"classification": "parquet"},
            "StorageDescriptor": odd,
        },
    )
    mirrored()  # a table Spark cannot take is skipped, not fatal
    assert not spark.catalog.tableExists(f"{db}.odd")
    totals = spark.sql(
        f"SELECT year, month, sum(amount) AS total FROM {db}.sales GROUP BY year, month"
    ).collect()
    assert sorted(tuple(r) for r in totals) == [("2023", 12, 1.5), ("2024", 1, 6.0)]
    pruned = spark.sql(f"SELECT id FROM {db}.sales WHERE year = '2024'").collect()
    assert sorted(r.id for r in pruned) == [2, 3]
    # saveAsTable into a catalog database registers the table and its partitions
    made = spark.createDataFrame([(1, "x"), (2, "y")], "n int, part string")
    made.write.partitionBy("part").saveAsTable(f"{db}.made")
    table = glue.get_table(DatabaseName=db, Name="made")["Table"]
    assert table["Parameters"]["classification"] == "parquet"
    assert [k["Name"] for k in table["PartitionKeys"]] == ["part"]
    assert [c["Name"] for c in table["StorageDescriptor"]["Columns"]] == ["n"]
    parts = glue.get_partitions(DatabaseName=db, TableName="made")["Partitions"]
    assert sorted(p["Values"] for p in parts) == [["x"], ["y"]]
    # DDL through spark.sql reaches the catalog too
    spark.sql(f"CREATE TABLE {db}.ddl (a int) USING parquet")
    assert glue.get_table(DatabaseName=db, Name="ddl")["Table"]["Name"] == "ddl"
    spark.sql(f"DROP TABLE {db}.ddl")
    with pytest.raises(Exception, match="EntityNotFoundException"):
        glue.get_table(DatabaseName=db, Name="ddl")
    for name in ("sales", "made", "odd"):
        glue.delete_table(DatabaseName=db, Name=name)


def test_s3_tables_are_staged_read_and_written(
    spark: Any,
    glue: Any,
    db: str,
    s3_endpoint: str,
    s3_client: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from awsglue.context import GlueContext
    from awsglue.dynamicframe import DynamicFrame

    for key, value in {
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("GLUERUN_S3_ENDPOINT_URL", s3_endpoint)
    ctx = GlueContext(spark.sparkContext)
    bucket = f"cat-{uuid.uuid4().hex[:8]}"
    s3_client.create_bucket(Bucket=bucket)
    data = spark.createDataFrame([(1, "a", "x"), (2, "b", "y")], "id long, v string, k string")
    sink = ctx.getSink(
        connection_type="s3",
        path=f"s3://{bucket}/t/",
        enableUpdateCatalog=True,
        partitionKeys=["k"],
    )
    sink.setFormat("json")
    sink.setCatalogInfo(catalogDatabase=db, catalogTableName="t")
    sink.writeFrame(DynamicFrame.fromDF(data, ctx, "t"))
    parts = glue.get_partitions(DatabaseName=db, TableName="t")["Partitions"]
    assert sorted(p["StorageDescriptor"]["Location"] for p in parts) == [
        f"s3://{bucket}/t/k=x/",
        f"s3://{bucket}/t/k=y/",
    ]
    frame = ctx.create_dynamic_frame.from_catalog(
        database=db, table_name="t", push_down_predicate="k = 'y'"
    )
    assert rows(frame) == [(2, "b", "y")]


@pytest.mark.parametrize(
    ("fmt", "descriptor"),
    [
        # no classification: the format comes from the SerDe or the InputFormat
        (
            "orc",
            {"SerdeInfo": {"SerializationLibrary": "org.apache.hadoop.hive.ql.io.orc.OrcSerde"}},
        ),
        (
            "parquet",
            {"InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat"},
        ),
        ("json", {"SerdeInfo": {"SerializationLibrary": "org.openx.data.jsonserde.JsonSerDe"}}),
    ],
)
def test_formats_are_recognised_from_the_serde(
    glue_context: Any,
    spark: Any,
    glue: Any,
    db: str,
    tmp_path: Path,
    fmt: str,
    descriptor: dict[str, Any],
) -> None:
    data = spark.createDataFrame([(1, "a"), (2, "b")], "id bigint, name string")
    data.write.format(fmt).save(str(tmp_path / "t"))
    glue.create_table(
        DatabaseName=db,
        TableInput={
            "Name": fmt,
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "bigint"}, {"Name": "name", "Type": "string"}],
                "Location": f"file://{tmp_path / 't'}/",
                **descriptor,
            },
        },
    )
    frame = glue_context.create_dynamic_frame.from_catalog(database=db, table_name=fmt)
    assert rows(frame) == [(1, "a"), (2, "b")]


def test_csv_tables_take_the_serdes_separator_quote_and_escape(
    glue_context: Any, glue: Any, db: str, tmp_path: Path
) -> None:
    # OpenCSVSerde as a crawler records it: ';' separated, "'" quoted, '\' escaping, a header
    folder = tmp_path / "quoted"
    folder.mkdir()
    lines = ["id;note", "1;'a;b'", "2;'it\\'s'", "3;plain"]
    (folder / "part-0.csv").write_text("\n".join(lines) + "\n")
    serde = {"separatorChar": ";", "quoteChar": "'", "escapeChar": "\\"}
    glue.create_table(
        DatabaseName=db,
        TableInput={
            "Name": "quoted",
            "Parameters": {"classification": "csv", "skip.header.line.count": "1"},
            "StorageDescriptor": {
                "Columns": [{"Name": "id", "Type": "int"}, {"Name": "note", "Type": "string"}],
                "Location": folder.as_uri() + "/",
                "SerdeInfo": {
                    "SerializationLibrary": "org.apache.hadoop.hive.serde2.OpenCSVSerde",
                    "Parameters": serde,
                },
            },
        },
    )
    frame = glue_context.create_dynamic_frame.from_catalog(database=db, table_name="quoted")
    assert rows(frame) == [(1, "a;b"), (2, "it's"), (3, "plain")]


@pytest.mark.parametrize("fmt", ["orc", "json", "csv"])
def test_sink_formats_round_trip_partitioned(
    glue_context: Any, spark: Any, glue: Any, db: str, tmp_path: Path, fmt: str
) -> None:
    # a catalog-updating sink in each format, then from_catalog pruned by the partition key
    from awsglue.dynamicframe import DynamicFrame

    data = spark.createDataFrame([(1, "a", "x"), (2, "b", "y")], "id long, name string, k string")
    sink = glue_context.getSink(
        connection_type="s3",
        path=(tmp_path / fmt).as_uri(),
        enableUpdateCatalog=True,
        partitionKeys=["k"],
    )
    sink.setFormat(fmt)
    sink.setCatalogInfo(catalogDatabase=db, catalogTableName=fmt)
    sink.writeFrame(DynamicFrame.fromDF(data, glue_context, fmt))
    table = glue.get_table(DatabaseName=db, Name=fmt)["Table"]
    assert table["Parameters"]["classification"] == fmt
    frame = glue_context.create_dynamic_frame.from_catalog(
        database=db, table_name=fmt, push_down_predicate="k = 'y'"
    )
    assert rows(frame) == [(2, "b", "y")]
