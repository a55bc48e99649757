"""Unit tests of executors/failure.py: the exception line of a traceback, exit-code files."""

from __future__ import annotations

from pathlib import Path

import pytest

from gluerun.executors.base import ExitStatus
from gluerun.executors.failure import describe_exit, exception_line, read_exit_code, read_tail

SIMPLE = """\
some output
Traceback (most recent call last):
  File "/run/job.py", line 3, in <module>
    main()
    ^^^^^^
  File "/run/job.py", line 2, in main
    raise ValueError("boom")
ValueError: boom
"""

CHAINED = """\
Traceback (most recent call last):
  File "/run/job.py", line 2, in <module>
    1 / 0
ZeroDivisionError: division by zero

During handling of the above exception, another exception occurred:

Traceback (most recent call last):
  File "/run/job.py", line 4, in <module>
    raise KeyError("k")
KeyError: 'k'
"""

GROUP = """\
  + Exception Group Traceback (most recent call last):
  |   File "/run/job.py", line 1, in <module>
  |     raise ExceptionGroup("many", [ValueError("a"), TypeError("b")])
  | ExceptionGroup: many (2 sub-exceptions)
  +-+---------------- 1 ----------------
    | Traceback (most recent call last):
    |   File "/run/job.py", line 1, in <module>
    | ValueError: a
    +---------------- 2 ----------------
    | TypeError: b
    +------------------------------------
"""

SYNTAX = """\
  File "/run/job.py", line 1
    x = (
        ^
SyntaxError: '(' was never closed
"""


@pytest.mark.parametrize(
    ("text", "line"),
    [
        (SIMPLE, "ValueError: boom"),
        (SIMPLE + "atexit says bye\n", "ValueError: boom"),
        (CHAINED, "KeyError: 'k'"),
        (GROUP, "ExceptionGroup: many (2 sub-exceptions)"),
        (SYNTAX, "SyntaxError: '(' was never closed"),
        (SIMPLE.replace("ValueError: boom", "ValueError: two\nlines"), "ValueError: two"),
        (SIMPLE.replace("\n", "\r\n"), "ValueError: boom"),
        ("just a message\n", None),
        ('Traceback (most recent call last):\n  File "x", line 1\n', None),
        ("", None),
    ],
)
def test_exception_line(text: str, line: str | None) -> None:
    assert exception_line(text) == line


def test_read_tail_starts_at_a_line_boundary(tmp_path: Path) -> None:
    path = tmp_path / "stderr.log"
    path.write_bytes(b"x" * 100 + b"\n" + SIMPLE.encode())
    assert read_tail(path, len(SIMPLE) + 5) == SIMPLE
    assert read_tail(tmp_path / "absent", 10) == ""


def test_read_tail_tolerates_bad_utf8(tmp_path: Path) -> None:
    path = tmp_path / "stderr.log"
    path.write_bytes(b"\xff\xfe\nValueError: \xe9\n")
    assert read_tail(path, 100).endswith("ValueError: \ufffd\n")


def test_describe_exit_only_searches_the_tail(tmp_path: Path) -> None:
    path = tmp_path / "stderr.log"
    path.write_text(SIMPLE + "y" * 200 + "\n")
    assert describe_exit(1, path, 100) == ExitStatus(1, "Command failed with exit code 1")
    assert describe_exit(1, path, 10_000) == ExitStatus(1, "ValueError: boom")
    assert describe_exit(0, path, 10_000) == ExitStatus(0, None)
    assert describe_exit(-9, path, 10_000) == ExitStatus(-9, "Process killed by signal 9")


@pytest.mark.parametrize(
    ("content", "code"),
    [("0\n", 0), ("3\n", 3), ("137\n", -9), ("143", -15), ("255\n", 255), ("", None), ("x", None)],
)
def test_read_exit_code(tmp_path: Path, content: str, code: int | None) -> None:
    path = tmp_path / "exit_code"
    path.write_text(content)
    assert read_exit_code(path) == code


def test_read_exit_code_absent(tmp_path: Path) -> None:
    assert read_exit_code(tmp_path / "exit_code") is None
