"""Throwaway virtualenvs for the real clients, built once and cached across test runs.

Each client gets its own venv under ``$GLUERUN_CLIENTS_CACHE`` (default
``~/.cache/gluerun-clients``), named ``<client>-<hash>`` where the hash covers the interpreter
version and the requirement list: changing a pin builds a new venv, an unchanged one is reused.
A venv is usable once its ``.gluerun-ready`` marker exists (written last, with the build time);
builds are serialised by a file lock so parallel runs never share a half-built venv.

Run as a script to pre-build them (e.g. to warm a CI machine):
``python tests/clients/venvs.py [airflow dagster awscli pyiceberg]``.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

# Top-level pins: the versions clients.md was written against (awscli: the one gluerun's own
# test dependencies resolve to). Transitive dependencies float with PyPI.
REQUIREMENTS: dict[str, list[str]] = {
    "airflow": [
        "apache-airflow==3.3.2",
        "apache-airflow-providers-amazon[aiobotocore]==9.39.0",
        "aiobotocore==3.10.0",
    ],
    "dagster": [
        "dagster==1.13.27",
        "dagster-aws==0.29.27",
        "dagster-pipes==1.13.27",
    ],
    "awscli": ["awscli==1.46.3"],
    # Iceberg's Python catalog over Glue (the Data Catalog's VersionId commit protocol)
    "pyiceberg": ["pyiceberg[glue]==0.12.0"],
}

CACHE_ROOT = Path(
    os.environ.get("GLUERUN_CLIENTS_CACHE") or Path.home() / ".cache" / "gluerun-clients"
)
READY = ".gluerun-ready"
INSTALL_TIMEOUT = 1500  # seconds; a cold Airflow resolve is a few minutes


def venv_dir(name: str) -> Path:
    key = json.dumps([sys.version_info[:2], REQUIREMENTS[name]]).encode()
    return CACHE_ROOT / f"{name}-{hashlib.sha256(key).hexdigest()[:12]}"


def is_ready(name: str) -> bool:
    return _ready(venv_dir(name))


def _ready(target: Path) -> bool:
    # bin/python is a symlink to the base interpreter: a moved or removed base breaks it.
    return (target / READY).is_file() and (target / "bin" / "python").exists()


def build_info(name: str) -> dict[str, object]:
    return dict(json.loads((venv_dir(name) / READY).read_text()))


def ensure(name: str, log: Path | None = None) -> Path:
    """Return the venv's directory, building it first unless a finished one is cached."""
    target = venv_dir(name)
    CACHE_ROOT.mkdir(parents=True, exist_ok=True)
    with open(CACHE_ROOT / f".{target.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _ready(target):
            return target
        shutil.rmtree(target, ignore_errors=True)
        started = time.monotonic()
        out = open(log or CACHE_ROOT / f"{target.name}.log", "w")  # noqa: SIM115
        try:
            steps = [
                [sys.executable, "-m", "venv", str(target)],
                [str(target / "bin/pip"), "install", "--quiet", "--upgrade", "pip"],
                [str(target / "bin/pip"), "install", *REQUIREMENTS[name]],
            ]
            for step in steps:
                subprocess.run(
                    step, stdout=out, stderr=subprocess.STDOUT, check=True, timeout=INSTALL_TIMEOUT
                )
        except BaseException:
            out.close()
            shutil.rmtree(target, ignore_errors=True)
            raise
        out.close()
        freeze = subprocess.run(
            [str(target / "bin/pip"), "freeze"], capture_output=True, text=True, check=True
        ).stdout
        info = {
            "requirements": REQUIREMENTS[name],
            "seconds": round(time.monotonic() - started, 1),
            "built": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "size_mb": round(_size(target) / 2**20),
            "freeze": freeze.splitlines(),
        }
        (target / READY).write_text(json.dumps(info, indent=1))
        return target


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file() and not p.is_symlink())


if __name__ == "__main__":
    for client in sys.argv[1:] or list(REQUIREMENTS):
        where = ensure(client)
        info = build_info(client)
        print(f"{client}: {where} built in {info['seconds']} s, {info['size_mb']} MB", flush=True)
