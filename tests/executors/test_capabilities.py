"""What a node says it can run: the real interpreter and Java, and each way of not having them."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from gluerun.errors import ExecutorError
from gluerun.executors.capabilities import (
    Capability,
    find_java,
    java_major,
    python_capability,
    spark_capability,
    spark_version,
    summary,
)


def spark_home(tmp_path: Path, version: str = "3.5.9") -> Path:
    (tmp_path / "jars").mkdir(parents=True)
    (tmp_path / "jars" / f"spark-core_2.12-{version}.jar").write_bytes(b"")
    return tmp_path


def test_pythonshell_reports_the_interpreter_version() -> None:
    found = python_capability(sys.executable)
    expected = ".".join(map(str, sys.version_info[:3]))
    assert found == Capability("pythonshell", True, f"Python {expected}")


def test_a_missing_interpreter_is_reported_not_raised(tmp_path: Path) -> None:
    found = python_capability(str(tmp_path / "no-python"))
    assert not found.available
    assert "cannot run" in found.detail


@pytest.mark.skipif(shutil.which("java") is None, reason="no java on PATH")
def test_glueetl_reports_spark_and_the_java_on_the_path(tmp_path: Path) -> None:
    found = spark_capability(spark_home(tmp_path), {"PATH": "/usr/local/bin:/usr/bin:/bin"})
    assert found.available
    assert found.detail.startswith("Spark 3.5.9, Java ")


def test_without_java_glueetl_says_how_to_get_it(tmp_path: Path) -> None:
    found = spark_capability(spark_home(tmp_path), {"PATH": str(tmp_path)})
    assert not found.available
    assert "no Java found" in found.detail
    assert "openjdk-17" in found.detail
    assert str(found).startswith("glueetl unavailable: no Java found")


def test_a_java_home_without_java_is_no_java(tmp_path: Path) -> None:
    assert find_java({"JAVA_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}) is None


def test_a_java_that_does_not_start_is_reported(tmp_path: Path) -> None:
    java = tmp_path / "bin" / "java"
    java.parent.mkdir()
    java.write_text("#!/bin/sh\nexit 1\n")
    java.chmod(0o755)
    found = spark_capability(spark_home(tmp_path / "spark"), {"JAVA_HOME": str(tmp_path)})
    assert not found.available
    assert "does not start" in found.detail


def test_without_pyspark_glueetl_carries_the_executors_reason() -> None:
    reason = ExecutorError("PySpark is not installed for python3: install gluerun[spark]")
    found = spark_capability(reason, {})
    assert found == Capability("glueetl", False, str(reason))


@pytest.mark.parametrize(
    ("version", "major"), [("17.0.15", 17), ("1.8.0_392", 8), ("11", 11), ("21-ea", 21)]
)
def test_java_major_versions(version: str, major: int) -> None:
    assert java_major(version) == major


def test_spark_version_from_the_core_jar(tmp_path: Path) -> None:
    assert spark_version(spark_home(tmp_path, "3.5.1")) == "3.5.1"
    assert spark_version(tmp_path / "elsewhere") == "of unknown version"


def test_summary_is_one_line() -> None:
    line = summary(
        [Capability("pythonshell", True, "Python 3.11.7"), Capability("glueetl", False, "no Java")]
    )
    assert line == "this node runs pythonshell (Python 3.11.7); glueetl unavailable: no Java"
