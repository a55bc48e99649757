"""Which driver JVMs get the node's class archive (the archive itself: tests/spark)."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from gluerun.executors.class_archive import (
    CLASS_PATH,
    JAVA_OPTIONS,
    QUIET,
    ClassArchives,
    archive_key,
    without_archive,
)

ENV = {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}


@pytest.fixture
def spark_home(tmp_path: Path) -> Path:
    (tmp_path / "spark" / "jars").mkdir(parents=True)
    return tmp_path / "spark"


def test_a_run_gets_the_archive_of_its_key(tmp_path: Path, spark_home: Path) -> None:
    key = archive_key(ENV, spark_home, "/jars/a.jar")
    if key is None:
        pytest.skip("no java on PATH")
    archives = ClassArchives(tmp_path / "cds")
    archives.path(key).parent.mkdir()
    archives.path(key).write_bytes(b"archive")
    confs = {JAVA_OPTIONS: "-XX:+UseSerialGC", CLASS_PATH: "/jars/a.jar"}
    archives.apply(confs, ENV, spark_home, sys.executable)
    given = f"-XX:+UseSerialGC -XX:SharedArchiveFile={archives.path(key)} {QUIET}"
    assert confs[JAVA_OPTIONS] == given
    assert without_archive(f"{JAVA_OPTIONS}={given}") == f"{JAVA_OPTIONS}=-XX:+UseSerialGC"


def test_another_class_path_is_another_archive(spark_home: Path) -> None:
    first = archive_key(ENV, spark_home, "/jars/a.jar")
    if first is None:
        pytest.skip("no java on PATH")
    assert first == archive_key(ENV, spark_home, "/jars/a.jar")
    assert first != archive_key(ENV, spark_home, "/jars/b.jar")
    assert archive_key({"PATH": "/nonexistent"}, spark_home, "") is None


def test_a_run_choosing_about_class_sharing_itself_is_left_alone(
    tmp_path: Path, spark_home: Path
) -> None:
    archives = ClassArchives(tmp_path / "cds")
    confs = {JAVA_OPTIONS: "-Xshare:off"}
    archives.apply(confs, ENV, spark_home, sys.executable)
    assert confs == {JAVA_OPTIONS: "-Xshare:off"}
    assert not (tmp_path / "cds").exists()  # nothing built for it either
