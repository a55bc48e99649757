"""Which runtime a run gets (catalog.select), and how a pinned set meets the node."""

from __future__ import annotations

import sys

import pytest

from gluerun.errors import ExecutorError
from gluerun.runtimes import catalog
from gluerun.runtimes.cache import build_constraints, requirement_lines
from gluerun.runtimes.interpreters import Finder, named_minor


@pytest.mark.parametrize(
    ("python_version", "arguments", "expected"),
    [
        ("3.9", {}, "pythonshell-3.9-analytics"),
        (None, {}, "pythonshell-3.9-analytics"),
        ("3.9", {"library-set": "analytics"}, "pythonshell-3.9-analytics"),
        ("3.9", {"library-set": "none"}, "pythonshell-3.9-none"),
        ("3.9", {"--library-set": "None"}, "pythonshell-3.9-none"),
    ],
)
def test_pythonshell_runtime_follows_library_set(
    python_version: str | None, arguments: dict[str, str], expected: str
) -> None:
    selection = catalog.select("pythonshell", python_version, "3.0", arguments)
    assert selection.spec.name == expected
    assert selection.note is None


def test_an_unknown_library_set_is_refused_by_name() -> None:
    with pytest.raises(ExecutorError, match=r"library-set 'pandas'.*analytics, none"):
        catalog.select("pythonshell", "3.9", None, {"library-set": "pandas"})


def test_python_3_6_jobs_run_on_3_9_and_are_told() -> None:
    selection = catalog.select("pythonshell", "3", None, {})
    assert selection.spec.name == "pythonshell-3.9-analytics"
    assert selection.note is not None and "end of support" in selection.note


@pytest.mark.parametrize(
    ("glue_version", "expected", "noted"),
    [
        ("5.0", "glueetl-5.0", False),
        (None, "glueetl-5.0", False),
        ("4.0", "glueetl-4.0", False),
        ("3.0", "glueetl-4.0", True),
        ("5.1", "glueetl-5.0", True),
        ("2.0", "glueetl-4.0", True),
    ],
)
def test_spark_runtime_follows_glue_version(
    glue_version: str | None, expected: str, noted: bool
) -> None:
    selection = catalog.select("glueetl", "3", glue_version, {})
    assert selection.spec.name == expected
    assert (selection.note is not None) is noted


def test_every_pinned_set_pins_every_requirement() -> None:
    for spec in catalog.CATALOG.values():
        kept, _ = requirement_lines(spec.requirements)
        assert kept, spec.name
        assert all("==" in line for line in kept), spec.name


def test_a_requirement_needing_a_missing_library_is_left_out() -> None:
    kept, left_out = requirement_lines(
        "a==1\nb==2  # needs: no-such-library-gluerun\nc==3  # needs: c\n# comment\n"
    )
    assert kept == ["a==1", "c==3"]
    assert left_out == ["b==2"]


def test_a_requirement_needing_a_missing_program_is_left_out() -> None:
    """Source-built packages name the build tools they need: all must be on PATH."""
    kept, left_out = requirement_lines(
        "a==1  # needs: c, command sh\n"
        "b==2  # needs: command no-such-program-gluerun\n"
        "d==4  # needs: command sh, no-such-library-gluerun\n"
    )
    assert kept == ["a==1"]
    assert left_out == ["b==2", "d==4"]


def test_the_finder_prefers_the_version_asked_for_then_the_closest() -> None:
    here = (sys.version_info[0], sys.version_info[1])
    finder = Finder([sys.executable])
    found = finder.choose((3, 9), (3, 6))
    assert found is not None and found.minor == here
    assert finder.choose((3, 9), (here[0], here[1] + 1)) is None


def test_python_file_names_promise_their_version() -> None:
    assert named_minor("/usr/bin/python3.11") == (3, 11)
    assert named_minor("/usr/bin/python3") is None
    assert named_minor("/x/python3.11-config") is None


def test_build_constraints_are_read_from_their_own_lines() -> None:
    text = "# build-constraint: cython<3\na==1\n"
    assert build_constraints(text) == ["cython<3"]
    assert requirement_lines(text) == (["a==1"], [])
