"""The pythonshell executor with runtimes: a run's --additional-python-modules layer on top of
its runtime, re-versioning a provided module as on Glue."""

from __future__ import annotations

import sys
import textwrap
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(TESTS / "e2e"))
sys.path.insert(0, str(TESTS / "executors"))

from executor_support import PYTHON, RUNTIME, build_wheel, run  # noqa: E402
from live_server import RUNTIMES_DIR, prepare_runtimes  # noqa: E402

from gluerun.executors.base import LaunchRequest  # noqa: E402
from gluerun.executors.subprocess import SubprocessExecutor  # noqa: E402
from gluerun.runtimes.cache import RuntimeCache  # noqa: E402

OFFLINE = "--no-index --no-cache-dir"
SCRIPT = """
import sys
import awscli, six
print(sys.prefix.rsplit("/", 1)[-1].rsplit("-", 1)[0], six.VALUE, awscli.__version__)
"""


def test_additional_modules_layer_on_top_of_the_runtime(tmp_path: Path) -> None:
    prepare_runtimes("pythonshell-3.9-none")
    executor = SubprocessExecutor(
        PYTHON, RUNTIME, tmp_path / "cache", runtimes=RuntimeCache(RUNTIMES_DIR)
    )
    wheel = build_wheel(tmp_path / "wheels", "six", "99.0", "VALUE = 'layered'\n")
    script = tmp_path / "job.py"
    script.write_text(textwrap.dedent(SCRIPT))
    request = LaunchRequest(
        run_id="jr_1",
        job_name="job",
        command_name="pythonshell",
        script_location=str(script),
        python_version="3.9",
        argv=[],
        arguments={
            "library-set": "none",
            "--additional-python-modules": str(wheel),
            "--python-modules-installer-option": OFFLINE,
        },
        run_dir=tmp_path / "runs" / "jr_1",
        env={},
    )
    status = run(executor, request)
    assert status.succeeded, (request.run_dir / "stderr.log").read_text()
    out = (request.run_dir / "stdout.log").read_text().split()
    assert out == ["pythonshell-3.9-none", "layered", "1.23.5"]
