"""The glueetl executor without a JVM: Glue's parameters as spark-submit options, sizing, env.

A fake ``spark-submit`` records its arguments and environment, so these tests are fast.
"""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from spark_support import RUNTIME

from gluerun.errors import ExecutorError
from gluerun.executors import _spark_conf as sc
from gluerun.executors.base import LaunchRequest
from gluerun.executors.packages import DATALAKE_FORMATS, S3A, S3A_COMMITTER, PackageCache
from gluerun.executors.spark import SparkExecutor

#: a job script that records what the driver would hand PySpark
RECORDER = """
import json, os, shlex, stat, sys
submit = shlex.split(os.environ["PYSPARK_SUBMIT_ARGS"])
props = None
if "--properties-file" in submit:
    path = submit[submit.index("--properties-file") + 1]
    props = {"mode": stat.S_IMODE(os.stat(path).st_mode), "text": open(path).read()}
got = {"submit": submit, "argv": sys.argv, "env": dict(os.environ), "props": props}
json.dump(got, open("submit.json", "w"))
"""


@pytest.fixture
def spark_home(tmp_path: Path) -> Path:
    home = tmp_path / "spark"
    (home / "bin").mkdir(parents=True)
    submit = home / "bin" / "spark-submit"
    submit.write_text("#!/bin/sh\nexit 1\n")
    submit.chmod(submit.stat().st_mode | stat.S_IXUSR)
    return home


def offline_jars(directory: Path) -> Path:
    """A GLUERUN_SPARK_JARS_DIR holding (empty) jars of every package set."""
    directory.mkdir(parents=True, exist_ok=True)
    sets = [S3A, S3A_COMMITTER, *(s for table in DATALAKE_FORMATS.values() for s in table.values())]
    for package_set in sets:
        for coordinate in package_set.coordinates:
            (directory / coordinate.file_name).write_bytes(b"PK")
    return directory


def executor(spark_home: Path, tmp_path: Path, **kwargs: Any) -> SparkExecutor:
    kwargs.setdefault("jdbc_drivers", "none")
    kwargs.setdefault(
        "packages", PackageCache(tmp_path / "packages", offline_jars(tmp_path / "offline"))
    )
    return SparkExecutor(
        sys.executable, RUNTIME, tmp_path / "cache", spark_home=str(spark_home), **kwargs
    )


def submit(
    ex: SparkExecutor, tmp_path: Path, arguments: dict[str, str], **request: Any
) -> dict[str, Any]:
    script = tmp_path / "job.py"
    script.write_text(RECORDER)
    launch = LaunchRequest(
        run_id="jr_1",
        job_name="etl",
        command_name="glueetl",
        script_location=str(script),
        python_version="3",
        argv=["--JOB_NAME", "etl", *[x for kv in arguments.items() for x in kv]],
        arguments=arguments,
        run_dir=tmp_path / "run",
        **{"env": {}, **request},
    )
    status = ex.launch(launch).wait(30)
    assert status is not None and status.succeeded, status
    recorded: dict[str, Any] = json.loads((tmp_path / "run" / "submit.json").read_text())
    return recorded


def confs(argv: list[str]) -> dict[str, str]:
    pairs = [argv[i + 1] for i, arg in enumerate(argv) if arg == "--conf"]
    return dict(pair.split("=", 1) for pair in pairs)


def option(argv: list[str], name: str) -> str | None:
    return argv[argv.index(name) + 1] if name in argv else None


def test_a_plain_run_is_local_tuned_and_sees_the_runtime(spark_home: Path, tmp_path: Path) -> None:
    got = submit(executor(spark_home, tmp_path), tmp_path, {})
    argv, env = got["submit"], got["env"]
    assert option(argv, "--master") == f"local[{os.cpu_count()}]"
    assert option(argv, "--name") == "etl"
    assert argv[-1] == "pyspark-shell"
    assert got["argv"] == [str((tmp_path / "run" / "job.py").resolve()), "--JOB_NAME", "etl"]
    conf = confs(argv)
    assert conf["spark.ui.enabled"] == "false"
    assert "-XX:TieredStopAtLevel=1" in conf["spark.driver.extraJavaOptions"]
    assert conf[sc.S3_MODE_CONF] == "s3a"
    assert conf["spark.driver.extraClassPath"] == ":".join(
        str(tmp_path / "offline" / c.file_name) for c in S3A.coordinates
    )
    assert "--jars" not in argv  # locally the cached jars are not copied per run
    assert env["PYTHONPATH"].split(":")[0] == str(RUNTIME)
    assert env["PYSPARK_PYTHON"] == sys.executable
    assert env["SPARK_HOME"] == str(spark_home)
    assert env["SPARK_LOCAL_IP"] == "127.0.0.1"
    assert "GLUERUN_S3_ENDPOINT_URL" not in env
    assert "--py-files" not in argv


def test_glue_parameters_become_spark_submit_options(spark_home: Path, tmp_path: Path) -> None:
    jar = tmp_path / "lib.jar"
    jar.write_bytes(b"PK")
    helper = tmp_path / "helper.py"
    helper.write_text("X = 1\n")
    data = tmp_path / "lookup.csv"
    data.write_text("a,b\n")
    events = tmp_path / "events"
    arguments = {
        "--conf": "spark.sql.shuffle.partitions=3 --conf spark.ui.enabled=false",
        "--extra-jars": str(jar),
        "--extra-py-files": str(helper),
        "--extra-files": f"file://{data}",
        "--user-jars-first": "true",
        "--enable-spark-ui": "true",
        "--spark-event-logs-path": str(events),
        "--job-language": "python",
    }
    ex = executor(
        spark_home,
        tmp_path,
        spark_conf="spark.executor.memory=2g",
        s3_endpoint_url="http://s3.test:9000",
    )
    got = submit(ex, tmp_path, arguments)
    argv, env = got["submit"], got["env"]
    conf = confs(argv)
    assert conf["spark.sql.shuffle.partitions"] == "3"
    assert conf["spark.executor.memory"] == "2g"
    assert conf["spark.ui.enabled"] == "false"  # the job's --conf wins over --enable-spark-ui
    assert conf["spark.eventLog.enabled"] == "true" and conf["spark.eventLog.dir"] == str(events)
    assert events.is_dir()
    assert conf["spark.driver.userClassPathFirst"] == "true"
    assert option(argv, "--jars") == str(jar)
    assert option(argv, "--py-files") == str(
        (tmp_path / "run" / "extra-py" / "helper.py").resolve()
    )
    assert option(argv, "--files") == str((tmp_path / "run" / "lookup.csv").resolve())
    assert (tmp_path / "run" / "lookup.csv").read_text() == "a,b\n"
    assert env["GLUERUN_S3_ENDPOINT_URL"] == "http://s3.test:9000"


def test_server_jars_and_job_jars_are_merged(spark_home: Path, tmp_path: Path) -> None:
    jar = tmp_path / "job.jar"
    jar.write_bytes(b"PK")
    ex = executor(spark_home, tmp_path, spark_conf="spark.jars=/opt/hadoop-aws-3.3.1.jar")
    argv = submit(ex, tmp_path, {"--extra-jars": str(jar)})["submit"]
    assert option(argv, "--jars") == f"{jar},/opt/hadoop-aws-3.3.1.jar"
    assert "spark.jars" not in confs(argv)
    assert confs(argv)[sc.S3_MODE_CONF] == "s3a"


def test_jdbc_drivers_follow_the_jobs_own_jars(spark_home: Path, tmp_path: Path) -> None:
    job_jar, driver = tmp_path / "job.jar", tmp_path / "driver.jar"
    for jar in (job_jar, driver):
        jar.write_bytes(b"PK")
    ex = executor(spark_home, tmp_path, jdbc_drivers=str(driver))
    argv = submit(ex, tmp_path, {"--extra-jars": str(job_jar)})["submit"]
    assert option(argv, "--jars") == f"{job_jar},{driver}"


def test_jdbc_driver_setting() -> None:
    present = {sc.DEBIAN_JDBC_DRIVERS[0]}
    assert sc.jdbc_driver_jars("", present.__contains__) == [sc.DEBIAN_JDBC_DRIVERS[0]]
    assert sc.jdbc_driver_jars(" none ", present.__contains__) == []
    assert sc.jdbc_driver_jars("/a.jar, /b.jar", lambda _: True) == ["/a.jar", "/b.jar"]
    with pytest.raises(ExecutorError, match="missing"):
        sc.jdbc_driver_jars("/missing.jar", present.__contains__)


def test_s3_is_s3a_for_every_scheme_against_the_endpoint(spark_home: Path, tmp_path: Path) -> None:
    ex = executor(spark_home, tmp_path, s3_endpoint_url="http://127.0.0.1:9000")
    conf = confs(submit(ex, tmp_path, {})["submit"])
    assert conf[sc.S3_MODE_CONF] == "s3a"
    for scheme in ("s3", "s3a", "s3n"):
        assert conf[f"spark.hadoop.fs.{scheme}.impl"] == sc.S3A_FILESYSTEM
    assert conf["spark.hadoop.fs.s3a.endpoint"] == "http://127.0.0.1:9000"
    assert conf["spark.hadoop.fs.s3a.path.style.access"] == "true"
    assert conf["spark.hadoop.fs.s3a.connection.ssl.enabled"] == "false"


def test_a_jobs_own_hadoop_aws_replaces_glueruns(spark_home: Path, tmp_path: Path) -> None:
    jar = tmp_path / "hadoop-aws-3.3.4.jar"
    jar.write_bytes(b"PK")
    ex = executor(spark_home, tmp_path, s3_connector="staging")
    argv = submit(ex, tmp_path, {"--extra-jars": str(jar)})["submit"]
    assert confs(argv)[sc.S3_MODE_CONF] == "s3a"
    assert "spark.driver.extraClassPath" not in confs(argv)
    assert option(argv, "--jars") == str(jar)


def test_staging_needs_no_packages(spark_home: Path, tmp_path: Path) -> None:
    ex = executor(spark_home, tmp_path, s3_connector="staging", packages=PackageCache(tmp_path))
    conf = confs(submit(ex, tmp_path, {})["submit"])
    assert conf[sc.S3_MODE_CONF] == "staging"
    assert "spark.hadoop.fs.s3.impl" not in conf
    assert "spark.driver.extraClassPath" not in conf


def test_datalake_formats_add_their_jars(spark_home: Path, tmp_path: Path) -> None:
    ex = executor(spark_home, tmp_path, spark_conf="spark.driver.extraClassPath=/opt/x.jar")
    got = submit(ex, tmp_path, {"--datalake-formats": "delta, iceberg"})
    classpath = confs(got["submit"])["spark.driver.extraClassPath"].split(":")
    names = [Path(entry).name for entry in classpath]
    assert names[:3] == [c.file_name for c in S3A.coordinates]
    assert "delta-spark_2.12-3.3.0.jar" in names
    assert "iceberg-spark-runtime-3.5_2.12-1.7.1.jar" in names
    assert classpath[-1] == "/opt/x.jar"  # the operator's class path is kept, after gluerun's
    # delta-spark's jar carries the `delta` Python package
    assert str(tmp_path / "offline" / "delta-spark_2.12-3.3.0.jar") in got["env"]["PYTHONPATH"]


def test_glue_4_gets_the_nearest_lake_versions_spark_3_5_has(
    spark_home: Path, tmp_path: Path
) -> None:
    arguments = {"--datalake-formats": "iceberg,hudi"}
    argv = submit(executor(spark_home, tmp_path), tmp_path, arguments, glue_version="4.0")["submit"]
    classpath = confs(argv)["spark.driver.extraClassPath"]
    assert "iceberg-spark-runtime-3.5_2.12-1.4.3.jar" in classpath
    assert "hudi-spark3.5-bundle_2.12-0.15.0.jar" in classpath


def test_iceberg_glue_catalogs_point_at_gluerun(spark_home: Path, tmp_path: Path) -> None:
    catalog = "spark.sql.catalog.glue_catalog"
    conf_value = (
        f"{catalog}=org.apache.iceberg.spark.SparkCatalog"
        f" --conf {catalog}.catalog-impl=org.apache.iceberg.aws.glue.GlueCatalog"
        f" --conf {catalog}.client.region=eu-west-1"
        " --conf spark.sql.catalog.local=org.apache.iceberg.spark.SparkCatalog"
        " --conf spark.sql.catalog.local.type=hadoop"
    )
    ex = executor(spark_home, tmp_path, s3_endpoint_url="http://127.0.0.1:9000")
    arguments = {"--conf": conf_value, "--datalake-formats": "iceberg"}
    env = {"GLUERUN_ENDPOINT_URL": "http://127.0.0.1:4577"}
    conf = confs(submit(ex, tmp_path, arguments, env=env)["submit"])
    assert conf[f"{catalog}.glue.endpoint"] == "http://127.0.0.1:4577"
    assert conf[f"{catalog}.s3.endpoint"] == "http://127.0.0.1:9000"
    assert conf[f"{catalog}.s3.path-style-access"] == "true"
    assert conf[f"{catalog}.client.region"] == "eu-west-1"  # the job's own setting stays
    assert not any(key.startswith("spark.sql.catalog.local.") and "glue" in key for key in conf)
    # any Iceberg catalog may use S3FileIO (io-impl): its S3 client goes to the endpoint too
    assert conf["spark.sql.catalog.local.s3.endpoint"] == "http://127.0.0.1:9000"
    assert conf["spark.sql.catalog.local.s3.path-style-access"] == "true"
    assert conf["spark.sql.catalog.local.client.region"] == "us-east-1"


def test_a_cluster_gets_the_package_jars_shipped(spark_home: Path, tmp_path: Path) -> None:
    ex = executor(spark_home, tmp_path, master="spark://127.0.0.1:7077")
    argv = submit(ex, tmp_path, {"--datalake-formats": "delta"})["submit"]
    shipped = (option(argv, "--jars") or "").split(",")
    assert [Path(jar).name for jar in shipped[:3]] == [c.file_name for c in S3A.coordinates]
    assert any(jar.endswith("delta-spark_2.12-3.3.0.jar") for jar in shipped)
    assert (option(argv, "--py-files") or "").endswith("delta-spark_2.12-3.3.0.jar")
    assert "spark.driver.extraClassPath" not in confs(argv)


def test_a_cluster_master_ships_the_runtime_to_executors(spark_home: Path, tmp_path: Path) -> None:
    ex = executor(spark_home, tmp_path, master="spark://127.0.0.1:7077")
    got = submit(ex, tmp_path, {})
    assert option(got["submit"], "--master") == "spark://127.0.0.1:7077"
    shipped = option(got["submit"], "--py-files")
    assert shipped is not None and shipped.endswith(".zip")
    import zipfile

    assert "awsglue/dynamicframe.py" in zipfile.ZipFile(shipped).namelist()
    assert "SPARK_LOCAL_IP" not in got["env"]


def test_the_magic_committer_adds_its_bindings_and_jar(spark_home: Path, tmp_path: Path) -> None:
    ex = executor(spark_home, tmp_path, s3_committer="magic")
    argv = submit(ex, tmp_path, {"--conf": "spark.hadoop.fs.s3a.committer.name=directory"})[
        "submit"
    ]
    conf = confs(argv)
    assert conf["spark.hadoop.fs.s3a.committer.name"] == "directory"  # the job's wins
    factory = "org.apache.hadoop.fs.s3a.commit.S3ACommitterFactory"
    for scheme in ("s3", "s3a", "s3n"):
        assert conf[f"spark.hadoop.mapreduce.outputcommitter.factory.scheme.{scheme}"] == factory
    assert conf["spark.sql.sources.commitProtocolClass"].endswith(".PathOutputCommitProtocol")
    classpath = conf["spark.driver.extraClassPath"].split(":")
    assert Path(classpath[3]).name == "spark-hadoop-cloud_2.12-3.5.8.jar"


def test_the_default_committer_is_sparks(spark_home: Path, tmp_path: Path) -> None:
    conf = confs(submit(executor(spark_home, tmp_path), tmp_path, {})["submit"])
    assert "spark.sql.sources.commitProtocolClass" not in conf
    assert "spark-hadoop-cloud" not in conf["spark.driver.extraClassPath"]


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"s3_committer": "staging"}, "GLUERUN_SPARK_S3_COMMITTER='staging': expected"),
        ({"s3_committer": "magic", "s3_connector": "staging"}, "magic needs GLUERUN_SPARK_S3=s3a"),
    ],
)
def test_committer_settings_are_checked(
    spark_home: Path, tmp_path: Path, settings: dict[str, str], message: str
) -> None:
    with pytest.raises(ExecutorError, match=message):
        executor(spark_home, tmp_path, **settings)


CLUSTER_ENV = {
    "AWS_ACCESS_KEY_ID": "AKIDCLUSTER",
    "AWS_SECRET_ACCESS_KEY": "s3cr3t/+key",
    "AWS_SESSION_TOKEN": "t0ken==",
    "AWS_REGION": "eu-west-1",
}


def test_a_clusters_executors_get_the_credentials_off_the_command_line(
    spark_home: Path, tmp_path: Path
) -> None:
    (spark_home / "conf").mkdir()
    (spark_home / "conf" / "spark-defaults.conf").write_text("spark.node.setting  kept\n")
    ex = executor(spark_home, tmp_path, master="spark://127.0.0.1:7077")
    got = submit(ex, tmp_path, {}, env=CLUSTER_ENV)
    argv = got["submit"]
    for secret in ("s3cr3t/+key", "t0ken=="):
        assert not any(secret in arg for arg in argv)
    private = Path(option(argv, "--properties-file") or "")
    assert private.parent == tmp_path / "run"
    assert got["props"]["mode"] == 0o600
    assert not private.exists()  # removed once the run ended
    text = got["props"]["text"]
    assert text.startswith("spark.node.setting  kept\n")  # spark-submit reads only this file
    for name, value in CLUSTER_ENV.items():
        assert f"spark.executorEnv.{name}={value}" in text.splitlines()
    assert got["env"]["AWS_SECRET_ACCESS_KEY"] == "s3cr3t/+key"  # the driver's own


def test_local_runs_need_no_private_properties(spark_home: Path, tmp_path: Path) -> None:
    argv = submit(executor(spark_home, tmp_path), tmp_path, {}, env=CLUSTER_ENV)["submit"]
    assert "--properties-file" not in argv
    assert not list((tmp_path / "run").glob("*.private"))


def test_the_private_properties_read_back_in_java(tmp_path: Path) -> None:
    """Keys and values that need escaping come back as written through java.util.Properties."""
    if shutil.which("java") is None:
        pytest.fail("the Spark tier needs java")
    confs_in = {"a key=x:y": " lead\\back\nline#!", "spark.executorEnv.K": "v=w"}
    path = tmp_path / "p.conf"
    path.write_text(sc.properties_file("spark.x 1\\\n", confs_in), encoding="utf-8")
    reader = tmp_path / "Dump.java"
    reader.write_text(JAVA_DUMP)
    done = subprocess.run(
        ["java", str(reader), str(path)], capture_output=True, text=True, check=True, timeout=120
    )
    assert json.loads(done.stdout) == {**confs_in, "spark.x": "1"}


#: prints a properties file as JSON, read as spark-submit reads it (UTF-8 java.util.Properties)
JAVA_DUMP = r"""
import java.io.*;
import java.nio.charset.StandardCharsets;
import java.util.*;

public class Dump {
    public static void main(String[] args) throws IOException {
        Properties props = new Properties();
        try (InputStream file = new FileInputStream(args[0])) {
            props.load(new InputStreamReader(file, StandardCharsets.UTF_8));
        }
        StringBuilder out = new StringBuilder("{");
        for (String key : new TreeSet<>(props.stringPropertyNames())) {
            if (out.length() > 1) out.append(",");
            out.append(quote(key)).append(":").append(quote(props.getProperty(key)));
        }
        System.out.println(out.append("}"));
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') b.append('\\').append(c);
            else if (c < 0x20) b.append(String.format("\\u%04x", (int) c));
            else b.append(c);
        }
        return b.append("\"").toString();
    }
}
"""


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"--job-language": "scala"}, "Scala jobs"),
        ({"--job-language": "r"}, "Unknown --job-language"),
        ({"--conf": "spark.a"}, "not key=value"),
        ({"--extra-jars": "/nowhere/x.jar"}, "Extra jar not found"),
        ({"--extra-files": "/nowhere/x.csv"}, "Extra file not found"),
        ({"--datalake-formats": "iceberg,paimon"}, "unknown format 'paimon'"),
    ],
)
def test_bad_parameters_fail_the_launch(
    spark_home: Path, tmp_path: Path, arguments: dict[str, str], message: str
) -> None:
    with pytest.raises(ExecutorError, match=message):
        submit(executor(spark_home, tmp_path), tmp_path, arguments)


def test_no_spark_home_is_a_clear_error(tmp_path: Path) -> None:
    ex = executor(tmp_path / "nowhere", tmp_path)
    with pytest.raises(ExecutorError, match="No bin/spark-submit"):
        ex.spark_home()


def test_the_job_interpreters_pyspark_is_found() -> None:
    ex = SparkExecutor(sys.executable, RUNTIME, Path("/nonexistent-cache"))
    assert (ex.spark_home() / "bin" / "spark-submit").is_file()


def test_glue_conf_syntax() -> None:
    assert sc.parse_conf("") == []
    assert sc.parse_conf("spark.a=1") == [("spark.a", "1")]
    assert sc.parse_conf("--conf spark.a=1 --conf spark.b=x=y") == [
        ("spark.a", "1"),
        ("spark.b", "x=y"),
    ]


@pytest.mark.parametrize(
    ("worker_type", "workers", "capacity", "expected"),
    [
        ("G.1X", 10, None, sc.Resources(4, 10240, 9)),
        ("G.2X", 2, None, sc.Resources(8, 20480, 1)),
        ("G.025X", 3, None, sc.Resources(2, 2048, 2)),
        ("Standard", 10, None, sc.Resources(4, 5120, 17)),
        (None, None, 10.0, sc.Resources(4, 5120, 17)),
        (None, None, 2.0, sc.Resources(4, 5120, 1)),
        ("Z.2X", 2, None, None),
        (None, None, None, None),
    ],
)
def test_glue_capacity_maps_to_executors(
    worker_type: str | None, workers: int | None, capacity: float | None, expected: Any
) -> None:
    assert sc.resources(worker_type, workers, capacity) == expected


def test_local_mode_scales_the_capacity_down_to_the_machine() -> None:
    found = sc.Resources(4, 10240, 9)
    assert sc.local_master(found, 2) == "local[2]"
    assert sc.local_master(sc.Resources(2, 2048, 1), 8) == "local[2]"
    assert sc.local_master(None, 2) == "local[2]"
    assert sc.sizing_confs(found, True, 24 * 1024) == {"spark.driver.memory": "6144m"}
    cluster = sc.sizing_confs(found, False, 24 * 1024)
    assert cluster["spark.executor.instances"] == "9"
    assert cluster["spark.cores.max"] == "36"
    assert cluster["spark.executor.memory"] == "10240m"


def test_serve_takes_a_spark_master() -> None:
    from click.testing import CliRunner

    from gluerun.cli import main

    result = CliRunner().invoke(main, ["serve", "--help"])
    assert "--spark-master" in result.output and "GLUERUN_SPARK_MASTER" in result.output
