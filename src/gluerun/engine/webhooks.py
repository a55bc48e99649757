"""WebhookSender: delivers kept events to configured URLs, in order, at least once.

Each URL has a cursor in the store; an event is POSTed as EventBridge JSON and the cursor moves
only after a 2xx answer. A failing URL backs off (1 s, 2 s, 4 s ... up to a minute) without
holding up the other URLs or the engine: delivery runs on its own thread. With a secret, each
POST carries ``X-Gluerun-Signature: sha256=<hex HMAC-SHA256 of the body>`` so a receiver can
tell gluerun's events from forgeries (compare in constant time, as `signature` does).
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
import urllib.error
import urllib.request
from collections.abc import Sequence

import orjson

from gluerun.clock import Clock
from gluerun.model.events import StoredEvent, envelope
from gluerun.store.roles import EventStore

log = logging.getLogger(__name__)

MAX_BACKOFF = 60.0
BATCH = 100
SIGNATURE_HEADER = "X-Gluerun-Signature"


def signature(secret: str, body: bytes) -> str:
    """The X-Gluerun-Signature value of `body` under `secret`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


class WebhookSender:
    def __init__(
        self,
        events: EventStore,
        clock: Clock,
        urls: Sequence[str],
        region: str,
        account: str,
        timeout: float = 5.0,
        secret: str = "",
    ) -> None:
        self.events = events
        self.secret = secret
        self.clock = clock
        self.urls = list(urls)
        self.region = region
        self.account = account
        self.timeout = timeout
        self._failures: dict[str, int] = {}
        self._retry_at: dict[str, float] = {}
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.urls:
            self._thread = threading.Thread(target=self._loop, name="gluerun-webhooks", daemon=True)
            self._thread.start()

    def shutdown(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self.timeout + 1)

    def _loop(self) -> None:
        while not self._stop.wait(0.25):
            try:
                self.deliver()
            except Exception:
                log.exception("webhook delivery failed")

    def deliver(self) -> None:
        """One pass: send what each URL has not acknowledged yet (unless it is backing off)."""
        for url in self.urls:
            if self.clock.now() >= self._retry_at.get(url, 0.0):
                self._deliver_to(url)

    def _deliver_to(self, url: str) -> None:
        cursor = self.events.webhook_cursor(url)
        for event in self.events.events_after(cursor, BATCH):
            if not self._post(url, event):
                self._back_off(url)
                return
            if not self.events.advance_webhook(url, cursor, event.seq):
                return  # another node delivered it; pick up from its cursor next pass
            cursor = event.seq
            self._failures.pop(url, None)

    def _post(self, url: str, event: StoredEvent) -> bool:
        body = envelope(
            event.event_id, event.detail_type, event.detail, event.time, self.region, self.account
        )
        data = orjson.dumps(body)
        headers = {"Content-Type": "application/json"}
        if self.secret:
            headers[SIGNATURE_HEADER] = signature(self.secret, data)
        request = urllib.request.Request(url, data=data, method="POST", headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                return bool(200 <= response.status < 300)
        except (urllib.error.URLError, OSError, ValueError) as exc:
            log.warning("webhook %s: %s", url, exc)
            return False

    def _back_off(self, url: str) -> None:
        failures = self._failures.get(url, 0) + 1
        self._failures[url] = failures
        self._retry_at[url] = self.clock.now() + min(MAX_BACKOFF, 2.0 ** (failures - 1))
