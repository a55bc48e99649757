"""RuntimeCache on real builds (uv, the node's interpreter) of a tiny runtime."""

from __future__ import annotations

import sys
import threading
from pathlib import Path

import pytest

from gluerun.errors import ExecutorError
from gluerun.runtimes import admin
from gluerun.runtimes.cache import MANIFEST, RuntimeCache
from gluerun.runtimes.catalog import RuntimeSpec

HERE = (sys.version_info[0], sys.version_info[1])


def tiny(requirements: str = "six==1.16.0\n") -> RuntimeSpec:
    return RuntimeSpec("tiny", "pythonshell", HERE, (3, 6), requirements)


@pytest.fixture
def cache(tmp_path: Path) -> RuntimeCache:
    return RuntimeCache(tmp_path / "runtimes", [sys.executable])


def test_two_builders_racing_get_one_build(cache: RuntimeCache) -> None:
    plan = cache.plan(tiny())
    logs: list[list[str]] = [[], []]
    paths: list[Path] = []
    start = threading.Barrier(2)

    def build(log: list[str]) -> None:
        start.wait()
        paths.append(cache.ensure(plan, log.append))

    threads = [threading.Thread(target=build, args=(log,)) for log in logs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert paths == [plan.path, plan.path]
    builds = [any(line.startswith("building runtime tiny") for line in log) for log in logs]
    assert sorted(builds) == [False, True]
    assert any("built meanwhile" in line for log in logs for line in log)
    assert (plan.path / MANIFEST).is_file()
    assert not list((cache.root / ".building").iterdir())


def test_a_runtime_sees_its_own_packages_only(cache: RuntimeCache) -> None:
    import subprocess

    plan = cache.plan(tiny())
    cache.ensure(plan, lambda _: None)
    probe = "import six\ntry:\n    import starlette\nexcept ImportError:\n    print('isolated')"
    out = subprocess.run(
        [str(plan.python), "-c", probe], capture_output=True, text=True, check=True
    ).stdout
    assert out.strip() == "isolated"


def test_a_failed_build_leaves_nothing_behind(cache: RuntimeCache) -> None:
    plan = cache.plan(tiny("no-such-package-gluerun-test==1.0\n"))
    log: list[str] = []
    with pytest.raises(ExecutorError, match=r"Building the runtime failed.*No solution found"):
        cache.ensure(plan, log.append)
    assert not plan.path.exists()
    assert not list((cache.root / ".building").iterdir())


def test_the_key_follows_the_pinned_set(cache: RuntimeCache) -> None:
    assert cache.plan(tiny()).key == cache.plan(tiny()).key
    assert cache.plan(tiny()).key != cache.plan(tiny("six==1.15.0\n")).key


def test_remove_deletes_built_runtimes(
    cache: RuntimeCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(admin.CATALOG, "tiny", tiny())
    plan = cache.plan(tiny())
    cache.ensure(plan, lambda _: None)
    assert [m["name"] for m in cache.installed()] == ["tiny"]
    removed: list[str] = []
    admin.remove(cache, ["tiny"], removed.append)
    assert removed == [f"removed {plan.path}"]
    assert not plan.path.exists()


def test_removing_all_runtimes_spares_a_build_in_progress(
    cache: RuntimeCache, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`gluerun runtimes --remove` clears what interrupted builds left, but not the staging
    directory of a build another process is running (it holds the runtime's lock)."""
    import fcntl

    monkeypatch.setitem(admin.CATALOG, "tiny", tiny())
    plan = cache.plan(tiny())
    building = cache.root / ".building" / f"{plan.path.name}.111.222"
    left_over = cache.root / ".building" / "tiny-0123456789abcdef.333.444"
    for directory in (building, left_over):
        (directory / "bin").mkdir(parents=True)
    (cache.root / ".locks").mkdir()
    with (cache.root / ".locks" / f"{plan.path.name}.lock").open("a") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        admin.remove(cache, [], lambda _: None)
        assert (building / "bin").is_dir()
        assert not left_over.exists()
    admin.remove(cache, [], lambda _: None)
    assert not building.exists()
