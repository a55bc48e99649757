"""Bookmark entries: versions by compare-and-set, history by run, deleted with the job."""

from __future__ import annotations

import pytest

from gluerun.errors import ConcurrentModification
from gluerun.model import bookmarks
from gluerun.store import Stores
from gluerun.testing import make_job


def test_commits_count_versions_and_runs_and_link_run_ids(store: Stores) -> None:
    first = bookmarks.committed(None, "j", "jr_1", 0, '{"src": 1}')
    store.bookmarks.put_bookmark(first)
    second = bookmarks.committed(store.bookmarks.latest_bookmark("j"), "j", "jr_2", 1, '{"src": 2}')
    store.bookmarks.put_bookmark(second)
    latest = store.bookmarks.latest_bookmark("j")
    assert latest is not None
    assert (latest.version, latest.run, latest.attempt) == (2, 2, 1)
    assert (latest.run_id, latest.previous_run_id) == ("jr_2", "jr_1")
    assert store.bookmarks.bookmark_of_run("j", "jr_1") == first
    assert [e.version for e in store.bookmarks.bookmarks("j", 0, 10)] == [2, 1]
    assert [e.version for e in store.bookmarks.bookmarks("j", 1, 10)] == [1]


def test_a_stale_commit_is_refused_and_writes_nothing(store: Stores) -> None:
    store.bookmarks.put_bookmark(bookmarks.committed(None, "j", "jr_1", 0, "{}"))
    racing = bookmarks.committed(None, "j", "jr_2", 0, '{"x": 1}')  # based on no bookmark
    with pytest.raises(ConcurrentModification, match="VERSION_MISMATCH"):
        store.bookmarks.put_bookmark(racing)
    assert [e.run_id for e in store.bookmarks.bookmarks("j", 0, 10)] == ["jr_1"]


def test_reset_and_rewind_entries(store: Stores) -> None:
    one = bookmarks.committed(None, "j", "jr_1", 0, '{"a": 1}')
    store.bookmarks.put_bookmark(one)
    two = bookmarks.committed(one, "j", "jr_2", 0, '{"a": 2}')
    store.bookmarks.put_bookmark(two)
    rewound = bookmarks.reset(two, one)
    store.bookmarks.put_bookmark(rewound)
    assert (rewound.version, rewound.bookmark, rewound.run_id) == (3, '{"a": 1}', "jr_1")
    cleared = bookmarks.reset(rewound, None)
    store.bookmarks.put_bookmark(cleared)
    assert cleared.bookmark == bookmarks.EMPTY and cleared.version == 4


def test_delete_job_deletes_its_bookmark(store: Stores) -> None:
    store.runs.create_job(make_job("j"), {})
    store.bookmarks.put_bookmark(bookmarks.committed(None, "j", "jr_1", 0, "{}"))
    store.runs.delete_job("j", 0.0)
    assert store.bookmarks.latest_bookmark("j") is None
