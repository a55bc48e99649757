"""pyiceberg's GlueCatalog against gluerun's Data Catalog: namespaces, an Iceberg table's
metadata_location, schema commits through UpdateTable with VersionId, drops."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from clientlib import Venv, client_env
from live_server import Server

pytestmark = pytest.mark.clients

DRIVER = """
import sys
from pyiceberg.catalog.glue import GlueCatalog
from pyiceberg.exceptions import CommitFailedException
from pyiceberg.schema import Schema
from pyiceberg.types import LongType, NestedField, StringType

endpoint, warehouse = sys.argv[1], sys.argv[2]
catalog = GlueCatalog(
    "glue",
    **{
        "glue.endpoint": endpoint,
        "glue.region": "us-east-1",
        "warehouse": warehouse,
        "py-io-impl": "pyiceberg.io.fsspec.FsspecFileIO",
    },
)
catalog.create_namespace("ice_db", {"location": warehouse + "/ice_db"})
print("NAMESPACES", catalog.list_namespaces())
schema = Schema(
    NestedField(1, "id", LongType(), required=True),
    NestedField(2, "name", StringType(), required=False),
)
table = catalog.create_table("ice_db.people", schema)
print("CREATED", table.metadata_location)
with catalog.load_table("ice_db.people").update_schema() as update:
    update.add_column("age", LongType())
print("COLUMNS", [f.name for f in catalog.load_table("ice_db.people").schema().fields])
try:
    with table.update_schema() as update:  # loaded before the commit above: stale
        update.add_column("city", StringType())
    print("STALE ACCEPTED")
except CommitFailedException:
    print("STALE REFUSED")
print("TABLES", catalog.list_tables("ice_db"))
catalog.drop_table("ice_db.people")
catalog.drop_namespace("ice_db")
print("DONE")
"""


def test_pyiceberg_glue_catalog(
    pyiceberg_venv: Venv, server: Server, run_driver: Any, tmp_path: Path
) -> None:
    warehouse = (tmp_path / "warehouse").as_uri()
    env = client_env(tmp_path, server.endpoint)
    result = run_driver(pyiceberg_venv, DRIVER, env, args=[server.endpoint, warehouse])
    assert result.code == 0, result
    out = result.stdout
    assert "NAMESPACES [('ice_db',)]" in out
    assert "COLUMNS ['id', 'name', 'age']" in out
    assert "STALE REFUSED" in out
    assert "TABLES [('ice_db', 'people')]" in out
    assert "DONE" in out
    # drop_namespace reached the catalog too
    glue = server.client()
    names = [db["Name"] for db in glue.get_databases()["DatabaseList"]]
    assert "ice_db" not in names
