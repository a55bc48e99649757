"""Glue's schedule expressions: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, UTC.

The syntax is AWS's (as EventBridge and Glue document it), not Unix cron's: six fields, a Year
field, Day-of-week 1-7 = SUN-SAT, exactly one of Day-of-month / Day-of-week is `?`, and the
wildcards `L` (last), `W` (nearest weekday) and `#` (n-th weekday of the month). Written here
rather than taken from croniter because croniter's dialect differs on each of those points.
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from gluerun.errors import InvalidInput

_MONTHS = {name: i for i, name in enumerate(calendar.month_abbr) if name}
_MONTHS = {k.upper(): v for k, v in _MONTHS.items()}
_DAYS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
#: How far ahead `next_after` looks for a matching minute before giving up.
_HORIZON_DAYS = 366 * 8

DayMatcher = Callable[[date], bool]


def _bad(expression: str, reason: str) -> InvalidInput:
    return InvalidInput(f"Invalid schedule expression {expression!r}: {reason}")


@dataclass(frozen=True)
class Schedule:
    """A parsed schedule; `next_after` gives its next tick."""

    expression: str
    minutes: tuple[int, ...]
    hours: tuple[int, ...]
    months: frozenset[int]
    years: frozenset[int]
    day: DayMatcher

    def next_after(self, moment: float) -> float | None:
        """The first tick strictly after `moment` (epoch seconds), or None if there is none."""
        start = datetime.fromtimestamp(moment, UTC).replace(second=0, microsecond=0)
        start += timedelta(minutes=1)
        day = start.date()
        for _ in range(_HORIZON_DAYS):
            if day.year > 2199:
                return None
            if day.year in self.years and day.month in self.months and self.day(day):
                tick = self._first_time(day, start)
                if tick is not None:
                    return tick.timestamp()
            day += timedelta(days=1)
        return None

    def _first_time(self, day: date, start: datetime) -> datetime | None:
        for hour in self.hours:
            for minute in self.minutes:
                tick = datetime(day.year, day.month, day.day, hour, minute, tzinfo=UTC)
                if tick >= start:
                    return tick
        return None


def parse(expression: str) -> Schedule:
    """Parse `cron(...)`; raises InvalidInput naming what is wrong."""
    match = re.fullmatch(r"\s*cron\((.*)\)\s*", expression)
    if not match:
        raise _bad(expression, "expected cron(Minutes Hours Day-of-month Month Day-of-week Year)")
    fields = match.group(1).split()
    if len(fields) != 6:
        raise _bad(expression, f"expected 6 fields, found {len(fields)}")
    minute, hour, dom, month, dow, year = fields
    if (dom == "?") == (dow == "?"):
        raise _bad(expression, "exactly one of Day-of-month and Day-of-week must be '?'")
    try:
        return Schedule(
            expression=expression,
            minutes=tuple(sorted(_values(minute, 0, 59, {}))),
            hours=tuple(sorted(_values(hour, 0, 23, {}))),
            months=frozenset(_values(month, 1, 12, _MONTHS)),
            years=frozenset(_values(year, 1970, 2199, {})),
            day=_day_of_month(dom) if dow == "?" else _day_of_week(dow),
        )
    except ValueError as exc:
        raise _bad(expression, str(exc)) from None


def _number(token: str, low: int, high: int, names: dict[str, int]) -> int:
    value = names.get(token.upper()) if token.upper() in names else None
    if value is None:
        if not token.isdigit():
            raise ValueError(f"{token!r} is not a number between {low} and {high}")
        value = int(token)
    if not low <= value <= high:
        raise ValueError(f"{value} is outside {low}-{high}")
    return value


def _values(field: str, low: int, high: int, names: dict[str, int]) -> set[int]:
    """The values a field of `*`, numbers, names, ranges, steps and lists stands for."""
    out: set[int] = set()
    for item in field.split(","):
        base, _, step_text = item.partition("/")
        step = _number(step_text, 1, high, {}) if step_text else 1
        if base == "*":
            first, last = low, high
        elif "-" in base:
            a, b = base.split("-", 1)
            first, last = _number(a, low, high, names), _number(b, low, high, names)
        else:
            first = _number(base, low, high, names)
            last = high if step_text else first
        out.update(_stepped(first, last, step, low, high))
    return out


def _stepped(first: int, last: int, step: int, low: int, high: int) -> list[int]:
    if first <= last:
        return list(range(first, last + 1, step))
    # A wrapping range such as FRI-MON or NOV-FEB.
    span = list(range(first, high + 1)) + list(range(low, last + 1))
    return span[::step]


def _aws_weekday(day: date) -> int:
    """1 = Sunday ... 7 = Saturday."""
    return (day.weekday() + 1) % 7 + 1


def _last_day(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def _nearest_weekday(day: date, target: int) -> bool:
    """Glue's `nW`: the weekday nearest day `target` of the month, never leaving the month."""
    last = _last_day(day)
    target = min(target, last)
    anchor = day.replace(day=target)
    if anchor.weekday() == 5:  # Saturday: Friday, or Monday if that leaves the month
        anchor = anchor - timedelta(days=1) if target > 1 else anchor + timedelta(days=2)
    elif anchor.weekday() == 6:  # Sunday: Monday, or Friday if that leaves the month
        anchor = anchor + timedelta(days=1) if target < last else anchor - timedelta(days=2)
    return day == anchor


def _day_of_month(field: str) -> DayMatcher:
    if field == "L":
        return lambda d: d.day == _last_day(d)
    if field == "LW":
        return lambda d: _nearest_weekday(d, _last_day(d)) and d.weekday() < 5
    if field.endswith("W"):
        target = _number(field[:-1], 1, 31, {})
        return lambda d: _nearest_weekday(d, target)
    days = _values(field, 1, 31, {})
    return lambda d: d.day in days


def _day_of_week(field: str) -> DayMatcher:
    if "#" in field:
        weekday_text, _, nth_text = field.partition("#")
        weekday = _number(weekday_text, 1, 7, _DAYS)
        nth = _number(nth_text, 1, 5, {})
        return lambda d: _aws_weekday(d) == weekday and (d.day - 1) // 7 + 1 == nth
    if field == "L":
        return lambda d: _aws_weekday(d) == 7
    if field.endswith("L"):
        weekday = _number(field[:-1], 1, 7, _DAYS)
        return lambda d: _aws_weekday(d) == weekday and d.day + 7 > _last_day(d)
    days = _values(field, 1, 7, _DAYS)
    return lambda d: _aws_weekday(d) in days
