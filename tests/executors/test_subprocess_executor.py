"""SubprocessExecutor on real job processes: output, status, environment, files, kill, reattach."""

from __future__ import annotations

import json
import os
import subprocess
import time
import zipfile
from pathlib import Path

import psutil
import pytest
from executor_support import (
    PYTHON,
    RUNTIME,
    TIMEOUT,
    MakeRequest,
    WriteScript,
    gone,
    run,
    wait_for_line,
)

from gluerun.errors import ExecutorError
from gluerun.executors.base import ExitStatus, ProcessHandle
from gluerun.executors.subprocess import SubprocessExecutor


def test_success_captures_stdout_and_stderr(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    script = write_script(
        """
        import sys
        print("to stdout")
        print("to stderr", file=sys.stderr)
        """
    )
    request = make_request(script)
    execution = executor.launch(request)
    assert execution.wait(TIMEOUT) == ExitStatus(0, None)
    assert (request.run_dir / "stdout.log").read_text() == "to stdout\n"
    assert (request.run_dir / "stderr.log").read_text() == "to stderr\n"
    assert (request.run_dir / "exit_code").read_text().strip() == "0"
    assert (request.run_dir / "job.py").read_text() == script.read_text()


def test_handle_names_the_wrapper_process(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    request = make_request(write_script("pass\n"))
    execution = executor.launch(request)
    handle = execution.handle
    assert handle.run_dir == request.run_dir.resolve()
    assert abs(handle.started - time.time()) < 5
    assert execution.wait(TIMEOUT) == ExitStatus(0)


def test_script_receives_argv(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    script = write_script("import json, sys\nprint(json.dumps(sys.argv))\n")
    request = make_request(script, argv=["--day", "2024-01-01", "--empty", "", "--sp", "a b"])
    assert run(executor, request).succeeded
    argv = json.loads((request.run_dir / "stdout.log").read_text())
    assert argv == [str(request.run_dir.resolve() / "job.py"), *request.argv]


def test_script_runs_in_its_run_directory(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    request = make_request(write_script("import os\nprint(os.getcwd())\n"))
    assert run(executor, request).succeeded
    assert (request.run_dir / "stdout.log").read_text().strip() == str(request.run_dir.resolve())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("raise ValueError('boom')\n", "ValueError: boom"),
        (
            "import gluerun_no_such_module\n",
            "ModuleNotFoundError: No module named 'gluerun_no_such_module'",
        ),
        ("def f():\n    raise KeyError('k')\nf()\n", "KeyError: 'k'"),
        ("raise RuntimeError('first line\\nsecond line')\n", "RuntimeError: first line"),
        ("x = (\n", "SyntaxError: '(' was never closed"),
        (
            "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n"
            "    raise ValueError('wrapped') from e\n",
            "ValueError: wrapped",
        ),
    ],
)
def test_failure_message_is_the_exception_line(
    executor: SubprocessExecutor,
    make_request: MakeRequest,
    write_script: WriteScript,
    body: str,
    message: str,
) -> None:
    status = run(executor, make_request(write_script(body)))
    assert status == ExitStatus(1, message)
    assert not status.succeeded


def test_system_exit_without_traceback(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    status = run(executor, make_request(write_script("raise SystemExit(3)\n")))
    assert status == ExitStatus(3, "Command failed with exit code 3")


def test_script_killed_by_a_signal(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    script = write_script("import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n")
    status = run(executor, make_request(script))
    assert status == ExitStatus(-9, "Process killed by signal 9")


def test_wait_with_timeout_returns_none_while_running(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    execution = executor.launch(make_request(write_script("import time\ntime.sleep(0.5)\n")))
    assert execution.wait(0.05) is None
    assert execution.wait(TIMEOUT) == ExitStatus(0)
    assert execution.wait(0) == ExitStatus(0)


def test_missing_local_script_raises(
    executor: SubprocessExecutor, make_request: MakeRequest, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.py"
    with pytest.raises(ExecutorError, match=f"Script not found: {missing}"):
        executor.launch(make_request(missing))


@pytest.mark.parametrize(
    "location", ["relative/job.py", "https://example.com/job.py", "s3://bucket"]
)
def test_unsupported_script_location_raises(
    executor: SubprocessExecutor, make_request: MakeRequest, location: str
) -> None:
    with pytest.raises(ExecutorError, match="location"):
        executor.launch(make_request(location))


def test_file_uri_script_location(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    script = write_script("print('via file uri')\n", name="my job.py")
    request = make_request(script.as_uri())
    assert run(executor, request).succeeded
    assert (request.run_dir / "stdout.log").read_text() == "via file uri\n"
    assert (request.run_dir / "my job.py").exists()


def test_environment_is_clean(
    cache_dir: Path,
    make_request: MakeRequest,
    write_script: WriteScript,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("GLUERUN_SECRET", "s3cr3t")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "server-secret")
    executor = SubprocessExecutor(
        PYTHON,
        RUNTIME,
        cache_dir,
        base_env={"FROM_BASE": "b", "SHARED": "base", "PYTHONPATH": "/base/lib"},
    )
    script = write_script("import json, os\nprint(json.dumps(dict(os.environ)))\n")
    request = make_request(script, env={"SHARED": "run", "FROM_RUN": "r"})
    assert run(executor, request).succeeded
    env = json.loads((request.run_dir / "stdout.log").read_text())
    assert "GLUERUN_SECRET" not in env
    assert "AWS_SECRET_ACCESS_KEY" not in env
    allowed = {"PATH", "HOME", "LANG", "TMPDIR", "PYTHONPATH", "PYTHONUNBUFFERED", "PWD"}
    allowed.add("PYTHONNOUSERSITE")
    assert set(env) - allowed == {"FROM_BASE", "SHARED", "FROM_RUN"}
    assert env["SHARED"] == "run"
    assert env["PYTHONUNBUFFERED"] == env["PYTHONNOUSERSITE"] == "1"
    assert env["HOME"] == str(request.run_dir.resolve())
    assert env["PYTHONPATH"].split(os.pathsep) == [str(RUNTIME), "/base/lib"]
    assert env["PATH"].split(os.pathsep)[0] == os.path.dirname(os.path.abspath(PYTHON))


def test_awsglue_get_resolved_options_in_a_job(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    script = write_script(
        """
        import json, sys
        from awsglue.utils import getResolvedOptions
        print(json.dumps(getResolvedOptions(sys.argv, ["JOB_NAME", "day"])))
        """
    )
    argv = ["--JOB_NAME", "job", "--JOB_RUN_ID", "jr_1", "--day", "mon", "--other", "x"]
    request = make_request(script, argv=argv)
    assert run(executor, request).succeeded
    resolved = json.loads((request.run_dir / "stdout.log").read_text())
    assert resolved["JOB_NAME"] == "job"
    assert resolved["day"] == "mon"
    assert resolved["JOB_RUN_ID"] == "jr_1"
    assert resolved["job_bookmark_option"] == "job-bookmark-disable"


def test_awsglue_missing_argument_fails_the_run(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    script = write_script(
        "import sys\nfrom awsglue.utils import getResolvedOptions\n"
        "getResolvedOptions(sys.argv, ['day'])\n"
    )
    status = run(executor, make_request(script))
    assert status == ExitStatus(
        1, "awsglue.utils.GlueArgumentError: the following arguments are required: --day"
    )


def test_extra_py_files_py_and_zip(
    executor: SubprocessExecutor,
    make_request: MakeRequest,
    write_script: WriteScript,
    tmp_path: Path,
) -> None:
    helper = write_script("def hello():\n    return 'hello from helper'\n", name="helper.py")
    other = write_script("VALUE = 7\n", name="other.py")
    archive = tmp_path / "libs" / "bundle.zip"
    archive.parent.mkdir()
    with zipfile.ZipFile(archive, "w") as zf:
        zf.writestr("zipped/__init__.py", "WHERE = __file__\n")
    script = write_script(
        """
        import helper, other, zipped
        print(helper.hello(), other.VALUE, zipped.WHERE)
        """
    )
    extra = f"{helper}, {other.as_uri()},{archive}"
    request = make_request(script, arguments={"--extra-py-files": extra})
    status = run(executor, request)
    assert status.succeeded, status
    out = (request.run_dir / "stdout.log").read_text()
    assert out.startswith("hello from helper 7 ")
    assert str(archive) in out
    assert (request.run_dir / "extra-py" / "helper.py").exists()
    assert (request.run_dir / "extra-py" / "other.py").exists()


def test_missing_extra_py_file_raises(
    executor: SubprocessExecutor,
    make_request: MakeRequest,
    write_script: WriteScript,
    tmp_path: Path,
) -> None:
    script = write_script("pass\n")
    for missing in (tmp_path / "gone.py", tmp_path / "gone.zip"):
        request = make_request(script, arguments={"--extra-py-files": str(missing)})
        with pytest.raises(ExecutorError, match=f"Extra Python file not found: {missing}"):
            executor.launch(request)


def test_kill_ends_the_whole_tree(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    script = write_script(
        """
        import subprocess, time
        child = subprocess.Popen(["sleep", "300"])
        escaped = subprocess.Popen(["sleep", "300"], start_new_session=True)
        print(child.pid, escaped.pid, flush=True)
        time.sleep(300)
        """
    )
    request = make_request(script)
    execution = executor.launch(request)
    pids = [int(p) for p in wait_for_line(request.run_dir / "stdout.log").split()]
    script_pid = psutil.Process(execution.handle.pid).children()[0].pid
    started = time.monotonic()
    execution.kill(grace=2.0)
    assert time.monotonic() - started < 2.0, "SIGTERM should have been enough"
    for pid in [execution.handle.pid, script_pid, *pids]:
        assert gone(pid), pid
    status = execution.wait(TIMEOUT)
    assert status is not None
    assert status.code == -15
    assert status.error_message == "Process killed by signal 15"
    execution.kill()  # idempotent
    assert execution.wait(0) == status


def test_kill_escalates_to_sigkill_after_grace(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    script = write_script(
        """
        import signal, time
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        print("ready", flush=True)
        time.sleep(300)
        """
    )
    request = make_request(script)
    execution = executor.launch(request)
    wait_for_line(request.run_dir / "stdout.log")
    script_pid = psutil.Process(execution.handle.pid).children()[0].pid
    started = time.monotonic()
    execution.kill(grace=0.3)
    assert 0.3 <= time.monotonic() - started < 5
    assert gone(script_pid)
    assert execution.wait(TIMEOUT) is not None


def test_kill_after_exit_is_a_no_op(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    execution = executor.launch(make_request(write_script("pass\n")))
    assert execution.wait(TIMEOUT) == ExitStatus(0)
    execution.kill(grace=0)
    assert execution.wait(0) == ExitStatus(0)


def test_reattach_from_another_executor_then_finished_status(
    executor: SubprocessExecutor,
    make_request: MakeRequest,
    write_script: WriteScript,
    cache_dir: Path,
) -> None:
    script = write_script("import time\ntime.sleep(0.4)\nraise ValueError('late')\n")
    first = executor.launch(make_request(script))
    handle = first.handle
    restarted = SubprocessExecutor(PYTHON, RUNTIME, cache_dir)
    assert restarted.finished_status(handle) is None

    execution = restarted.reattach(handle)
    assert execution is not None
    assert execution.handle == handle
    assert execution.wait(0.05) is None
    expected = ExitStatus(1, "ValueError: late")
    assert execution.wait(TIMEOUT) == expected

    assert restarted.finished_status(handle) == expected
    assert restarted.reattach(handle) is None
    assert first.wait(TIMEOUT) == expected


def test_reattach_refuses_a_reused_pid(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript
) -> None:
    execution = executor.launch(make_request(write_script("import time\ntime.sleep(5)\n")))
    try:
        handle = execution.handle
        stale = ProcessHandle(handle.pid, handle.started - 100, handle.run_dir)
        assert executor.reattach(stale) is None
        assert executor.finished_status(stale) is None
    finally:
        execution.kill(grace=1)


def test_reattached_execution_can_kill(
    executor: SubprocessExecutor,
    make_request: MakeRequest,
    write_script: WriteScript,
    cache_dir: Path,
) -> None:
    script = write_script("import time\nprint('up', flush=True)\ntime.sleep(300)\n")
    request = make_request(script)
    first = executor.launch(request)
    wait_for_line(request.run_dir / "stdout.log")
    script_pid = psutil.Process(first.handle.pid).children()[0].pid
    execution = SubprocessExecutor(PYTHON, RUNTIME, cache_dir).reattach(first.handle)
    assert execution is not None
    execution.kill(grace=2)
    assert gone(script_pid)
    assert gone(first.handle.pid)
    assert execution.wait(TIMEOUT) == ExitStatus(-15, "Process killed by signal 15")


def test_finished_status_of_a_run_that_never_recorded(
    tmp_path: Path, executor: SubprocessExecutor
) -> None:
    handle = ProcessHandle(2**22 + 1, 0.0, tmp_path)
    assert executor.finished_status(handle) is None
    assert executor.reattach(handle) is None


def test_unknown_python_raises(cache_dir: Path) -> None:
    with pytest.raises(ExecutorError, match="Python interpreter not found"):
        SubprocessExecutor("/nonexistent/python3", RUNTIME, cache_dir)


def test_boto3_is_not_imported_without_s3(
    make_request: MakeRequest, write_script: WriteScript, tmp_path: Path
) -> None:
    request = make_request(write_script("pass\n"))
    probe = f"""
import sys
from pathlib import Path
from gluerun.executors.base import LaunchRequest
from gluerun.executors.subprocess import SubprocessExecutor
executor = SubprocessExecutor(sys.executable, Path({str(RUNTIME)!r}), Path({str(tmp_path)!r}))
request = LaunchRequest("r", "j", "pythonshell", {request.script_location!r}, None, [], {{}},
                        Path({str(request.run_dir)!r}), {{}})
assert executor.launch(request).wait(10).code == 0
print("boto3" in sys.modules, "botocore" in sys.modules)
"""
    result = subprocess.run([PYTHON, "-c", probe], capture_output=True, text=True, check=True)
    assert result.stdout == "False False\n"
