"""Derive aws-glue-libs' public Python API from its source: the data of the coverage test.

``python tests/spark/aws_glue_libs_names.py CHECKOUT COMMIT > tests/spark/aws_glue_libs_api.txt``
reads the ``awsglue`` package of an aws-glue-libs checkout with ``ast`` (nothing is imported)
and prints one line per public name with its parameters, so the list the coverage test checks
gluerun against is aws-glue-libs' own, not a hand-written one.

What counts as public, per module of ``awsglue`` (``scripts/`` and ``glue_shell.py``, which
are command-line tools, left out):

- classes and functions not starting with ``_``, also those defined under a top-level ``if``
  (aws-glue-libs defines its Python 2/3 helpers so);
- a class's methods not starting with ``_``, and its container protocol (``__getitem__``,
  ``__len__``, ``__iter__``); a subclass of ``GlueTransform`` does not repeat the methods it
  overrides (its ``__call__`` is given with the class);
- upper-case constants (``ALL_TRANSFORMS``);
- names a package's ``__init__`` imports from its own modules (``awsglue.transforms.Map``).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from pathlib import Path

CONTAINER = ("__getitem__", "__len__", "__iter__")
SKIPPED = ("scripts", "glue_shell")


def params(function: ast.FunctionDef, method: bool) -> str:
    """The parameters as ``a, b=, *args, **kw`` (``=`` marks a default), without self/cls."""
    args = function.args
    positional = [*args.posonlyargs, *args.args][1 if method else 0 :]
    first_default = len(positional) - len(args.defaults)
    out = [a.arg + ("=" if i >= first_default else "") for i, a in enumerate(positional)]
    if args.vararg:
        out.append("*" + args.vararg.arg)
    out += [a.arg + "=" for a in args.kwonlyargs]
    if args.kwarg:
        out.append("**" + args.kwarg.arg)
    return "(" + ", ".join(out) + ")"


def _defined(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    for node in body:
        if isinstance(node, ast.If | ast.Try):
            yield from _defined([*node.body, *getattr(node, "orelse", [])])
        else:
            yield node


def _class_lines(module: str, node: ast.ClassDef) -> Iterator[str]:
    call = next(
        (m for m in node.body if isinstance(m, ast.FunctionDef) and m.name == "__call__"), None
    )
    yield f"{module}.{node.name}" + (params(call, True) if call else "")
    transform = any(isinstance(b, ast.Name) and b.id == "GlueTransform" for b in node.bases)
    for member in node.body:
        if not isinstance(member, ast.FunctionDef):
            continue
        public = not member.name.startswith("_") or member.name in CONTAINER
        if public and not transform:
            static = any(
                isinstance(d, ast.Name) and d.id == "staticmethod" for d in member.decorator_list
            )
            yield f"{module}.{node.name}.{member.name}" + params(member, not static)


def module_lines(module: str, tree: ast.Module) -> Iterator[str]:
    """The public names one module defines (and, for a package, imports from itself)."""
    for node in _defined(tree.body):
        if isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
            yield from _class_lines(module, node)
        elif isinstance(node, ast.FunctionDef) and not node.name.startswith("_"):
            yield f"{module}.{node.name}" + params(node, False)
        elif isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name) and target.id.isupper():
                    yield f"{module}.{target.id}"
        elif isinstance(node, ast.ImportFrom) and node.level == 1:
            yield from (f"{module}.{alias.name}" for alias in node.names)


def public_names(checkout: Path) -> list[str]:
    """Every public name of the checkout's ``awsglue`` package, with parameters, unique."""
    seen: dict[str, None] = {}
    for path in sorted((checkout / "awsglue").rglob("*.py")):
        relative = path.relative_to(checkout).with_suffix("")
        if any(part in SKIPPED for part in relative.parts):
            continue
        parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
        for line in module_lines(".".join(parts), ast.parse(path.read_text())):
            seen.setdefault(line)
    return list(seen)


def main(checkout: str, commit: str) -> None:
    print(f"# aws-glue-libs' public Python API (awslabs/aws-glue-libs at {commit}, awsglue/),")
    print("# derived by tests/spark/aws_glue_libs_names.py (its docstring says what counts as")
    print("# public). Data for test_awsglue_api_coverage.py: regenerate, never edit by hand.")
    for line in public_names(Path(checkout)):
        print(line)


if __name__ == "__main__":
    main(*sys.argv[1:3])
