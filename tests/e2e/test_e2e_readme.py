"""A newcomer's path: the README's commands, run as written, in a fresh clone of the repository.

`./scripts/serve` installs gluerun (with PySpark) into the clone's own venv and starts the
server; then the README's "Use it" blocks run through bash: a pythonshell job and a glueetl job,
both SUCCEEDED, their output read back through `aws logs`. Two things differ from a person at
a terminal, and only these: the endpoint's port and /tmp are the test's own (so parallel runs
cannot collide), each `get-job-run` line is repeated until the run is final, where a person
would run it again by hand, and the glueetl run finds S3A's jars in the test run's shared
package cache (live_server.SPARK_PACKAGES_DIR) instead of fetching 280 MB into the fresh data
directory.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from live_server import SPARK_PACKAGES_DIR, free_port, stop_process, wait_for_port

ROOT = Path(__file__).resolve().parents[2]
FINAL_STATES = "SUCCEEDED|FAILED|STOPPED|TIMEOUT|ERROR"
#: a fresh venv: pip installs gluerun and PySpark (from pip's cache when it is warm)
INSTALL_TIMEOUT = 900.0
RUN_TIMEOUT = 600


def readme_blocks(section: str) -> list[str]:
    """The fenced code blocks of one ``## section`` of the README, in order."""
    text = (ROOT / "README.md").read_text()
    body = text.split(f"\n## {section}\n", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"^```\n(.*?)^```$", body, re.M | re.S)


def as_script(blocks: list[str], port: int, tmp: Path) -> str:
    """The blocks as one bash script: own port and /tmp, get-job-run repeated until final."""
    text = "\n".join(blocks).replace("127.0.0.1:4577", f"127.0.0.1:{port}")
    text = text.replace("/tmp/", f"{tmp}/")
    lines = re.sub(r"\\\n\s*", "", text).splitlines()
    wrapped = [f"until_final {line}" if "aws glue get-job-run" in line else line for line in lines]
    until_final = (
        "until_final() {\n"
        "    local out\n"
        f"    for _ in $(seq {RUN_TIMEOUT}); do\n"
        '        out="$("$@")"\n'
        f'        case "$out" in {FINAL_STATES}) break;; esac\n'
        "        sleep 1\n"
        "    done\n"
        '    echo "$out"\n'
        "}\n"
    )
    return "set -euo pipefail\n" + until_final + "\n".join(wrapped) + "\n"


@pytest.fixture
def clone(tmp_path: Path) -> Path:
    target = tmp_path / "gluerun"
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(target)], check=True)
    return target


def test_the_readme_commands_run_both_job_kinds_in_a_fresh_clone(
    clone: Path, tmp_path: Path
) -> None:
    assert readme_blocks("Two commands")[0].strip() == "./scripts/serve"
    port = free_port()
    log = tmp_path / "serve.log"
    env = {k: v for k, v in os.environ.items() if k != "VIRTUAL_ENV"}
    env["GLUERUN_SPARK_PACKAGES_DIR"] = SPARK_PACKAGES_DIR
    with log.open("wb") as out:
        server = subprocess.Popen(
            ["./scripts/serve", "--port", str(port), "--data-dir", str(tmp_path / "data")],
            cwd=clone,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        try:
            wait_for_port(port, server, timeout=INSTALL_TIMEOUT)
        except (RuntimeError, TimeoutError) as exc:
            pytest.fail(f"./scripts/serve did not start: {exc}\n{log.read_text()[-4000:]}")
        # the aws CLI comes from the test's own environment, as a user's would be installed
        path = f"{Path(sys.executable).parent}{os.pathsep}{env['PATH']}"
        done = subprocess.run(
            ["bash", "-c", as_script(readme_blocks("Use it"), port, tmp_path)],
            env={**env, "PATH": path},
            capture_output=True,
            text=True,
            timeout=2 * RUN_TIMEOUT,
        )
    finally:
        stop_process(server)
    output = done.stdout
    context = f"stdout:\n{output}\nstderr:\n{done.stderr}\nserver:\n{log.read_text()[-4000:]}"
    assert done.returncode == 0, context
    assert output.count("SUCCEEDED") == 2, context
    assert "hello ['--day', '2024-01-01'," in output, context
    assert "rows: 2" in output, context
    served = log.read_text()
    assert re.search(r"this node runs pythonshell \(.+\); glueetl \(Spark [\d.]+, Java", served)
