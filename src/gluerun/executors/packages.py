"""The JVM packages glueetl runs need (hadoop-aws for S3A, Glue's data lake formats), per node.

A package set is a fixed list of Maven coordinates: the whole closure, resolved without
transitive dependencies, so what a run gets never drifts and an offline directory can be
checked jar by jar. A set is fetched once per node, with the Ivy that ships inside PySpark,
into ``<packages dir>/<set>-<hash>/``: Ivy writes into a private temporary directory that is
renamed into place when complete, under a file lock, so concurrent runs (or servers sharing
the directory) download a set once and never see half of it. Later runs only look the
directory up. An operator-given directory of jars replaces fetching (air-gapped nodes).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from gluerun.errors import ExecutorError

#: where packages come from unless a setting says otherwise
MAVEN_CENTRAL = "https://repo1.maven.org/maven2/"
#: Ivy may take this long to fetch a set (the AWS SDK bundle alone is 280 MB)
FETCH_TIMEOUT = 1800.0
_LOCK_FILE = ".lock"
_IVY_LOG = "ivy.log"


@dataclass(frozen=True)
class Coordinate:
    """One Maven artifact: ``group:artifact:version``."""

    group: str
    artifact: str
    version: str
    #: the jar also carries Python modules (delta-spark's ``delta``): it goes on PYTHONPATH
    python: bool = False

    @property
    def file_name(self) -> str:
        return f"{self.artifact}-{self.version}.jar"

    def __str__(self) -> str:
        return f"{self.group}:{self.artifact}:{self.version}"


@dataclass(frozen=True)
class PackageSet:
    """Jars that together provide one feature (S3A, Iceberg, ...)."""

    name: str
    coordinates: tuple[Coordinate, ...]

    @property
    def key(self) -> str:
        """The set's directory name: its name and a digest of its coordinates."""
        digest = hashlib.sha256(",".join(map(str, self.coordinates)).encode()).hexdigest()
        return f"{self.name}-{digest[:12]}"


@dataclass(frozen=True)
class Jars:
    """A run's package jars, and those of them that also carry Python modules."""

    jars: tuple[Path, ...] = ()
    python: tuple[Path, ...] = ()


#: Hadoop's S3A for PySpark 3.5's Hadoop client 3.3.4, with the SDK it was built against
S3A = PackageSet(
    "s3a",
    (
        Coordinate("org.apache.hadoop", "hadoop-aws", "3.3.4"),
        Coordinate("com.amazonaws", "aws-java-sdk-bundle", "1.12.262"),
        Coordinate("org.wildfly.openssl", "wildfly-openssl", "1.0.7.Final"),
    ),
)


#: Spark's bindings of Hadoop's PathOutputCommitters (S3A's magic committer) for Spark SQL; no
#: 3.5.9 was published, and these two classes are the same throughout 3.5
S3A_COMMITTER = PackageSet(
    "s3a-committer", (Coordinate("org.apache.spark", "spark-hadoop-cloud_2.12", "3.5.8"),)
)


def _iceberg(version: str) -> PackageSet:
    return PackageSet(
        "iceberg",
        (
            Coordinate("org.apache.iceberg", "iceberg-spark-runtime-3.5_2.12", version),
            Coordinate("org.apache.iceberg", "iceberg-aws-bundle", version),
        ),
    )


def _delta(version: str) -> PackageSet:
    return PackageSet(
        "delta",
        (
            Coordinate("io.delta", "delta-spark_2.12", version, python=True),
            Coordinate("io.delta", "delta-storage", version),
        ),
    )


def _hudi(version: str) -> PackageSet:
    return PackageSet(
        "hudi", (Coordinate("org.apache.hudi", "hudi-spark3.5-bundle_2.12", version),)
    )


#: ``--datalake-formats`` per GlueVersion: Glue 5.0's own versions; for 4.0 (Iceberg 1.0.0,
#: Delta 2.1.0, Hudi 0.12.1, none built for Spark 3.5) the nearest releases that are
DATALAKE_FORMATS: Mapping[str, Mapping[str, PackageSet]] = {
    "4.0": {"iceberg": _iceberg("1.4.3"), "delta": _delta("3.0.0"), "hudi": _hudi("0.15.0")},
    "5.0": {"iceberg": _iceberg("1.7.1"), "delta": _delta("3.3.0"), "hudi": _hudi("0.15.0")},
}
#: the table other GlueVersions (none given, 3.0, 5.1...) get: gluerun runs Spark 3.5
DEFAULT_GLUE_VERSION = "5.0"


def datalake_sets(value: str, glue_version: str | None) -> list[PackageSet]:
    """The package sets of a ``--datalake-formats`` value (comma-separated formats).

    Raises:
        ExecutorError: a format is not iceberg, delta or hudi.
    """
    table = DATALAKE_FORMATS.get(glue_version or "", DATALAKE_FORMATS[DEFAULT_GLUE_VERSION])
    sets: list[PackageSet] = []
    for item in value.split(","):
        name = item.strip().lower()
        if not name:
            continue
        if name not in table:
            raise ExecutorError(
                f"--datalake-formats: unknown format {item.strip()!r}; "
                f"expected a comma-separated list of {', '.join(table)}"
            )
        if table[name] not in sets:
            sets.append(table[name])
    return sets


class PackageCache:
    """Finds or fetches package sets (see the module docstring). Thread- and process-safe."""

    def __init__(
        self,
        directory: Path,
        offline_dir: Path | None = None,
        repository: str = MAVEN_CENTRAL,
        java: str = "java",
    ) -> None:
        """Set up the cache; nothing is read or fetched until `jars` is called.

        Args:
            directory: where fetched sets are kept (created on the first fetch).
            offline_dir: a directory of jars that replaces fetching altogether.
            repository: the Maven repository sets are fetched from (after ``~/.m2``).
            java: the ``java`` that runs Ivy.
        """
        self.directory = directory
        self.offline_dir = offline_dir
        self.repository = repository or MAVEN_CENTRAL
        self.java = java

    def jars(self, sets: Sequence[PackageSet], spark_home: Path) -> Jars:
        """The jars of `sets`, fetching those not on this node yet with `spark_home`'s Ivy.

        Raises:
            ExecutorError: a set is neither in the offline directory nor fetchable.
        """
        jars: list[Path] = []
        python: list[Path] = []
        for package_set in sets:
            found = self._jars_of(package_set, spark_home)
            for coordinate, jar in zip(package_set.coordinates, found, strict=True):
                jars.append(jar)
                if coordinate.python:
                    python.append(jar)
        return Jars(tuple(jars), tuple(python))

    def _jars_of(self, package_set: PackageSet, spark_home: Path) -> list[Path]:
        if self.offline_dir is not None:
            return _offline_jars(package_set, self.offline_dir)
        target = self.directory / package_set.key
        jars = [target / coordinate.file_name for coordinate in package_set.coordinates]
        if not all(jar.is_file() for jar in jars):
            with _locked(self.directory):
                if not all(jar.is_file() for jar in jars):
                    self._fetch(package_set, target, ivy_jar(spark_home))
        return jars

    def _fetch(self, package_set: PackageSet, target: Path, ivy_jar: Path) -> None:
        """Fetch `package_set` with Ivy into a private directory, then rename it to `target`.

        Runs under the lock: no other fetch is going, so what earlier fetches left behind
        (killed half-way) and a damaged `target` (a jar deleted by hand) are removed first.
        """
        for stale in [*self.directory.glob(".fetch-*"), target]:
            shutil.rmtree(stale, ignore_errors=True)
        work = self.directory / f".fetch-{package_set.key}-{os.getpid()}"
        try:
            work.mkdir(parents=True)
            self._run_ivy(package_set, work, ivy_jar)
            jars = work / "jars"
            coordinates = package_set.coordinates
            missing = [str(c) for c in coordinates if not (jars / c.file_name).is_file()]
            if missing:
                raise ExecutorError(self._failure(package_set, f"Ivy fetched no jar for {missing}"))
            jars.rename(target)
        except OSError as exc:
            raise ExecutorError(self._failure(package_set, str(exc))) from exc
        finally:
            shutil.rmtree(work, ignore_errors=True)

    def _run_ivy(self, package_set: PackageSet, work: Path, ivy_jar: Path) -> None:
        (work / "ivysettings.xml").write_text(_ivy_settings(self.repository))
        (work / "ivy.xml").write_text(_ivy_module(package_set))
        command = [
            self.java,
            f"-Divy.default.ivy.user.dir={work / 'home'}",
            "-jar",
            str(ivy_jar),
            "-settings",
            str(work / "ivysettings.xml"),
            "-ivy",
            str(work / "ivy.xml"),
            "-cache",
            str(work / "cache"),
            "-confs",
            "default",
            "-retrieve",
            str(work / "jars" / "[artifact]-[revision](-[classifier]).[ext]"),
        ]
        with (work / _IVY_LOG).open("wb") as log:
            try:
                done = subprocess.run(
                    command,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    timeout=FETCH_TIMEOUT,
                    check=False,
                )
            except subprocess.TimeoutExpired as exc:
                raise ExecutorError(self._failure(package_set, f"timed out: {exc}")) from exc
        if done.returncode != 0:
            raise ExecutorError(self._failure(package_set, _ivy_error(work / _IVY_LOG)))

    def _failure(self, package_set: PackageSet, reason: str) -> str:
        coordinates = ", ".join(map(str, package_set.coordinates))
        return (
            f"Cannot fetch the JVM packages for {package_set.name} ({coordinates}) from "
            f"{self.repository}: {reason}. On a node without access to a Maven repository, "
            "put these jars in a directory and set GLUERUN_SPARK_JARS_DIR to it "
            "(gluerun spark-packages --copy-to DIR makes one on a connected node)"
        )


def ivy_jar(spark_home: Path) -> Path:
    """The Ivy jar inside a Spark installation (Spark resolves its own packages with it).

    Raises:
        ExecutorError: there is none.
    """
    found = sorted((spark_home / "jars").glob("ivy-*.jar"))
    if not found:
        raise ExecutorError(f"No Ivy jar (jars/ivy-*.jar) in the Spark home {spark_home}")
    return found[-1]


def _offline_jars(package_set: PackageSet, directory: Path) -> list[Path]:
    """The set's jars in an operator's directory: ``artifact-version.jar``, or Spark's
    ``group_artifact-version.jar`` naming."""
    found: list[Path] = []
    missing: list[str] = []
    for coordinate in package_set.coordinates:
        names = (coordinate.file_name, f"{coordinate.group}_{coordinate.file_name}")
        jar = next((directory / n for n in names if (directory / n).is_file()), None)
        if jar is None:
            missing.append(f"{coordinate.file_name} ({coordinate})")
        else:
            found.append(jar)
    if missing:
        raise ExecutorError(
            f"GLUERUN_SPARK_JARS_DIR ({directory}) lacks the jars {package_set.name} needs: "
            + ", ".join(missing)
        )
    return found


@contextmanager
def _locked(directory: Path) -> Iterator[None]:
    """Hold the packages directory's lock: one fetch at a time on this node."""
    try:
        directory.mkdir(parents=True, exist_ok=True)
        handle = (directory / _LOCK_FILE).open("a")
    except OSError as exc:
        raise ExecutorError(f"Cannot use the Spark packages directory {directory}: {exc}") from exc
    with handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _ivy_settings(repository: str) -> str:
    """Ivy resolvers as Spark's own: the local Maven repository first, then `repository`."""
    local = (Path.home() / ".m2" / "repository").as_uri()
    return (
        "<ivysettings>\n"
        '  <settings defaultResolver="chain"/>\n'
        "  <resolvers>\n"
        '    <chain name="chain" returnFirst="true">\n'
        f'      <ibiblio name="local-m2" m2compatible="true" root={quoteattr(local)}/>\n'
        f'      <ibiblio name="remote" m2compatible="true" root={quoteattr(repository)}/>\n'
        "    </chain>\n"
        "  </resolvers>\n"
        "</ivysettings>\n"
    )


def _ivy_module(package_set: PackageSet) -> str:
    """An Ivy module asking for exactly the set's jars (``master``: no dependencies)."""
    lines = [
        '<ivy-module version="2.0">',
        f'  <info organisation="gluerun" module={quoteattr("packages-" + package_set.name)}/>',
        "  <dependencies>",
    ]
    for c in package_set.coordinates:
        lines.append(
            f"    <dependency org={quoteattr(c.group)} name={quoteattr(c.artifact)} "
            f'rev={quoteattr(c.version)} transitive="false" conf="default->master"/>'
        )
    lines += ["  </dependencies>", "</ivy-module>", ""]
    return "\n".join(lines)


def _ivy_error(log: Path) -> str:
    """The telling lines of a failed Ivy run (its progress dots left out)."""
    try:
        text = log.read_text(errors="replace")
    except OSError:
        return "Ivy failed"
    lines = [line.strip() for line in text.splitlines() if line.strip().strip(".")]
    telling = [
        line
        for line in lines
        if any(word in line for word in ("::", "ERROR", "WARN", "Exception", "not found"))
    ]
    return " | ".join((telling or lines or ["Ivy failed"])[-6:])
