"""HTTP connections that cannot be held open by clients that stall: uvicorn's httptools
protocol with a deadline for a request's headers, an idle limit while its body arrives, and
a cap on open connections.

uvicorn times out idle keep-alive connections only after a response; a client that opens a
connection and sends half a request line, or headers and then part of a body, would hold
its socket (and a file descriptor) for as long as it likes. Here:

- a request's headers must arrive within `timeout` seconds of the connection opening (or of
  the first byte of the next request on a kept-alive connection), however slowly they trickle;
- while a body arrives, `timeout` seconds may pass between two pieces of it, no more;
- past `max_connections` open connections, a new one is closed at once instead of served.

A connection that breaks a limit is closed; a request handler waiting on its body sees the
client disconnect. Once a request is complete the timers stop: handling it takes what it takes.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

log = logging.getLogger(__name__)

#: Seconds a client may stall while sending a request (GLUERUN_REQUEST_TIMEOUT).
DEFAULT_REQUEST_TIMEOUT = 10.0
#: Connections served at once (GLUERUN_MAX_CONNECTIONS).
DEFAULT_MAX_CONNECTIONS = 1000


class GuardedProtocol(HttpToolsProtocol):
    """HttpToolsProtocol with the limits above; configure through `guarded_protocol`."""

    request_timeout: float = DEFAULT_REQUEST_TIMEOUT
    max_connections: int = DEFAULT_MAX_CONNECTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._timer: asyncio.TimerHandle | None = None
        self._awaiting_headers = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        if len(self.connections) > self.max_connections:
            log.warning("%d connections open: closing a new one", len(self.connections) - 1)
            transport.abort()
            return
        self._expect_headers()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        super().connection_lost(exc)

    def on_message_begin(self) -> None:
        super().on_message_begin()
        if not self._awaiting_headers:  # the first byte of a request on a kept-alive connection
            self._expect_headers()

    def on_headers_complete(self) -> None:
        self._awaiting_headers = False
        self._restart_timer()  # from here the body may idle `request_timeout` between pieces
        super().on_headers_complete()

    def on_body(self, body: bytes) -> None:
        self._restart_timer()
        super().on_body(body)

    def on_message_complete(self) -> None:
        self._stop_timer()
        super().on_message_complete()

    def _expect_headers(self) -> None:
        self._awaiting_headers = True
        self._restart_timer()

    def _restart_timer(self) -> None:
        self._stop_timer()
        self._timer = self.loop.call_later(self.request_timeout, self._stalled)

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def _stalled(self) -> None:
        self._timer = None
        if not self.transport.is_closing():
            log.info("closing a connection whose client stalled mid-request")
            self.transport.close()


def guarded_protocol(request_timeout: float, max_connections: int) -> type[GuardedProtocol]:
    """A GuardedProtocol class with these limits, for uvicorn.Config(http=...)."""
    return type(
        "GuardedProtocol",
        (GuardedProtocol,),
        {"request_timeout": request_timeout, "max_connections": max_connections},
    )
