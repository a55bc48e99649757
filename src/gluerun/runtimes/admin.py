"""What `gluerun runtimes` does: list the node's runtimes, build them ahead of time, remove them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path

from gluerun.errors import ConfigError, ExecutorError
from gluerun.runtimes.cache import RuntimeCache
from gluerun.runtimes.catalog import CATALOG, RuntimeSpec

Echo = Callable[[str], None]


def specs(names: Sequence[str]) -> list[RuntimeSpec]:
    """The runtimes named (all when none is).

    Raises:
        ConfigError: a name gluerun does not know.
    """
    unknown = [name for name in names if name not in CATALOG]
    if unknown:
        raise ConfigError(f"Unknown runtime {', '.join(unknown)}: known are {', '.join(CATALOG)}")
    return [CATALOG[name] for name in names] if names else list(CATALOG.values())


def rows(cache: RuntimeCache) -> list[dict[str, str]]:
    """One row per known runtime: the interpreter it gets here and whether it is built."""
    out: list[dict[str, str]] = []
    for spec in CATALOG.values():
        row = {"Runtime": spec.name, "Glue Python": _version(spec.python), "Summary": spec.summary}
        try:
            plan = cache.plan(spec)
        except ExecutorError as exc:
            out.append({**row, "Python here": "-", "State": str(exc), "Path": ""})
            continue
        state = "built" if cache.ready(plan) else "not built"
        if plan.left_out:
            state += f" (without {', '.join(line.split('=')[0] for line in plan.left_out)})"
        out.append(
            {
                **row,
                "Python here": plan.interpreter.version_text,
                "State": state,
                "Path": str(plan.path),
            }
        )
    return out


def table(cache: RuntimeCache) -> list[str]:
    """`rows` as aligned text lines, with a header."""
    found = rows(cache)
    header = ["Runtime", "Glue Python", "Python here", "State", "Path"]
    cells = [header, *([row[name] for name in header] for row in found)]
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(line, widths, strict=True)).rstrip() for line in cells
    ]


def prepare(cache: RuntimeCache, names: Sequence[str], echo: Echo) -> None:
    """Build the runtimes named (all when none is) that this node does not have yet."""
    for spec in specs(names):
        plan = cache.plan(spec)
        if cache.ready(plan):
            echo(f"{spec.name}: already built ({plan.path})")
            continue
        cache.ensure(plan, echo)


def remove(cache: RuntimeCache, names: Sequence[str], echo: Echo) -> None:
    """Delete every built runtime of the names given (all when none is), stale ones too."""
    wanted = {spec.name for spec in specs(names)}
    for manifest in cache.installed():
        if manifest.get("name") in wanted:
            cache.remove(Path(manifest["path"]))
            echo(f"removed {manifest['path']}")
    if not names:
        cache.clear_staging()


def _version(version: tuple[int, int]) -> str:
    return ".".join(map(str, version))
