"""The Data Catalog on SQLite and PostgreSQL: CatalogService over the SQL CatalogStore."""

from __future__ import annotations

from typing import Any

import pytest

from gluerun.clock import FakeClock
from gluerun.errors import (
    AlreadyExists,
    ConcurrentModification,
    ConnectionNotFound,
    DatabaseNotFound,
    EntityNotFound,
    InvalidInput,
    PartitionNotFound,
)
from gluerun.service.catalog import CatalogService
from gluerun.store import Stores


@pytest.fixture
def cat(store: Stores, clock: FakeClock) -> CatalogService:
    return CatalogService(store.catalog, clock, "us-east-1", "123456789012")


def table_input(name: str = "events", **extra: Any) -> dict[str, Any]:
    return {
        "Name": name,
        "TableType": "EXTERNAL_TABLE",
        "StorageDescriptor": {
            "Columns": [{"Name": "id", "Type": "bigint"}],
            "Location": f"s3://lake/{name}/",
        },
        "PartitionKeys": [{"Name": "year", "Type": "string"}, {"Name": "month", "Type": "int"}],
        **extra,
    }


def partition(year: str, month: str) -> dict[str, Any]:
    return {
        "Values": [year, month],
        "StorageDescriptor": {"Location": f"s3://lake/events/year={year}/month={month}/"},
    }


def test_databases(cat: CatalogService) -> None:
    cat.create_database({"Name": "Sales", "Description": "d", "LocationUri": "s3://lake/"})
    with pytest.raises(AlreadyExists):
        cat.create_database({"Name": "sales"})
    found = cat.get_database("SALES")
    assert found["Name"] == "sales"
    assert found["CatalogId"] == "123456789012"
    assert found["Parameters"] == {}
    cat.update_database("sales", {"Name": "sales", "Parameters": {"k": "v"}})
    assert cat.get_database("sales")["Parameters"] == {"k": "v"}
    for name in ("b", "c", "d"):
        cat.create_database({"Name": name})
    page, token = cat.get_databases(None, 2)
    assert [d["Name"] for d in page] == ["b", "c"]
    page, token = cat.get_databases(token, 2)
    assert ([d["Name"] for d in page], token) == (["d", "sales"], None)
    cat.delete_database("sales")
    with pytest.raises(DatabaseNotFound) as missing:
        cat.get_database("sales")
    assert missing.value.name == "sales"


def test_tables_versions_and_optimistic_locking(cat: CatalogService, clock: FakeClock) -> None:
    cat.create_database({"Name": "db"})
    with pytest.raises(DatabaseNotFound) as missing:
        cat.create_table("nope", table_input())
    assert missing.value.name == "nope"
    cat.create_table("db", table_input("Events"))
    created = cat.get_table("db", "events")
    assert created["VersionId"] == "0"
    assert created["StorageDescriptor"]["NumberOfBuckets"] == 0
    assert created["Retention"] == 0
    clock.advance(5)
    iceberg = table_input(
        "events", Parameters={"table_type": "ICEBERG", "metadata_location": "s3://m/1.json"}
    )
    cat.update_table("db", iceberg, version_id="0", skip_archive=True)
    updated = cat.get_table("db", "events")
    assert updated["VersionId"] == "1"
    assert updated["UpdateTime"] == created["UpdateTime"] + 5
    assert updated["CreateTime"] == created["CreateTime"]
    with pytest.raises(ConcurrentModification, match="concurrent modifications"):
        cat.update_table("db", iceberg, version_id="0")
    cat.update_table("db", table_input("events", Description="v2"))
    versions, _ = cat.get_table_versions("db", "events", None, None)
    # version 0 was replaced with SkipArchive, so it is not kept
    assert [v for v, _ in versions] == ["2", "1"]
    assert cat.get_table_version("db", "events", "1")["Parameters"]["table_type"] == "ICEBERG"
    with pytest.raises(InvalidInput, match="current version"):
        cat.delete_table_version("db", "events", "2")
    cat.delete_table_version("db", "events", "1")
    with pytest.raises(EntityNotFound):
        cat.get_table_version("db", "events", "1")


def test_get_tables_pattern_and_paging(cat: CatalogService) -> None:
    cat.create_database({"Name": "db"})
    for name in ("orders", "orders_2024", "customers", "web_logs"):
        cat.create_table("db", table_input(name))
    names = [t["Name"] for t in cat.get_tables("db", "orders*", None, None)[0]]
    assert names == ["orders", "orders_2024"]
    names = [t["Name"] for t in cat.get_tables("db", "orders|web.*", None, None)[0]]
    assert names == ["orders", "web_logs"]
    page, token = cat.get_tables("db", None, None, 3)
    assert [t["Name"] for t in page] == ["customers", "orders", "orders_2024"]
    page, token = cat.get_tables("db", None, token, 3)
    assert ([t["Name"] for t in page], token) == (["web_logs"], None)
    assert cat.batch_delete_table("db", ["orders", "ghost"])[0].key == "ghost"
    cat.delete_database("db")
    cat.create_database({"Name": "db"})
    assert cat.get_tables("db", None, None, None) == ([], None)


def test_partitions(cat: CatalogService) -> None:
    cat.create_database({"Name": "db"})
    cat.create_table("db", table_input())
    months = [(year, str(month)) for year in ("2023", "2024") for month in range(1, 13)]
    errors = cat.batch_create_partition("db", "events", [partition(*m) for m in months])
    assert errors == []
    again = cat.batch_create_partition("db", "events", [partition("2023", "1"), {"Values": ["x"]}])
    assert sorted(type(e.error).__name__ for e in again) == ["AlreadyExists", "InvalidInput"]
    with pytest.raises(AlreadyExists):
        cat.create_partition("db", "events", partition("2023", "1"))
    found, token = cat.get_partitions("db", "events", "year = '2024' AND month > 9")
    assert [p["Values"] for p in found] == [["2024", "10"], ["2024", "11"], ["2024", "12"]]
    assert token is None
    # paging a filtered listing
    first, token = cat.get_partitions("db", "events", "month IN (1, 2)", None, 3)
    rest, end = cat.get_partitions("db", "events", "month IN (1, 2)", token, 3)
    assert len(first) == 3
    assert [p["Values"] for p in first + rest] == [
        ["2023", "1"], ["2023", "2"], ["2024", "1"], ["2024", "2"],
    ]  # fmt: skip
    assert end is None
    # segments are disjoint and cover everything
    seen: list[list[str]] = []
    for number in range(4):
        part, _ = cat.get_partitions(
            "db", "events", segment={"SegmentNumber": number, "TotalSegments": 4}
        )
        seen.extend(p["Values"] for p in part)
    assert sorted(map(tuple, seen)) == sorted(months)
    slim, _ = cat.get_partitions("db", "events", "year = '2023'", exclude_column_schema=True)
    assert all("Columns" not in p["StorageDescriptor"] for p in slim)
    got = cat.batch_get_partition("db", "events", [["2023", "5"], ["1999", "1"]])
    assert [p["Values"] for p in got] == [["2023", "5"]]
    cat.update_partition(
        "db", "events", ["2023", "5"], {**partition("2023", "5"), "Parameters": {"a": "b"}}
    )
    assert cat.get_partition("db", "events", ["2023", "5"])["Parameters"] == {"a": "b"}
    with pytest.raises(PartitionNotFound):
        cat.update_partition("db", "events", ["1999", "1"], partition("1999", "1"))
    missing = cat.batch_delete_partition("db", "events", [["2023", "5"], ["1999", "1"]])
    assert [e.key for e in missing] == [["1999", "1"]]
    with pytest.raises(EntityNotFound):
        cat.get_partition("db", "events", ["2023", "5"])
    with pytest.raises(InvalidInput, match="number of partition keys"):
        cat.create_partition("db", "events", {"Values": ["2023"]})
    cat.delete_table("db", "events")
    cat.create_table("db", table_input())
    assert cat.get_partitions("db", "events") == ([], None)


def test_connections(cat: CatalogService) -> None:
    props = {
        "JDBC_CONNECTION_URL": "jdbc:postgresql://h:5432/d",
        "USERNAME": "u",
        "PASSWORD": "secret",
    }
    status = cat.create_connection(
        {"Name": "pg", "ConnectionType": "JDBC", "ConnectionProperties": props}
    )
    assert status == "READY"
    with pytest.raises(InvalidInput, match="USERNAME and PASSWORD"):
        cat.create_connection(
            {
                "Name": "bad",
                "ConnectionType": "JDBC",
                "ConnectionProperties": {"JDBC_CONNECTION_URL": "x"},
            }
        )
    assert cat.get_connection("pg")["ConnectionProperties"]["PASSWORD"] == "secret"
    assert "PASSWORD" not in cat.get_connection("pg", hide_password=True)["ConnectionProperties"]
    cat.create_connection({"Name": "net", "ConnectionType": "NETWORK", "ConnectionProperties": {}})
    found, _ = cat.get_connections({"ConnectionType": "JDBC"}, True, None, None)
    assert [(c["Name"], "PASSWORD" in c["ConnectionProperties"]) for c in found] == [("pg", False)]
    cat.update_connection(
        "pg",
        {
            "Name": "pg",
            "ConnectionType": "JDBC",
            "ConnectionProperties": {**props, "USERNAME": "v"},
        },
    )
    assert cat.get_connection("pg")["ConnectionProperties"]["USERNAME"] == "v"
    deleted, errors = cat.batch_delete_connection(["pg", "ghost"])
    assert deleted == ["pg"]
    assert isinstance(errors["ghost"], ConnectionNotFound)
    with pytest.raises(ConnectionNotFound) as missing:
        cat.get_connection("pg")
    assert missing.value.name == "pg"
