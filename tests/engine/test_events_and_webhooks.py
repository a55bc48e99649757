"""Delay notifications, the metrics observer, and webhook delivery with retries."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from gluerun.clock import FakeClock
from gluerun.engine.engine import Engine, EngineConfig
from gluerun.engine.webhooks import SIGNATURE_HEADER, WebhookSender, signature
from gluerun.model.events import RUN_STATUS, STATE_CHANGE
from gluerun.model.runs import JobRun, RunState
from gluerun.model.starts import RunRequest
from gluerun.service import GlueService
from gluerun.store import Stores
from gluerun.testing import FakeExecutor, make_job, settle


def test_delay_notification_once_and_observer(
    sqlite_store: Stores, clock: FakeClock, tmp_path: Path
) -> None:
    ended: list[JobRun] = []
    executor = FakeExecutor()
    config = EngineConfig("n", tmp_path / "runs", observer=ended.append)
    engine = Engine(sqlite_store, {"pythonshell": executor}, clock, config)
    service = GlueService(sqlite_store, clock, "us-east-1", "1")
    service.create_job(make_job("a", notify_delay_after=1), {})
    run_id = service.start_job_run("a", RunRequest())
    settle(engine, lambda: service.get_job_run("a", run_id).state is RunState.RUNNING)
    clock.advance(59)
    engine.tick()
    assert sqlite_store.events.events_after(0, 10) == []
    clock.advance(2)
    engine.tick()
    engine.tick()
    kinds = [e.detail_type for e in sqlite_store.events.events_after(0, 10)]
    assert kinds == [RUN_STATUS]
    executor.executions[run_id].finish(0)
    settle(engine, lambda: service.get_job_run("a", run_id).state is RunState.SUCCEEDED)
    assert [e.detail_type for e in sqlite_store.events.events_after(0, 10)] == [
        RUN_STATUS,
        STATE_CHANGE,
    ]
    assert [(r.id, r.state) for r in ended] == [(run_id, RunState.SUCCEEDED)]
    engine.shutdown()


class _Receiver(BaseHTTPRequestHandler):
    failures_left = 0
    received: list[dict[str, Any]] = []
    #: (X-Gluerun-Signature header, raw body) of every POST
    signed: list[tuple[str | None, bytes]] = []

    def do_POST(self) -> None:
        raw = self.rfile.read(int(self.headers["Content-Length"]))
        _Receiver.signed.append((self.headers.get(SIGNATURE_HEADER), raw))
        body = json.loads(raw)
        if _Receiver.failures_left > 0:
            _Receiver.failures_left -= 1
            self.send_response(503)
        else:
            _Receiver.received.append(body)
            self.send_response(200)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.failures_left = 2
    _Receiver.received = []
    _Receiver.signed = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook"
    server.shutdown()
    server.server_close()


def test_webhooks_deliver_in_order_with_back_off(
    sqlite_store: Stores, clock: FakeClock, receiver: str
) -> None:
    for i in range(3):
        sqlite_store.events.record_event(STATE_CHANGE, {"n": i, "state": "SUCCEEDED"}, clock.now())
    dead = "http://127.0.0.1:9/unreachable"
    sender = WebhookSender(
        sqlite_store.events, clock, [dead, receiver], "us-east-1", "123", timeout=1
    )
    sender.deliver()  # the receiver answers 503: nothing acknowledged
    assert _Receiver.received == [] and sqlite_store.events.webhook_cursor(receiver) == 0
    sender.deliver()  # backing off (1 s): not even tried
    assert _Receiver.failures_left == 1
    clock.advance(1)
    sender.deliver()  # 503 again; now 2 s of back-off
    clock.advance(1.5)
    sender.deliver()
    assert _Receiver.received == []
    clock.advance(1)
    sender.deliver()
    assert [e["detail"]["n"] for e in _Receiver.received] == [0, 1, 2]
    assert _Receiver.received[0]["detail-type"] == STATE_CHANGE
    assert sqlite_store.events.webhook_cursor(receiver) == 3
    assert sqlite_store.events.webhook_cursor(dead) == 0


def test_webhooks_carry_an_hmac_of_their_body(
    sqlite_store: Stores, clock: FakeClock, receiver: str
) -> None:
    _Receiver.failures_left = 0
    sqlite_store.events.record_event(STATE_CHANGE, {"n": 0, "state": "FAILED"}, clock.now())
    sender = WebhookSender(
        sqlite_store.events, clock, [receiver], "us-east-1", "123", secret="s3cret"
    )
    sender.deliver()
    [(header, raw)] = _Receiver.signed
    # What a receiver does: recompute over the raw body, compare in constant time.
    expected = "sha256=" + hmac.new(b"s3cret", raw, hashlib.sha256).hexdigest()
    assert header is not None and hmac.compare_digest(header, expected)
    assert header == signature("s3cret", raw)
    assert signature("other", raw) != header


def test_webhooks_without_a_secret_are_unsigned(
    sqlite_store: Stores, clock: FakeClock, receiver: str
) -> None:
    _Receiver.failures_left = 0
    sqlite_store.events.record_event(STATE_CHANGE, {"n": 0, "state": "FAILED"}, clock.now())
    WebhookSender(sqlite_store.events, clock, [receiver], "us-east-1", "123").deliver()
    assert [header for header, _ in _Receiver.signed] == [None]
