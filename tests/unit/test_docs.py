"""The docs say what the code does: lifecycle edges match the transition table."""

from __future__ import annotations

import re
from pathlib import Path

from gluerun.model.runs import TRANSITIONS, RunState

DOCS = Path(__file__).parents[2] / "docs"


def test_every_documented_edge_is_allowed_and_every_allowed_edge_is_documented() -> None:
    text = (DOCS / "lifecycle.md").read_text()
    documented: set[tuple[str, str]] = set()
    for sources, targets in re.findall(r"^\| [a-i] \| ([A-Z /]+) → ([A-Z /]+) \|", text, re.M):
        for source in sources.split(" / "):
            for target in targets.split(" / "):
                documented.add((source.strip(), target.strip()))
    allowed = {(s.value, t.value) for s, targets in TRANSITIONS.items() for t in targets}
    assert documented <= allowed
    undocumented = allowed - documented - {(RunState.STARTING.value, RunState.ERROR.value)}
    assert not undocumented
