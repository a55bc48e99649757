"""Filter patterns and line splitting of run logs."""

from __future__ import annotations

import random

import pytest

from gluerun.errors import InvalidParameter
from gluerun.model.logs import MAX_EVENT_BYTES, compile_filter, split_lines


@pytest.mark.parametrize(
    ("pattern", "message", "expected"),
    [
        (None, "anything", True),
        ("", "anything", True),
        ("ERROR", "an ERROR here", True),
        ("ERROR", "an error here", False),
        ("ERROR db", "ERROR in db layer", True),
        ("ERROR db", "ERROR in web layer", False),
        ('"disk full"', "the disk full again", True),
        ('"disk full"', "full disk", False),
        ("?WARN ?ERROR", "a WARN line", True),
        ("?WARN ?ERROR", "an INFO line", False),
        ("ERROR -timeout", "ERROR timeout", False),
        ("ERROR -timeout", "ERROR crash", True),
    ],
)
def test_text_patterns(pattern: str | None, message: str, expected: bool) -> None:
    assert compile_filter(pattern)(message) is expected


@pytest.mark.parametrize("pattern", ['{ $.level = "ERROR" }', "[ip, user]", '"unclosed'])
def test_unsupported_or_broken_patterns_are_refused(pattern: str) -> None:
    with pytest.raises(InvalidParameter):
        compile_filter(pattern)


def test_split_lines_keeps_the_unfinished_rest() -> None:
    lines, rest = split_lines(b"one\r\ntwo\nthr")
    assert (lines, rest) == (["one", "two"], b"thr")
    assert split_lines(b"") == ([], b"")


def test_overlong_lines_are_split_into_events() -> None:
    big = b"x" * (MAX_EVENT_BYTES * 2 + 5)
    lines, rest = split_lines(big + b"\n")
    assert [len(line) for line in lines] == [MAX_EVENT_BYTES, MAX_EVENT_BYTES, 5]
    lines, rest = split_lines(big)
    assert rest == b"" and sum(map(len, lines)) == len(big)


def test_invalid_utf8_is_replaced_not_fatal() -> None:
    lines, _ = split_lines(b"caf\xc3\xa9 \xff\n")
    assert lines == ["café \ufffd"]


def _split_line_by_line(data: bytes) -> tuple[list[str], bytes]:
    """The definition split_lines must keep: each line decoded on its own, less its "\\r"."""
    *lines, rest = data.split(b"\n")
    out = [line.removesuffix(b"\r").decode("utf-8", "replace") for line in lines]
    if len(rest) >= MAX_EVENT_BYTES:
        return [*out, rest.decode("utf-8", "replace")], b""
    return out, rest


@pytest.mark.parametrize("seed", range(20))
def test_whole_chunk_splitting_matches_decoding_line_by_line(seed: int) -> None:
    # Newlines and carriage returns among broken, truncated and valid UTF-8 sequences.
    pieces = [
        b"a",
        b"\n",
        b"\r",
        b"\r\n",
        b"\xc3",
        b"\xa9",
        b"\xe2\x82",
        b"\xac",
        b"\xff",
        b"\xf0\x9f",
    ]
    rng = random.Random(seed)
    data = b"".join(rng.choice(pieces) for _ in range(rng.randrange(1, 2000)))
    assert split_lines(data) == _split_line_by_line(data)


@pytest.mark.parametrize("tail", [b"", b"\n", b"\r\n"])
def test_a_chunk_of_exactly_one_event(tail: bytes) -> None:
    data = b"\xe2\x82\xac" * ((MAX_EVENT_BYTES - len(tail)) // 3)
    data = data + b"x" * (MAX_EVENT_BYTES - len(tail) - len(data)) + tail
    assert len(data) == MAX_EVENT_BYTES
    assert split_lines(data) == _split_line_by_line(data)
