"""Safe defaults of a server without credentials: Host checks, loopback only, private files,
masked secrets, and job callbacks that need the run's own token."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from live_server import BIN, FINAL, Server, free_port, stop_process, wait_for_port, wait_state

ROLE = "arn:aws:iam::123456789012:role/r"


def get(url: str, host: str) -> tuple[int, bytes]:
    request = urllib.request.Request(url, headers={"Host": host})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


def test_foreign_host_headers_are_refused(server: Server) -> None:
    status, body = get(server.endpoint + "/events", "attacker.example")
    assert status == 403
    assert json.loads(body)["__type"] == "InvalidHostHeaderException"
    request = urllib.request.Request(
        server.endpoint + "/",
        data=b"{}",
        headers={"Host": f"rebound.example:{server.port}", "X-Amz-Target": "AWSGlue.GetJobs"},
    )
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=10).close()
    caught.value.close()
    assert caught.value.code == 403
    for host in (f"localhost:{server.port}", f"127.0.0.1:{server.port}", "app.localhost"):
        assert get(server.endpoint + "/events", host)[0] == 200


def serve(data_dir: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [str(BIN / "gluerun"), "serve", "--data-dir", str(data_dir), *args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def test_no_anonymous_server_beyond_loopback_unless_asked(tmp_path: Path) -> None:
    port = str(free_port())
    refused = serve(tmp_path / "a", "--host", "0.0.0.0", "--port", port)
    _, err = refused.communicate(timeout=60)
    assert refused.returncode == 1
    assert b"refusing to serve on 0.0.0.0 without credentials" in err
    allowed = serve(tmp_path / "b", "--host", "0.0.0.0", "--port", port, "--allow-anonymous")
    try:
        wait_for_port(int(port), allowed)
        assert get(f"http://127.0.0.1:{port}/", f"127.0.0.1:{port}")[0] == 200
    finally:
        stop_process(allowed)
        assert allowed.stdout is not None and allowed.stderr is not None
        allowed.stdout.close()
        allowed.stderr.close()


def test_a_failed_start_masks_the_database_password(tmp_path: Path) -> None:
    url_file = tmp_path / "db-url"
    url_file.write_text("postgresql://gluerun:hunter2@127.0.0.1:1/gluerun\n")
    proc = serve(tmp_path / "d", "--port", str(free_port()), "--database-url-file", str(url_file))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert b"gluerun:***@127.0.0.1:1/gluerun" in err
    assert b"hunter2" not in out + err


def test_a_database_url_on_the_command_line_is_warned_about_and_masked(tmp_path: Path) -> None:
    url = "postgresql://gluerun:hunter2@127.0.0.1:1/gluerun"
    proc = serve(tmp_path / "d", "--port", str(free_port()), "--database-url", url)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert b"warning: --database-url puts the URL (and any password) on the command line" in err
    assert b"gluerun:***@127.0.0.1:1/gluerun" in err
    assert b"hunter2" not in out + err


def test_data_directory_and_store_are_private(server: Server) -> None:
    assert stat.S_IMODE(server.data_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE((server.data_dir / "gluerun.db").stat().st_mode) == 0o600
    assert stat.S_IMODE((server.data_dir / "run-token.key").stat().st_mode) == 0o600
    # Everything the server keeps at the top (the WAL, runtimes, caches...) is its own alone.
    opened = {
        p.name: oct(p.stat().st_mode) for p in server.data_dir.iterdir() if p.stat().st_mode & 0o077
    }
    assert opened == {}


BOOKMARK_JOB = """
import json, sys
from awsglue._bookmarks import BookmarkContext
assert "GLUERUN_RUN_TOKEN" not in " ".join(sys.argv), "token on the command line"
ctx = BookmarkContext.load(None, {})
ctx.record("src", {"seen": 1})
print(json.dumps(ctx.commit()))
if STEAL:
    ctx.run_id = "jr_" + "0" * 64  # another run of the same job
    ctx.commit()
"""


def start(glue: Any, name: str, script: str) -> dict[str, Any]:
    glue.create_job(
        Name=name,
        Role=ROLE,
        Command={"Name": "pythonshell", "ScriptLocation": script, "PythonVersion": "3.9"},
        DefaultArguments={"--job-bookmark-option": "job-bookmark-enable"},
    )
    run_id = glue.start_job_run(JobName=name)["JobRunId"]
    return wait_state(glue, name, run_id, FINAL, timeout=60)


def test_a_run_commits_its_own_bookmark_with_its_token(server: Server, script: Any) -> None:
    glue = server.client()
    run = start(glue, "token-commit", script(BOOKMARK_JOB.replace("STEAL", "False")))
    assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
    entry = glue.get_job_bookmark(JobName="token-commit")["JobBookmarkEntry"]
    assert entry["RunId"] == run["Id"]
    assert json.loads(entry["JobBookmark"]) == {"src": {"seen": 1}}


def test_a_run_cannot_commit_for_another_run(server: Server, script: Any) -> None:
    run = start(server.client(), "token-steal", script(BOOKMARK_JOB.replace("STEAL", "True")))
    assert run["JobRunState"] == "FAILED"
    assert "AccessDeniedException" in run["ErrorMessage"]
    assert "only the job process of the run may make this call" in run["ErrorMessage"]


def self_signed(directory: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1 (and its key), made with the `cryptography` package."""
    import datetime
    import ipaddress

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "gluerun test")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "cert.pem", directory / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


def test_tls_serves_clients_and_job_callbacks(tmp_path: Path, script: Any) -> None:
    cert, key = self_signed(tmp_path)
    port = free_port()
    proc = serve(
        tmp_path / "data", "--port", str(port), "--tls-cert", str(cert), "--tls-key", str(key)
    )
    try:
        wait_for_port(port, proc)
        glue = boto3.client(
            "glue",
            endpoint_url=f"https://127.0.0.1:{port}",
            region_name="us-east-1",
            aws_access_key_id="test",
            aws_secret_access_key="test",
            verify=str(cert),
            config=Config(retries={"max_attempts": 1}),
        )
        run = start(glue, "tls-commit", script(BOOKMARK_JOB.replace("STEAL", "False")))
        assert run["JobRunState"] == "SUCCEEDED", run.get("ErrorMessage")
        assert glue.get_job_bookmark(JobName="tls-commit")["JobBookmarkEntry"]["Version"] == 1
        # plain HTTP gets no answer from a TLS port
        with pytest.raises(OSError):  # noqa: PT011
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=10).close()
    finally:
        stop_process(proc)
        assert proc.stdout is not None and proc.stderr is not None
        proc.stdout.close()
        proc.stderr.close()
