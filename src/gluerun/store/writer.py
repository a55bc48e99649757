"""Writer: one thread makes every write transaction of a SQLite store, and commits together
the writes queued meanwhile (group commit).

SQLite lets one connection write at a time. Rather than have every thread (and the event loop)
wait for that lock, writes queue for a thread of their own. A caller either hands over a
function of the connection (`submit`, which returns a Future: a thread waits on it, the event
loop can await it) or borrows the connection for a `with` block on its own thread
(`transaction`). Whatever queues while a transaction is open joins it, each piece in a
SAVEPOINT of its own so that one that fails undoes only its own writes; one COMMIT then answers
all of them, and each caller gets its own result or error.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import contextmanager
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy import Connection, Engine

from gluerun.errors import StoreError

T = TypeVar("T")

#: Most pieces of work in one transaction: bounds how long the first caller of a batch waits.
MAX_BATCH = 64


class _Piece(Protocol):
    def run(self, conn: Connection) -> None: ...

    def failed(self, error: BaseException) -> None: ...

    def settle(self, commit_error: BaseException | None) -> None: ...


class _Work(Generic[T]):
    """A function run on the writer's thread; its Future is settled once the batch committed."""

    def __init__(self, fn: Callable[[Connection], T]) -> None:
        self.fn = fn
        self.done: Future[T] = Future()
        self._result: Any = None
        self._error: BaseException | None = None

    def run(self, conn: Connection) -> None:
        self._result = self.fn(conn)

    def failed(self, error: BaseException) -> None:
        self._error = error

    def settle(self, commit_error: BaseException | None) -> None:
        error = self._error or commit_error
        if error is not None:
            self.done.set_exception(error)
        else:
            self.done.set_result(self._result)


class _Loan:
    """The writer's connection lent to another thread's `with` block, in the writer's turn."""

    def __init__(self) -> None:
        self.conn: Connection | None = None
        self.granted = threading.Event()
        self.committed = threading.Event()
        self.commit_error: BaseException | None = None
        self._returned = threading.Event()
        self._error: BaseException | None = None

    def run(self, conn: Connection) -> None:
        self.conn = conn
        self.granted.set()
        self._returned.wait()
        if self._error is not None:
            raise self._error  # the writer rolls back this block's savepoint

    def give_back(self, error: BaseException | None) -> None:
        self._error = error
        self._returned.set()

    def failed(self, error: BaseException) -> None:
        """The borrower raises its own error; nothing to keep."""

    def settle(self, commit_error: BaseException | None) -> None:
        self.commit_error = commit_error
        self.granted.set()  # a batch that could not begin never lent the connection
        self.committed.set()


class Writer:
    """The one thread writing to a SQLite database; see the module docstring."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._queue: queue.SimpleQueue[_Piece | None] = queue.SimpleQueue()
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="gluerun-writer", daemon=True)
        self._thread.start()

    def submit(self, fn: Callable[[Connection], T]) -> Future[T]:
        """Run `fn(conn)` in a write transaction on the writer's thread; the Future holds its
        result (or error) once the transaction committed."""
        work = _Work(fn)
        self._put(work)
        return work.done

    def run(self, fn: Callable[[Connection], T]) -> T:
        """`submit`, and wait for the result on this thread."""
        return self.submit(fn).result()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """The writer's connection for a `with` block on this thread, inside a savepoint of
        the writer's transaction; exits once that transaction committed."""
        loan = _Loan()
        self._put(loan)
        loan.granted.wait()
        if loan.conn is None:
            raise loan.commit_error or StoreError("the write transaction did not begin")
        try:
            yield loan.conn
        except BaseException as exc:
            loan.give_back(exc)
            loan.committed.wait()
            raise
        loan.give_back(None)
        loan.committed.wait()
        if loan.commit_error is not None:
            raise loan.commit_error

    def close(self) -> None:
        """Finish what is queued, then stop the thread."""
        if not self._closed:
            self._closed = True
            self._queue.put(None)
            self._thread.join(timeout=30)

    def _put(self, piece: _Piece) -> None:
        if self._closed:
            raise StoreError("the store is closed")
        if threading.current_thread() is self._thread:
            # It would wait for itself: a write from inside a write.
            raise RuntimeError("a write transaction cannot be opened from inside another")
        self._queue.put(piece)

    def _serve(self) -> None:
        while (first := self._queue.get()) is not None:
            if not self._batch(first):
                return

    def _batch(self, first: _Piece) -> bool:
        """One transaction: `first` and whatever else is queued (up to MAX_BATCH); False once
        close() was asked for."""
        batch = [first]
        open_ = True
        error: BaseException | None = None
        try:
            with self._engine.connect() as conn:
                conn.execution_options(gluerun_write=True)
                with conn.begin():
                    _in_savepoint(conn, first)
                    while len(batch) < MAX_BATCH and open_:
                        try:
                            piece = self._queue.get_nowait()
                        except queue.Empty:
                            break
                        if piece is None:
                            open_ = False
                            break
                        batch.append(piece)
                        _in_savepoint(conn, piece)
        except BaseException as exc:  # BEGIN or COMMIT failed: nothing of the batch was kept
            error = exc
        for piece in batch:
            piece.settle(error)
        return open_


def _in_savepoint(conn: Connection, piece: _Piece) -> None:
    # On the sqlite3 connection itself: SQLAlchemy's begin_nested costs ~10 times more per
    # piece, and a savepoint per piece is paid by every StartJobRun (BEGIN and COMMIT are
    # shared by the batch). SQLAlchemy need not know: a failed statement inside a
    # transaction leaves its transaction state as it was, and RELEASE is always reached.
    driver = conn.connection.driver_connection
    assert driver is not None  # only a detached connection has none
    driver.execute("SAVEPOINT gluerun_piece")
    try:
        piece.run(conn)
    except BaseException as exc:  # the caller gets it; the others' writes stay
        piece.failed(exc)
        driver.execute("ROLLBACK TO gluerun_piece")
    driver.execute("RELEASE gluerun_piece")
