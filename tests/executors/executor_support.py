"""Helpers shared by the executor tests (imported by name: pytest puts this dir on sys.path)."""

from __future__ import annotations

import base64
import hashlib
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import psutil

from gluerun.executors.base import ExitStatus, LaunchRequest
from gluerun.executors.subprocess import SubprocessExecutor

#: the e2e tier's helpers (live_server: moto_s3) are shared with this tier
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "e2e"))

#: the directory holding the job runtime's ``awsglue`` package
RUNTIME = Path(__file__).resolve().parents[2] / "src" / "gluerun" / "runtime"
#: the job interpreter the tests use: the one running them
PYTHON = sys.executable
#: the longest a test job may take
TIMEOUT = 10.0

MakeRequest = Callable[..., LaunchRequest]
WriteScript = Callable[..., Path]


def run(executor: SubprocessExecutor, request: LaunchRequest) -> ExitStatus:
    """Launch `request` and wait for its status."""
    status = executor.launch(request).wait(TIMEOUT)
    assert status is not None, "the job did not finish in time"
    return status


def wait_for_line(path: Path, timeout: float = 5.0) -> str:
    """The text of `path` once it ends a line."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if path.exists() and path.read_text().endswith("\n"):
            return path.read_text()
        time.sleep(0.01)
    raise AssertionError(f"nothing written to {path}")


def gone(pid: int) -> bool:
    """No live process has `pid` (an orphan zombie waiting for init to reap it counts as gone)."""
    try:
        return bool(psutil.Process(pid).status() == psutil.STATUS_ZOMBIE)
    except psutil.NoSuchProcess:
        return True


def build_wheel(directory: Path, name: str, version: str, source: str) -> Path:
    """Write a pure-Python wheel holding module `name` with `source`, by hand (works offline)."""
    dist_info = f"{name}-{version}.dist-info"
    files = {
        f"{name}/__init__.py": source,
        f"{dist_info}/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist_info}/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: gluerun-tests\nRoot-Is-Purelib: true\n"
            "Tag: py3-none-any\n"
        ),
    }
    record = []
    for path, text in files.items():
        digest = hashlib.sha256(text.encode()).digest()
        encoded = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
        record.append(f"{path},sha256={encoded},{len(text.encode())}")
    record.append(f"{dist_info}/RECORD,,")
    files[f"{dist_info}/RECORD"] = "\n".join(record) + "\n"
    directory.mkdir(parents=True, exist_ok=True)
    wheel = directory / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as zf:
        for path, text in files.items():
            zf.writestr(path, text)
    return wheel
