"""build_app: the Starlette application serving Glue and CloudWatch Logs JSON 1.1 on POST /."""

from __future__ import annotations

import uuid
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from gluerun.api import protocol, validation
from gluerun.api.errors import wire_error
from gluerun.api.logs import LOGS_OPERATIONS, LOGS_PREFIX
from gluerun.api.operations import GLUE_OPERATIONS
from gluerun.errors import InvalidInput, InvalidParameter, UnknownOperation
from gluerun.service import GlueService
from gluerun.service_logs import LogsService


def _respond(status: int, body: Any, error_type: str | None = None) -> Response:
    headers = {"x-amzn-RequestId": str(uuid.uuid4())}
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    return Response(protocol.dump(body), status, headers, protocol.CONTENT_TYPE)


class Dispatcher:
    """Routes one request by its X-Amz-Target to a validated operation handler."""

    def __init__(self, glue: GlueService, logs: LogsService) -> None:
        self.glue = glue
        self.logs = logs

    def call(self, target: str | None, raw: bytes) -> Any:
        prefix, operation = protocol.parse_target(target)
        if prefix == protocol.GLUE_PREFIX:
            return self._glue(operation, protocol.parse_body(raw))
        if prefix == LOGS_PREFIX:
            return self._logs(operation, protocol.parse_body(raw))
        raise UnknownOperation(f"Unknown operation {target!r}.")

    def _glue(self, operation: str, body: dict[str, Any]) -> Any:
        handler = GLUE_OPERATIONS.get(operation)
        if handler is None:
            raise UnknownOperation(f"Unknown operation {protocol.GLUE_PREFIX}.{operation}.")
        validation.validate(operation, body)
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


def build_app(service: GlueService, logs: LogsService | None = None) -> Starlette:
    """The ASGI app for `service` (and the Logs API over the same store)."""
    dispatcher = Dispatcher(
        service, logs or LogsService(service.store, service.region, service.account_id)
    )

    async def dispatch(request: Request) -> Response:
        raw = await request.body()
        try:
            target = request.headers.get("x-amz-target")
            result = await run_in_threadpool(dispatcher.call, target, raw)
        except Exception as exc:
            code, status, message = wire_error(exc)
            return _respond(status, {"__type": code, "Message": message}, code)
        return _respond(200, result)

    async def health(_: Request) -> Response:
        return JSONResponse({"service": "gluerun", "status": "ok"})

    return Starlette(
        routes=[Route("/", dispatch, methods=["POST"]), Route("/", health, methods=["GET"])]
    )
