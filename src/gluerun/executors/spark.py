"""The glueetl executor: runs a job's PySpark script as the Spark driver, locally or on a cluster.

The script runs as ``python -u script args`` exactly as for pythonshell (same clean
environment, run directory, exit-status wrapper, logs, kill and reattach: see subprocess.py);
PySpark then starts the driver JVM as its child through ``spark-submit``, with the options in
``PYSPARK_SUBMIT_ARGS``: Glue's Spark-side parameters (--conf, --extra-jars, --extra-files, ...)
and the master, ``local[N]`` unless the server is given one (``--spark-master``). So the
script's traceback is on its own stderr, and killing the run's process group ends the JVM.

With runtimes (gluerun/runtimes), the driver and Python workers run on the interpreter of the
run's GlueVersion runtime, which holds Glue's provided modules but not PySpark: PySpark and
py4j come from the node's Spark itself (``$SPARK_HOME/python/lib/*.zip``, as ``bin/pyspark``
does), so the Python side always matches the JVM side.
A run whose configuration a warm driver of the pool has is handed to it instead (warm_pool.py).
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import threading
import zipfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from gluerun.errors import ExecutorError
from gluerun.executors import _lake_conf
from gluerun.executors import _spark_conf as sc
from gluerun.executors.base import LaunchRequest, RunAs
from gluerun.executors.capabilities import Capability, spark_capability
from gluerun.executors.class_archive import ClassArchives
from gluerun.executors.executions import PRIVATE_SUFFIX, LiveExecution, make_run_dir, note
from gluerun.executors.packages import (
    S3A,
    S3A_COMMITTER,
    Jars,
    PackageCache,
    PackageSet,
    datalake_sets,
)
from gluerun.executors.scripts import parse_location
from gluerun.executors.subprocess import EXTRA_PY_DIR, EXTRA_PY_FILES, SubprocessExecutor
from gluerun.executors.warm_pool import COLD_LINE, DriverSpec, WarmPool
from gluerun.runtimes.cache import RuntimeCache

#: where in a run directory fetched jars go, and event logs when no usable path is given
JARS_DIR = "jars"
EVENT_LOG_DIR = "spark-events"
#: the run's spark-submit properties no other user may read (mode 0600, removed at its end)
PRIVATE_CONF_FILE = "spark-conf" + PRIVATE_SUFFIX
#: environment variable through which the awsglue runtime learns the S3 endpoint
S3_ENDPOINT_ENV = "GLUERUN_S3_ENDPOINT_URL"
#: how PySpark is told the spark-submit options of the driver JVM it starts
SUBMIT_ARGS_ENV = "PYSPARK_SUBMIT_ARGS"
#: Glue's parameter naming the data lake formats a run uses
DATALAKE_FORMATS = "--datalake-formats"
#: the ways a run reaches s3:// (see _spark_conf.s3_confs)
S3_CONNECTORS = ("s3a", "staging")

_FIND_PYSPARK = "import os, pyspark; print(os.path.dirname(os.path.abspath(pyspark.__file__)))"
_FIND_TIMEOUT = 120.0


@dataclass
class _Staged:
    """A run's files, placed for the driver and listed for spark-submit."""

    pythonpath: list[str] = field(default_factory=list)
    extra_path: list[str] = field(default_factory=list)
    py_files: list[str] = field(default_factory=list)
    jars: list[str] = field(default_factory=list)
    files: list[str] = field(default_factory=list)


class SparkExecutor(SubprocessExecutor):
    """Runs glueetl scripts as PySpark drivers (see the module docstring)."""

    def __init__(
        self,
        python: str,
        runtime_path: Path,
        cache_dir: Path,
        master: str = "",
        spark_home: str = "",
        spark_conf: str = "",
        jdbc_drivers: str = "",
        s3_endpoint_url: str | None = None,
        base_env: Mapping[str, str] | None = None,
        tail_bytes: int = 65536,
        s3_connector: str = "s3a",
        s3_committer: str = "file",
        packages: PackageCache | None = None,
        runtimes: RuntimeCache | None = None,
        run_as: RunAs | None = None,
        warm_pool: WarmPool | None = None,
        class_archives: ClassArchives | None = None,
    ) -> None:
        """Set up the executor; nothing about Spark is looked up until the first launch.

        Args:
            python: the driver's (and local executors') interpreter, which must have pyspark,
                when `runtimes` is None; with runtimes, the one asked where pyspark is.
            runtime_path: the directory holding the ``awsglue`` package.
            cache_dir: where module installs and zips shipped to a cluster are kept.
            master: a spark-submit master URL; empty for ``local[N]``, N = the machine's cores.
            spark_home: the Spark installation; empty for the job interpreter's pyspark.
            spark_conf: Spark settings for every run, in Glue's ``--conf`` syntax.
            jdbc_drivers: driver jars every run gets; empty for Debian's (see _spark_conf).
            s3_endpoint_url: the S3 endpoint for s3:// locations, s3a and the runtime.
            base_env: environment every job gets on top of the clean defaults.
            tail_bytes: how much of the end of stderr.log is searched for the error.
            s3_connector: ``s3a`` (Hadoop's S3A, fetched as a package) or ``staging``.
            s3_committer: how Spark SQL commits writes to S3 with S3A: ``file`` (Spark's
                default, renaming into place) or ``magic`` (S3A's magic committer).
            packages: where the JVM packages runs need are found or fetched (default: a
                cache in `cache_dir`).
            runtimes: the node's runtimes; each run gets its GlueVersion's.
            warm_pool: pre-started drivers runs may be handed to (see warm_pool.py); None
                (or a pool of size 0, or `run_as` given) starts every run cold.
            class_archives: the node's AppCDS archives for driver JVMs (class_archive.py);
                None: drivers load their classes without one.

        Raises:
            ExecutorError: `python` cannot be found, `spark_conf` is malformed or
                `s3_connector` or `s3_committer` is unknown (or magic without s3a).
        """
        if s3_connector not in S3_CONNECTORS:
            raise ExecutorError(
                f"GLUERUN_SPARK_S3={s3_connector!r}: expected one of {', '.join(S3_CONNECTORS)}"
            )
        _check_committer(s3_committer, s3_connector)
        super().__init__(
            python,
            runtime_path,
            cache_dir,
            s3_endpoint_url,
            base_env,
            tail_bytes,
            runtimes=runtimes,
            run_as=run_as,
        )
        self._master = master.strip()
        self._spark_home_setting = spark_home
        self._server_confs = sc.parse_conf(spark_conf)
        self._jdbc_jars = sc.jdbc_driver_jars(jdbc_drivers)
        self._s3_endpoint_url = s3_endpoint_url
        self._s3a = s3_connector == "s3a"
        self._magic = s3_committer == "magic"
        self._packages = packages or PackageCache(cache_dir / "spark-packages")
        self._machine_cores = os.cpu_count() or 1
        self._machine_memory_mb = int(psutil.virtual_memory().total) // (1 << 20)
        self._spark_home: Path | None = None
        self._lock = threading.Lock()
        # A job user's driver could not open the server's log files: no warm drivers then.
        # Nor on a cluster: an idle driver's application would hold the cluster's executors,
        # and the runs it waits for would get none.
        usable = warm_pool is not None and warm_pool.enabled and run_as is None and self.local
        self._warm_pool = warm_pool if usable else None
        self._class_archives = class_archives

    @property
    def local(self) -> bool:
        """Whether runs use local mode (no master given, or a ``local`` one)."""
        return not self._master or sc.is_local(self._master)

    def launch(self, request: LaunchRequest) -> LiveExecution:
        """Stage the script and Glue's extra files, then start the driver (see base.py)."""
        _check_language(request.arguments)
        run_dir = make_run_dir(request.run_dir)
        spark_home = self.spark_home()
        script = self._files.fetch(parse_location(request.script_location), run_dir)
        python = self._job_python(request, run_dir)
        staged = self._stage(request, run_dir, python)
        if self._runtimes is not None:
            staged.pythonpath += _pyspark_path(spark_home)
        found = sc.resources(*_sizing(request))
        master = self._master or sc.local_master(found, self._machine_cores)
        confs = self._confs(request, run_dir, staged, found)
        self._add_packages(request, staged, confs, spark_home)
        env = self._environment(run_dir, staged.pythonpath, staged.extra_path, request.env, python)
        if self._class_archives is not None:
            self._class_archives.apply(confs, env, spark_home, python)
        submit = _submit_args(master, request.job_name, confs, staged)
        submit += self._private_confs(run_dir, env, spark_home)
        env.update(self._spark_env(spark_home, env, submit, python))
        warm = self._launch_warm(python, script, request.argv, run_dir, env)
        if warm is not None:
            return warm
        command = [python, "-u", str(script), *request.argv]
        if self._warm_pool is not None:
            note(run_dir, COLD_LINE)
        return self._start(command, run_dir, env)

    def _launch_warm(
        self,
        python: str,
        script: Path,
        argv: Sequence[str],
        run_dir: Path,
        env: Mapping[str, str],
    ) -> LiveExecution | None:
        """Hand the run to a warm driver of its configuration, if the pool has one."""
        if self._warm_pool is None:
            return None
        spec = DriverSpec.of(python, env, run_dir)
        return self._warm_pool.launch(spec, script, argv, run_dir, env, self._tail_bytes)

    def close(self) -> None:
        """End the idle warm drivers (the pool's; runs they took go on) and any class
        archive's training driver."""
        if self._warm_pool is not None:
            self._warm_pool.close()
        if self._class_archives is not None:
            self._class_archives.close()

    def fetch_packages(self, datalake_formats: str = "", glue_version: str | None = None) -> Jars:
        """Fetch (or find) the packages runs with these ``--datalake-formats`` need.

        Raises:
            ExecutorError: no Spark installation, or the packages cannot be had.
        """
        sets = ([S3A] if self._s3a else []) + ([S3A_COMMITTER] if self._magic else [])
        sets += datalake_sets(datalake_formats, glue_version)
        return self._packages.jars(sets, self.spark_home())

    # -- Spark installation ---------------------------------------------------------------

    def spark_home(self) -> Path:
        """The Spark installation runs use: the setting, else the job interpreter's pyspark.

        Raises:
            ExecutorError: there is none (pyspark not installed, no bin/spark-submit).
        """
        with self._lock:
            if self._spark_home is None:
                home = Path(self._spark_home_setting or self._find_pyspark())
                if not (home / "bin" / "spark-submit").is_file():
                    raise ExecutorError(f"No bin/spark-submit in the Spark home {home}")
                self._spark_home = home
            return self._spark_home

    def _find_pyspark(self) -> str:
        env = self._environment(Path.cwd(), [], [], {})
        env.pop("PYTHONPATH", None)
        try:
            done = subprocess.run(
                [self._python, "-c", _FIND_PYSPARK],
                env=env,
                capture_output=True,
                text=True,
                timeout=_FIND_TIMEOUT,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise ExecutorError(f"Cannot ask {self._python} for pyspark: {exc}") from exc
        if done.returncode != 0:
            raise ExecutorError(
                f"PySpark is not installed for {self._python}: install gluerun[spark] "
                "(pip install 'gluerun[spark]') or set GLUERUN_SPARK_HOME"
            )
        return done.stdout.strip()

    def capability(self) -> Capability:
        """What glueetl runs on here (Spark and Java versions), or why it cannot run."""
        try:
            home: Path | ExecutorError = self.spark_home()
        except ExecutorError as exc:
            home = exc
        return spark_capability(home, self._environment(Path.cwd(), [], [], {}))

    # -- staging ------------------------------------------------------------------------

    def _stage(self, request: LaunchRequest, run_dir: Path, python: str) -> _Staged:
        staged = _Staged(pythonpath=[str(self._runtime_path)])
        extra_py = request.arguments.get(EXTRA_PY_FILES, "")
        if extra_py.strip():
            entries = self._stage_extra_py(extra_py, run_dir)
            staged.pythonpath += entries
            staged.py_files += _shippable(entries)
        site = self._install_modules(request, run_dir, python)
        if site is not None:
            staged.pythonpath.append(str(site))
            if (site / "bin").is_dir():
                staged.extra_path.append(str(site / "bin"))
            if not self.local:
                staged.py_files.append(str(self._zip_once(site, site.with_suffix(".zip"))))
        if not self.local:
            staged.py_files.insert(0, str(self._runtime_zip()))
        staged.jars = self._stage_jars(request.arguments.get(sc.EXTRA_JARS, ""), run_dir)
        staged.jars += [jar for jar in self._jdbc_jars if jar not in staged.jars]
        staged.files = self._stage_files(request.arguments.get(sc.EXTRA_FILES, ""), run_dir)
        return staged

    def _stage_jars(self, value: str, run_dir: Path) -> list[str]:
        jars: list[str] = []
        for item in sc.split_list(value):
            location = parse_location(item, "Extra jar")
            if location.path is None:
                jars.append(str(self._files.fetch(location, run_dir / JARS_DIR, "Extra jar")))
            elif not location.path.is_file():
                raise ExecutorError(f"Extra jar not found: {item}")
            else:
                jars.append(str(location.path))
        return jars

    def _stage_files(self, value: str, run_dir: Path) -> list[str]:
        """Copy --extra-files into the driver's working directory (the run directory)."""
        return [
            str(self._files.fetch(parse_location(item, "Extra file"), run_dir, "Extra file"))
            for item in sc.split_list(value)
        ]

    def _runtime_zip(self) -> Path:
        """The awsglue runtime as a zip for --py-files, rebuilt when its sources change."""
        package = self._runtime_path / "awsglue"
        digest = hashlib.sha256()
        for path in sorted(package.rglob("*.py")):
            digest.update(str(path.relative_to(package)).encode() + b"\0" + path.read_bytes())
        return self._zip_once(
            self._runtime_path, self._cache_dir / f"awsglue-{digest.hexdigest()[:16]}.zip"
        )

    def _zip_once(self, source: Path, target: Path) -> Path:
        """Zip the .py-bearing tree `source` into `target` unless that was done already."""
        if target.is_file():
            return target
        partial = target.with_name(f"{target.name}.{os.getpid()}.{threading.get_ident()}.part")
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
            with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
                for path in sorted(source.rglob("*")):
                    if path.is_file() and "__pycache__" not in path.parts:
                        archive.write(path, path.relative_to(source))
            if self._run_as is not None:
                self._run_as.hand_over(partial)  # job processes read it
            partial.replace(target)
        except OSError as exc:
            raise ExecutorError(f"Cannot build {target}: {exc}") from exc
        finally:
            partial.unlink(missing_ok=True)
        return target

    # -- configuration ------------------------------------------------------------------

    def _confs(
        self, request: LaunchRequest, run_dir: Path, staged: _Staged, found: sc.Resources | None
    ) -> dict[str, str]:
        """Every --conf of the run, lowest precedence first (see _spark_conf)."""
        job_confs = sc.parse_conf(request.arguments.get(sc.CONF, ""))
        user = dict([*self._server_confs, *job_confs])
        # spark-submit's --jars/--py-files/--files replace these confs: merge them instead.
        staged.jars += sc.split_list(user.pop("spark.jars", ""))
        staged.py_files += sc.split_list(user.pop("spark.submit.pyFiles", ""))
        staged.files += sc.split_list(user.pop("spark.files", ""))
        s3a = self._s3a or sc.has_hadoop_aws(staged.jars)
        s3 = sc.s3_confs(self._s3_endpoint_url, s3a)
        events = run_dir / EVENT_LOG_DIR
        ui = sc.ui_confs(request.arguments, str(events), s3a)
        _make_event_dir(ui.get("spark.eventLog.dir", ""))
        confs = dict(sc.TUNING)
        confs.update(sc.sizing_confs(found, self.local, self._machine_memory_mb))
        confs.update(s3)
        confs.update(sc.MAGIC_COMMITTER if self._magic else {})
        confs.update(ui)
        confs.update(sc.user_jars_first(request.arguments))
        confs.update(user)
        region = request.env.get("AWS_REGION") or request.env.get("AWS_DEFAULT_REGION")
        confs.update(
            _lake_conf.iceberg_confs(
                confs,
                request.env.get("GLUERUN_ENDPOINT_URL", ""),
                self._s3_endpoint_url,
                region or "us-east-1",
            )
        )
        return confs

    # -- JVM packages -------------------------------------------------------------------

    def _package_sets(self, request: LaunchRequest, staged: _Staged) -> list[PackageSet]:
        """S3A (unless staging, or the job brings hadoop-aws) and --datalake-formats."""
        sets = [S3A] if self._s3a and not sc.has_hadoop_aws(staged.jars) else []
        sets += [S3A_COMMITTER] if self._magic else []
        formats = request.arguments.get(DATALAKE_FORMATS, "")
        return sets + datalake_sets(formats, request.glue_version)

    def _add_packages(
        self, request: LaunchRequest, staged: _Staged, confs: dict[str, str], spark_home: Path
    ) -> None:
        """Put the run's package jars where its driver and executors load them.

        Locally the driver JVM is the only one: its class path takes the jars as they lie in
        the cache (``--jars`` would copy every jar into each run's temporary directory). A
        cluster's executors get them from the driver with ``--jars``.
        """
        sets = self._package_sets(request, staged)
        if not sets:
            return
        found: Jars = self._packages.jars(sets, spark_home)
        jars = [str(jar) for jar in found.jars]
        staged.pythonpath += [str(jar) for jar in found.python]
        if self.local:
            key = "spark.driver.extraClassPath"
            confs[key] = os.pathsep.join([*jars, *([confs[key]] if confs.get(key) else [])])
        else:
            staged.jars += jars
            staged.py_files += [str(jar) for jar in found.python]

    def _private_confs(self, run_dir: Path, env: Mapping[str, str], spark_home: Path) -> list[str]:
        """``--properties-file`` with the confs no other user may read (see `_spark_conf`).

        On a cluster, executors get the run's credentials as ``spark.executorEnv.*``. A
        ``--conf`` would put them on the driver's command lines, which every user of the node
        can read: they go into a file only the job's user reads (Spark's UI and event logs
        redact them by name). Local runs need none: their executors are the driver's JVM.
        """
        private = {} if self.local else sc.executor_env_confs(env)
        if not private:
            return []
        conf_dir = Path(env.get("SPARK_CONF_DIR") or spark_home / "conf")
        defaults = conf_dir / "spark-defaults.conf"
        path = run_dir / PRIVATE_CONF_FILE
        try:
            text = defaults.read_text(encoding="utf-8") if defaults.is_file() else ""
            path.unlink(missing_ok=True)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                out.write(sc.properties_file(text, private))
        except OSError as exc:
            raise ExecutorError(f"Cannot write the run's Spark properties {path}: {exc}") from exc
        return ["--properties-file", str(path)]

    def _spark_env(
        self, spark_home: Path, env: Mapping[str, str], submit: list[str], python: str
    ) -> dict[str, str]:
        """What the driver needs: where Spark is and the spark-submit options of its JVM."""
        extra = {
            "SPARK_HOME": str(spark_home),
            SUBMIT_ARGS_ENV: shlex.join([*submit, "pyspark-shell"]),
            "PYSPARK_PYTHON": env.get("PYSPARK_PYTHON", python),
        }
        if self.local:
            extra["SPARK_LOCAL_IP"] = env.get("SPARK_LOCAL_IP", "127.0.0.1")
        if self._s3_endpoint_url:
            extra[S3_ENDPOINT_ENV] = self._s3_endpoint_url
        return extra


def _pyspark_path(spark_home: Path) -> list[str]:
    """PySpark and py4j as the Spark installation ships them for its Python processes."""
    lib = spark_home / "python" / "lib"
    zips = sorted(str(path) for path in lib.glob("py4j-*.zip"))
    if not (lib / "pyspark.zip").is_file() or not zips:
        raise ExecutorError(f"No pyspark.zip and py4j zip in {lib}: not a usable Spark home")
    return [str(lib / "pyspark.zip"), zips[-1]]


def _submit_args(master: str, name: str, confs: Mapping[str, str], staged: _Staged) -> list[str]:
    """The spark-submit options of a run's driver JVM."""
    submit = ["--master", master, "--name", name]
    for key, value in confs.items():
        submit += ["--conf", f"{key}={value}"]
    for option, items in (
        ("--jars", staged.jars),
        ("--py-files", staged.py_files),
        ("--files", staged.files),
    ):
        if items:
            submit += [option, ",".join(items)]
    return submit


def _check_committer(committer: str, connector: str) -> None:
    if committer not in sc.S3_COMMITTERS:
        raise ExecutorError(
            f"GLUERUN_SPARK_S3_COMMITTER={committer!r}: expected one of "
            f"{', '.join(sc.S3_COMMITTERS)}"
        )
    if committer == "magic" and connector != "s3a":
        raise ExecutorError("GLUERUN_SPARK_S3_COMMITTER=magic needs GLUERUN_SPARK_S3=s3a")


def _check_language(arguments: Mapping[str, str]) -> None:
    language = arguments.get(sc.JOB_LANGUAGE, "python").strip().lower() or "python"
    if language == "scala":
        raise ExecutorError(
            "Scala jobs (--job-language scala) are not supported by gluerun: "
            "glueetl runs Python scripts only"
        )
    if language != "python":
        raise ExecutorError(f"Unknown --job-language {language!r}: expected python")


def _sizing(request: LaunchRequest) -> tuple[str | None, int | None, float | None]:
    """The run's WorkerType, NumberOfWorkers and MaxCapacity."""
    return request.worker_type, request.number_of_workers, request.max_capacity


def _shippable(entries: Iterable[str]) -> list[str]:
    """The files among PYTHONPATH `entries` that spark-submit can ship to executors."""
    files: list[str] = []
    for entry in entries:
        path = Path(entry)
        if path.is_dir() and path.name == EXTRA_PY_DIR:
            files += sorted(str(p) for p in path.glob("*.py"))
        elif path.is_file():
            files.append(entry)
    return files


def _make_event_dir(path: str) -> None:
    """Create a local event-log directory; Spark refuses to start without it."""
    if not path or ("://" in path and not path.startswith("file://")):
        return
    local = Path(path[len("file://") :] if path.startswith("file://") else path)
    try:
        local.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExecutorError(f"Cannot create the Spark event-log directory {local}: {exc}") from exc
