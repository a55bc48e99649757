"""Which driver JVMs get the node's class archive (the archive itself: tests/spark)."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from gluerun import cli
from gluerun.config import Settings
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


def test_closing_ends_a_training_driver_and_starts_no_more(
    tmp_path: Path, spark_home: Path
) -> None:
    if archive_key(ENV, spark_home, "") is None:
        pytest.skip("no java on PATH")
    pid_file = tmp_path / "trainer.pid"
    python = tmp_path / "python"  # a training driver that never ends on its own
    python.write_text(f'#!/bin/sh\necho $$ > "{pid_file}"\nexec sleep 60\n')
    python.chmod(0o755)
    archives = ClassArchives(tmp_path / "cds")
    archives.apply({}, ENV, spark_home, str(python))
    deadline = time.monotonic() + 30
    while not pid_file.exists() or not pid_file.read_text().strip():
        assert time.monotonic() < deadline, "the training driver did not start"
        time.sleep(0.05)
    pid = int(pid_file.read_text())
    archives.close()
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)  # ended and reaped: the server leaves no JVM behind
    other = tmp_path / "other-spark"
    (other / "jars").mkdir(parents=True)
    pid_file.unlink()
    archives.apply({}, ENV, other, str(python))  # another key, after close: nothing starts
    time.sleep(0.5)
    assert not pid_file.exists()


def test_the_archives_directory_is_a_setting_and_can_be_off(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert cli.class_archives(Settings(data_dir=data, spark_class_archives="off")) is None
    default = cli.class_archives(Settings(data_dir=data))
    assert default is not None and default.path("k") == data / "spark-cds" / "k.jsa"
    shared = cli.class_archives(Settings(data_dir=data, spark_class_archives=str(tmp_path / "s")))
    assert shared is not None and shared.path("k") == tmp_path / "s" / "k.jsa"
