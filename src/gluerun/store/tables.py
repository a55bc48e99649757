"""The store's tables in SQLAlchemy Core: one definition for SQLite and PostgreSQL.

Columns hold what queries filter or order on; the rest of a record is a JSON document.
Migrations (store/migrations) must produce exactly this schema (tests check it).
"""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
)

metadata = MetaData()

jobs = Table(
    "jobs",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("job_id", String(80), nullable=False, unique=True),
    Column("max_concurrent_runs", Integer, nullable=False),
    Column("created_on", Float, nullable=False),
    Column("doc", Text, nullable=False),
    #: runs of the job in STARTING, RUNNING or STOPPING, and in WAITING: kept by every
    #: write of a run, read by admission (so a start costs the same with 10,000 queued)
    Column("slot_runs", Integer, nullable=False, server_default="0"),
    Column("waiting_runs", Integer, nullable=False, server_default="0"),
)

tags = Table(
    "tags",
    metadata,
    Column("kind", String(32), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("key", String(128), primary_key=True),
    Column("value", String(256), nullable=False),
)

runs = Table(
    "runs",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("id", String(255), nullable=False, unique=True),
    Column("job_id", String(80), nullable=False),
    Column("state", String(16), nullable=False),
    Column("node_id", String(255)),
    Column("started_on", Float, nullable=False),
    Column("doc", Text, nullable=False),
)

Index("runs_by_job", runs.c.job_id, runs.c.seq)
Index("runs_by_job_state_seq", runs.c.job_id, runs.c.state, runs.c.seq)
Index("runs_by_state_node", runs.c.state, runs.c.node_id)

triggers = Table(
    "triggers",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("type", String(16), nullable=False),
    Column("state", String(16), nullable=False),
    Column("next_fire", Float),
    Column("version", Integer, nullable=False),
    Column("doc", Text, nullable=False),
)

Index("triggers_due", triggers.c.state, triggers.c.type, triggers.c.next_fire)

log_streams = Table(
    "log_streams",
    metadata,
    Column("group_name", String(512), primary_key=True),
    Column("stream_name", String(512), primary_key=True),
    Column("creation_time", BigInteger, nullable=False),
    Column("first_event", BigInteger),
    Column("last_event", BigInteger),
    Column("last_ingestion", BigInteger),
    Column("stored_bytes", BigInteger, nullable=False),
    Column("source_bytes", BigInteger, nullable=False),
)

log_events = Table(
    "log_events",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("group_name", String(512), nullable=False),
    Column("stream_name", String(512), nullable=False),
    Column("timestamp", BigInteger, nullable=False),
    Column("ingestion_time", BigInteger, nullable=False),
    Column("message", Text, nullable=False),
)

Index("log_events_by_stream", log_events.c.group_name, log_events.c.stream_name, log_events.c.seq)
Index("log_events_by_group", log_events.c.group_name, log_events.c.seq)
Index("log_events_by_time", log_events.c.ingestion_time)

events = Table(
    "events",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("event_id", String(64), nullable=False, unique=True),
    Column("detail_type", String(64), nullable=False),
    Column("time", Float, nullable=False),
    Column("detail", Text, nullable=False),
)

webhook_cursors = Table(
    "webhook_cursors",
    metadata,
    Column("url", String(2048), primary_key=True),
    Column("last_seq", BigInteger, nullable=False),
)

job_bookmarks = Table(
    "job_bookmarks",
    metadata,
    Column("job_name", String(255), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("run", Integer, nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("run_id", String(255)),
    Column("previous_run_id", String(255)),
    Column("bookmark", Text, nullable=False),
)

Index("job_bookmarks_by_run", job_bookmarks.c.job_name, job_bookmarks.c.run_id)

# -- the Data Catalog (store/sql_catalog.py): each entity is its Glue JSON document -------------

catalog_databases = Table(
    "catalog_databases",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("doc", Text, nullable=False),
)

catalog_tables = Table(
    "catalog_tables",
    metadata,
    Column("database_name", String(255), primary_key=True),
    Column("name", String(255), primary_key=True),
    #: the current VersionId (UpdateTable compares and sets it)
    Column("version", Integer, nullable=False),
    Column("doc", Text, nullable=False),
)

#: every kept version of a table, the current one included (GetTableVersions)
catalog_table_versions = Table(
    "catalog_table_versions",
    metadata,
    Column("database_name", String(255), primary_key=True),
    Column("table_name", String(255), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("doc", Text, nullable=False),
)

catalog_partitions = Table(
    "catalog_partitions",
    metadata,
    Column(
        "seq", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("database_name", String(255), nullable=False),
    Column("table_name", String(255), nullable=False),
    #: sha256 of the JSON list of values: partitions are identified by their values
    Column("values_key", String(64), nullable=False),
    Column("doc", Text, nullable=False),
    #: the JSON list of values, read without the document by filtered listings
    Column("partition_values", Text, nullable=False, server_default="[]"),
)

Index(
    "catalog_partitions_by_values",
    catalog_partitions.c.database_name,
    catalog_partitions.c.table_name,
    catalog_partitions.c.values_key,
    unique=True,
)
Index(
    "catalog_partitions_by_table",
    catalog_partitions.c.database_name,
    catalog_partitions.c.table_name,
    catalog_partitions.c.seq,
)

catalog_connections = Table(
    "catalog_connections",
    metadata,
    Column("name", String(255), primary_key=True),
    Column("doc", Text, nullable=False),
)

#: one row per engine node: its lease, and the epoch every write it makes about a run carries
#: (store/sql_nodes.py). A takeover bumps the epoch, which fences out the node it presumed dead.
nodes = Table(
    "nodes",
    metadata,
    Column("node_id", String(255), primary_key=True),
    Column("epoch", Integer, nullable=False),
    #: "live", or "lost" once another node took over its runs
    Column("state", String(16), nullable=False),
    Column("lease_until", Float, nullable=False),
    Column("heartbeat_on", Float, nullable=False),
    Column("joined_on", Float, nullable=False),
)
