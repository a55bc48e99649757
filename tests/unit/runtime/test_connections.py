"""Catalog connections as JDBC settings (``awsglue._connections``), against a stand-in for the
server's GetConnection."""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest

RUNTIME = Path(__file__).resolve().parents[3] / "src" / "gluerun" / "runtime"


class Catalog:
    """GetConnection answers of a server holding `connections`."""

    def __init__(self, connections: dict[str, dict[str, Any]]) -> None:
        self.connections = connections

    def get_connection(self, name: str) -> dict[str, Any]:
        return self.connections[name]


@pytest.fixture
def connections(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(RUNTIME))
    module = importlib.import_module("awsglue._connections")
    found = {
        "pg": {
            "ConnectionType": "JDBC",
            "ConnectionProperties": {
                "JDBC_CONNECTION_URL": "jdbc:postgresql://db.example:5432/shop?ssl=false",
                "USERNAME": "etl",
                "PASSWORD": "pw",
            },
        },
        "my": {
            "ConnectionType": "MYSQL",
            "ConnectionProperties": {
                "HOST": "m",
                "DATABASE": "d",
                "USERNAME": "u",
                "PASSWORD": "p",
            },
        },
        "vault": {
            "ConnectionType": "JDBC",
            "ConnectionProperties": {"JDBC_CONNECTION_URL": "jdbc:mysql://h/d", "SECRET_ID": "s"},
        },
        "kafka": {"ConnectionType": "KAFKA", "ConnectionProperties": {}},
    }
    monkeypatch.setattr(module, "catalog", lambda _id=None: Catalog(found))
    return module


def test_extract_jdbc_conf(connections: ModuleType) -> None:
    conf = connections.extract_jdbc_conf("pg")
    assert conf["url"] == "jdbc:postgresql://db.example:5432"
    assert conf["fullUrl"] == "jdbc:postgresql://db.example:5432/shop?ssl=false"
    assert (conf["user"], conf["password"], conf["vendor"]) == ("etl", "pw", "postgresql")
    built = connections.extract_jdbc_conf("my")
    assert built["fullUrl"] == "jdbc:mysql://m:3306/d"
    with pytest.raises(ValueError, match="Secrets Manager"):
        connections.extract_jdbc_conf("vault")
    with pytest.raises(ValueError, match="not a JDBC connection"):
        connections.extract_jdbc_conf("kafka")


def test_connection_name_fills_jdbc_options(connections: ModuleType) -> None:
    resolved = connections.resolve_options({"connectionName": "pg", "dbtable": "t"})
    assert resolved == {
        "url": "jdbc:postgresql://db.example:5432/shop?ssl=false",
        "user": "etl",
        "password": "pw",
        "dbtable": "t",
    }
    other = connections.resolve_options(
        {"connectionName": "pg", "database": "other", "user": "me", "dbtable": "t"}
    )
    assert other["url"] == "jdbc:postgresql://db.example:5432/other?ssl=false"
    assert other["user"] == "me"
    assert connections.resolve_options({"url": "x"}) == {"url": "x"}
    assert connections.connection_type("jdbc:mariadb://h/d") == "mysql"
    with pytest.raises(ValueError, match="PostgreSQL and MySQL"):
        connections.connection_type("jdbc:oracle:thin:@h:1521/x")
