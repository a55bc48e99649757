"""Settings: every setting declared once (name, default, help), resolved at the edge.

Precedence: defaults < GLUERUN_* environment < CLI flags. Nothing reads the environment at
import time; `load_settings` is called by the CLI and the result is passed down explicitly.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from gluerun.errors import ConfigError

#: The port gluerun listens on unless told otherwise.
DEFAULT_PORT = 4577
ENV_PREFIX = "GLUERUN_"


def default_data_dir(environ: Mapping[str, str]) -> Path:
    """The per-user data directory: $XDG_DATA_HOME/gluerun, else ~/.local/share/gluerun."""
    base = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "gluerun"


@dataclass(frozen=True)
class Settings:
    """Everything gluerun can be told. Field metadata lives in SETTINGS below."""

    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    data_dir: Path = Path()
    database_url: str = ""
    region: str = "us-east-1"
    account_id: str = "123456789012"
    node_id: str = ""
    #: empty: each run gets its runtime (gluerun/runtimes); set: every job runs on this one
    python: str = ""
    runtimes_dir: str = ""
    runtime_pythons: str = ""
    s3_endpoint_url: str = ""
    spark_master: str = ""
    spark_home: str = ""
    spark_conf: str = ""
    jdbc_drivers: str = ""
    spark_s3: str = "s3a"
    spark_s3_committer: str = "file"
    spark_packages_dir: str = ""
    spark_class_archives: str = ""
    spark_jars_dir: str = ""
    spark_packages_repository: str = ""
    max_parallel_runs: int = 16
    warm_drivers: int = 1
    warm_driver_memory_mb: int = 2048
    warm_driver_idle_seconds: float = 600.0
    job_env: str = ""
    log_tail_bytes: int = 65536
    log_retention_days: int = 0
    run_retention_days: int = 90
    webhook_urls: str = ""
    engine: bool = True
    node_lease_seconds: float = 20.0
    drain_seconds: float = 0.0
    max_request_bytes: int = 10 * 1024 * 1024
    request_timeout: float = 10.0
    max_connections: int = 1000
    enable_reset: bool = False
    database_url_file: str = ""
    credentials_file: str = ""
    allow_anonymous: bool = False
    allowed_hosts: str = ""
    public_metrics: bool = False
    tls_cert: str = ""
    tls_key: str = ""
    run_as: str = ""
    run_token_key_file: str = ""
    webhook_secret: str = ""

    @property
    def endpoint_url(self) -> str:
        scheme = "https" if self.tls_cert else "http"
        return f"{scheme}://{self.host}:{self.port}"

    @property
    def resolved_database_url(self) -> str:
        """database_url, else the first line of database_url_file, else SQLite in data_dir."""
        if self.database_url:
            return self.database_url
        if self.database_url_file:
            try:
                lines = Path(self.database_url_file).read_text(encoding="utf-8").splitlines()
            except OSError as exc:
                raise ConfigError(f"GLUERUN_DATABASE_URL_FILE: {exc}") from None
            if lines and lines[0].strip():
                return lines[0].strip()
            raise ConfigError(f"GLUERUN_DATABASE_URL_FILE: {self.database_url_file} is empty")
        return f"sqlite:///{self.data_dir / 'gluerun.db'}"

    @property
    def resolved_runtimes_dir(self) -> Path:
        return Path(self.runtimes_dir) if self.runtimes_dir else self.data_dir / "runtimes"

    def runtime_python_list(self) -> list[str]:
        return [path.strip() for path in self.runtime_pythons.split(",") if path.strip()]

    def allowed_host_names(self) -> frozenset[str]:
        return frozenset(h.strip() for h in self.allowed_hosts.split(",") if h.strip())

    def webhook_list(self) -> list[str]:
        return [url.strip() for url in self.webhook_urls.split(",") if url.strip()]

    def job_env_vars(self) -> dict[str, str]:
        """GLUERUN_JOB_ENV as a dict: `K=V` pairs separated by commas or newlines."""
        out: dict[str, str] = {}
        for item in self.job_env.replace("\n", ",").split(","):
            if item.strip():
                key, _, value = item.strip().partition("=")
                out[key] = value
        return out


@dataclass(frozen=True)
class Setting:
    """One row of the settings table: the documented name, its cast and its help."""

    name: str
    cast: Callable[[str], Any]
    help: str

    @property
    def env(self) -> str:
        return ENV_PREFIX + self.name.upper()


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"not a boolean: {value!r}")


#: The documented settings; docs/settings.md lists each (a test checks it).
SETTINGS: tuple[Setting, ...] = (
    Setting("host", str, "Address to listen on."),
    Setting("port", int, f"Port to listen on (default {DEFAULT_PORT})."),
    Setting("data_dir", Path, "Data directory (default: $XDG_DATA_HOME/gluerun)."),
    Setting("database_url", str, "SQLAlchemy URL of the store (default: SQLite in data_dir)."),
    Setting("region", str, "Region used in ARNs."),
    Setting("account_id", str, "Account id used in ARNs."),
    Setting("node_id", str, "This node's id in the store: unique per node (default: host name)."),
    Setting(
        "python", str, "One interpreter for every job, instead of Glue's runtimes (default: none)."
    ),
    Setting("runtimes_dir", str, "Where job runtimes are built and kept (default: data_dir)."),
    Setting(
        "runtime_pythons", str, "Interpreters runtimes are built with (default: found on PATH)."
    ),
    Setting("s3_endpoint_url", str, "S3 endpoint for s3:// script locations (default: AWS)."),
    Setting("spark_master", str, "Spark master for glueetl runs (default: local[N], N = cores)."),
    Setting("spark_home", str, "Spark installation for glueetl runs (default: the job's pyspark)."),
    Setting("spark_conf", str, "Spark settings for every glueetl run: k=v --conf k=v ..."),
    Setting("jdbc_drivers", str, "JDBC driver jars for glueetl runs (default: Debian's, if any)."),
    Setting("spark_s3", str, "How glueetl runs reach s3://: s3a (default) or staging."),
    Setting(
        "spark_s3_committer", str, "How Spark SQL commits writes to s3://: file (default), magic."
    ),
    Setting("spark_packages_dir", str, "Cache of JVM packages (default: data_dir/spark-packages)."),
    Setting(
        "spark_class_archives",
        str,
        "Class-data archives (AppCDS) of driver JVMs: a directory (default: data_dir/spark-cds),"
        " or off.",
    ),
    Setting("spark_jars_dir", str, "Pre-fetched package jars; when set, nothing is downloaded."),
    Setting("spark_packages_repository", str, "Maven repository for packages (Maven Central)."),
    Setting("max_parallel_runs", int, "Runs this node executes at once; others stay STARTING."),
    Setting(
        "warm_drivers",
        int,
        "Warm Spark drivers kept for the glueetl configuration last run (default 1; 0: none).",
    ),
    Setting(
        "warm_driver_memory_mb",
        int,
        "A warm driver is dropped above, and not started below, this much memory (MiB).",
    ),
    Setting("warm_driver_idle_seconds", float, "An unused warm driver is dropped after this."),
    Setting("job_env", str, "Extra environment for job processes: K=V pairs, comma-separated."),
    Setting("log_tail_bytes", int, "Bytes of stderr kept in memory to find a failure's message."),
    Setting("log_retention_days", int, "Delete run log events older than this (0: keep forever)."),
    Setting(
        "run_retention_days",
        int,
        "Delete finished runs, their directories, logs and events after this many days"
        " (default 90, as Glue; 0: keep forever).",
    ),
    Setting("webhook_urls", str, "URLs that get every run event by HTTP POST, comma-separated."),
    Setting("engine", _bool, "Run the engine in this process (false: API only)."),
    Setting(
        "node_lease_seconds",
        float,
        "Seconds an engine node's lease lasts: a node silent this long is presumed dead and a"
        " live node takes over its runs (default 20; renewed every quarter of it).",
    ),
    Setting(
        "drain_seconds",
        float,
        "On SIGTERM, stop claiming runs and wait up to this long for this node's runs to end"
        " while still serving the API (default 0: stop at once; a restart reattaches).",
    ),
    Setting("max_request_bytes", int, "Largest request body accepted; larger ones get 413."),
    Setting("request_timeout", float, "Seconds a client may stall while sending a request."),
    Setting("max_connections", int, "Open connections served at once; more are closed."),
    Setting(
        "enable_reset",
        _bool,
        "Serve POST /moto-api/reset and /gluerun/reset: stop all runs, delete all state "
        "(for test suites; never on by default).",
    ),
    Setting(
        "database_url_file", str, "File whose first line is the database URL (keeps it off argv)."
    ),
    Setting("credentials_file", str, "Access keys (AWS credentials file format): require SigV4."),
    Setting("allow_anonymous", _bool, "Serve without credentials on a non-loopback address."),
    Setting("allowed_hosts", str, "Host header names answered besides loopback, comma-separated."),
    Setting("public_metrics", _bool, "Serve /metrics unsigned even when credentials are on."),
    Setting("tls_cert", str, "PEM certificate (chain) to serve HTTPS with; needs tls_key."),
    Setting("tls_key", str, "PEM private key of tls_cert."),
    Setting("run_as", str, "Run job processes as this unprivileged user (server must be root)."),
    Setting(
        "run_token_key_file", str, "Key of job callback tokens (default: data_dir/run-token.key)."
    ),
    Setting("webhook_secret", str, "Secret to sign webhook bodies with (X-Gluerun-Signature)."),
)


def load_settings(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> Settings:
    """Build Settings from defaults, then GLUERUN_* variables, then explicit overrides."""
    env = os.environ if environ is None else environ
    values: dict[str, Any] = {"data_dir": default_data_dir(env)}
    for setting in SETTINGS:
        raw = env.get(setting.env)
        if raw is not None and raw != "":
            values[setting.name] = _cast(setting, raw)
    for name, value in (overrides or {}).items():
        if value is not None:
            values[name] = value
    known = {f.name for f in fields(Settings)}
    return Settings(**{k: v for k, v in values.items() if k in known})


def _cast(setting: Setting, raw: str) -> Any:
    try:
        return setting.cast(raw)
    except ValueError as exc:
        raise ConfigError(f"{setting.env}={raw!r}: {exc}") from exc
