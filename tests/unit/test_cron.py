"""Glue's cron dialect: fields, wildcards and boundaries."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from gluerun.errors import InvalidInput
from gluerun.model import cron


def ts(text: str) -> float:
    return datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp()


def nxt(expression: str, after: str) -> str | None:
    value = cron.parse(expression).next_after(ts(after))
    return None if value is None else datetime.fromtimestamp(value, UTC).strftime("%Y-%m-%d %H:%M")


@pytest.mark.parametrize(
    ("expression", "after", "expected"),
    [
        ("cron(* * * * ? *)", "2024-01-01T10:00:00", "2024-01-01 10:01"),
        ("cron(* * * * ? *)", "2024-01-01T10:00:59", "2024-01-01 10:01"),
        ("cron(15 12 * * ? *)", "2024-01-31T12:15:00", "2024-02-01 12:15"),
        ("cron(0 0 * * ? *)", "2024-12-31T23:59:00", "2025-01-01 00:00"),
        ("cron(*/5 * * * ? *)", "2024-12-31T23:58:30", "2025-01-01 00:00"),
        ("cron(0/20 8-9 * * ? *)", "2024-03-01T08:40:00", "2024-03-01 09:00"),
        ("cron(5,35 * * * ? *)", "2024-03-01T08:06:00", "2024-03-01 08:35"),
        ("cron(0 0 L * ? *)", "2024-02-10T00:00:00", "2024-02-29 00:00"),
        ("cron(0 0 L * ? *)", "2023-02-10T00:00:00", "2023-02-28 00:00"),
        ("cron(0 0 31 * ? *)", "2024-04-01T00:00:00", "2024-05-31 00:00"),
        ("cron(0 9 15W * ? *)", "2024-06-01T00:00:00", "2024-06-14 09:00"),
        ("cron(0 9 1W * ? *)", "2024-06-01T00:00:00", "2024-06-03 09:00"),
        ("cron(0 9 LW * ? *)", "2024-08-01T00:00:00", "2024-08-30 09:00"),
        ("cron(0 9 ? * 6#3 *)", "2024-01-01T00:00:00", "2024-01-19 09:00"),
        ("cron(0 9 ? * FRI#1 *)", "2024-01-06T00:00:00", "2024-02-02 09:00"),
        ("cron(0 9 ? * 6L *)", "2024-01-01T00:00:00", "2024-01-26 09:00"),
        ("cron(0 10 ? * MON-FRI *)", "2024-01-05T11:00:00", "2024-01-08 10:00"),
        ("cron(0 10 ? * FRI-MON *)", "2024-01-08T11:00:00", "2024-01-12 10:00"),
        ("cron(0 10 ? * 1 *)", "2024-01-01T00:00:00", "2024-01-07 10:00"),
        ("cron(0 0 1 JAN,JUL ? *)", "2024-02-01T00:00:00", "2024-07-01 00:00"),
        ("cron(0 0 29 2 ? *)", "2024-03-01T00:00:00", "2028-02-29 00:00"),
        ("cron(0 12 1 1 ? 2030)", "2024-03-01T00:00:00", "2030-01-01 12:00"),
        ("cron(0 0 1 1 ? 2023)", "2024-01-01T00:00:00", None),
    ],
)
def test_next_after(expression: str, after: str, expected: str | None) -> None:
    assert nxt(expression, after) == expected


@pytest.mark.parametrize(
    "expression",
    [
        "rate(5 minutes)",
        "cron(* * * * *)",
        "cron(* * * * * *)",
        "cron(* * ? * ? *)",
        "cron(60 * * * ? *)",
        "cron(* 24 * * ? *)",
        "cron(* * 32 * ? *)",
        "cron(* * * 13 ? *)",
        "cron(* * ? * 8 *)",
        "cron(* * ? * FOO *)",
        "cron(x * * * ? *)",
        "cron(* * ? * 6#6 *)",
    ],
)
def test_invalid_expressions_are_refused_with_a_reason(expression: str) -> None:
    with pytest.raises(InvalidInput, match="Invalid schedule expression"):
        cron.parse(expression)
