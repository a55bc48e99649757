"""Glue connections from the Data Catalog, as JDBC settings: ``extract_jdbc_conf`` and the
``connectionName`` of JDBC ``connection_options``.

A JDBC connection's ``JDBC_CONNECTION_URL`` (or ``JDBC_ENGINE``, ``HOST``, ``PORT`` and
``DATABASE``) gives the URL; ``USERNAME`` and ``PASSWORD`` the credentials. ``SECRET_ID``
(Secrets Manager) is not resolved: gluerun has no Secrets Manager.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from ._catalog_api import catalog

__all__ = ["extract_jdbc_conf", "resolve_options"]

#: jdbc:<vendor>://host[:port][/database][?params]
_URL = re.compile(
    r"^(jdbc:(?P<vendor>[a-z0-9]+):(?://)?(?P<authority>[^/?;]*))(?P<path>/[^?;]*)?(?P<rest>.*)$"
)
_DEFAULT_PORTS = {"postgresql": "5432", "mysql": "3306", "mariadb": "3306"}
#: the connection_type of the _jdbc module for each URL vendor
CONNECTION_TYPES = {"postgresql": "postgresql", "mysql": "mysql", "mariadb": "mysql"}


def _url(props: Mapping[str, str], name: str, kind: str) -> str:
    url = props.get("JDBC_CONNECTION_URL")
    if url:
        return url
    # POSTGRESQL and MYSQL connections name their engine by their type
    engine = props.get("JDBC_ENGINE") or (kind.lower() if kind != "JDBC" else None)
    host = props.get("HOST")
    if not engine or not host:
        raise ValueError(f"connection {name!r} has no JDBC_CONNECTION_URL nor JDBC_ENGINE and HOST")
    port = props.get("PORT") or _DEFAULT_PORTS.get(engine, "")
    database = props.get("DATABASE", "")
    return f"jdbc:{engine}://{host}{':' + port if port else ''}/{database}"


def with_database(url: str, database: str) -> str:
    """`url` with its database path replaced by `database`."""
    match = _URL.match(url)
    if match is None:
        raise ValueError(f"not a JDBC URL: {url!r}")
    return f"{match.group(1)}/{database}{match.group('rest')}"


def extract_jdbc_conf(connection_name: str, catalog_id: str | None = None) -> dict[str, Any]:
    """Glue's ``extract_jdbc_conf``: ``url`` (without the database), ``fullUrl``, ``user``,
    ``password``, ``vendor`` and the SSL settings of a JDBC connection."""
    connection = catalog(catalog_id).get_connection(connection_name)
    kind = connection.get("ConnectionType")
    if kind not in ("JDBC", "POSTGRESQL", "MYSQL"):
        raise ValueError(f"connection {connection_name!r} is {kind}, not a JDBC connection")
    props: Mapping[str, str] = connection.get("ConnectionProperties") or {}
    if "SECRET_ID" in props and "PASSWORD" not in props:
        raise ValueError(
            f"connection {connection_name!r} keeps its credentials in Secrets Manager "
            "(SECRET_ID), which gluerun does not reach: give USERNAME and PASSWORD"
        )
    full = _url(props, connection_name, str(kind))
    match = _URL.match(full)
    if match is None:
        raise ValueError(
            f"connection {connection_name!r} has a JDBC URL gluerun cannot read: {full!r}"
        )
    return {
        "url": match.group(1),
        "fullUrl": full,
        "user": props.get("USERNAME", ""),
        "password": props.get("PASSWORD", ""),
        "vendor": match.group("vendor"),
        "enforceSSL": props.get("JDBC_ENFORCE_SSL", "false"),
        "skipCustomJDBCCertValidation": props.get("SKIP_CUSTOM_JDBC_CERT_VALIDATION", "false"),
        "customJDBCCert": props.get("CUSTOM_JDBC_CERT", ""),
        "customJDBCCertString": props.get("CUSTOM_JDBC_CERT_STRING", ""),
    }


def resolve_options(options: Mapping[str, Any], catalog_id: str | None = None) -> dict[str, Any]:
    """JDBC `options` with ``url``, ``user`` and ``password`` from the catalog connection
    ``connectionName`` (options given explicitly win; ``database`` replaces the URL's)."""
    name = options.get("connectionName")
    if not name:
        return dict(options)
    conf = extract_jdbc_conf(str(name), catalog_id or options.get("catalogId"))
    url = conf["fullUrl"]
    if options.get("database"):
        url = with_database(url, str(options["database"]))
    resolved = {"url": url, "user": conf["user"], "password": conf["password"]}
    resolved.update({k: v for k, v in options.items() if v not in (None, "")})
    resolved.pop("connectionName", None)
    resolved.pop("useConnectionProperties", None)
    resolved["url"] = options.get("url") or url
    return resolved


def connection_type(url: str) -> str:
    """The _jdbc connection type of a JDBC URL (ValueError for other databases)."""
    match = _URL.match(url)
    vendor = match.group("vendor") if match else ""
    if vendor not in CONNECTION_TYPES:
        raise ValueError(
            f"gluerun's JDBC sources and sinks reach PostgreSQL and MySQL; not {url!r}"
        )
    return CONNECTION_TYPES[vendor]
