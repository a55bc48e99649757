"""GetLogEvents and FilterLogEvents pages stop at CloudWatch's 1 MB (or 10,000 events), and
their tokens carry on exactly where a page stopped, forward and backward."""

from __future__ import annotations

import pytest

from gluerun.model.logs import OUTPUT_GROUP
from gluerun.service.logs import EVENT_OVERHEAD, MAX_PAGE_BYTES, LogsService
from gluerun.store import Stores

#: 100 KB messages: ten fit in a page, the eleventh does not.
BIG = 100 * 1024


@pytest.fixture
def logs(store: Stores) -> LogsService:
    events = [(1_000 + i, f"{i:04d}" + "x" * (BIG - 4)) for i in range(25)]
    store.logs.append_log_events(OUTPUT_GROUP, "jr", events, 9_000)
    return LogsService(store.logs, "us-east-1", "123456789012")


def numbers(events: list) -> list[int]:  # type: ignore[type-arg]
    return [int(event.message[:4]) for event in events]


def page_bytes(events: list) -> int:  # type: ignore[type-arg]
    return sum(len(event.message.encode()) + EVENT_OVERHEAD for event in events)


def test_forward_pages_stop_at_one_megabyte_and_resume(logs: LogsService) -> None:
    seen: list[int] = []
    token = None
    for _ in range(5):
        page = logs.get_log_events(OUTPUT_GROUP, "jr", None, None, token, None, True)
        assert page_bytes(page.events) <= MAX_PAGE_BYTES
        seen += numbers(page.events)
        token = page.forward
    assert seen == list(range(25))  # every event once, in order
    assert numbers(
        logs.get_log_events(OUTPUT_GROUP, "jr", None, None, None, None, True).events
    ) == list(range(10))


def test_backward_pages_from_the_newest_stop_at_one_megabyte(logs: LogsService) -> None:
    page = logs.get_log_events(OUTPUT_GROUP, "jr", None, None, None, None, False)
    assert numbers(page.events) == list(range(15, 25))
    older = logs.get_log_events(OUTPUT_GROUP, "jr", None, None, page.backward, None, False)
    assert numbers(older.events) == list(range(5, 15))
    oldest = logs.get_log_events(OUTPUT_GROUP, "jr", None, None, older.backward, None, False)
    assert numbers(oldest.events) == list(range(5))


def test_an_event_larger_than_a_page_still_comes_alone(store: Stores) -> None:
    store.logs.append_log_events(
        OUTPUT_GROUP, "big", [(1, "a" * (MAX_PAGE_BYTES + 1)), (2, "b")], 3
    )
    logs = LogsService(store.logs, "us-east-1", "123456789012")
    first = logs.get_log_events(OUTPUT_GROUP, "big", None, None, None, None, True)
    assert [len(e.message) for e in first.events] == [MAX_PAGE_BYTES + 1]
    second = logs.get_log_events(OUTPUT_GROUP, "big", None, None, first.forward, None, True)
    assert [e.message for e in second.events] == ["b"]


def test_filter_pages_stop_at_one_megabyte_and_resume(logs: LogsService) -> None:
    seen: list[int] = []
    token = None
    while True:
        found, token = logs.filter_log_events(
            OUTPUT_GROUP, None, None, None, None, None, token, None
        )
        assert page_bytes(found) <= MAX_PAGE_BYTES
        seen += numbers(found)
        if token is None:
            break
    assert seen == list(range(25))


def test_the_event_limit_still_applies(logs: LogsService) -> None:
    page = logs.get_log_events(OUTPUT_GROUP, "jr", None, None, None, 3, True)
    assert numbers(page.events) == [0, 1, 2]
    found, _ = logs.filter_log_events(OUTPUT_GROUP, None, None, None, None, None, None, 4)
    assert numbers(found) == [0, 1, 2, 3]
