"""What this node can run, said once at start-up: each job kind, what it runs on, or why not.

A glueetl run needs PySpark and a Java runtime; without the check, the first glueetl run would
be the one to discover that either is missing. The probe asks the same interpreter and Java the
executors use, so what it says is what a run will get.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from gluerun.errors import ExecutorError

#: the Java releases Spark 3.5 supports
SPARK_JAVA = (8, 11, 17)
_JAVA_VERSION = re.compile(r'version "(?P<version>[^"]+)"')
_SPARK_CORE = re.compile(r"spark-core_[\d.]+-(?P<version>[\w.\-]+)\.jar$")
_PROBE_TIMEOUT = 60.0
_JAVA_HINT = (
    "install Java 17 (Debian/Ubuntu: apt-get install openjdk-17-jre-headless; "
    "macOS: brew install openjdk@17) or set JAVA_HOME"
)


@dataclass(frozen=True)
class Capability:
    """One job kind on this node: whether it can run, and on what (or why not)."""

    kind: str
    available: bool
    detail: str

    def __str__(self) -> str:
        if self.available:
            return f"{self.kind} ({self.detail})"
        return f"{self.kind} unavailable: {self.detail}"


def python_capability(python: str) -> Capability:
    """pythonshell: the job interpreter's version."""
    try:
        done = subprocess.run(
            [python, "-c", "import platform; print(platform.python_version())"],
            capture_output=True,
            text=True,
            timeout=_PROBE_TIMEOUT,
            check=True,
        )
    except (OSError, subprocess.SubprocessError) as exc:
        return Capability("pythonshell", False, f"cannot run {python}: {exc}")
    return Capability("pythonshell", True, f"Python {done.stdout.strip()}")


def spark_capability(spark_home: Path | ExecutorError, env: Mapping[str, str]) -> Capability:
    """glueetl: Spark's version from its jars and the Java the driver will start with."""
    if isinstance(spark_home, ExecutorError):
        return Capability("glueetl", False, str(spark_home))
    spark = spark_version(spark_home)
    java = find_java(env)
    if java is None:
        return Capability("glueetl", False, f"no Java found: {_JAVA_HINT}")
    version = java_version(java)
    if version is None:
        return Capability("glueetl", False, f"{java} does not start: {_JAVA_HINT}")
    detail = f"Spark {spark}, Java {version}"
    if java_major(version) not in SPARK_JAVA:
        supported = ", ".join(map(str, SPARK_JAVA))
        detail += f"; Spark 3.5 supports Java {supported} only"
    return Capability("glueetl", True, detail)


def summary(capabilities: list[Capability]) -> str:
    """The one start-up line: ``this node runs pythonshell (...); glueetl (...)``."""
    return "this node runs " + "; ".join(map(str, capabilities))


def spark_version(spark_home: Path) -> str:
    """The version in the name of Spark's core jar (pip's pyspark and Spark's tarball alike)."""
    for jar in sorted((spark_home / "jars").glob("spark-core_*.jar")):
        match = _SPARK_CORE.search(jar.name)
        if match:
            return match.group("version")
    return "of unknown version"


def find_java(env: Mapping[str, str]) -> str | None:
    """The java spark-submit starts: $JAVA_HOME/bin/java, else java on the job's PATH."""
    java_home = env.get("JAVA_HOME")
    if java_home:
        candidate = Path(java_home) / "bin" / "java"
        return str(candidate) if candidate.is_file() else None
    return shutil.which("java", path=env.get("PATH"))


def java_version(java: str) -> str | None:
    """What ``java -version`` says its version is (it prints to stderr), or None."""
    try:
        done = subprocess.run(
            [java, "-version"], capture_output=True, text=True, timeout=_PROBE_TIMEOUT, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    match = _JAVA_VERSION.search(done.stderr + done.stdout)
    return match.group("version") if match else None


def java_major(version: str) -> int:
    """17 for "17.0.15", 8 for "1.8.0_392"."""
    parts = version.split(".")
    head = parts[1] if parts[0] == "1" and len(parts) > 1 else parts[0]
    digits = re.match(r"\d+", head)
    return int(digits.group()) if digits else 0
