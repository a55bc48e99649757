"""How a job process ended, in words: exit-code files and the exception line of a traceback.

A run's ErrorMessage is the last exception the script's Python printed to stderr (the line
after its traceback, e.g. ``ValueError: boom``), or a reason such as the killing signal.
"""

from __future__ import annotations

import re
from pathlib import Path

from gluerun.executors.base import ExitStatus

#: what Python prints before a traceback
TRACEBACK_HEADER = "Traceback (most recent call last):"
#: what Python prints before the traceback of an uncaught ExceptionGroup
_GROUP_HEADER = re.compile(r"^  \+ Exception Group Traceback \(most recent call last\):$")
_GROUP_LINE = "  | "
#: how a PySpark driver's error quotes the traceback of a failed Python worker (glueetl)
_WORKER_HEADER = re.compile(r"PythonException: Traceback \(most recent call last\):$")
#: a shell reports a child killed by signal N as exit status 128 + N
_SIGNAL_BASE = 128
_MAX_SIGNAL = 64


def read_tail(path: Path, nbytes: int) -> str:
    """The last `nbytes` of a file as text, starting at a line boundary; "" when unreadable."""
    try:
        with path.open("rb") as f:
            size = f.seek(0, 2)
            start = max(0, size - nbytes)
            f.seek(start)
            data = f.read()
    except OSError:
        return ""
    if start > 0:
        newline = data.find(b"\n")
        data = data[newline + 1 :] if newline >= 0 else b""
    return data.decode("utf-8", errors="replace")


def _first_unindented(lines: list[str], strip_prefix: str = "") -> str | None:
    for line in lines:
        if strip_prefix:
            if line.startswith("  +-"):  # end of the group's own traceback
                break
            if not line.startswith(strip_prefix):
                continue
            line = line[len(strip_prefix) :]
        line = line.rstrip()
        if line and not line[0].isspace():
            return line
    return None


def exception_line(text: str) -> str | None:
    """The exception line (``Type: message``) of the last Python traceback in `text`, if any.

    Takes the last ``Traceback (most recent call last):`` that starts a line (or the last
    top-level ExceptionGroup traceback) and returns the first non-indented line after it;
    a multi-line message yields its first line. A Python worker's traceback quoted in a
    PySpark driver's error (``...PythonException: Traceback ...``) counts as a traceback, so a
    failed Spark task reads as its own exception. Without any traceback, a compile error of
    the script (``  File "…", line N`` then ``SyntaxError: …``) still yields its last line.
    """
    lines = text.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index].rstrip()
        if line == TRACEBACK_HEADER or _WORKER_HEADER.search(line):
            return _first_unindented(lines[index + 1 :])
        if _GROUP_HEADER.match(line):
            return _first_unindented(lines[index + 1 :], strip_prefix=_GROUP_LINE)
    for index in range(len(lines) - 1, -1, -1):
        if lines[index].startswith('  File "'):
            return _first_unindented(lines[index + 1 :])
    return None


def describe_exit(code: int, stderr_path: Path, tail_bytes: int) -> ExitStatus:
    """The ExitStatus for exit `code` (negative: killed by that signal) of a job process."""
    if code == 0:
        return ExitStatus(0)
    if code < 0:
        return ExitStatus(code, f"Process killed by signal {-code}")
    message = exception_line(read_tail(stderr_path, tail_bytes))
    return ExitStatus(code, message or f"Command failed with exit code {code}")


def read_exit_code(path: Path) -> int | None:
    """The exit code a wrapper shell recorded in `path`, or None when absent or unreadable.

    The shell's ``$?`` is 128 + N for a child killed by signal N; that is returned as -N,
    like ``Popen.returncode`` (so a script exiting with a code above 128 reads as a signal).
    """
    try:
        text = path.read_text(encoding="ascii").strip()
        code = int(text)
    except (OSError, UnicodeDecodeError, ValueError):
        return None
    if _SIGNAL_BASE < code <= _SIGNAL_BASE + _MAX_SIGNAL:
        return _SIGNAL_BASE - code
    return code
