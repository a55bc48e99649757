"""The JSON 1.1 endpoint (POST /) as a bare ASGI app in front of the Starlette routes.

Every client call comes through here, so it skips what it does not need of a web framework
(request objects, middleware stacks, routing): it reads the target header and the body, calls
the Dispatcher, and writes one response. Every other path goes on to the Starlette app.

A body is read into one buffer and never past `max_body` bytes: a larger one is answered
413 as soon as its Content-Length (or the bytes received) say so, and the connection is
closed rather than drained, so no client can make the server hold more than `max_body`.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from starlette.concurrency import run_in_threadpool

from gluerun.api import protocol, query
from gluerun.api.auth import Caller, Guard
from gluerun.api.errors import wire_error
from gluerun.errors import AuthError, RequestTooLarge
from gluerun.metrics import Metrics

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

_CONTENT_TYPE = protocol.CONTENT_TYPE.encode()
#: Largest request body accepted unless the server is told otherwise (GLUERUN_MAX_REQUEST_BYTES).
DEFAULT_MAX_BODY = 10 * 1024 * 1024


class _ClientGone(Exception):
    """The client disconnected before its request body was complete."""


class ProtocolEdge:
    """Serves POST / with `call(target, body)` (form-encoded bodies without a target go to
    `query_api`); hands everything else to `fallback`. Targets in `inline` are called on the
    event loop, those in `awaited` through `call_awaited` there, the rest on worker threads."""

    def __init__(
        self,
        call: Callable[[str, bytes], Any],
        known: frozenset[str],
        inline: frozenset[str],
        metrics: Metrics,
        fallback: ASGIApp,
        query_api: query.QueryApi | None = None,
        max_body: int = DEFAULT_MAX_BODY,
        guard: Guard | None = None,
        awaited: frozenset[str] = frozenset(),
        call_awaited: Callable[[str, bytes], Awaitable[Any]] | None = None,
    ) -> None:
        self.call = call
        self.max_body = max_body
        self.guard = guard
        self.query_api = query_api
        self.known = known
        self.inline = inline
        #: targets answered by `call_awaited` on the loop (their writes awaited, not waited for)
        self.awaited = awaited
        self.call_awaited = call_awaited
        self.metrics = metrics
        self.fallback = fallback
        self._observers: dict[tuple[str, int], Callable[[float], None]] = {}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.fallback(scope, receive, send)
            return
        if scope["method"] != "POST" or scope["path"] != "/":
            denied = self._check_page(scope)
            if denied is not None:
                await self._refuse(denied, send)
                return
            await self.fallback(scope, receive, send)
            return
        started = time.perf_counter()
        target = _header(scope, b"x-amz-target")
        try:
            body = await _body(scope, receive, self.max_body)
        except _ClientGone:
            return  # nobody is left to answer
        except RequestTooLarge as exc:
            await self._send(send, *_error(exc), close=True)
            self._observe(target, 413, time.perf_counter() - started)
            return
        if not target and self.query_api and query.is_query(_header(scope, b"content-type")):
            await self._answer_query(self._caller(scope, body), body, send)
            return
        refused = self._check_call(scope, target, body)
        status, payload, error_type = (
            _error(refused) if refused is not None else await self._answer(target, body)
        )
        await self._send(send, status, payload, error_type)
        self._observe(target, status, time.perf_counter() - started)

    async def _send(
        self, send: Send, status: int, payload: bytes, error_type: str | None, close: bool = False
    ) -> None:
        headers = [
            (b"content-type", _CONTENT_TYPE),
            (b"content-length", str(len(payload)).encode()),
            (b"x-amzn-requestid", str(uuid.uuid4()).encode()),
        ]
        if error_type:
            headers.append((b"x-amzn-errortype", error_type.encode()))
        if close:  # the rest of the body is never read: the connection cannot be reused
            headers.append((b"connection", b"close"))
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": payload})

    def _caller(self, scope: Scope, body: bytes) -> Caller | AuthError | None:
        """Who makes a query-protocol call (None: no guard), or why they cannot be known."""
        if self.guard is None:
            return None
        try:
            self.guard.check_host(scope)
            return self.guard.authenticate(scope, body)
        except AuthError as exc:
            return exc

    def _check_call(self, scope: Scope, target: str, body: bytes) -> Exception | None:
        """Why a JSON 1.1 call is refused (Host, signature, token, policy), or None."""
        if self.guard is None:
            return None
        try:
            self.guard.check_host(scope)
            caller = self.guard.authenticate(scope, body)
            self.guard.authorize_json(caller, target, body)
        except Exception as exc:  # AuthError, or a body the policy check could not parse
            return exc
        return None

    def _check_page(self, scope: Scope) -> AuthError | None:
        """Why a GET of /events or /metrics is refused, or None (GET / is always answered)."""
        if self.guard is None:
            return None
        try:
            self.guard.check_host(scope)
            page = self.guard.page_action(scope["path"])
            if page is not None:
                self.guard.authorize(self.guard.authenticate(scope, b""), page, ["*"])
        except AuthError as exc:
            return exc
        return None

    async def _refuse(self, exc: Exception, send: Send) -> None:
        await self._send(send, *_error(exc))

    async def _answer_query(
        self, caller: Caller | AuthError | None, body: bytes, send: Send
    ) -> None:
        """A query-protocol call (STS/IAM identity; see api/query.py), answered in XML."""
        assert self.query_api is not None
        status, payload = self.query_api.answer(body, caller)
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
            elif target in self.awaited and self.call_awaited is not None:
                result = await self.call_awaited(target, body)
            else:
                result = await run_in_threadpool(self.call, target, body)
            return 200, protocol.dump(result), None
        except Exception as exc:
            return _error(exc)

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


def _error(exc: BaseException) -> tuple[int, bytes, str]:
    code, status, message = wire_error(exc)
    return status, protocol.dump({"__type": code, "Message": message}), code


async def _body(scope: Scope, receive: Receive, limit: int) -> bytes:
    """The request body, read into one buffer; RequestTooLarge past `limit` bytes."""
    declared = _header(scope, b"content-length")
    # isascii: latin-1 digits such as '²' pass isdigit() but not int(); the length test
    # keeps int() away from thousands of digits.
    if declared.isascii() and declared.isdigit() and (len(declared) > 18 or int(declared) > limit):
        raise _too_large(limit)
    body = bytearray()
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            raise _ClientGone
        body += message.get("body", b"")
        if len(body) > limit:
            raise _too_large(limit)
        if not message.get("more_body"):
            # bytearray is accepted wherever bytes are read (orjson, parse_qsl, strip).
            return body  # type: ignore[return-value]


def _too_large(limit: int) -> RequestTooLarge:
    return RequestTooLarge(
        f"The request body is larger than the {limit} bytes this server accepts "
        "(GLUERUN_MAX_REQUEST_BYTES)."
    )
