"""s3:// scripts, --extra-py-files and wheels, fetched from a moto server this module starts."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from executor_support import PYTHON, RUNTIME, MakeRequest, build_wheel, run
from live_server import moto_s3

from gluerun.errors import ExecutorError
from gluerun.executors.subprocess import SubprocessExecutor

BUCKET = "gluerun-test-bucket"
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(scope="module")
def s3_endpoint() -> Iterator[str]:
    with moto_s3() as endpoint:
        yield endpoint


@pytest.fixture(autouse=True)
def aws_credentials(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The server's credential chain: environment variables only, no profile files."""
    for name, value in CREDENTIALS.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "no-aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "no-aws-credentials"))


@pytest.fixture
def s3(s3_endpoint: str) -> Any:
    client = boto3.client("s3", endpoint_url=s3_endpoint, region_name="us-east-1")
    client.create_bucket(Bucket=BUCKET)
    return client


@pytest.fixture
def s3_executor(cache_dir: Path, s3_endpoint: str) -> SubprocessExecutor:
    return SubprocessExecutor(PYTHON, RUNTIME, cache_dir, s3_endpoint_url=s3_endpoint)


def test_script_and_extra_py_files_from_s3(
    s3: Any, s3_executor: SubprocessExecutor, make_request: MakeRequest
) -> None:
    s3.put_object(Bucket=BUCKET, Key="lib/helper.py", Body=b"NAME = 'helper'\n")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped_s3/__init__.py", "NAME = 'zipped'\n")
    s3.put_object(Bucket=BUCKET, Key="lib/bundle.zip", Body=archive.getvalue())
    script = b"import sys, helper, zipped_s3\nprint(helper.NAME, zipped_s3.NAME, sys.argv[1:])\n"
    s3.put_object(Bucket=BUCKET, Key="scripts/s3 job.py", Body=script)

    extra = f"s3://{BUCKET}/lib/helper.py,s3://{BUCKET}/lib/bundle.zip"
    request = make_request(
        f"s3://{BUCKET}/scripts/s3 job.py",
        argv=["--x", "1"],
        arguments={"--extra-py-files": extra},
    )
    status = run(s3_executor, request)
    assert status.succeeded, status
    assert (request.run_dir / "stdout.log").read_text() == "helper zipped ['--x', '1']\n"
    assert (request.run_dir / "s3 job.py").read_bytes() == script
    assert (request.run_dir / "extra-py" / "bundle.zip").exists()


def test_missing_key_raises(
    s3: Any, s3_executor: SubprocessExecutor, make_request: MakeRequest
) -> None:
    location = f"s3://{BUCKET}/scripts/missing.py"
    with pytest.raises(ExecutorError, match=rf"^Script not found: {location} \(NoSuchKey\)$"):
        s3_executor.launch(make_request(location))


def test_missing_bucket_raises(s3_executor: SubprocessExecutor, make_request: MakeRequest) -> None:
    location = "s3://gluerun-no-such-bucket/job.py"
    with pytest.raises(ExecutorError, match=r"^Script not found: .*\(NoSuchBucket\)$"):
        s3_executor.launch(make_request(location))


def test_missing_extra_py_file_raises(
    s3: Any, s3_executor: SubprocessExecutor, make_request: MakeRequest
) -> None:
    s3.put_object(Bucket=BUCKET, Key="ok.py", Body=b"pass\n")
    request = make_request(
        f"s3://{BUCKET}/ok.py", arguments={"--extra-py-files": f"s3://{BUCKET}/nope.py"}
    )
    with pytest.raises(ExecutorError, match=r"^Extra Python file not found: s3://"):
        s3_executor.launch(request)


def test_wheel_from_s3(
    s3: Any, s3_executor: SubprocessExecutor, make_request: MakeRequest, tmp_path: Path
) -> None:
    wheel = build_wheel(tmp_path / "wheels", "gluerun_s3mod", "2.0", "VALUE = 'from s3'\n")
    s3.put_object(Bucket=BUCKET, Key=f"wheels/{wheel.name}", Body=wheel.read_bytes())
    s3.put_object(
        Bucket=BUCKET, Key="w.py", Body=b"import gluerun_s3mod\nprint(gluerun_s3mod.VALUE)\n"
    )
    request = make_request(
        f"s3://{BUCKET}/w.py",
        arguments={
            "--additional-python-modules": f"s3://{BUCKET}/wheels/{wheel.name}",
            "--python-modules-installer-option": "--no-index --no-cache-dir",
        },
    )
    status = run(s3_executor, request)
    assert status.succeeded, status
    assert (request.run_dir / "stdout.log").read_text() == "from s3\n"
