"""JDBC sources and sinks on the tier's SparkSession against the machine's PostgreSQL.

A `BookmarkContext` is installed by hand (as ``Job.init`` would) so the bookmarked reads run
without a server; the end-to-end bookmark tests drive the same code through real job runs.
"""

from __future__ import annotations

from typing import Any

import pytest
from awsglue import _bookmarks
from awsglue._bookmarks import PAUSE, BookmarkContext
from spark_support import MariaDb, PgSchema


def options(pg: PgSchema, table: str, **extra: Any) -> dict[str, Any]:
    return {"url": pg.url, "dbtable": table, "user": "postgres", **extra}


def read(glue_context: Any, pg: PgSchema, table: str, ctx: str = "src", **extra: Any) -> Any:
    return glue_context.create_dynamic_frame.from_options(
        connection_type="postgresql",
        connection_options=options(pg, table, **extra),
        transformation_ctx=ctx,
    )


def ids(frame: Any, column: str = "id") -> list[Any]:
    return sorted(row[column] for row in frame.toDF().collect())


def next_run(context: BookmarkContext) -> None:
    """What a commit and the next run's load do to the context."""
    context.lower = context.document()
    context.updates = {}


def test_a_table_is_read_and_written(glue_context: Any, pg_schema: PgSchema) -> None:
    pg_schema.execute("CREATE TABLE src (id int PRIMARY KEY, name text)")
    pg_schema.execute("INSERT INTO src VALUES (1, 'a'), (2, 'b')")
    frame = read(glue_context, pg_schema, "src")
    assert ids(frame) == [1, 2]
    glue_context.write_dynamic_frame.from_options(
        frame, connection_type="postgresql", connection_options=options(pg_schema, "copy")
    )
    assert pg_schema.execute("SELECT id, name FROM copy ORDER BY id") == [(1, "a"), (2, "b")]


def test_hash_partitions_split_the_read_and_lose_no_row(
    glue_context: Any, pg_schema: PgSchema, bookmarks: BookmarkContext
) -> None:
    pg_schema.execute("CREATE TABLE h (id int PRIMARY KEY, name text)")
    pg_schema.execute("INSERT INTO h SELECT g, 'n' || g FROM generate_series(-5, 20) g")
    pg_schema.execute("INSERT INTO h VALUES (100, NULL)")
    by_field = read(glue_context, pg_schema, "h", "f", hashfield="name", hashpartitions=3)
    assert by_field.toDF().rdd.getNumPartitions() == 3
    assert ids(by_field) == [*range(-5, 21), 100]
    by_expression = read(glue_context, pg_schema, "h", "e", hashexpression="id")
    assert by_expression.toDF().rdd.getNumPartitions() == 7
    assert ids(by_expression) == [*range(-5, 21), 100]
    next_run(bookmarks)
    pg_schema.execute("INSERT INTO h VALUES (101, 'x'), (102, NULL)")
    assert ids(read(glue_context, pg_schema, "h", "f", hashfield="name", hashpartitions=3)) == [
        101,
        102,
    ]
    with pytest.raises(ValueError, match="hashpartitions must be a whole number"):
        read(glue_context, pg_schema, "h", hashfield="name", hashpartitions="x")


def test_bookmarked_reads_take_only_new_rows_by_primary_key(
    glue_context: Any, pg_schema: PgSchema, bookmarks: BookmarkContext
) -> None:
    pg_schema.execute("CREATE TABLE events (id bigint PRIMARY KEY, v text)")
    pg_schema.execute("INSERT INTO events SELECT g, 'x' FROM generate_series(1, 5) g")
    assert ids(read(glue_context, pg_schema, "events")) == [1, 2, 3, 4, 5]
    state = bookmarks.document()["src"]
    assert state == {
        "jsonClass": "GluerunJdbcSourceJobBookmarkState",
        "keys": ["id"],
        "sortOrder": "asc",
        "frontier": ["5"],
    }
    next_run(bookmarks)
    pg_schema.execute("INSERT INTO events VALUES (6, 'y'), (9, 'z')")  # gaps are fine
    assert ids(read(glue_context, pg_schema, "events")) == [6, 9]
    next_run(bookmarks)
    assert ids(read(glue_context, pg_schema, "events")) == []
    assert bookmarks.document()["src"]["frontier"] == ["9"]


def test_compound_and_descending_keys(
    glue_context: Any, pg_schema: PgSchema, bookmarks: BookmarkContext
) -> None:
    pg_schema.execute("CREATE TABLE t (day date, seq int, n numeric(10,2), PRIMARY KEY (seq))")
    pg_schema.execute("INSERT INTO t VALUES ('2026-01-01', 1, 1.5), ('2026-01-01', 2, 2.25)")
    keys = {"jobBookmarkKeys": ["day", "seq"]}
    assert ids(read(glue_context, pg_schema, "t", **keys), "seq") == [1, 2]
    assert bookmarks.document()["src"]["frontier"] == ["2026-01-01", "2"]
    next_run(bookmarks)
    # same day with a higher seq, and a later day with a lower seq: both come after (day, 2)
    pg_schema.execute("INSERT INTO t VALUES ('2026-01-01', 3, 0), ('2026-01-02', 0, 0)")
    assert ids(read(glue_context, pg_schema, "t", **keys), "seq") == [0, 3]

    down = {"jobBookmarkKeys": ["n"], "jobBookmarkKeysSortOrder": "desc"}
    assert ids(read(glue_context, pg_schema, "t", "down", **down), "seq") == [0, 1, 2, 3]
    assert bookmarks.document()["down"]["frontier"] == ["0.00"]
    next_run(bookmarks)
    pg_schema.execute("INSERT INTO t VALUES ('2026-01-03', 7, -0.5), ('2026-01-03', 8, 9)")
    assert ids(read(glue_context, pg_schema, "t", "down", **down), "seq") == [7]


def test_timestamp_keys_keep_their_microseconds(
    glue_context: Any, pg_schema: PgSchema, bookmarks: BookmarkContext
) -> None:
    pg_schema.execute("CREATE TABLE ts (id int PRIMARY KEY, at timestamptz)")
    pg_schema.execute("INSERT INTO ts VALUES (1, '2026-01-01 10:00:00.123456+00')")
    keys = {"jobBookmarkKeys": ["at"]}
    assert ids(read(glue_context, pg_schema, "ts", **keys)) == [1]
    next_run(bookmarks)
    # one microsecond later is new; the same instant is not
    pg_schema.execute("INSERT INTO ts VALUES (2, '2026-01-01 10:00:00.123457+00')")
    assert ids(read(glue_context, pg_schema, "ts", **keys)) == [2]


def test_a_schema_qualified_table_finds_its_primary_key(
    glue_context: Any, pg_schema: PgSchema, bookmarks: BookmarkContext
) -> None:
    pg_schema.execute("CREATE TABLE multi (a int, b int, PRIMARY KEY (b, a))")
    pg_schema.execute("INSERT INTO multi VALUES (1, 1), (2, 1)")
    table = f"{pg_schema.schema}.multi"
    assert ids(read(glue_context, pg_schema, table), "a") == [1, 2]
    assert bookmarks.document()["src"]["keys"] == ["b", "a"]


def test_a_pause_range_reads_between_two_states(
    glue_context: Any, pg_schema: PgSchema, bookmarks: BookmarkContext
) -> None:
    pg_schema.execute("CREATE TABLE r (id int PRIMARY KEY)")
    pg_schema.execute("INSERT INTO r SELECT generate_series(1, 10)")

    def state(last: int) -> dict[str, Any]:
        return {
            "src": {
                "jsonClass": "GluerunJdbcSourceJobBookmarkState",
                "keys": ["id"],
                "sortOrder": "asc",
                "frontier": [str(last)],
            }
        }

    ranged = BookmarkContext(PAUSE, "job", lower=state(3), upper=state(7))
    _bookmarks.install(ranged)
    assert ids(read(glue_context, pg_schema, "r")) == [4, 5, 6, 7]
    assert ranged.updates == {}
    from_start = BookmarkContext(PAUSE, "job", lower={}, upper=state(2))
    _bookmarks.install(from_start)
    assert ids(read(glue_context, pg_schema, "r")) == [1, 2]


def test_bad_jdbc_options_are_clear_errors(
    glue_context: Any, pg_schema: PgSchema, bookmarks: BookmarkContext
) -> None:
    pg_schema.execute("CREATE TABLE nopk (id int)")
    pg_schema.execute("INSERT INTO nopk VALUES (1)")
    with pytest.raises(ValueError, match="no primary key: give jobBookmarkKeys"):
        read(glue_context, pg_schema, "nopk")
    with pytest.raises(ValueError, match=r"jobBookmarkKeys \['nope'\] are not columns"):
        read(glue_context, pg_schema, "nopk", jobBookmarkKeys=["nope"])
    with pytest.raises(ValueError, match="must start with jdbc:postgresql:"):
        read(glue_context, pg_schema, "nopk", url="jdbc:mysql://h/db")
    # a catalog connection needs the server (GLUERUN_ENDPOINT_URL), absent here
    with pytest.raises(RuntimeError, match="GetConnection failed: NoCatalog"):
        read(glue_context, pg_schema, "nopk", connectionName="conn")
    read(glue_context, pg_schema, "nopk", jobBookmarkKeys=["id"]).count()
    next_run(bookmarks)
    with pytest.raises(ValueError, match="reset the job's bookmark"):
        read(
            glue_context, pg_schema, "nopk", jobBookmarkKeys=["id"], jobBookmarkKeysSortOrder="desc"
        )


def test_mysql_tables_through_the_mariadb_driver(
    glue_context: Any, maria_db: MariaDb, bookmarks: BookmarkContext
) -> None:
    maria_db.execute("CREATE TABLE src (id int AUTO_INCREMENT PRIMARY KEY, name varchar(20))")
    maria_db.execute("INSERT INTO src (name) VALUES ('a'), ('b')")
    connection = {"url": maria_db.url, "dbtable": "src"}

    def read() -> Any:
        return glue_context.create_dynamic_frame.from_options(
            connection_type="mysql", connection_options=connection, transformation_ctx="src"
        )

    frame = read()
    assert ids(frame) == [1, 2]
    assert bookmarks.document()["src"]["keys"] == ["id"]
    glue_context.write_dynamic_frame.from_options(
        frame, connection_type="mysql", connection_options={**connection, "dbtable": "copy"}
    )
    assert maria_db.execute("SELECT id, name FROM copy ORDER BY id") == [["1", "a"], ["2", "b"]]
    next_run(bookmarks)
    maria_db.execute("INSERT INTO src (name) VALUES ('c')")
    assert ids(read()) == [3]
