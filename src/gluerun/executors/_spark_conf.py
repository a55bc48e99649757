"""Spark settings for a glueetl run: Glue's special parameters and job sizing as Spark confs.

Pure functions, no I/O: `run_confs` merges, lowest precedence first, gluerun's start-up tuning,
the sizing derived from WorkerType/NumberOfWorkers/MaxCapacity, the S3 settings, the server's
``spark_conf`` setting and the job's own ``--conf`` values.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

from gluerun.errors import ExecutorError

#: Glue's special parameters the Spark executor reads (all are also passed to the script)
CONF = "--conf"
EXTRA_JARS = "--extra-jars"
EXTRA_FILES = "--extra-files"
USER_JARS_FIRST = "--user-jars-first"
JOB_LANGUAGE = "--job-language"
ENABLE_SPARK_UI = "--enable-spark-ui"
EVENT_LOGS_PATH = "--spark-event-logs-path"

#: the conf the awsglue runtime reads to choose how it reaches s3:// paths
S3_MODE_CONF = "spark.gluerun.s3.mode"
S3A_FILESYSTEM = "org.apache.hadoop.fs.s3a.S3AFileSystem"
#: the URI schemes S3A serves in a run (Glue maps all three to its S3 connector)
S3_SCHEMES = ("s3", "s3a", "s3n")

#: start-up tuning measured in docs/spark.md; a job's --conf replaces any of them
TUNING: Mapping[str, str] = {
    "spark.ui.enabled": "false",
    "spark.ui.showConsoleProgress": "false",
    "spark.driver.extraJavaOptions": "-XX:TieredStopAtLevel=1 -XX:+UseSerialGC",
}

#: where Debian's libpostgresql-jdbc-java, libmariadb-java and MySQL's Connector/J put their
#: drivers; Glue ships PostgreSQL and MySQL drivers built in, so every run gets those present
DEBIAN_JDBC_DRIVERS = (
    "/usr/share/java/postgresql.jar",
    "/usr/share/java/mariadb-java-client.jar",
    "/usr/share/java/mysql-connector-j.jar",
)

#: ``GLUERUN_SPARK_S3_COMMITTER``: Spark's default (rename into place) or S3A's magic committer
S3_COMMITTERS = ("file", "magic")
#: S3A's magic committer for Spark SQL writes to every S3 scheme (Hadoop registers it for s3a only)
MAGIC_COMMITTER: Mapping[str, str] = {
    "spark.hadoop.fs.s3a.committer.name": "magic",
    "spark.hadoop.fs.s3a.committer.magic.enabled": "true",
    **{
        f"spark.hadoop.mapreduce.outputcommitter.factory.scheme.{scheme}": (
            "org.apache.hadoop.fs.s3a.commit.S3ACommitterFactory"
        )
        for scheme in S3_SCHEMES
    },
    "spark.sql.sources.commitProtocolClass": (
        "org.apache.spark.internal.io.cloud.PathOutputCommitProtocol"
    ),
    "spark.sql.parquet.output.committer.class": (
        "org.apache.spark.internal.io.cloud.BindingParquetOutputCommitter"
    ),
}

#: the run's environment its executors on a cluster get too, as Glue's role reaches every worker
#: (Iceberg's S3FileIO and boto3 in tasks read credentials there, not in Hadoop's configuration)
EXECUTOR_ENV = (
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "AWS_SESSION_TOKEN",
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
)

_CONF_SEPARATOR = re.compile(r"\s+--conf\s+")
#: what a Java properties file escapes (in keys; values only their leading blanks)
_PROPERTY_SPECIAL = re.compile(r"([\\=:#! ])")


@dataclass(frozen=True)
class WorkerSize:
    """What one Glue worker of a type gives Spark: cores and memory per executor."""

    cores: int
    #: megabytes of executor (and driver) heap
    memory_mb: int
    #: executors a worker holds (Standard workers hold two)
    executors_per_worker: int = 1


#: Glue's worker types and the executor each gives (Glue's published sizes)
WORKER_TYPES: Mapping[str, WorkerSize] = {
    "Standard": WorkerSize(4, 5 * 1024, 2),
    "G.025X": WorkerSize(2, 2 * 1024),
    "G.1X": WorkerSize(4, 10 * 1024),
    "G.2X": WorkerSize(8, 20 * 1024),
    "G.4X": WorkerSize(16, 40 * 1024),
    "G.8X": WorkerSize(32, 80 * 1024),
}


@dataclass(frozen=True)
class Resources:
    """The executors a run asks for."""

    executor_cores: int
    executor_memory_mb: int
    executor_instances: int

    @property
    def total_cores(self) -> int:
        return self.executor_cores * self.executor_instances


def resources(
    worker_type: str | None, number_of_workers: int | None, max_capacity: float | None
) -> Resources | None:
    """The executors Glue would give a run of this size, or None when nothing is known.

    One worker (two Standard executor slots) is the driver's: G.* types give
    ``NumberOfWorkers - 1`` executors, Standard workers and MaxCapacity (DPUs, which are
    Standard workers) give ``2 * (n - 1) - 1``; never fewer than one.
    """
    if worker_type is not None:
        size = WORKER_TYPES.get(worker_type)
        if size is None or not number_of_workers:
            return None
        workers = number_of_workers
    elif max_capacity:
        size = WORKER_TYPES["Standard"]
        workers = int(max_capacity)
    else:
        return None
    if size.executors_per_worker == 1:
        instances = workers - 1
    else:
        instances = size.executors_per_worker * (workers - 1) - 1
    return Resources(size.cores, size.memory_mb, max(1, instances))


def sizing_confs(found: Resources | None, local: bool, machine_memory_mb: int) -> dict[str, str]:
    """Spark confs for `found`; local mode is scaled down to what the machine has.

    A cluster gets the executors as asked (cores, memory, instances; ``spark.cores.max``
    caps a standalone master). In local mode everything runs in the driver JVM: its heap is
    one executor's memory, at most a quarter of the machine's, and its threads are counted
    in the ``local[N]`` master (see `local_master`).
    """
    if found is None:
        return {}
    if local:
        memory = max(1024, min(found.executor_memory_mb, machine_memory_mb // 4))
        return {"spark.driver.memory": f"{memory}m"}
    return {
        "spark.executor.cores": str(found.executor_cores),
        "spark.executor.memory": f"{found.executor_memory_mb}m",
        "spark.executor.instances": str(found.executor_instances),
        "spark.cores.max": str(found.total_cores),
        "spark.driver.memory": f"{found.executor_memory_mb}m",
    }


def local_master(found: Resources | None, machine_cores: int) -> str:
    """``local[N]``: the machine's cores, or fewer when the run asks for fewer."""
    cores = machine_cores if found is None else min(machine_cores, found.total_cores)
    return f"local[{max(1, cores)}]"


def is_local(master: str) -> bool:
    return master == "local" or master.startswith("local[")


def parse_conf(value: str) -> list[tuple[str, str]]:
    """Glue's ``--conf`` value: ``k=v``, more pairs chained with `` --conf k=v``.

    Raises:
        ExecutorError: a part is not ``key=value``.
    """
    pairs: list[tuple[str, str]] = []
    text = value.strip()
    if text.startswith(CONF + " "):
        text = text[len(CONF) :].strip()
    for part in _CONF_SEPARATOR.split(text):
        if not part.strip():
            continue
        key, sep, conf_value = part.strip().partition("=")
        if not sep or not key.strip():
            raise ExecutorError(f"--conf value is not key=value: {part.strip()!r}")
        pairs.append((key.strip(), conf_value.strip()))
    return pairs


def split_list(value: str) -> list[str]:
    """A comma-separated list of Glue's parameters (--extra-jars, ...), blanks dropped."""
    return [item.strip() for item in value.split(",") if item.strip()]


def s3_confs(endpoint_url: str | None, s3a: bool) -> dict[str, str]:
    """How Spark reaches s3://: Hadoop's S3A (`s3a`), else the awsglue runtime's staging.

    With S3A, ``s3://``, ``s3a://`` and ``s3n://`` (as Glue maps them) are all served by
    S3AFileSystem, against `endpoint_url` with path-style requests when one is given.
    """
    if not s3a:
        return {S3_MODE_CONF: "staging"}
    confs = {S3_MODE_CONF: "s3a"}
    for scheme in S3_SCHEMES:
        confs[f"spark.hadoop.fs.{scheme}.impl"] = S3A_FILESYSTEM
    if endpoint_url:
        confs["spark.hadoop.fs.s3a.endpoint"] = endpoint_url
        confs["spark.hadoop.fs.s3a.path.style.access"] = "true"
        secure = endpoint_url.startswith("https://")
        confs["spark.hadoop.fs.s3a.connection.ssl.enabled"] = str(secure).lower()
    return confs


def has_hadoop_aws(jars: Sequence[str]) -> bool:
    """Whether the job brings its own hadoop-aws jar (then gluerun adds none)."""
    return any(_is_hadoop_aws(jar) for jar in jars)


def jdbc_driver_jars(setting: str, exists: Callable[[str], bool] = os.path.isfile) -> list[str]:
    """The JDBC driver jars of the ``jdbc_drivers`` setting.

    Empty: those of `DEBIAN_JDBC_DRIVERS` that exist; ``none``: no jar; otherwise the
    comma-separated paths as given.

    Raises:
        ExecutorError: a path the setting names is not a file.
    """
    if not setting.strip():
        return [jar for jar in DEBIAN_JDBC_DRIVERS if exists(jar)]
    if setting.strip().lower() == "none":
        return []
    jars = split_list(setting)
    missing = [jar for jar in jars if not exists(jar)]
    if missing:
        raise ExecutorError(f"GLUERUN_JDBC_DRIVERS names jars that do not exist: {missing}")
    return jars


def _is_hadoop_aws(jar: str) -> bool:
    name = jar.rsplit("/", 1)[-1]
    return name.startswith("hadoop-aws") and name.endswith(".jar")


def ui_confs(arguments: Mapping[str, str], fallback_dir: str, s3a: bool) -> dict[str, str]:
    """``--enable-spark-ui true``: the UI on and event logs to --spark-event-logs-path.

    Without a path, or with an s3:// path but no s3a (see `s3_confs`), the events go to
    `fallback_dir` in the run directory instead.
    """
    if arguments.get(ENABLE_SPARK_UI, "").strip().lower() != "true":
        return {}
    path = arguments.get(EVENT_LOGS_PATH, "").strip()
    if not path or (path.startswith("s3://") and not s3a):
        path = fallback_dir
    elif path.startswith("s3://"):
        path = "s3a://" + path[len("s3://") :]
    return {
        "spark.ui.enabled": "true",
        "spark.eventLog.enabled": "true",
        "spark.eventLog.dir": path,
    }


def user_jars_first(arguments: Mapping[str, str]) -> dict[str, str]:
    """``--user-jars-first true``: the job's jars win over Spark's own on the classpath."""
    if arguments.get(USER_JARS_FIRST, "").strip().lower() != "true":
        return {}
    return {"spark.driver.userClassPathFirst": "true", "spark.executor.userClassPathFirst": "true"}


def executor_env_confs(env: Mapping[str, str]) -> dict[str, str]:
    """``spark.executorEnv.*`` giving a cluster's executors the run's `EXECUTOR_ENV`."""
    return {f"spark.executorEnv.{name}": env[name] for name in EXECUTOR_ENV if env.get(name)}


def properties_file(defaults: str, confs: Mapping[str, str]) -> str:
    """A Java properties file: the node's spark-defaults.conf text `defaults`, then `confs`.

    spark-submit reads a ``--properties-file`` instead of spark-defaults.conf, so its text
    comes first; a key repeated later wins (Java's Properties.load), and ``--conf`` wins over
    the file.
    """
    # the blank line ends a continuation (a trailing backslash) the defaults may leave open
    lines = [defaults.rstrip("\n"), ""] if defaults.strip() else []
    for key, value in confs.items():
        lines.append(f"{_escape_property(key, key=True)}={_escape_property(value)}")
    return "\n".join([*lines, ""])


def _escape_property(text: str, key: bool = False) -> str:
    escaped = _PROPERTY_SPECIAL.sub(r"\\\1", text) if key else text.replace("\\", "\\\\")
    if not key and escaped.startswith((" ", "\t")):
        escaped = "\\" + escaped
    return escaped.replace("\n", "\\n").replace("\r", "\\r")
