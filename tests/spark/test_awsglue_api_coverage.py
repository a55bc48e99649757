"""docs/awsglue-api.md is true: every aws-glue-libs name listed, each status as the runtime is,
and what works takes aws-glue-libs' parameters."""

from __future__ import annotations

import importlib
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

from aws_glue_libs_names import public_names
from awsglue._unsupported import MARK

ROOT = Path(__file__).resolve().parents[2]
NAMES = Path(__file__).with_name("aws_glue_libs_api.txt")
TABLE = ROOT / "docs" / "awsglue-api.md"
ROW = re.compile(r"^\| `(?P<name>awsglue[\w.]*)` \| (?P<status>\w+) \| (?P<note>.*) \|$")
STATUSES = {"works", "differs", "fails", "absent", "catalog"}
#: a line of the names file: ``awsglue.mod.Name`` or ``awsglue.mod.Name(a, b=, *c, **d)``
LINE = re.compile(r"^(?P<name>[\w.]+)(?:\((?P<params>.*)\))?$")


def upstream_lines() -> list[re.Match[str]]:
    lines = [line.strip() for line in NAMES.read_text().splitlines()]
    matches = [LINE.match(line) for line in lines if line and not line.startswith("#")]
    assert all(matches)
    return [match for match in matches if match]


def upstream_names() -> list[str]:
    return [match["name"] for match in upstream_lines()]


def table() -> dict[str, tuple[str, str]]:
    rows = {}
    for line in TABLE.read_text().splitlines():
        match = ROW.match(line)
        if match:
            rows[match["name"]] = (match["status"], match["note"].strip())
    return rows


def resolve(name: str) -> Any:
    """The runtime's object for a dotted name (longest importable module, then attributes)."""
    parts = name.split(".")
    for cut in range(len(parts), 0, -1):
        try:
            found: Any = importlib.import_module(".".join(parts[:cut]))
        except ImportError:
            continue
        for attr in parts[cut:]:
            found = getattr(found, attr, None)
            if found is None:
                return None
        return found
    return None


def test_the_table_lists_exactly_the_upstream_names() -> None:
    names = upstream_names()
    assert len(names) == len(set(names)) > 200
    assert sorted(table()) == sorted(names)


def problem(name: str, status: str, note: str) -> str | None:
    """What is untrue about one row of the table, or None."""
    if status not in STATUSES:
        return f"unknown status {status!r}"
    found = resolve(name)
    marked = getattr(found, MARK, None) if found is not None else None
    if status in ("works", "differs", "catalog") and (found is None or marked):
        return f"listed as {status} but {'missing' if found is None else 'marked unsupported'}"
    if status in ("differs", "absent") and not note:
        return "say what differs or what to use instead"
    if status == "fails" and (not marked or note != marked):
        return "must be marked unsupported in the runtime, with this note as its reason"
    if status == "absent" and found is not None:
        return "exists now: give it its real status"
    return None


def test_each_status_is_what_the_runtime_does() -> None:
    rows = table()
    problems = {name: problem(name, *rows[name]) for name in upstream_names()}
    assert {name: why for name, why in problems.items() if why} == {}


def test_an_unsupported_call_names_itself_and_why(glue_context: Any) -> None:
    with pytest.raises(NotImplementedError, match=r"forEachBatch: streaming sources"):
        glue_context.forEachBatch(None, print)


def signature_problem(found: Any, upstream: list[str]) -> str | None:
    """Why a call written for aws-glue-libs' parameters `upstream` (``a``, ``b=``, ``*c``,
    ``**d``) would not bind the same way to `found` (a function, or a transform class by its
    ``__call__``), or None."""
    target = found.__call__ if isinstance(found, type) else found
    params = [p for p in inspect.signature(target).parameters.values() if p.name != "self"]
    positional = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    kinds = {p.kind for p in params}
    named = [u.rstrip("=") for u in upstream if not u.startswith("*")]
    for index, name in enumerate(named):
        if index >= len(positional) or positional[index] != name:
            return f"{name!r} is not parameter {index} of {positional}"
    starred = {u.split("*")[-1]: u.count("*") for u in upstream if u.startswith("*")}
    if 2 in starred.values() and inspect.Parameter.VAR_KEYWORD not in kinds:
        return "takes no **kwargs"
    if 1 in starred.values() and inspect.Parameter.VAR_POSITIONAL not in kinds:
        return "takes no *args"
    plain = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    required = [p.name for p in params if p.default is p.empty and p.kind in plain]
    extra = [name for name in required if name not in named]
    return f"also requires {extra}" if extra else None


def test_what_works_takes_aws_glue_libs_parameters() -> None:
    rows = table()
    problems = {}
    for line in upstream_lines():
        if line["params"] is None or rows[line["name"]][0] in ("fails", "absent"):
            continue
        upstream = [p.strip() for p in line["params"].split(",") if p.strip()]
        problems[line["name"]] = signature_problem(resolve(line["name"]), upstream)
    assert {name: why for name, why in problems.items() if why} == {}


def test_a_renamed_or_moved_parameter_is_caught() -> None:
    def moved(frame: Any, transformation_ctx: str = "", info: str = "") -> None: ...
    def closed(frame: Any, info: str = "") -> None: ...

    assert signature_problem(moved, ["frame", "info=", "transformation_ctx="]) is not None
    assert signature_problem(closed, ["frame", "info=", "**kwargs"]) == "takes no **kwargs"
    assert signature_problem(moved, ["frame", "transformation_ctx="]) is None


def test_the_names_come_from_the_source_by_the_documented_rule(tmp_path: Path) -> None:
    package = tmp_path / "awsglue" / "transforms"
    package.mkdir(parents=True)
    (tmp_path / "awsglue" / "__init__.py").write_text("from .frame import DynamicFrame\n")
    (package / "__init__.py").write_text("from .unbox import Unbox\nALL_TRANSFORMS = {Unbox}\n")
    (package / "unbox.py").write_text(
        "class Unbox(GlueTransform):\n"
        "    def __call__(self, frame, path, ctx='', **options): pass\n"
        "    @classmethod\n    def describeArgs(cls): pass\n"
    )
    (tmp_path / "awsglue" / "frame.py").write_text(
        "import sys\nif sys.version >= '3':\n    def iteritems(d, **kw): pass\n"
        "class DynamicFrame:\n    def __len__(self): pass\n    def _hidden(self): pass\n"
        "    @staticmethod\n    def fromDF(df, ctx, name): pass\n"
    )
    assert sorted(public_names(tmp_path)) == [
        "awsglue.DynamicFrame",
        "awsglue.frame.DynamicFrame",
        "awsglue.frame.DynamicFrame.__len__()",
        "awsglue.frame.DynamicFrame.fromDF(df, ctx, name)",
        "awsglue.frame.iteritems(d, **kw)",
        "awsglue.transforms.ALL_TRANSFORMS",
        "awsglue.transforms.Unbox",
        "awsglue.transforms.unbox.Unbox(frame, path, ctx=, **options)",
    ]
