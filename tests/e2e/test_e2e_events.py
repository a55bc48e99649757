"""Run events (kept, listed on /events, POSTed to webhooks) and /metrics on a live server."""

from __future__ import annotations

import json
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from live_server import FINAL, Server, wait_state

RECEIVED: list[dict[str, Any]] = []


class _Hook(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        RECEIVED.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
        self.send_response(204)
        self.end_headers()

    def log_message(self, *_: Any) -> None:
        pass


@pytest.fixture(scope="module")
def hook() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hook)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/events"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def hooked(tmp_path_factory: pytest.TempPathFactory, hook: str) -> Iterator[Server]:
    srv = Server(tmp_path_factory.mktemp("hooked") / "data", env={"GLUERUN_WEBHOOK_URLS": hook})
    srv.start()
    yield srv
    srv.shutdown()


def get(server: Server, path: str) -> str:
    with urllib.request.urlopen(server.endpoint + path) as response:
        return str(response.read().decode())


def test_state_change_events_are_kept_and_delivered(
    hooked: Server, script: Callable[..., str]
) -> None:
    glue = hooked.client()
    glue.create_job(
        Name="ev", Role="r", Command={"Name": "pythonshell", "ScriptLocation": script("1/0")}
    )
    run_id = glue.start_job_run(JobName="ev")["JobRunId"]
    wait_state(glue, "ev", run_id, FINAL)
    listed = json.loads(get(hooked, "/events"))["events"]
    event = next(e for e in listed if e["detail"]["jobRunId"] == run_id)
    assert event["detail-type"] == "Glue Job State Change" and event["source"] == "aws.glue"
    assert event["detail"]["state"] == "FAILED" and event["detail"]["severity"] == "ERROR"
    assert "ZeroDivisionError" in event["detail"]["message"]
    deadline = time.monotonic() + 10
    while not any(e["id"] == event["id"] for e in RECEIVED) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [e["id"] for e in RECEIVED if e["detail"]["jobRunId"] == run_id] == [event["id"]]


def test_metrics(hooked: Server, script: Callable[..., str], tmp_path: Path) -> None:
    glue = hooked.client()
    glue.create_job(
        Name="m", Role="r", Command={"Name": "pythonshell", "ScriptLocation": script("pass")}
    )
    run_id = glue.start_job_run(JobName="m")["JobRunId"]
    wait_state(glue, "m", run_id, FINAL)
    text = get(hooked, "/metrics")
    assert 'gluerun_job_runs{job="m",state="SUCCEEDED"} 1.0' in text
    assert 'gluerun_queue_depth{kind="waiting"}' in text
    assert 'gluerun_run_duration_seconds_count{job="m",state="SUCCEEDED"} 1.0' in text
    assert (
        'gluerun_api_request_duration_seconds_count{operation="StartJobRun",status="200"}' in text
    )
    # The server watches its own event loop from the start (a wake-up every 20 ms).
    lag = next(line for line in text.splitlines() if line.startswith("gluerun_event_loop_lag_s"))
    assert lag.startswith("gluerun_event_loop_lag_seconds_bucket")
    assert "gluerun_event_loop_lag_seconds_count 0.0" not in text
