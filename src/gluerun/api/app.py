"""build_app: the Starlette application serving Glue's JSON 1.1 API on POST /."""

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
from gluerun.api.operations import GLUE_OPERATIONS, Handler
from gluerun.errors import UnknownOperation
from gluerun.service import GlueService


def _respond(status: int, body: Any, error_type: str | None = None) -> Response:
    headers = {"x-amzn-RequestId": str(uuid.uuid4())}
    if error_type:
        headers["x-amzn-ErrorType"] = error_type
    return Response(protocol.dump(body), status, headers, protocol.CONTENT_TYPE)


def _handler(target: str | None) -> tuple[str, Handler]:
    prefix, operation = protocol.parse_target(target)
    handler = GLUE_OPERATIONS.get(operation) if prefix == protocol.GLUE_PREFIX else None
    if handler is None:
        raise UnknownOperation(f"Unknown operation {target!r}.")
    return operation, handler


def build_app(service: GlueService) -> Starlette:
    """The ASGI app for `service`."""

    def call(target: str | None, raw: bytes) -> Any:
        operation, handler = _handler(target)
        body = protocol.parse_body(raw)
        validation.validate(operation, body)
        return handler(service, body)

    async def dispatch(request: Request) -> Response:
        raw = await request.body()
        try:
            result = await run_in_threadpool(call, request.headers.get("x-amz-target"), raw)
        except Exception as exc:
            code, status, message = wire_error(exc)
            return _respond(status, {"__type": code, "Message": message}, code)
        return _respond(200, result)

    async def health(_: Request) -> Response:
        return JSONResponse({"service": "gluerun", "status": "ok"})

    return Starlette(
        routes=[Route("/", dispatch, methods=["POST"]), Route("/", health, methods=["GET"])]
    )
