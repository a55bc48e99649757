"""The runtimes gluerun knows, and which one a run gets (docs/runtimes.md).

A Python shell run gets the runtime of its PythonVersion and ``library-set``; a Spark run the
one of its GlueVersion. A request gluerun has no runtime for gets the closest one, with a note
for the run's error stream: never silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources

from gluerun.errors import ExecutorError

PYTHONSHELL = "pythonshell"
GLUEETL = "glueetl"
#: the job argument choosing a Python shell 3.9 library set (Glue spells it without dashes)
LIBRARY_SET = "library-set"
LIBRARY_SETS = ("analytics", "none")
#: Glue's console default, and what gluerun uses when a job names none
DEFAULT_LIBRARY_SET = "analytics"

Version = tuple[int, int]


@dataclass(frozen=True)
class RuntimeSpec:
    """One runtime: its name, the interpreter Glue uses for it, and its pinned libraries."""

    name: str
    command: str
    #: the Python version AWS Glue runs this kind of job on
    python: Version
    #: the oldest interpreter that may stand in for `python` (PySpark 3.5 needs 3.8)
    min_python: Version
    #: pip requirement lines (markers allowed; ``# needs: LIB`` marks a system library need)
    requirements: str
    #: whether the node's Spark (pyspark and py4j) is put on the job's path
    spark: bool = False
    summary: str = ""


def _set(name: str) -> str:
    return resources.files(__package__).joinpath("sets", f"{name}.txt").read_text()


def _spec(
    name: str, command: str, python: Version, summary: str, spark: bool = False
) -> RuntimeSpec:
    minimum = (3, 8) if spark else (3, 6)
    return RuntimeSpec(name, command, python, minimum, _set(name), spark, summary)


#: every runtime, by name
CATALOG: Mapping[str, RuntimeSpec] = {
    spec.name: spec
    for spec in (
        _spec(
            "pythonshell-3.9-analytics",
            PYTHONSHELL,
            (3, 9),
            "Python shell 3.9, library-set analytics",
        ),
        _spec("pythonshell-3.9-none", PYTHONSHELL, (3, 9), "Python shell 3.9, library-set none"),
        _spec("glueetl-4.0", GLUEETL, (3, 10), "Spark job, Glue 4.0 modules", spark=True),
        _spec("glueetl-5.0", GLUEETL, (3, 11), "Spark job, Glue 5.0 modules", spark=True),
    )
}
#: GlueVersion -> runtime for the Glue versions gluerun has a runtime of
SPARK_RUNTIMES = {"4.0": "glueetl-4.0", "5.0": "glueetl-5.0"}
DEFAULT_GLUE_VERSION = "5.0"


@dataclass(frozen=True)
class Selection:
    """The runtime a run gets, and what to tell the run when it is not what it asked for."""

    spec: RuntimeSpec
    note: str | None = None


def select(
    command: str,
    python_version: str | None,
    glue_version: str | None,
    arguments: Mapping[str, str],
) -> Selection:
    """The runtime of a run of `command`.

    Raises:
        ExecutorError: an unknown ``library-set`` value, or a command without runtimes.
    """
    if command == PYTHONSHELL:
        return _pythonshell(python_version, arguments)
    if command == GLUEETL:
        return _glueetl(glue_version)
    raise ExecutorError(f"No runtime for Command.Name {command!r}")


def _pythonshell(python_version: str | None, arguments: Mapping[str, str]) -> Selection:
    raw = arguments.get(LIBRARY_SET, arguments.get(f"--{LIBRARY_SET}", "")).strip().lower()
    library_set = raw or DEFAULT_LIBRARY_SET
    if library_set not in LIBRARY_SETS:
        raise ExecutorError(
            f"Invalid library-set {raw!r}: it must be one of {', '.join(LIBRARY_SETS)}"
        )
    spec = CATALOG[f"pythonshell-3.9-{library_set}"]
    version = (python_version or "3.9").strip()
    if version == "3.9":
        return Selection(spec)
    if version == "3":
        return Selection(
            spec,
            "PythonVersion 3 (Python shell 3.6) reached its end of support on AWS Glue on "
            f"2026-03-01; gluerun runs it in the {spec.name} runtime.",
        )
    return Selection(
        spec, f"gluerun has no Python shell runtime for PythonVersion {version}: using {spec.name}."
    )


def _glueetl(glue_version: str | None) -> Selection:
    version = (glue_version or DEFAULT_GLUE_VERSION).strip()
    name = SPARK_RUNTIMES.get(version)
    if name is not None:
        return Selection(CATALOG[name])
    closest = min(SPARK_RUNTIMES, key=lambda known: _distance(known, version))
    spec = CATALOG[SPARK_RUNTIMES[closest]]
    return Selection(
        spec,
        f"gluerun has no runtime for GlueVersion {version}: the run uses the closest one, "
        f"{spec.name} (GlueVersion {closest}).",
    )


def _distance(known: str, wanted: str) -> tuple[float, float]:
    """How far GlueVersion `wanted` is from `known`; ties go to the newer version."""
    try:
        gap = abs(float(known) - float(wanted))
    except ValueError:
        gap = float("inf")
    return gap, -float(known)
