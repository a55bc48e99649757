"""docs/awsglue-api.md is true: every aws-glue-libs name listed, each status as the runtime is."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

from awsglue._unsupported import MARK

ROOT = Path(__file__).resolve().parents[2]
NAMES = Path(__file__).with_name("aws_glue_libs_api.txt")
TABLE = ROOT / "docs" / "awsglue-api.md"
ROW = re.compile(r"^\| `(?P<name>awsglue[\w.]*)` \| (?P<status>\w+) \| (?P<note>.*) \|$")
STATUSES = {"works", "differs", "fails", "absent", "catalog"}


def upstream_names() -> list[str]:
    lines = NAMES.read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


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
