"""JDBC sources and sinks (``connection_type`` postgresql or mysql), with job bookmarks.

``connection_options``: ``url`` (``jdbc:postgresql://…``; ``jdbc:mysql://…`` or
``jdbc:mariadb://…``), ``dbtable`` (``table`` or ``schema.table``), ``user``, ``password``,
``customJdbcDriverClassName``; parallel reads take ``hashfield`` (a column) or ``hashexpression``
(an SQL expression of whole numbers) with ``hashpartitions`` (default 7): partition ``i`` reads
the rows whose hash (the expression's absolute value) modulo the count is ``i``, and the last
partition also the rows where it is NULL. Bookmarked reads also take ``jobBookmarkKeys`` (a list,
default the table's primary key) and ``jobBookmarkKeysSortOrder`` (``asc``, default, or ``desc``).
The drivers come from the Spark executor's ``jdbc_drivers`` setting, as Glue's are built in.
``connectionName`` names a Data Catalog connection that supplies ``url``, ``user`` and
``password`` (see ``_connections``).

Bookmark state (one element per ``transformation_ctx``)::

    {"jsonClass": "GluerunJdbcSourceJobBookmarkState", "keys": ["id"],
     "sortOrder": "asc", "frontier": ["42"]}

``frontier`` is the compound key of the last row processed (each value as Spark casts it to a
string, so decimals and timestamps keep their precision); the keys must grow (``asc``) or
shrink (``desc``) with every new row, as Glue requires. A run first asks for the frontier of
the rows beyond the stored one, then reads exactly the rows between the two: a row inserted
after that first query waits for the next run instead of being lost. Rows whose keys are NULL
are never read by a bookmarked source.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import reduce
from typing import Any

from pyspark.sql import Column, DataFrame, DataFrameReader, SparkSession
from pyspark.sql import functions as F

from . import _bookmarks
from ._connections import resolve_options

__all__ = ["CONNECTIONS", "JdbcTable", "incremental", "read", "write"]

#: connection types and the URL schemes each accepts
CONNECTIONS: Mapping[str, tuple[str, ...]] = {
    "postgresql": ("jdbc:postgresql:",),
    "mysql": ("jdbc:mysql:", "jdbc:mariadb:"),
}
STATE_CLASS = "GluerunJdbcSourceJobBookmarkState"
_ORDERS = ("asc", "desc")
_PRIMARY_KEY = """SELECT kcu.column_name AS name
FROM information_schema.table_constraints tc
JOIN information_schema.key_column_usage kcu
  ON kcu.constraint_name = tc.constraint_name
 AND kcu.table_schema = tc.table_schema AND kcu.table_name = tc.table_name
WHERE tc.constraint_type = 'PRIMARY KEY' AND tc.table_name = {table} AND tc.table_schema = {schema}
ORDER BY kcu.ordinal_position"""
_CURRENT_SCHEMA = {"postgresql": "current_schema()", "mysql": "DATABASE()"}
#: driver classes by URL scheme, the first loadable one wins; Spark is always told the class,
#: because DriverManager cannot see drivers that came with --jars
_DRIVERS = {
    "jdbc:postgresql:": ("org.postgresql.Driver",),
    "jdbc:mysql:": ("com.mysql.cj.jdbc.Driver", "org.mariadb.jdbc.Driver"),
    "jdbc:mariadb:": ("org.mariadb.jdbc.Driver",),
}


#: how a hashfield column becomes a whole number in each dialect
_HASHES = {
    "postgresql": "abs(hashtext(CAST({column} AS text))::bigint)",
    "mysql": "CRC32({column})",
}
_QUOTES = {"postgresql": '"', "mysql": "`"}
DEFAULT_HASH_PARTITIONS = 7


@dataclass(frozen=True)
class JdbcTable:
    """One table of a JDBC database, as ``connection_options`` name it."""

    connection_type: str
    url: str
    table: str
    properties: Mapping[str, str] = field(default_factory=dict)
    #: one WHERE predicate per Spark partition (empty: one partition)
    partitions: tuple[str, ...] = ()

    @classmethod
    def from_options(cls, connection_type: str, options: Mapping[str, Any]) -> JdbcTable:
        """Raises ValueError naming the option when `options` cannot reach a table."""
        options = resolve_options(options)  # a catalog connection's url, user, password
        url = str(options.get("url") or "")
        schemes = CONNECTIONS[connection_type]
        if not url.startswith(schemes):
            raise ValueError(
                f"connection_options 'url' of a {connection_type} connection must start with "
                f"{' or '.join(schemes)}; got {url!r}"
            )
        table = str(options.get("dbtable") or "")
        if not table:
            raise ValueError("connection_options must name the table: {'dbtable': ...}")
        properties = {
            name: str(options[key])
            for key, name in (
                ("user", "user"),
                ("password", "password"),
                ("customJdbcDriverClassName", "driver"),
            )
            if options.get(key)
        }
        return cls(
            connection_type, url, table, properties, _hash_predicates(connection_type, options)
        )

    def reader(self, spark: SparkSession) -> DataFrameReader:
        reader = spark.read.format("jdbc").option("url", self.url)
        for name, value in self._options(spark).items():
            reader = reader.option(name, value)
        return reader

    def load(self, spark: SparkSession) -> DataFrame:
        if self.partitions:
            properties = self._options(spark)
            return spark.read.jdbc(
                self.url, self.table, predicates=list(self.partitions), properties=properties
            )
        return self.reader(spark).option("dbtable", self.table).load()

    def primary_key(self, spark: SparkSession) -> list[str]:
        """The table's primary key columns, in key order (from information_schema)."""
        schema, name = _split_table(self.table, lower=self.connection_type == "postgresql")
        query = _PRIMARY_KEY.format(
            table=self._literal(name),
            schema=self._literal(schema) if schema else _CURRENT_SCHEMA[self.connection_type],
        )
        rows = self.reader(spark).option("query", query).load().collect()
        return [str(row["name"]) for row in rows]

    def write(self, frame: DataFrame) -> None:
        """Append `frame` to the table (created when missing, as Glue's sink does)."""
        writer = frame.write.format("jdbc").mode("append").option("url", self.url)
        for name, value in self._options(frame.sparkSession).items():
            writer = writer.option(name, value)
        writer.option("dbtable", self.table).save()

    def _options(self, spark: SparkSession) -> dict[str, str]:
        """The connection properties, with the driver class when none was given."""
        if "driver" in self.properties:
            return dict(self.properties)
        scheme = next(prefix for prefix in _DRIVERS if self.url.startswith(prefix))
        candidates = _DRIVERS[scheme]
        utils = spark.sparkContext._jvm.org.apache.spark.util.Utils  # type: ignore[union-attr]
        driver = next((name for name in candidates if utils.classIsLoadable(name)), None)
        if driver is None:
            raise ValueError(
                f"no JDBC driver for {scheme} URLs ({' or '.join(candidates)}): install one "
                "(Debian: libpostgresql-jdbc-java, libmariadb-java) or give its jar in "
                "--extra-jars, or name its class in customJdbcDriverClassName"
            )
        return {**self.properties, "driver": driver}

    def _literal(self, value: str) -> str:
        escaped = value.replace("'", "''")
        if self.connection_type == "mysql":  # MySQL also reads backslashes as escapes
            escaped = escaped.replace("\\", "\\\\")
        return f"'{escaped}'"


def read(
    spark: SparkSession, connection_type: str, options: Mapping[str, Any], ctx: str
) -> DataFrame:
    """The table's rows; with a bookmark for `ctx`, only those it has not processed."""
    table = JdbcTable.from_options(connection_type, options)
    frame = table.load(spark)
    bookmarks = _bookmarks.current()
    bounds = bookmarks.bounds(ctx) if bookmarks is not None else None
    if bookmarks is None or bounds is None:
        return frame
    keys = _bookmark_keys(options) or table.primary_key(spark)
    if not keys:
        raise ValueError(
            f"table {table.table!r} has no primary key: give jobBookmarkKeys in "
            f"connection_options to read it with bookmarks (transformation_ctx {ctx!r})"
        )
    unknown = [key for key in keys if key not in frame.columns]
    if unknown:
        raise ValueError(f"jobBookmarkKeys {unknown} are not columns of {table.table!r}")
    order = str(options.get("jobBookmarkKeysSortOrder") or "asc").strip().lower()
    if order not in _ORDERS:
        raise ValueError(f"jobBookmarkKeysSortOrder must be asc or desc; got {order!r}")
    chosen, state = incremental(frame, keys, order, bounds, ctx)
    if state is not None:
        bookmarks.record(ctx, state)
    return chosen


def write(connection_type: str, options: Mapping[str, Any], frame: DataFrame) -> None:
    """Append `frame` to the table `options` name."""
    JdbcTable.from_options(connection_type, options).write(frame)


def incremental(
    frame: DataFrame,
    keys: Sequence[str],
    order: str,
    bounds: _bookmarks.SourceBounds,
    ctx: str = "",
) -> tuple[DataFrame, dict[str, Any] | None]:
    """The rows of `frame` `bounds` select, and the state to record (None: record nothing)."""
    lower = _frontier(bounds.before, keys, order, ctx)
    descending = order == "desc"
    present = reduce(lambda a, b: a & b, [F.col(key).isNotNull() for key in keys])
    after_lower = present if lower is None else present & _beyond(frame, keys, lower, descending)
    if bounds.ranged:
        upper = _frontier(bounds.after, keys, order, ctx)
        if upper is None:
            return frame.where(F.lit(False)), None
        return frame.where(after_lower & ~_beyond(frame, keys, upper, descending)), None
    upper = _last_key(frame.where(after_lower), keys, descending)
    if upper is None:
        state = _state(keys, order, lower) if lower is not None else None
        return frame.where(F.lit(False)), state
    chosen = frame.where(after_lower & ~_beyond(frame, keys, upper, descending))
    return chosen, _state(keys, order, upper)


def _last_key(rows: DataFrame, keys: Sequence[str], descending: bool) -> list[str] | None:
    """The compound key of the last row in key order, each value cast to a string."""
    ordering = [F.col(k).asc() if descending else F.col(k).desc() for k in keys]
    top = rows.orderBy(*ordering).limit(1)
    found = top.select(*[F.col(key).cast("string").alias(key) for key in keys]).collect()
    return [str(value) for value in found[0]] if found else None


def _beyond(frame: DataFrame, keys: Sequence[str], values: Sequence[str], desc: bool) -> Column:
    """Rows whose compound key comes after `values` in the bookmark's order."""
    condition: Column | None = None
    for key, value in reversed(list(zip(keys, values, strict=True))):
        column = F.col(key)
        literal = F.lit(value).cast(frame.schema[key].dataType)
        strict = column < literal if desc else column > literal
        condition = strict if condition is None else strict | ((column == literal) & condition)
    assert condition is not None  # keys is never empty
    return condition


def _state(keys: Sequence[str], order: str, frontier: Sequence[str]) -> dict[str, Any]:
    return {
        "jsonClass": STATE_CLASS,
        "keys": list(keys),
        "sortOrder": order,
        "frontier": list(frontier),
    }


def _frontier(
    state: Mapping[str, Any] | None, keys: Sequence[str], order: str, ctx: str
) -> list[str] | None:
    """The frontier a stored state holds; a state kept for other keys is an error."""
    if not state or state.get("jsonClass") != STATE_CLASS:
        return None
    if list(state.get("keys", [])) != list(keys) or state.get("sortOrder") != order:
        raise ValueError(
            f"the bookmark of {ctx!r} was kept for keys {state.get('keys')} "
            f"{state.get('sortOrder')}, not {list(keys)} {order}: reset the job's bookmark "
            "(ResetJobBookmark) to read with other keys"
        )
    frontier = state.get("frontier")
    return [str(value) for value in frontier] if frontier else None


def _hash_predicates(connection_type: str, options: Mapping[str, Any]) -> tuple[str, ...]:
    """The partition predicates of ``hashfield``/``hashexpression`` and ``hashpartitions``."""
    column, expression = options.get("hashfield"), options.get("hashexpression")
    if not column and not expression:
        return ()
    raw = options.get("hashpartitions") or DEFAULT_HASH_PARTITIONS
    try:
        count = int(raw)
    except (TypeError, ValueError):
        count = 0
    if count < 1:
        raise ValueError(f"hashpartitions must be a whole number of at least 1; got {raw!r}")
    if expression:
        value, missing = f"ABS({expression})", f"({expression}) IS NULL"
    else:
        quote = _QUOTES[connection_type]
        quoted = quote + str(column).replace(quote, quote * 2) + quote
        value, missing = _HASHES[connection_type].format(column=quoted), f"{quoted} IS NULL"
    predicates = [f"MOD({value}, {count}) = {index}" for index in range(count)]
    predicates[-1] += f" OR {missing}"
    return tuple(predicates)


def _bookmark_keys(options: Mapping[str, Any]) -> list[str]:
    keys = options.get("jobBookmarkKeys") or []
    if isinstance(keys, str):
        keys = keys.split(",")
    return [str(key).strip() for key in keys if str(key).strip()]


def _split_table(table: str, lower: bool) -> tuple[str | None, str]:
    """``schema.table`` → (schema, table), quotes removed; unquoted names lowered if asked."""
    parts = [_unquote(part.strip(), lower) for part in table.split(".")]
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def _unquote(name: str, lower: bool) -> str:
    if len(name) > 1 and name[0] == name[-1] and name[0] in '"`':
        return name[1:-1]
    return name.lower() if lower else name
