"""LogsService: the CloudWatch Logs operations over run logs in the store.

Tokens: GetLogEvents uses `f/<seq>` (events from seq on) and `b/<seq>` (events before seq);
FilterLogEvents uses `e/<seq>`; list operations use an offset. Sequences only grow, so a token
stays valid and picks up events appended after it was issued.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from gluerun.errors import InvalidParameter, LogGroupNotFound, LogStreamNotFound
from gluerun.model.logs import LogEvent, LogGroup, LogStream, compile_filter
from gluerun.paging import parse_cursor
from gluerun.store.roles import LogStore

#: Largest page CloudWatch returns for event reads: 10,000 events or 1 MB, whichever first.
MAX_EVENTS = 10_000
MAX_PAGE_BYTES = 1_048_576
#: Bytes CloudWatch counts for each event on top of its message (as PutLogEvents does).
EVENT_OVERHEAD = 26
#: Events read from the store at a time while a page fills, so a page of huge events
#: never holds more than about this many beyond its byte budget.
_READ_CHUNK = 256
#: Events a FilterLogEvents call looks at before returning a partial page.
FILTER_SCAN = 50_000


@dataclass(frozen=True)
class EventsPage:
    events: list[LogEvent]
    forward: str
    backward: str


def _seq_token(token: str, prefix: str) -> int:
    kind, sep, value = token.partition("/")
    number = parse_cursor(value) if kind == prefix and sep else None
    if number is None:
        raise InvalidParameter(f"The specified nextToken is invalid: {token[:64]!r}")
    return number


def _offset(token: str | None) -> int:
    if not token:
        return 0
    return _seq_token(token, "o")


class LogsService:
    """DescribeLogGroups, DescribeLogStreams, GetLogEvents, FilterLogEvents."""

    def __init__(self, logs: LogStore, region: str, account_id: str) -> None:
        self.logs = logs
        self.region = region
        self.account_id = account_id

    def _require_group(self, group: str) -> None:
        if not self.logs.log_streams(group, None, False, False, 0, 1):
            raise LogGroupNotFound(group)

    def describe_log_groups(
        self,
        prefix: str | None,
        next_token: str | None,
        limit: int | None,
        pattern: str | None = None,
    ) -> tuple[list[LogGroup], str | None]:
        """Groups by name; `pattern` is CloudWatch's case-insensitive substring match."""
        if prefix and pattern:
            raise InvalidParameter("logGroupNamePrefix and logGroupNamePattern are exclusive.")
        size = limit or 50
        after = _seq_name(next_token)
        groups = self.logs.log_groups(prefix, after, 1_000_000 if pattern else size + 1)
        if pattern:
            groups = [g for g in groups if pattern.lower() in g.name.lower()][: size + 1]
        if len(groups) > size:
            return groups[:size], "g/" + groups[size - 1].name
        return groups, None

    def describe_log_streams(
        self,
        group: str,
        prefix: str | None,
        order_by: str | None,
        descending: bool,
        next_token: str | None,
        limit: int | None,
    ) -> tuple[list[LogStream], str | None]:
        by_time = order_by == "LastEventTime"
        if by_time and prefix:
            raise InvalidParameter("Cannot order by LastEventTime with a logStreamNamePrefix.")
        self._require_group(group)
        size = limit or 50
        offset = _offset(next_token)
        streams = self.logs.log_streams(group, prefix, by_time, descending, offset, size + 1)
        if len(streams) > size:
            return streams[:size], f"o/{offset + size}"
        return streams, None

    def get_log_events(
        self,
        group: str,
        stream: str,
        start: int | None,
        end: int | None,
        next_token: str | None,
        limit: int | None,
        start_from_head: bool,
    ) -> EventsPage:
        self._require_group(group)
        if self.logs.log_stream(group, stream) is None:
            raise LogStreamNotFound(group, stream)
        size = min(limit or MAX_EVENTS, MAX_EVENTS)
        window = _Window(group, stream, start, end, size)
        if next_token and next_token.startswith("b/"):
            before = _seq_token(next_token, "b")
            events = self._read_page(window, before=before)
            return _page(events, f"f/{before}", next_token)
        if next_token:
            after = _seq_token(next_token, "f")
            events = self._read_page(window, after=after)
            return _page(events, next_token, f"b/{after}")
        if start_from_head:
            return _page(self._read_page(window, after=0), "f/0", "b/0")
        return _page(self._read_page(window), "f/0", "b/0")

    def _read_page(
        self, window: _Window, *, after: int | None = None, before: int | None = None
    ) -> list[LogEvent]:
        """Events in seq order, up to window.limit and MAX_PAGE_BYTES: from `after` on, or
        (without `after`) the newest before `before`. At least one event, however large,
        so that paging always moves on."""
        newest = after is None
        taken: list[LogEvent] = []
        budget = MAX_PAGE_BYTES
        while len(taken) < window.limit:
            want = min(_READ_CHUNK, window.limit - len(taken))
            chunk = self.logs.read_log_events(
                window.group,
                window.stream,
                after=after,
                before=before,
                start=window.start,
                end=window.end,
                limit=want,
                newest=newest,
            )
            for event in reversed(chunk) if newest else chunk:
                cost = event_bytes(event)
                if taken and cost > budget:
                    return taken[::-1] if newest else taken
                taken.append(event)
                budget -= cost
            if len(chunk) < want:
                break
            if newest:
                before = chunk[0].seq
            else:
                after = chunk[-1].seq + 1
        return taken[::-1] if newest else taken

    def filter_log_events(
        self,
        group: str,
        streams: Sequence[str] | None,
        prefix: str | None,
        start: int | None,
        end: int | None,
        pattern: str | None,
        next_token: str | None,
        limit: int | None,
    ) -> tuple[list[LogEvent], str | None]:
        if streams and prefix:
            raise InvalidParameter("logStreamNames and logStreamNamePrefix are mutually exclusive.")
        self._require_group(group)
        after = _seq_token(next_token, "e") if next_token else None
        size = min(limit or MAX_EVENTS, MAX_EVENTS)
        found, scanned = self.logs.filter_log_events(
            group,
            streams,
            prefix,
            after=after,
            start=start,
            end=end,
            limit=size,
            matches=compile_filter(pattern),
            scan=FILTER_SCAN,
            max_bytes=MAX_PAGE_BYTES,
        )
        if found:
            return found, f"e/{found[-1].seq + 1}"
        # An empty page carries no token, unless the scan stopped short of the end.
        cut_short = scanned is not None and len(found) < size and _scan_full(after, scanned)
        return found, f"e/{scanned + 1}" if cut_short and scanned is not None else None


def event_bytes(event: LogEvent) -> int:
    """What an event counts against a page's 1 MB, as CloudWatch counts it."""
    return len(event.message.encode()) + EVENT_OVERHEAD


@dataclass(frozen=True)
class _Window:
    """Which events of which stream one GetLogEvents call may return, and how many."""

    group: str
    stream: str
    start: int | None
    end: int | None
    limit: int


def _scan_full(after: int | None, scanned: int) -> bool:
    return scanned - (after or 0) + 1 >= FILTER_SCAN


def _seq_name(token: str | None) -> str | None:
    if not token:
        return None
    kind, sep, value = token.partition("/")
    if kind != "g" or not sep or "\x00" in value:
        raise InvalidParameter(f"The specified nextToken is invalid: {token[:64]!r}")
    return value


def _page(events: list[LogEvent], forward_if_empty: str, backward_if_empty: str) -> EventsPage:
    if not events:
        return EventsPage(events, forward_if_empty, backward_if_empty)
    return EventsPage(events, f"f/{events[-1].seq + 1}", f"b/{events[0].seq}")
