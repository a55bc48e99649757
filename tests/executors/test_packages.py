"""The node's JVM package cache: real Ivy (PySpark's) against a Maven repository on disk.

The repository stands in for Maven Central (outside gluerun); a wrapper around ``java`` counts
Ivy's runs, so the tests see that a set is fetched once however many runs ask at once.
"""

from __future__ import annotations

import os
import shutil
import stat
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from gluerun.errors import ExecutorError
from gluerun.executors.packages import (
    S3A,
    Coordinate,
    PackageCache,
    PackageSet,
    datalake_sets,
)

pyspark = pytest.importorskip("pyspark")
SPARK_HOME = Path(pyspark.__file__).resolve().parent

SET = PackageSet(
    "demo",
    (
        Coordinate("org.example", "engine", "1.0"),
        Coordinate("org.example.py", "engine-python", "2.0", python=True),
    ),
)


@pytest.fixture
def repository(tmp_path: Path) -> Path:
    """A Maven-layout repository holding the demo set's jars (each a jar of its own name)."""
    root = tmp_path / "m2"
    for c in SET.coordinates:
        folder = root / c.group.replace(".", "/") / c.artifact / c.version
        folder.mkdir(parents=True)
        (folder / c.file_name).write_bytes(f"jar {c}".encode())
        (folder / f"{c.artifact}-{c.version}.pom").write_text(
            f"<project><modelVersion>4.0.0</modelVersion><groupId>{c.group}</groupId><artifactId>{c.artifact}"
            f"</artifactId><version>{c.version}</version></project>"
        )
    return root


@pytest.fixture
def java(tmp_path: Path) -> Path:
    """``java`` behind a wrapper that appends a line to ``ivy-runs`` per run."""
    real = shutil.which("java")
    if real is None:
        pytest.skip("no java")
    wrapper = tmp_path / "java"
    wrapper.write_text(f'#!/bin/sh\necho run >> {tmp_path / "ivy-runs"}\nexec {real} "$@"\n')
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    return wrapper


def ivy_runs(tmp_path: Path) -> int:
    runs = tmp_path / "ivy-runs"
    return len(runs.read_text().splitlines()) if runs.exists() else 0


def test_a_set_is_fetched_once_into_the_cache_and_then_only_looked_up(
    tmp_path: Path, repository: Path, java: Path
) -> None:
    cache = PackageCache(tmp_path / "packages", repository=repository.as_uri(), java=str(java))
    found = cache.jars([SET], SPARK_HOME)
    assert [jar.name for jar in found.jars] == ["engine-1.0.jar", "engine-python-2.0.jar"]
    assert found.jars[0].read_bytes() == b"jar org.example:engine:1.0"
    assert found.python == (found.jars[1],)
    assert ivy_runs(tmp_path) == 1
    again = PackageCache(tmp_path / "packages", repository="file:///nowhere", java=str(java))
    assert again.jars([SET], SPARK_HOME) == found
    assert ivy_runs(tmp_path) == 1
    leftovers = [p.name for p in (tmp_path / "packages").iterdir() if p.name.startswith(".fetch")]
    assert leftovers == []


def test_a_damaged_set_and_a_killed_fetchs_leftovers_are_replaced(
    tmp_path: Path, repository: Path, java: Path
) -> None:
    cache = PackageCache(tmp_path / "packages", repository=repository.as_uri(), java=str(java))
    found = cache.jars([SET], SPARK_HOME)
    found.jars[0].unlink()
    (tmp_path / "packages" / ".fetch-demo-1").mkdir()
    assert cache.jars([SET], SPARK_HOME) == found
    assert all(jar.is_file() for jar in found.jars)
    assert ivy_runs(tmp_path) == 2
    assert sorted(p.name for p in (tmp_path / "packages").iterdir()) == [".lock", SET.key]


def test_runs_racing_for_a_missing_set_fetch_it_once(
    tmp_path: Path, repository: Path, java: Path
) -> None:
    caches = [
        PackageCache(tmp_path / "packages", repository=repository.as_uri(), java=str(java))
        for _ in range(3)
    ]
    with ThreadPoolExecutor(3) as pool:
        results = list(pool.map(lambda cache: cache.jars([SET], SPARK_HOME), caches))
    assert results[0] == results[1] == results[2]
    assert all(jar.is_file() for jar in results[0].jars)
    assert ivy_runs(tmp_path) == 1


def test_a_set_the_repository_lacks_is_a_clear_error(tmp_path: Path, java: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    cache = PackageCache(tmp_path / "packages", repository=empty.as_uri(), java=str(java))
    with pytest.raises(ExecutorError) as caught:
        cache.jars([SET], SPARK_HOME)
    message = str(caught.value)
    assert "Cannot fetch the JVM packages for demo (org.example:engine:1.0" in message
    assert empty.as_uri() in message
    assert "GLUERUN_SPARK_JARS_DIR" in message
    assert [p.name for p in (tmp_path / "packages").iterdir()] == [".lock"]


def test_an_offline_directory_replaces_fetching(tmp_path: Path) -> None:
    offline = tmp_path / "jars"
    offline.mkdir()
    (offline / "engine-1.0.jar").write_bytes(b"PK")
    # Spark's Ivy names retrieved jars group_artifact-version.jar: both namings are found
    (offline / "org.example.py_engine-python-2.0.jar").write_bytes(b"PK")
    cache = PackageCache(tmp_path / "packages", offline_dir=offline, java="/no/java")
    found = cache.jars([SET], tmp_path / "no-spark")
    assert [jar.parent for jar in found.jars] == [offline, offline]
    with pytest.raises(ExecutorError, match=r"lacks the jars s3a needs: hadoop-aws-3\.3\.4\.jar"):
        cache.jars([S3A], tmp_path / "no-spark")
    assert not (tmp_path / "packages").exists()


def test_datalake_formats_values() -> None:
    assert [s.name for s in datalake_sets(" Iceberg, delta,,hudi,delta ", "5.0")] == [
        "iceberg",
        "delta",
        "hudi",
    ]
    assert datalake_sets("", None) == []
    five = datalake_sets("delta", None)[0].coordinates[0]
    assert five.version == "3.3.0" and five.python
    assert datalake_sets("delta", "4.0")[0].coordinates[0].version == "3.0.0"
    with pytest.raises(ExecutorError, match="unknown format 'paimon'"):
        datalake_sets("paimon", "5.0")


def test_the_cache_directory_must_be_usable(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    cache = PackageCache(blocker / "packages")
    with pytest.raises(ExecutorError, match="Cannot use the Spark packages directory"):
        cache.jars([SET], SPARK_HOME)
    assert os.listdir(tmp_path) == ["file"]
