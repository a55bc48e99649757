"""`gluerun runtimes` as an operator uses it, in separate processes (as separate nodes sharing a
runtimes directory would be): racing --prepare gets one build, the list shows it, --remove
deletes it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

RUNTIME = "pythonshell-3.9-none"


def gluerun(runtimes: Path, *args: str) -> subprocess.Popen[str]:
    """Start ``gluerun runtimes ARGS`` on the runtimes directory `runtimes`."""
    return subprocess.Popen(
        [sys.executable, "-m", "gluerun", "runtimes", "--runtimes-dir", str(runtimes), *args],
        env={**os.environ, "UV_NO_PROGRESS": "1"},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def output(proc: subprocess.Popen[str]) -> str:
    out, _ = proc.communicate(timeout=900)
    assert proc.returncode == 0, out
    return out


def listed(runtimes: Path) -> dict[str, str]:
    """The list's rows, runtime name -> the rest of its line."""
    lines = output(gluerun(runtimes)).splitlines()
    assert lines[0].split()[:2] == ["Runtime", "Glue"]
    return {line.split()[0]: line for line in lines[1:]}


def test_two_processes_preparing_one_runtime_get_one_build(tmp_path: Path) -> None:
    runtimes = tmp_path / "runtimes"
    procs = [gluerun(runtimes, "--prepare", RUNTIME) for _ in range(2)]
    outs = [output(proc) for proc in procs]
    assert sum(f"building runtime {RUNTIME}" in out for out in outs) == 1
    other = next(out for out in outs if f"building runtime {RUNTIME}" not in out)
    assert "built meanwhile by another run" in other or "already built" in other
    built = list(runtimes.glob(f"{RUNTIME}-*/runtime.json"))
    assert len(built) == 1
    assert not list((runtimes / ".building").iterdir())

    row = listed(runtimes)[RUNTIME]
    assert " built " in row
    assert str(built[0].parent) in row
    assert "not built" in listed(runtimes)["glueetl-5.0"]

    removed = output(gluerun(runtimes, "--remove", RUNTIME))
    assert removed.strip() == f"removed {built[0].parent}"
    assert not built[0].parent.exists()
    assert "not built" in listed(runtimes)[RUNTIME]
