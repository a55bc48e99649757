"""The Data Catalog through boto3 against a live server: the calls Terraform, Iceberg and
Spark's Hive client make, Glue's error codes and messages, paging. Each test runs against a
server on SQLite and against one on PostgreSQL."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError, ParamValidationError
from live_server import Server
from sqlalchemy import text

from gluerun.store import Stores
from gluerun.store.tables import metadata

ACCOUNT = "123456789012"


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    """A live server on SQLite, or on the tests' PostgreSQL database emptied first."""
    env = {}
    if request.param == "postgres":
        pg: Stores = request.getfixturevalue("_pg_store")
        with pg.db.engine.begin() as conn:
            tables = ", ".join(t.name for t in metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY"))
        env["GLUERUN_DATABASE_URL"] = os.environ["GLUERUN_TEST_PG_DSN"]
    srv = Server(tmp_path_factory.mktemp("server") / "data", env=env)
    srv.start()
    yield srv
    srv.shutdown()


def error_of(call: Any, **kwargs: Any) -> tuple[str, str]:
    with pytest.raises(ClientError) as info:
        call(**kwargs)
    return info.value.response["Error"]["Code"], info.value.response["Error"]["Message"]


def table_input(name: str, location: str = "s3://lake/t/", **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "parquet"},
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint", "Comment": "key"}],
            "Location": location,
            "InputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat",
            "OutputFormat": "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat",
            "SerdeInfo": {
                "SerializationLibrary": "org.apache.hadoop.hive.ql.io.parquet.serde."
                "ParquetHiveSerDe"
            },
        },
        **extra,
    }


def test_terraform_catalog_database(glue: Any) -> None:
    # resource aws_glue_catalog_database: create, read (+ tags), update, destroy
    glue.create_database(
        CatalogId=ACCOUNT,
        DatabaseInput={"Name": "tf_db", "Description": "d", "LocationUri": "s3://lake/tf/"},
        Tags={"team": "data"},
    )
    found = glue.get_database(CatalogId=ACCOUNT, Name="tf_db")["Database"]
    assert (found["Name"], found["CatalogId"], found["LocationUri"]) == (
        "tf_db",
        ACCOUNT,
        "s3://lake/tf/",
    )
    assert found["CreateTableDefaultPermissions"][0]["Permissions"] == ["ALL"]
    arn = f"arn:aws:glue:us-east-1:{ACCOUNT}:database/tf_db"
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"team": "data"}
    glue.update_database(
        CatalogId=ACCOUNT, Name="tf_db", DatabaseInput={"Name": "tf_db", "Description": "e"}
    )
    assert glue.get_database(Name="tf_db")["Database"]["Description"] == "e"
    code, _ = error_of(glue.create_database, DatabaseInput={"Name": "tf_db"})
    assert code == "AlreadyExistsException"
    glue.delete_database(CatalogId=ACCOUNT, Name="tf_db")
    assert error_of(glue.get_database, Name="tf_db") == (
        "EntityNotFoundException",
        "Database tf_db not found.",
    )


def test_terraform_without_the_account_id_sends_an_empty_catalog_id(server: Server) -> None:
    # the provider's skip_requesting_account_id (the setting for local endpoints) leaves its
    # account id empty and sends CatalogId "" (boto3 would refuse it before sending)
    glue = boto3.client(
        "glue",
        endpoint_url=server.endpoint,
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )
    glue.create_database(CatalogId="", DatabaseInput={"Name": "tf_blank"})
    glue.create_table(CatalogId="", DatabaseName="tf_blank", TableInput=table_input("t"))
    found = glue.get_table(CatalogId="", DatabaseName="tf_blank", Name="t")["Table"]
    assert found["CatalogId"] == ACCOUNT
    glue.update_database(
        CatalogId="", Name="tf_blank", DatabaseInput={"Name": "tf_blank", "Description": "d"}
    )
    glue.delete_table(CatalogId="", DatabaseName="tf_blank", Name="t")
    glue.delete_database(CatalogId="", Name="tf_blank")
    assert error_of(glue.get_database, Name="tf_blank")[0] == "EntityNotFoundException"


def test_terraform_catalog_table(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "tf_tables"})
    keys = [{"Name": "dt", "Type": "string"}, {"Name": "hour", "Type": "int"}]
    glue.create_table(
        DatabaseName="tf_tables",
        TableInput=table_input("clicks", PartitionKeys=keys),
        PartitionIndexes=[{"IndexName": "by_dt", "Keys": ["dt"]}],
    )
    table = glue.get_table(CatalogId=ACCOUNT, DatabaseName="tf_tables", Name="clicks")["Table"]
    assert table["VersionId"] == "0"
    assert table["StorageDescriptor"]["Compressed"] is False
    assert table["StorageDescriptor"]["Columns"][0]["Comment"] == "key"
    assert table["PartitionKeys"] == keys
    indexes = glue.get_partition_indexes(DatabaseName="tf_tables", TableName="clicks")
    assert indexes["PartitionIndexDescriptorList"][0]["IndexName"] == "by_dt"
    glue.update_table(DatabaseName="tf_tables", TableInput=table_input("clicks", Description="v2"))
    assert glue.get_table(DatabaseName="tf_tables", Name="clicks")["Table"]["VersionId"] == "1"
    versions = glue.get_table_versions(DatabaseName="tf_tables", TableName="clicks")
    assert [v["VersionId"] for v in versions["TableVersions"]] == ["1", "0"]
    code, _ = error_of(
        glue.create_table,
        DatabaseName="tf_tables",
        TableInput=table_input("bad", PartitionKeys=keys),
        PartitionIndexes=[{"IndexName": "x", "Keys": ["nosuchcol"]}],
    )
    assert code == "InvalidInputException"
    glue.delete_table(DatabaseName="tf_tables", Name="clicks")
    assert error_of(glue.get_table, DatabaseName="tf_tables", Name="clicks") == (
        "EntityNotFoundException",
        "Table clicks not found.",
    )


def test_terraform_connection_and_hide_password(glue: Any) -> None:
    props = {
        "JDBC_CONNECTION_URL": "jdbc:postgresql://db.example:5432/shop",
        "USERNAME": "etl",
        "PASSWORD": "s3cret",
    }
    status = glue.create_connection(
        CatalogId=ACCOUNT,
        ConnectionInput={
            "Name": "shop-db",
            "ConnectionType": "JDBC",
            "ConnectionProperties": props,
            "PhysicalConnectionRequirements": {"AvailabilityZone": "us-east-1a"},
        },
        Tags={"env": "dev"},
    )
    assert status["CreateConnectionStatus"] == "READY"
    hidden = glue.get_connection(CatalogId=ACCOUNT, Name="shop-db", HidePassword=True)
    assert "PASSWORD" not in hidden["Connection"]["ConnectionProperties"]
    shown = glue.get_connection(Name="shop-db")["Connection"]
    assert shown["ConnectionProperties"]["PASSWORD"] == "s3cret"
    arn = f"arn:aws:glue:us-east-1:{ACCOUNT}:connection/shop-db"
    assert glue.get_tags(ResourceArn=arn)["Tags"] == {"env": "dev"}
    glue.update_connection(
        Name="shop-db",
        ConnectionInput={
            "Name": "shop-db",
            "ConnectionType": "JDBC",
            "ConnectionProperties": {**props, "USERNAME": "etl2"},
        },
    )
    listed = glue.get_connections(Filter={"ConnectionType": "JDBC"}, HidePassword=True)
    names = [c["Name"] for c in listed["ConnectionList"]]
    assert "shop-db" in names
    glue.delete_connection(CatalogId=ACCOUNT, ConnectionName="shop-db")
    assert error_of(glue.get_connection, Name="shop-db")[0] == "EntityNotFoundException"
    code, message = error_of(
        glue.create_connection,
        ConnectionInput={
            "Name": "half",
            "ConnectionType": "JDBC",
            "ConnectionProperties": {"USERNAME": "u", "PASSWORD": "p"},
        },
    )
    assert code == "InvalidInputException"
    assert "JDBC_CONNECTION_URL" in message


def test_iceberg_commit_protocol(glue: Any) -> None:
    # Iceberg's GlueCatalog: GetTable (absent) → CreateTable → GetTable → UpdateTable with
    # the VersionId it read; a stale VersionId is ConcurrentModificationException
    glue.create_database(DatabaseInput={"Name": "ice"})
    assert error_of(glue.get_table, DatabaseName="ice", Name="t")[0] == "EntityNotFoundException"
    params = {"table_type": "ICEBERG", "metadata_location": "s3://w/ice/t/metadata/0.json"}
    glue.create_table(
        DatabaseName="ice", TableInput=table_input("t", "s3://w/ice/t", Parameters=params)
    )
    read = glue.get_table(DatabaseName="ice", Name="t")["Table"]
    assert read["Parameters"]["table_type"] == "ICEBERG"
    assert read["DatabaseName"] == "ice"
    moved = {
        **params,
        "metadata_location": "s3://w/ice/t/metadata/1.json",
        "previous_metadata_location": params["metadata_location"],
    }
    commit = table_input("t", "s3://w/ice/t", Parameters=moved)
    glue.update_table(
        DatabaseName="ice", TableInput=commit, SkipArchive=True, VersionId=read["VersionId"]
    )
    code, message = error_of(
        glue.update_table,
        DatabaseName="ice",
        TableInput=commit,
        SkipArchive=True,
        VersionId=read["VersionId"],
    )
    assert (code, message) == (
        "ConcurrentModificationException",
        "Update table failed due to concurrent modifications.",
    )
    now = glue.get_table(DatabaseName="ice", Name="t")["Table"]
    assert now["Parameters"]["metadata_location"].endswith("1.json")
    # Iceberg's dropNamespace lists tables first; DeleteDatabase itself does not refuse
    assert len(glue.get_tables(DatabaseName="ice")["TableList"]) == 1
    glue.delete_database(Name="ice")
    assert error_of(glue.get_tables, DatabaseName="ice")[0] == "EntityNotFoundException"


def test_partitions_expression_paging_and_segments(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "parts"})
    keys = [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "int"}]
    glue.create_table(DatabaseName="parts", TableInput=table_input("t", PartitionKeys=keys))
    inputs = [
        {
            "Values": [str(year), str(month)],
            "StorageDescriptor": {"Location": f"s3://lake/t/year={year}/month={month}/"},
        }
        for year in (2023, 2024)
        for month in range(1, 13)
    ]
    for start in range(0, len(inputs), 10):
        answer = glue.batch_create_partition(
            DatabaseName="parts", TableName="t", PartitionInputList=inputs[start : start + 10]
        )
        assert answer["Errors"] == []
    dup = glue.batch_create_partition(
        DatabaseName="parts", TableName="t", PartitionInputList=inputs[:1]
    )
    assert dup["Errors"][0]["ErrorDetail"]["ErrorCode"] == "AlreadyExistsException"
    assert dup["Errors"][0]["PartitionValues"] == ["2023", "1"]
    pages = glue.get_paginator("get_partitions").paginate(
        DatabaseName="parts",
        TableName="t",
        Expression="year = '2024' AND month BETWEEN 3 AND 7",
        PaginationConfig={"PageSize": 2},
    )
    found = [p["Values"] for page in pages for p in page["Partitions"]]
    assert found == [["2024", str(m)] for m in range(3, 8)]
    seen = []
    for number in range(3):
        segment = {"SegmentNumber": number, "TotalSegments": 3}
        for page in glue.get_paginator("get_partitions").paginate(
            DatabaseName="parts", TableName="t", Segment=segment
        ):
            seen.extend(tuple(p["Values"]) for p in page["Partitions"])
    assert sorted(seen) == sorted(tuple(p["Values"]) for p in inputs)
    columns = [{"Name": "id", "Type": "bigint"}]
    glue.create_partition(
        DatabaseName="parts",
        TableName="t",
        PartitionInput={"Values": ["2025", "1"], "StorageDescriptor": {"Columns": columns}},
    )
    for exclude in (False, True):
        listed = glue.get_partitions(
            DatabaseName="parts",
            TableName="t",
            Expression="year = '2025'",
            ExcludeColumnSchema=exclude,
        )["Partitions"]
        assert [p["StorageDescriptor"].get("Columns") for p in listed] == [
            None if exclude else columns
        ]
    code, message = error_of(
        glue.get_partitions, DatabaseName="parts", TableName="t", Expression="month = 'x'"
    )
    assert code == "InvalidInputException"
    assert "is not an integer" in message
    got = glue.batch_get_partition(
        DatabaseName="parts",
        TableName="t",
        PartitionsToGet=[{"Values": ["2023", "1"]}, {"Values": ["1999", "1"]}],
    )
    assert [p["Values"] for p in got["Partitions"]] == [["2023", "1"]]
    one = glue.get_partition(DatabaseName="parts", TableName="t", PartitionValues=["2023", "1"])
    assert one["Partition"]["TableName"] == "t"
    assert "CreationTime" in one["Partition"]
    deleted = glue.batch_delete_partition(
        DatabaseName="parts",
        TableName="t",
        PartitionsToDelete=[{"Values": ["2023", "1"]}, {"Values": ["1999", "1"]}],
    )
    assert [e["PartitionValues"] for e in deleted["Errors"]] == [["1999", "1"]]


def test_validation_comes_from_the_model(glue: Any) -> None:
    code, message = error_of(glue.create_database, DatabaseInput={"Name": "x" * 256})
    assert code == "ValidationException"
    assert "databaseInput.name" in message
    with pytest.raises(ParamValidationError):
        glue.get_partitions(DatabaseName="d")  # botocore's own required check
    code, message = error_of(
        glue.get_partitions,
        DatabaseName="d",
        TableName="t",
        Segment={"SegmentNumber": 0, "TotalSegments": 11},
    )
    assert code == "ValidationException"
    assert "segment.totalSegments" in message


def test_get_tables_expression_and_paginator(glue: Any) -> None:
    glue.create_database(DatabaseInput={"Name": "many"})
    for name in ("orders", "orders_2024", "customers", "web_logs", "Web_Events"):
        glue.create_table(DatabaseName="many", TableInput=table_input(name))
    pages = glue.get_paginator("get_tables").paginate(
        DatabaseName="many", PaginationConfig={"PageSize": 2}
    )
    names = [t["Name"] for page in pages for t in page["TableList"]]
    assert names == ["customers", "orders", "orders_2024", "web_events", "web_logs"]
    matched = glue.get_tables(DatabaseName="many", Expression="web*")["TableList"]
    assert [t["Name"] for t in matched] == ["web_events", "web_logs"]
    slim = glue.get_tables(DatabaseName="many", AttributesToGet=["NAME", "TABLE_TYPE"])
    assert slim["TableList"][0] == {"Name": "customers", "TableType": "EXTERNAL_TABLE"}
    names = glue.get_databases(AttributesToGet=["NAME"])["DatabaseList"]
    assert all(list(db) == ["Name"] for db in names)
    errors = glue.batch_delete_table(DatabaseName="many", TablesToDelete=["orders", "ghost"])
    assert errors["Errors"] == [
        {
            "TableName": "ghost",
            "ErrorDetail": {
                "ErrorCode": "EntityNotFoundException",
                "ErrorMessage": "Table ghost not found.",
            },
        }
    ]
