"""The JSON 1.1 endpoint (POST /) as a bare ASGI app in front of the Starlette routes.

Every client call comes through here, so it skips what it does not need of a web framework
(request objects, middleware stacks, routing): it reads the target header and the body, calls
the Dispatcher, and writes one response. Every other path goes on to the Starlette app.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from gluerun.api import protocol, query
from gluerun.api.errors import wire_error
from gluerun.metrics import Metrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_CONTENT_TYPE = protocol.CONTENT_TYPE.encode()


class ProtocolEdge:
    """Serves POST / with `call(target, body)` (form-encoded bodies without a target go to
    `query_api`); hands everything else to `fallback`."""

    def __init__(
        self,
        call: Callable[[str, bytes], Any],
        known: frozenset[str],
        inline: frozenset[str],
        metrics: Metrics,
        fallback: ASGIApp,
        query_api: query.QueryApi | None = None,
    ) -> None:
        self.call = call
        self.query_api = query_api
        self.known = known
        self.inline = inline
        self.metrics = metrics
        self.fallback = fallback
        self._observers: dict[tuple[str, int], Callable[[float], None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != "/":
            await self.fallback(scope, receive, send)
            return
        started = time.perf_counter()
        target = _header(scope, b"x-amz-target")
        body = await _body(receive)
        if not target and self.query_api and query.is_query(_header(scope, b"content-type")):
            await self._answer_query(body, send)
            return
        status, payload, error_type = await self._answer(target, body)
        headers = [
            (b"content-type", _CONTENT_TYPE),
            (b"content-length", str(len(payload)).encode()),
            (b"x-amzn-requestid", str(uuid.uuid4()).encode()),
        ]
        if error_type:
            headers.append((b"x-amzn-errortype", error_type.encode()))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})
        self._observe(target, status, time.perf_counter() - started)

    async def _answer_query(self, body: bytes, send: Send) -> None:
        """A query-protocol call (STS/IAM identity; see api/query.py), answered in XML."""
        assert self.query_api is not None
        status, payload = self.query_api.answer(body)
        headers = [
            (b"content-type", query.CONTENT_TYPE.encode()),
            (b"content-length", str(len(payload)).encode()),
        ]
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    async def _answer(self, target: str, body: bytes) -> tuple[int, bytes, str | None]:
        try:
            if target in self.inline:
                result = self.call(target, body)
            else:
                result = await run_in_threadpool(self.call, target, body)
            return 200, protocol.dump(result), None
        except Exception as exc:
            code, status, message = wire_error(exc)
            return status, protocol.dump({"__type": code, "Message": message}), code

    def _observe(self, target: str, status: int, seconds: float) -> None:
        key = (target if target in self.known else "unknown", status)
        observe = self._observers.get(key)
        if observe is None:
            operation = key[0].rpartition(".")[2] or "unknown"
            observe = self.metrics.api_latency.labels(operation, str(status)).observe
            self._observers[key] = observe
        observe(seconds)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return ""


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        chunks.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(chunks)
