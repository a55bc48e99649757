"""Spark settings that point a job's Iceberg Glue catalogs at this gluerun and its S3.

Glue documents the catalog settings a job gives itself with ``--conf``
(``spark.sql.catalog.<name>=org.apache.iceberg.spark.SparkCatalog``, ``.catalog-impl=
org.apache.iceberg.aws.glue.GlueCatalog`` or ``.type=glue``, ``.warehouse=s3://...``); on AWS
the Glue and S3 clients then find their service from the region. Here the same settings must
reach gluerun's Data Catalog API and the configured S3 endpoint, so gluerun fills in Iceberg's
AWS client properties the job did not set itself (the S3 ones for Iceberg catalogs of any
kind, whose ``io-impl`` may be S3FileIO). Pure functions, no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

#: the catalog classes that take Iceberg's catalog properties
ICEBERG_CATALOGS = (
    "org.apache.iceberg.spark.SparkCatalog",
    "org.apache.iceberg.spark.SparkSessionCatalog",
)
GLUE_CATALOG_IMPL = "org.apache.iceberg.aws.glue.GlueCatalog"
_PREFIX = "spark.sql.catalog."


def iceberg_catalogs(confs: Mapping[str, str]) -> list[str]:
    """The names of the Iceberg catalogs in `confs` (any kind: Glue, Hadoop, REST...)."""
    names = []
    for key, value in confs.items():
        name = key[len(_PREFIX) :]
        if key.startswith(_PREFIX) and "." not in name and value.strip() in ICEBERG_CATALOGS:
            names.append(name)
    return names


def glue_catalogs(confs: Mapping[str, str]) -> list[str]:
    """The names of the Iceberg catalogs in `confs` that use the Glue Data Catalog."""
    names = []
    for name in iceberg_catalogs(confs):
        base = _PREFIX + name
        impl = confs.get(f"{base}.catalog-impl", "").strip()
        kind = confs.get(f"{base}.type", "").strip().lower()
        if impl == GLUE_CATALOG_IMPL or (not impl and kind == "glue"):
            names.append(name)
    return names


def iceberg_confs(
    confs: Mapping[str, str], glue_endpoint: str, s3_endpoint: str | None, region: str
) -> dict[str, str]:
    """Iceberg AWS client properties each Iceberg catalog in `confs` lacks.

    Every Iceberg catalog's own S3 client (S3FileIO, which does not use Hadoop's S3A, and
    which a catalog of any kind may be given as ``io-impl``) goes to `s3_endpoint`,
    path-style, in `region`; the Glue catalogs' Glue client goes to `glue_endpoint`
    (gluerun's API). Catalogs that use no AWS client ignore these properties.
    """
    wanted = {"client.region": region}
    if s3_endpoint:
        wanted["s3.endpoint"] = s3_endpoint
        wanted["s3.path-style-access"] = "true"
    glue = {"glue.endpoint": glue_endpoint} if glue_endpoint else {}
    glue_names = glue_catalogs(confs)
    extra: dict[str, str] = {}
    for name in iceberg_catalogs(confs):
        for prop, value in {**wanted, **(glue if name in glue_names else {})}.items():
            key = f"{_PREFIX}{name}.{prop}"
            if key not in confs:
                extra[key] = value
    return extra
