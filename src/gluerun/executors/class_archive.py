"""AppCDS for glueetl drivers: an archive of the classes a Spark driver JVM loads, per node.

A cold driver JVM spends seconds loading and verifying Spark's classes. Java's class-data
sharing maps them from an archive instead (measured in docs/spark.md). The archive depends on
the JVM, the Spark installation and the driver's class path, so it is kept per *key* of
those, under the node's data directory. The first run of a key starts a training driver in
the background (``-XX:ArchiveClassesAtExit``, a SparkSession and one small query, local
master), which writes the archive under a temporary name; it is renamed into place only once
that JVM ended cleanly, because a truncated archive crashes the JVM that maps it. Runs of
the key use it (``-XX:SharedArchiveFile``) once it is there. A missing archive means no
option; a stale one (a JVM that no longer matches it) is refused by the JVM, which then
starts without it, quietly: CDS logging is off, so nothing of it reaches the run's logs.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import threading
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from gluerun.executors.capabilities import find_java

#: the conf that carries the driver JVM's options
JAVA_OPTIONS = "spark.driver.extraJavaOptions"
CLASS_PATH = "spark.driver.extraClassPath"
#: what an archive is called in the directory (``<key>.jsa``) and its training log
SUFFIX = ".jsa"
#: a run whose own JVM options mention any of these decides about CDS itself
_OWN_CHOICE = ("-Xshare", "SharedArchiveFile", "ArchiveClassesAtExit")
#: the JVM's CDS messages (a refused archive, classes it cannot archive) off: not the run's news
QUIET = "-Xlog:cds=off -Xlog:cds+dynamic=off"
#: the options a run's driver is given, as `without_archive` finds them
_ADDED = re.compile(r"\s*-XX:SharedArchiveFile=\S+ " + re.escape(QUIET))
#: how a dynamic archive starts (HotSpot's magic, little-endian): a whole one was written
MAGIC = bytes.fromhex("a8ab0bf0")
#: how long a training driver may take before it is given up (a build is retried later)
TRAIN_TIMEOUT = 600.0

#: the training driver, run by the job interpreter: a session, a query like a trivial job's,
#: then the JVM told to end (stdin closed) and waited for, so that its archive is complete
TRAINER = """
from pyspark import SparkContext
from pyspark.sql import SparkSession
spark = SparkSession.builder.getOrCreate()
frame = spark.createDataFrame([(i, str(i)) for i in range(100)], ["id", "s"])
frame.groupBy("s").count().collect()
spark.stop()
proc = SparkContext._gateway.proc
proc.stdin.close()
raise SystemExit(proc.wait())
"""


def without_archive(submit_word: str) -> str:
    """A spark-submit word without the options `ClassArchives.apply` adds to the driver's.

    Whether a driver JVM maps an archive changes how fast it started, nothing it does: a
    warm driver started before its node's archive was built serves runs given one.
    """
    if not submit_word.startswith(JAVA_OPTIONS + "="):
        return submit_word
    return _ADDED.sub("", submit_word)


def archive_key(env: Mapping[str, str], spark_home: Path, class_path: str) -> str | None:
    """What an archive is valid for: the java binary, the Spark jars and the class path.

    None when there is no java to name (the run will fail its own way).
    """
    java = find_java(env)
    if java is None:
        return None
    try:
        real = os.path.realpath(java)
        binary = os.stat(real)
        jars = os.stat(spark_home / "jars")
    except OSError:
        return None
    parts = [real, binary.st_size, binary.st_mtime_ns, str(spark_home), jars.st_mtime_ns]
    text = "\0".join(str(part) for part in [*parts, class_path])
    return hashlib.sha256(text.encode()).hexdigest()[:24]


class ClassArchives:
    """The node's class archives: which option a run gets, and their background builds."""

    def __init__(self, directory: Path) -> None:
        self._directory = directory
        self._lock = threading.Lock()
        #: keys being built, or whose build failed (not retried until the server restarts)
        self._tried: set[str] = set()
        #: training drivers running now, ended by `close`
        self._training: set[subprocess.Popen[bytes]] = set()
        self._closed = False

    def path(self, key: str) -> Path:
        return self._directory / f"{key}{SUFFIX}"

    def apply(
        self, confs: dict[str, str], env: Mapping[str, str], spark_home: Path, python: str
    ) -> None:
        """Give the driver the archive of its key, or start building it; `confs` is updated.

        A run whose JVM options choose about CDS themselves is left alone.
        """
        options = confs.get(JAVA_OPTIONS, "")
        if any(choice in options for choice in _OWN_CHOICE):
            return
        class_path = confs.get(CLASS_PATH, "")
        key = archive_key(env, spark_home, class_path)
        if key is None:
            return
        archive = self.path(key)
        if archive.is_file():
            confs[JAVA_OPTIONS] = f"{options} -XX:SharedArchiveFile={archive} {QUIET}".strip()
            return
        with self._lock:
            if key in self._tried or self._closed:
                return
            self._tried.add(key)
        threading.Thread(
            target=self._build,
            args=(key, python, dict(env), spark_home, (options, class_path)),
            name="gluerun-class-archive",
            daemon=True,
        ).start()

    def _build(
        self,
        key: str,
        python: str,
        env: dict[str, str],
        spark_home: Path,
        jvm: tuple[str, str],
    ) -> bool:
        """Run the training driver (`jvm`: the run's JVM options and class path); True
        once the archive is in place."""
        archive = self.path(key)
        partial = archive.with_name(f"{archive.name}.{secrets.token_hex(4)}.part")
        work = self._directory / f"train-{key}-{secrets.token_hex(4)}"
        try:
            work.mkdir(parents=True, mode=0o700)
            env.pop("GLUERUN_RUN_TOKEN", None)
            env.update(_trainer_env(work, spark_home, python, jvm, partial))
            with (self._directory / f"{key}.log").open("wb") as log:
                returncode = self._train([python, "-c", TRAINER], work, env, log)
            if returncode != 0 or not _whole(partial):
                return False
            partial.chmod(0o644)  # job users (--run-as) map it too; it holds Spark's classes
            partial.replace(archive)
            return True
        except (OSError, subprocess.SubprocessError):
            return False
        finally:
            partial.unlink(missing_ok=True)
            shutil.rmtree(work, ignore_errors=True)

    def _train(self, argv: list[str], work: Path, env: dict[str, str], log: IO[bytes]) -> int:
        """Run a training driver to its end (or `close`, or TRAIN_TIMEOUT): its exit status."""
        with self._lock:
            if self._closed:
                return -1
            # its own session, so that ending it ends its JVM too
            proc = subprocess.Popen(
                argv,
                cwd=work,
                env=env,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            self._training.add(proc)
        try:
            return proc.wait(TRAIN_TIMEOUT)
        except subprocess.TimeoutExpired:
            _end(proc)
            return -1
        finally:
            with self._lock:
                self._training.discard(proc)

    def close(self) -> None:
        """End the training drivers still running (the server is stopping); start no more.

        An archive left unbuilt is built by the first run of its key after the next start.
        """
        with self._lock:
            self._closed = True
            training = list(self._training)
        for proc in training:
            _end(proc)


def _end(proc: subprocess.Popen[bytes]) -> None:
    """Terminate a training driver's process group, and wait for it."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def _whole(archive: Path) -> bool:
    """Whether `archive` was written (the JVM ended cleanly, so completely)."""
    try:
        with archive.open("rb") as data:
            return data.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _trainer_env(
    work: Path, spark_home: Path, python: str, jvm: tuple[str, str], partial: Path
) -> dict[str, str]:
    """What the training driver adds to the run's environment: its own directory, a local
    master, the class path of the key, and the option that writes the archive."""
    options, class_path = jvm
    java = f"{options} -XX:ArchiveClassesAtExit={partial} {QUIET}".strip()
    submit = ["--master", "local[1]", "--name", "gluerun-class-archive"]
    submit += ["--conf", "spark.ui.enabled=false", "--conf", "spark.ui.showConsoleProgress=false"]
    submit += ["--conf", f"{JAVA_OPTIONS}={java}"]
    if class_path:
        submit += ["--conf", f"{CLASS_PATH}={class_path}"]
    return {
        "HOME": str(work),
        "SPARK_HOME": str(spark_home),
        "SPARK_LOCAL_IP": "127.0.0.1",
        "PYSPARK_PYTHON": python,
        "PYSPARK_SUBMIT_ARGS": shlex.join([*submit, "pyspark-shell"]),
    }
