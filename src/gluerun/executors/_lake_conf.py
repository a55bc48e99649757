"""Spark settings that point a job's Iceberg Glue catalogs at this gluerun and its S3.

Glue documents the catalog settings a job gives itself with ``--conf``
(``spark.sql.catalog.<name>=org.apache.iceberg.spark.SparkCatalog``, ``.catalog-impl=
org.apache.iceberg.aws.glue.GlueCatalog`` or ``.type=glue``, ``.warehouse=s3://...``); on AWS
the Glue and S3 clients then find their service from the region. Here the same settings must
reach gluerun's Data Catalog API and the configured S3 endpoint, so gluerun fills in Iceberg's
AWS client properties the job did not set itself. Pure functions, no I/O.
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


def glue_catalogs(confs: Mapping[str, str]) -> list[str]:
    """The names of the Iceberg catalogs in `confs` that use the Glue Data Catalog."""
    names = []
    for key, value in confs.items():
        name = key[len(_PREFIX) :]
        if not key.startswith(_PREFIX) or "." in name or value.strip() not in ICEBERG_CATALOGS:
            continue
        base = _PREFIX + name
        impl = confs.get(f"{base}.catalog-impl", "").strip()
        kind = confs.get(f"{base}.type", "").strip().lower()
        if impl == GLUE_CATALOG_IMPL or (not impl and kind == "glue"):
            names.append(name)
    return names


def iceberg_glue_confs(
    confs: Mapping[str, str], glue_endpoint: str, s3_endpoint: str | None, region: str
) -> dict[str, str]:
    """Iceberg AWS client properties for each Glue catalog in `confs` that it lacks.

    The Glue client goes to `glue_endpoint` (gluerun's API) in `region`; with an S3
    endpoint, Iceberg's own S3 client (S3FileIO, which does not use Hadoop's S3A) goes
    there too, path-style.
    """
    wanted = {"client.region": region}
    if glue_endpoint:
        wanted["glue.endpoint"] = glue_endpoint
    if s3_endpoint:
        wanted["s3.endpoint"] = s3_endpoint
        wanted["s3.path-style-access"] = "true"
    extra: dict[str, str] = {}
    for name in glue_catalogs(confs):
        for prop, value in wanted.items():
            key = f"{_PREFIX}{name}.{prop}"
            if key not in confs:
                extra[key] = value
    return extra
