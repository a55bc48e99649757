"""--additional-python-modules: pip installs into the shared cache, reused, never the server."""

from __future__ import annotations

import importlib.util
import threading
from pathlib import Path

import pytest
from executor_support import MakeRequest, WriteScript, build_wheel, run

from gluerun.errors import ExecutorError
from gluerun.executors.pymodules import MARKER, PIP_LOG, parse_specs
from gluerun.executors.subprocess import SubprocessExecutor

#: keep pip offline: the test wheels are local files
OFFLINE = "--no-index --no-cache-dir"

USE_MODULE = """
import gluerun_testmod
print(gluerun_testmod.VALUE, gluerun_testmod.__file__)
"""


@pytest.fixture
def wheel(tmp_path: Path) -> Path:
    return build_wheel(tmp_path / "wheels", "gluerun_testmod", "1.0", "VALUE = 42\n")


def modules(spec: str) -> dict[str, str]:
    return {
        "--additional-python-modules": spec,
        "--python-modules-installer-option": OFFLINE,
    }


def test_parse_specs() -> None:
    assert parse_specs(" a==1.0, b>=2 ,,/w/c.whl,") == ["a==1.0", "b>=2", "/w/c.whl"]


def test_local_wheel_is_installed_then_reused(
    executor: SubprocessExecutor,
    make_request: MakeRequest,
    write_script: WriteScript,
    wheel: Path,
    cache_dir: Path,
) -> None:
    script = write_script(USE_MODULE)
    first = make_request(script, arguments=modules(str(wheel)))
    status = run(executor, first)
    assert status.succeeded, status
    out = (first.run_dir / "stdout.log").read_text()
    assert out.startswith(f"42 {cache_dir.resolve()}/")
    assert (first.run_dir / PIP_LOG).exists()
    (target,) = [p for p in cache_dir.iterdir() if (p / MARKER).is_file()]
    marker_mtime = (target / MARKER).stat().st_mtime_ns

    # The same spec list, spelled with extra blanks and commas: a cache hit.
    second = make_request(script, arguments=modules(f" {wheel} ,"))
    assert run(executor, second).succeeded
    assert (second.run_dir / "stdout.log").read_text() == out
    assert not (second.run_dir / PIP_LOG).exists(), "pip ran again"
    assert (target / MARKER).stat().st_mtime_ns == marker_mtime
    assert importlib.util.find_spec("gluerun_testmod") is None, "installed into the server"


def test_concurrent_installs_of_a_file_uri_wheel_share_one_pip_run(
    executor: SubprocessExecutor, make_request: MakeRequest, write_script: WriteScript, wheel: Path
) -> None:
    script = write_script(USE_MODULE)
    requests = [make_request(script, arguments=modules(wheel.as_uri())) for _ in range(2)]
    errors: list[BaseException] = []

    def launch(index: int) -> None:
        try:
            run(executor, requests[index])
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    threads = [threading.Thread(target=launch, args=(i,)) for i in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert sum((r.run_dir / PIP_LOG).exists() for r in requests) == 1
    for request in requests:
        assert (request.run_dir / "stdout.log").read_text().startswith("42 ")


def test_failed_install_raises_with_pip_errors(
    executor: SubprocessExecutor,
    make_request: MakeRequest,
    write_script: WriteScript,
    cache_dir: Path,
) -> None:
    request = make_request(write_script("pass\n"), arguments=modules("gluerun-no-such-pkg==9.9"))
    with pytest.raises(ExecutorError) as info:
        executor.launch(request)
    message = info.value.message
    assert message.startswith("Installing --additional-python-modules failed (pip exit code 1)")
    assert "ERROR:" in message
    assert "gluerun-no-such-pkg" in message
    assert not (request.run_dir / "stdout.log").exists(), "the job must not start"
    assert not any((p / MARKER).exists() for p in cache_dir.iterdir() if p.is_dir())


def test_missing_wheel_raises(
    executor: SubprocessExecutor,
    make_request: MakeRequest,
    write_script: WriteScript,
    tmp_path: Path,
) -> None:
    missing = tmp_path / "nope-1.0-py3-none-any.whl"
    request = make_request(write_script("pass\n"), arguments=modules(str(missing)))
    with pytest.raises(ExecutorError, match=f"Python module not found: {missing}"):
        executor.launch(request)
