"""build_app: Glue and CloudWatch Logs JSON 1.1 on POST /, and /metrics, /events beside."""

from __future__ import annotations

from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from gluerun.api import limits, protocol, validation
from gluerun.api.auth import Guard
from gluerun.api.edge import DEFAULT_MAX_BODY, ProtocolEdge
from gluerun.api.errors import wire_error
from gluerun.api.logs import LOGS_OPERATIONS, LOGS_PREFIX
from gluerun.api.operations import AWAITED_OPERATIONS, GLUE_OPERATIONS, GLUERUN_OPERATIONS
from gluerun.api.query import QueryApi
from gluerun.api.unmodeled import GLUERUN_PREFIX, UNMODELED, check_unmodeled
from gluerun.console.routes import console_routes
from gluerun.errors import InvalidInput, InvalidParameter, UnknownOperation
from gluerun.metrics import CONTENT_TYPE as METRICS_CONTENT_TYPE
from gluerun.metrics import Metrics
from gluerun.model.events import envelope
from gluerun.paging import parse_cursor
from gluerun.service import GlueService
from gluerun.service.logs import LogsService


class Dispatcher:
    """Routes one request by its X-Amz-Target to a validated operation handler."""

    def __init__(self, glue: GlueService, logs: LogsService) -> None:
        self.glue = glue
        self.logs = logs
        #: targets worth a metrics label of their own (unknown ones are lumped together)
        self.known = frozenset(
            [f"{protocol.GLUE_PREFIX}.{op}" for op in GLUE_OPERATIONS]
            + [f"{LOGS_PREFIX}.{op}" for op in LOGS_OPERATIONS]
        )

    def call(self, target: str | None, raw: bytes) -> Any:
        prefix, operation = protocol.parse_target(target)
        if prefix == protocol.GLUE_PREFIX:
            return self._glue(operation, _parse(raw))
        if prefix == LOGS_PREFIX:
            try:
                body = _parse(raw)
            except InvalidInput as exc:
                raise InvalidParameter(str(exc)) from None
            return self._logs(operation, body)
        if prefix == GLUERUN_PREFIX:
            return self._gluerun(operation, _parse(raw))
        raise UnknownOperation(f"Unknown operation {target!r}.")

    async def call_awaited(self, target: str, raw: bytes) -> Any:
        """A call of AWAITED_TARGETS, on the event loop: parsed, validated and checked here,
        its write awaited (operations.AWAITED_OPERATIONS)."""
        _, operation = protocol.parse_target(target)
        body = _parse(raw)
        validation.validate(operation, body)
        return await AWAITED_OPERATIONS[operation](self.glue, body)

    def _glue(self, operation: str, body: dict[str, Any]) -> Any:
        handler = GLUE_OPERATIONS.get(operation)
        if handler is None:
            raise UnknownOperation(f"Unknown operation {protocol.GLUE_PREFIX}.{operation}.")
        if operation in UNMODELED:
            check_unmodeled(operation, body)
        else:
            validation.validate(operation, _this_catalog(body))
        return handler(self.glue, body)

    def _gluerun(self, operation: str, body: dict[str, Any]) -> Any:
        handler = GLUERUN_OPERATIONS.get(operation)
        if handler is None:
            raise UnknownOperation(f"Unknown operation {GLUERUN_PREFIX}.{operation}.")
        check_unmodeled(operation, body)
        return handler(self.glue, body)

    def _logs(self, operation: str, body: dict[str, Any]) -> Any:
        handler = LOGS_OPERATIONS.get(operation)
        if handler is None:
            raise UnknownOperation(f"Unknown operation {LOGS_PREFIX}.{operation}.")
        try:
            validation.validate(operation, body, service="logs")
        except InvalidInput as exc:
            # CloudWatch Logs names its bad-input error differently from Glue.
            raise InvalidParameter(str(exc)) from None
        return handler(self.logs, body)


def _this_catalog(body: dict[str, Any]) -> dict[str, Any]:
    """`body` without an empty ``CatalogId``, which Terraform's AWS provider sends when it
    does not look the account up (``skip_requesting_account_id``, the setting for local
    endpoints). gluerun holds one catalog, so an empty id means it, as any other id does."""
    if body.get("CatalogId") == "":
        del body["CatalogId"]
    return body


def _parse(raw: bytes) -> dict[str, Any]:
    body = protocol.parse_body(raw)
    limits.check_body(raw, body)
    return body


#: Calls answered on the event loop when the store is local SQLite: reads of one job or run,
#: which take tens of microseconds, less than a round trip through the worker threads (whose
#: hand-offs of the GIL cost more still under load). No write: a write waits for the store's
#: writer thread (store/writer.py), behind a log batch perhaps, and the loop must not.
INLINE_OPERATIONS = frozenset({"AWSGlue.GetJobRun", "AWSGlue.GetJob"})

#: Calls whose reads and checks run on the event loop (as INLINE_OPERATIONS) and whose write
#: the loop awaits from the writer thread: StartJobRun, which a worker thread blocking on the
#: writer cost two more thread hand-offs (and their GIL switches) than the write itself.
AWAITED_TARGETS = frozenset({f"{protocol.GLUE_PREFIX}.{op}" for op in AWAITED_OPERATIONS})


def build_app(
    service: GlueService,
    logs: LogsService | None = None,
    metrics: Metrics | None = None,
    inline_reads: bool = False,
    max_body: int = DEFAULT_MAX_BODY,
    enable_reset: bool = False,
    guard: Guard | None = None,
    secure: bool = False,
) -> ProtocolEdge:
    """The ASGI app for `service`: Glue and Logs on POST /, /metrics and /events beside.

    `guard` checks Host headers, signatures and policies (api/auth.py); without one every
    request is answered (in-process tests). `secure`: served over TLS (the console's session
    cookie is then Secure).
    """
    dispatcher = Dispatcher(
        service, logs or LogsService(service.store.logs, service.region, service.account_id)
    )
    meter = metrics or Metrics(service.store.events, service.store.nodes)

    async def health(_: Request) -> Response:
        return JSONResponse({"service": "gluerun", "status": "ok"})

    async def metrics_page(_: Request) -> Response:
        body = await run_in_threadpool(meter.render)
        return Response(body, media_type=METRICS_CONTENT_TYPE)

    async def events_page(request: Request) -> Response:
        after = _cursor_param(request, "after", 0)
        limit = _cursor_param(request, "limit", 100)
        if after is None or limit is None:
            problem = InvalidInput("after and limit must be whole numbers from 0 to 2**63-1.")
            code, status, message = wire_error(problem)
            return JSONResponse({"__type": code, "Message": message}, status)
        limit = min(limit, 1000)
        found = await run_in_threadpool(service.store.events.events_after, after, limit)
        region, account = service.region, service.account_id
        body = [
            {"seq": e.seq, **envelope(e.event_id, e.detail_type, e.detail, e.time, region, account)}
            for e in found
        ]
        return JSONResponse({"events": body, "next": found[-1].seq if found else after})

    routes: list[BaseRoute] = [
        Route("/", health, methods=["GET"]),
        Route("/metrics", metrics_page, methods=["GET"]),
        Route("/events", events_page, methods=["GET"]),
    ]
    if enable_reset:
        routes += reset_routes(service)
    routes += console_routes(dispatcher.call, guard, secure_cookie=secure)
    pages = Starlette(routes=routes)
    inline = INLINE_OPERATIONS if inline_reads else frozenset()
    identity = QueryApi(service.account_id, guard)
    return ProtocolEdge(
        dispatcher.call,
        dispatcher.known,
        inline,
        meter,
        pages,
        identity,
        max_body=max_body,
        guard=guard,
        awaited=AWAITED_TARGETS if inline_reads else frozenset(),
        call_awaited=dispatcher.call_awaited,
    )


def _cursor_param(request: Request, name: str, default: int) -> int | None:
    """A numeric query parameter (None if it is not a cursor the store can hold)."""
    raw = request.query_params.get(name)
    return default if raw is None or raw == "" else parse_cursor(raw)


#: Paths of the test-suite reset: moto's own (moto-based suites in server mode call it before
#: each test) and gluerun's name for it.
RESET_PATHS = ("/moto-api/reset", "/gluerun/reset")


def reset_routes(service: GlueService) -> list[Route]:
    """POST routes that stop every run and delete all state (only with enable_reset)."""

    async def reset(_: Request) -> Response:
        still_active = await run_in_threadpool(service.reset)
        return JSONResponse({"status": "ok", "runs_not_stopped": still_active})

    return [Route(path, reset, methods=["POST"]) for path in RESET_PATHS]
