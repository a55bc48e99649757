"""The command line: `gluerun serve`. The composition root, where the pieces are wired."""

from __future__ import annotations

import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from gluerun import __version__
from gluerun.config import SETTINGS, Settings, load_settings
from gluerun.errors import GluerunError

if TYPE_CHECKING:  # the pieces are imported where they are built: `gluerun --help` stays quick
    from gluerun.clock import Clock
    from gluerun.engine.engine import Engine
    from gluerun.executors.base import RunAs
    from gluerun.executors.class_archive import ClassArchives
    from gluerun.executors.packages import PackageCache
    from gluerun.executors.spark import SparkExecutor
    from gluerun.executors.subprocess import SubprocessExecutor
    from gluerun.executors.warm_pool import WarmPool
    from gluerun.metrics import Metrics
    from gluerun.model.tokens import RunTokens
    from gluerun.runtimes.cache import RuntimeCache
    from gluerun.store.roles import Stores

F = TypeVar("F", bound=Callable[..., Any])

_HELP = {setting.name: setting for setting in SETTINGS}


def _option(name: str, *decls: str, **kwargs: Any) -> Callable[[F], F]:
    setting = _HELP[name]
    return click.option(*decls, name, help=f"{setting.help} [env: {setting.env}]", **kwargs)


@click.group()
@click.version_option(__version__)
def main() -> None:
    """gluerun: AWS Glue's job-run service, self-hosted."""


@main.command()
@_option("host", "--host", default=None)
@_option("port", "--port", type=int, default=None)
@_option("data_dir", "--data-dir", type=click.Path(path_type=Path), default=None)
@_option("database_url", "--database-url", default=None)
@_option("python", "--python", default=None)
@_option("s3_endpoint_url", "--s3-endpoint-url", default=None)
@_option("spark_master", "--spark-master", default=None)
@_option("max_parallel_runs", "--max-parallel-runs", type=int, default=None)
@_option("node_id", "--node-id", default=None)
@_option("enable_reset", "--enable-reset", is_flag=True, default=None)
@_option("database_url_file", "--database-url-file", default=None)
@_option("credentials_file", "--credentials-file", default=None)
@_option("allow_anonymous", "--allow-anonymous", is_flag=True, default=None)
@_option("allowed_hosts", "--allowed-hosts", default=None)
@_option("tls_cert", "--tls-cert", default=None)
@_option("tls_key", "--tls-key", default=None)
@_option("run_as", "--run-as", default=None)
@click.option("--log-level", default="info", show_default=True, help="Server log level.")
def serve(log_level: str, **overrides: Any) -> None:
    """Serve the Glue API and run jobs (embedded SQLite in the data directory by default)."""
    if overrides.get("database_url") and "@" in str(overrides["database_url"]):
        click.echo(
            "gluerun: warning: --database-url puts the URL (and any password) on the command "
            "line, where every local user can read it; use GLUERUN_DATABASE_URL or "
            "--database-url-file",
            err=True,
        )
    try:
        settings = load_settings(overrides=overrides)
        run_server(settings, log_level)
    except GluerunError as exc:
        click.echo(f"gluerun: {exc}", err=True)
        sys.exit(1)


def run_server(settings: Settings, log_level: str = "info") -> None:
    """Open the store, start the engine, serve HTTP until SIGTERM/SIGINT."""
    import uvicorn

    from gluerun import safety
    from gluerun.api.app import build_app
    from gluerun.api.connections import guarded_protocol
    from gluerun.clock import SystemClock
    from gluerun.engine.webhooks import WebhookSender
    from gluerun.metrics import LoopLagMonitor, Metrics
    from gluerun.model.tokens import RunTokens
    from gluerun.service import GlueService
    from gluerun.store import open_store
    from gluerun.store.database import mask_url

    logging.basicConfig(
        level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # Alembic announces each of its plugins at INFO; the migrations it runs are worth seeing.
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)
    safety.check_exposure(settings)
    run_as = safety.resolve_run_as(settings)
    safety.prepare_data_dir(settings, run_as)
    key = safety.run_token_key(settings)
    clock = SystemClock()
    guard = safety.build_guard(settings, clock, key)
    database_url = settings.resolved_database_url
    store = open_store(database_url)
    service = GlueService(store, clock, settings.region, settings.account_id)
    metrics = Metrics(store.events, store.nodes)
    engine = None
    if settings.engine:
        executors = build_executors(settings, run_as)
        engine = build_engine(settings, store, clock, executors, metrics, RunTokens(key))
        _announce_capabilities(executors)
    webhooks = WebhookSender(
        store.events,
        clock,
        settings.webhook_list(),
        settings.region,
        settings.account_id,
        secret=settings.webhook_secret,
    )
    if engine is not None:
        engine.start()
        webhooks.start()
    app = build_app(
        service,
        metrics=metrics,
        inline_reads=store.db.inline_reads,
        max_body=settings.max_request_bytes,
        enable_reset=settings.enable_reset,
        guard=guard,
        secure=bool(settings.tls_cert),
    )
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_level=log_level,
        access_log=False,
        lifespan="off",
        http=guarded_protocol(settings.request_timeout, settings.max_connections),
        ssl_certfile=settings.tls_cert or None,
        ssl_keyfile=settings.tls_key or None,
    )
    lag = LoopLagMonitor(metrics.loop_lag.observe)
    server = _draining_server(uvicorn, config, engine, settings.drain_seconds, lag.start)
    click.echo(f"gluerun {__version__} serving the Glue API at {settings.endpoint_url}")
    click.echo(f"data directory: {settings.data_dir}; store: {mask_url(database_url)}")
    click.echo(_access_line(settings, guard.open, run_as))
    # uvicorn re-raises the signal that stopped it once it has shut down; with these
    # handlers in place that re-raise is a no-op and the engine and store close cleanly.
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: None)
    try:
        server.run()
    finally:
        if engine is not None:
            engine.shutdown()
            _close_executors(executors)
        webhooks.shutdown()
        store.close()


def _draining_server(
    uvicorn: Any,
    config: Any,
    engine: Any,
    drain_seconds: float,
    on_startup: Callable[[], None],
) -> Any:
    """uvicorn's server; with an engine and a drain time, the first SIGTERM/SIGINT drains the
    engine (serving the API meanwhile) before the server stops. A second signal stops it now.
    `on_startup` runs on the server's event loop once it listens."""

    class DrainingServer(uvicorn.Server):  # type: ignore[misc]
        draining = False

        async def startup(self, sockets: Any = None) -> None:
            await super().startup(sockets=sockets)
            on_startup()

        def handle_exit(self, sig: int, frame: Any) -> None:
            if engine is None or drain_seconds <= 0 or self.draining:
                super().handle_exit(sig, frame)
                return
            self.draining = True
            click.echo(f"gluerun: draining (up to {drain_seconds:g} s): no new runs claimed")

            def drain_then_exit() -> None:
                done = engine.drain(drain_seconds)
                click.echo("gluerun: drained" if done else "gluerun: drain time up; stopping")
                super(DrainingServer, self).handle_exit(sig, frame)

            threading.Thread(target=drain_then_exit, name="gluerun-drain", daemon=True).start()

    return DrainingServer(config)


def _access_line(settings: Settings, anonymous: bool, run_as: RunAs | None) -> str:
    who = "anonymous (no credentials file)" if anonymous else "SigV4-signed requests only"
    jobs = f"; jobs run as {run_as.name}" if run_as is not None else ""
    return f"access: {who}{jobs}"


def build_executors(
    settings: Settings, run_as: RunAs | None = None
) -> dict[str, SubprocessExecutor]:
    """The executor of each job kind this node runs, by Command.Name."""
    from gluerun.executors.subprocess import SubprocessExecutor

    runtime = Path(__file__).parent / "runtime"
    # No fixed interpreter: each run gets its runtime, gluerun's own stays out of jobs' reach.
    runtimes = None if settings.python else _runtime_cache(settings)
    pythonshell = SubprocessExecutor(
        python=settings.python or sys.executable,
        runtime_path=runtime,
        cache_dir=settings.data_dir / "pymodules",
        s3_endpoint_url=settings.s3_endpoint_url or None,
        base_env=settings.job_env_vars(),
        tail_bytes=settings.log_tail_bytes,
        runtimes=runtimes,
        run_as=run_as,
    )
    spark = spark_executor(settings, runtimes, run_as)
    return {"pythonshell": pythonshell, "glueetl": spark}


def build_engine(
    settings: Settings,
    store: Stores,
    clock: Clock,
    executors: dict[str, SubprocessExecutor],
    metrics: Metrics | None = None,
    run_tokens: RunTokens | None = None,
) -> Engine:
    """This node's engine over `store`, running jobs with `executors` (by Command.Name)."""
    from gluerun.engine.config import EngineConfig
    from gluerun.engine.engine import Engine

    config = EngineConfig(
        node_id=settings.node_id or socket.gethostname(),
        runs_dir=settings.data_dir / "runs",
        max_parallel_runs=settings.max_parallel_runs,
        log_retention_days=settings.log_retention_days,
        run_retention_days=settings.run_retention_days,
        lease_seconds=settings.node_lease_seconds,
        endpoint_url=settings.endpoint_url,
        observer=metrics.observe_run if metrics is not None else None,
        run_tokens=run_tokens,
        endpoint_ca=Path(settings.tls_cert).read_text() if settings.tls_cert else "",
    )
    return Engine(store, executors, clock, config)


def _close_executors(executors: dict[str, SubprocessExecutor]) -> None:
    """Let executors end what they keep between runs (warm Spark drivers); runs go on."""
    for executor in {id(executor): executor for executor in executors.values()}.values():
        close = getattr(executor, "close", None)
        if close is not None:
            close()


def _announce_capabilities(executors: dict[str, SubprocessExecutor]) -> None:
    """Say in one line what this node runs (probing Java and Spark takes a moment: off-thread)."""
    from gluerun.executors.capabilities import summary

    def announce() -> None:
        unique = list({id(executor): executor for executor in executors.values()}.values())
        click.echo(f"gluerun: {summary([executor.capability() for executor in unique])}")

    threading.Thread(target=announce, name="gluerun-capabilities", daemon=True).start()


def spark_executor(
    settings: Settings, runtimes: RuntimeCache | None = None, run_as: RunAs | None = None
) -> SparkExecutor:
    """The glueetl executor of this node, as `settings` describe it (runs get `runtimes`)."""
    from gluerun.executors.spark import SparkExecutor

    return SparkExecutor(
        python=settings.python or sys.executable,
        runtime_path=Path(__file__).parent / "runtime",
        cache_dir=settings.data_dir / "pymodules",
        master=settings.spark_master,
        spark_home=settings.spark_home,
        spark_conf=settings.spark_conf,
        jdbc_drivers=settings.jdbc_drivers,
        s3_endpoint_url=settings.s3_endpoint_url or None,
        base_env=_spark_base_env(settings),
        tail_bytes=settings.log_tail_bytes,
        s3_connector=settings.spark_s3,
        s3_committer=settings.spark_s3_committer,
        packages=spark_packages(settings),
        runtimes=runtimes,
        run_as=run_as,
        warm_pool=warm_pool(settings),
        class_archives=class_archives(settings),
    )


def class_archives(settings: Settings) -> ClassArchives | None:
    """The node's AppCDS archives for driver JVMs (executors/class_archive.py), unless off."""
    from gluerun.executors.class_archive import ClassArchives

    where = settings.spark_class_archives
    if where == "off":
        return None
    return ClassArchives(Path(where) if where else settings.data_dir / "spark-cds")


def warm_pool(settings: Settings) -> WarmPool:
    """The node's pool of warm Spark drivers (see executors/warm_pool.py)."""
    from gluerun.executors.warm_pool import WarmPool

    return WarmPool(
        settings.data_dir / "warm-drivers",
        size=settings.warm_drivers,
        memory_mb=settings.warm_driver_memory_mb,
        idle_seconds=settings.warm_driver_idle_seconds,
        max_parallel_runs=settings.max_parallel_runs,
    )


def spark_packages(settings: Settings) -> PackageCache:
    """The node's cache of the JVM packages glueetl runs need (see executors/packages.py)."""
    from gluerun.executors.packages import PackageCache

    java_home = os.environ.get("JAVA_HOME")
    return PackageCache(
        Path(settings.spark_packages_dir or settings.data_dir / "spark-packages"),
        offline_dir=Path(settings.spark_jars_dir) if settings.spark_jars_dir else None,
        repository=settings.spark_packages_repository,
        java=str(Path(java_home) / "bin" / "java") if java_home else "java",
    )


def _runtime_cache(settings: Settings) -> RuntimeCache:
    from gluerun.runtimes.cache import RuntimeCache

    return RuntimeCache(settings.resolved_runtimes_dir, settings.runtime_python_list())


@main.command()
@click.argument("names", nargs=-1)
@click.option("--prepare", is_flag=True, help="Build the runtimes named (default: all) now.")
@click.option("--remove", is_flag=True, help="Delete the runtimes named (default: all).")
@_option("data_dir", "--data-dir", type=click.Path(path_type=Path), default=None)
@_option("runtimes_dir", "--runtimes-dir", default=None)
def runtimes(names: tuple[str, ...], prepare: bool, remove: bool, **overrides: Any) -> None:
    """List the job runtimes of this node; --prepare builds them, --remove deletes them."""
    from gluerun.runtimes import admin

    try:
        cache = _runtime_cache(load_settings(overrides=overrides))
        if prepare:
            admin.prepare(cache, names, click.echo)
        elif remove:
            admin.remove(cache, names, click.echo)
        else:
            for line in admin.table(cache):
                click.echo(line)
    except GluerunError as exc:
        click.echo(f"gluerun: {exc}", err=True)
        sys.exit(1)


def _spark_base_env(settings: Settings) -> dict[str, str]:
    """The job environment of glueetl runs: GLUERUN_JOB_ENV, plus the server's JAVA_HOME."""
    env = settings.job_env_vars()
    java_home = os.environ.get("JAVA_HOME")
    if java_home and "JAVA_HOME" not in env:
        env["JAVA_HOME"] = java_home
    return env


@main.command("spark-packages")
@_option("data_dir", "--data-dir", type=click.Path(path_type=Path), default=None)
@click.option("--datalake-formats", default="", help="Also these formats: iceberg,delta,hudi.")
@click.option("--glue-version", default="5.0", show_default=True, help="Their Glue version.")
@click.option(
    "--copy-to",
    type=click.Path(path_type=Path),
    default=None,
    help="Also copy the jars here (a GLUERUN_SPARK_JARS_DIR for nodes without Maven access).",
)
def spark_packages_command(
    datalake_formats: str, glue_version: str, copy_to: Path | None, **overrides: Any
) -> None:
    """Fetch the JVM packages of glueetl runs now (else the first run does); print the jars."""
    import shutil

    try:
        settings = load_settings(overrides=overrides)
        found = spark_executor(settings).fetch_packages(datalake_formats, glue_version)
    except GluerunError as exc:
        click.echo(f"gluerun: {exc}", err=True)
        sys.exit(1)
    for jar in found.jars:
        if copy_to is not None:
            copy_to.mkdir(parents=True, exist_ok=True)
            shutil.copy2(jar, copy_to / jar.name)
        click.echo(str(copy_to / jar.name if copy_to is not None else jar))


@main.command()
@_option("data_dir", "--data-dir", type=click.Path(path_type=Path), default=None)
@_option("database_url", "--database-url", default=None)
@click.option("--runs", "list_runs", is_flag=True, help="Also list the runs each node holds.")
def nodes(list_runs: bool, **overrides: Any) -> None:
    """List the cluster's nodes from the store: epoch, live or lost, lease, runs each owns."""
    import time

    from gluerun.cluster_report import RUNS_HEADER, format_table, node_rows, run_rows
    from gluerun.store import open_store

    try:
        settings = load_settings(overrides=overrides)
        store = open_store(settings.resolved_database_url)
    except GluerunError as exc:
        click.echo(f"gluerun: {exc}", err=True)
        sys.exit(1)
    try:
        for line in format_table(node_rows(store.nodes, store.runs, time.time())):
            click.echo(line)
        if list_runs:
            click.echo()
            for line in format_table(run_rows(store.nodes, store.runs), RUNS_HEADER):
                click.echo(line)
    finally:
        store.close()


def _endpoint_option(func: F) -> F:
    return click.option(
        "--endpoint-url",
        envvar="GLUERUN_ENDPOINT_URL",
        default=None,
        help="The gluerun server (default: http://GLUERUN_HOST:GLUERUN_PORT) "
        "[env: GLUERUN_ENDPOINT_URL]",
    )(func)


def _clients(endpoint_url: str | None) -> tuple[Any, Any]:
    from gluerun.client import clients

    settings = load_settings()
    return clients(endpoint_url or settings.endpoint_url, settings.region)


@main.command()
@click.argument("run_id")
@click.option("--follow", "-f", is_flag=True, help="Keep printing until the run ends.")
@_endpoint_option
def logs(run_id: str, follow: bool, endpoint_url: str | None) -> None:
    """Print a run's logs (stdout, then stderr and gluerun's notes); --follow tails a live run."""
    from gluerun.client import stream_logs
    from gluerun.model.logs import ERROR_GROUP

    _, logs_client = _clients(endpoint_url)
    for group, line in stream_logs(logs_client, run_id, follow):
        click.echo(line, err=group == ERROR_GROUP)


@main.command()
@click.argument("job")
@click.option("--max", "limit", default=20, show_default=True, help="How many runs to list.")
@_endpoint_option
def runs(job: str, limit: int, endpoint_url: str | None) -> None:
    """List a job's recent runs with state and duration, newest first."""
    from gluerun.client import print_table, run_rows

    glue, _ = _clients(endpoint_url)
    try:
        rows = run_rows(glue, job, limit)
    except glue.exceptions.EntityNotFoundException:
        click.echo(f"gluerun: no job named {job!r}", err=True)
        sys.exit(1)
    print_table(rows, click.echo)
