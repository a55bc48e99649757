"""The console's routes: the single-page app, and the endpoints its page calls.

Every action the page takes is a Glue or CloudWatch Logs operation sent through the same
call as the JSON API (`POST /console/api/{target}`): the same validation, service layer, errors
and, when credentials are configured, the same policies (the caller's identity comes from the
console session instead of a signature). Two read-only helpers sit beside it: the next fire
times of a trigger's schedule (model/cron.py) and a run's log as server-sent events, which
pages GetLogEvents while the run goes.

Cross-site requests cannot act through these endpoints: each operation requires the
`X-Gluerun-Console` header, which a page on another origin cannot send without a CORS preflight
that gluerun never grants, and any request whose Origin is not this server's is refused.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import (
    FileResponse,
    JSONResponse,
    RedirectResponse,
    Response,
    StreamingResponse,
)
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from gluerun.api.errors import wire_error
from gluerun.errors import GluerunError, InvalidInput
from gluerun.model import cron
from gluerun.model.logs import ERROR_GROUP, OUTPUT_GROUP

STATIC = Path(__file__).parent / "static"
#: the header every console call carries (it makes cross-site calls need a CORS preflight)
CONSOLE_HEADER = "x-gluerun-console"
#: how often a live log stream asks for new events, and how long a quiet final run is followed
POLL_SECONDS = 0.5
FINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR"})
MAX_FIRE_TIMES = 20
_GROUPS = {"output": OUTPUT_GROUP, "error": ERROR_GROUP}

Call = Callable[[str, bytes], Any]


def console_routes(call: Call) -> list[BaseRoute]:
    """The /console routes over `call(target, body)`, the API's own dispatch."""

    async def index(_: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=_PAGE_HEADERS)

    async def operation(request: Request) -> Response:
        refused = _refuse_cross_site(request)
        if refused is not None:
            return refused
        body = await request.body()
        try:
            result = await run_in_threadpool(call, request.path_params["target"], body)
        except Exception as exc:
            return _error_response(exc)
        return JSONResponse(result)

    async def next_fires(request: Request) -> Response:
        refused = _refuse_cross_site(request, reading=True)
        if refused is not None:
            return refused
        try:
            times = fire_times(request.query_params.get("schedule", ""), _now(), 5)
        except GluerunError as exc:
            return _error_response(exc)
        return JSONResponse({"FireTimes": times})

    async def live_log(request: Request) -> Response:
        refused = _refuse_cross_site(request, reading=True)
        if refused is not None:
            return refused
        group = _GROUPS.get(request.query_params.get("group", "output"))
        job = request.query_params.get("job", "")
        if group is None or not job:
            return _error_response(InvalidInput("group must be output or error; job is required"))
        follow = LogFollower(call, job, request.path_params["run_id"], group)
        return StreamingResponse(
            follow.events(request.is_disconnected),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    return [
        Route("/console", lambda _: RedirectResponse("/console/"), methods=["GET"]),
        Route("/console/", index, methods=["GET"]),
        Route("/console/api/next-fire-times", next_fires, methods=["GET"]),
        Route("/console/api/logs/{run_id}", live_log, methods=["GET"]),
        Route("/console/api/{target}", operation, methods=["POST"]),
        Mount("/console/static", StaticFiles(directory=STATIC), name="console-static"),
    ]


#: the page runs only its own script and styles, and may not be framed by another site
_PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def _refuse_cross_site(request: Request, reading: bool = False) -> Response | None:
    """403 unless the request carries this server's Origin (if any) and the console header.

    Reads (GET) need no header: EventSource cannot send one, and another origin cannot read
    the answer without a CORS grant.
    """
    if not reading and request.headers.get(CONSOLE_HEADER) != "1":
        return _forbidden("console calls must carry the X-Gluerun-Console header")
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.headers.get('host')}":
        return _forbidden(f"cross-origin console call from {origin} refused")
    return None


def _forbidden(message: str) -> Response:
    return JSONResponse({"__type": "AccessDeniedException", "Message": message}, 403)


def _error_response(exc: BaseException) -> Response:
    code, status, message = wire_error(exc)
    return JSONResponse({"__type": code, "Message": message}, status)


def _now() -> float:
    return time.time()


def fire_times(expression: str, after: float, count: int) -> list[float]:
    """The next `count` (at most MAX_FIRE_TIMES) times a ``cron(...)`` schedule fires."""
    schedule = cron.parse(expression)
    times: list[float] = []
    moment: float | None = after
    while moment is not None and len(times) < min(count, MAX_FIRE_TIMES):
        moment = schedule.next_after(moment)
        if moment is not None:
            times.append(moment)
    return times


class LogFollower:
    """A run's log group as server-sent events: every event once, until the run is final."""

    def __init__(self, call: Call, job: str, run_id: str, group: str) -> None:
        self.call = call
        self.job = job
        self.run_id = run_id
        self.group = group
        self.token: str | None = None

    async def events(self, disconnected: Callable[[], Any]) -> AsyncIterator[str]:
        """Yields ``data:`` lines of event batches, then ``event: end`` when the run is over."""
        quiet_final_polls = 0
        while not await disconnected():
            state = await run_in_threadpool(self._state)
            batch = await run_in_threadpool(self._page)
            if batch:
                yield f"data: {json.dumps(batch)}\n\n"
                continue
            if state in FINAL_STATES or state is None:
                # the collector may still hold the last lines of a run that just ended
                quiet_final_polls += 1
                if quiet_final_polls > 2:
                    yield f"event: end\ndata: {json.dumps(state)}\n\n"
                    return
            await asyncio.sleep(POLL_SECONDS)

    def _state(self) -> str | None:
        body = {"JobName": self.job, "RunId": self.run_id}
        try:
            found = self.call("AWSGlue.GetJobRun", json.dumps(body).encode())
        except GluerunError:
            return None
        return str(found["JobRun"]["JobRunState"])

    def _page(self) -> list[dict[str, Any]]:
        body: dict[str, Any] = {
            "logGroupName": self.group,
            "logStreamName": self.run_id,
            "startFromHead": True,
        }
        if self.token:
            body["nextToken"] = self.token
        try:
            page = self.call("Logs_20140328.GetLogEvents", json.dumps(body).encode())
        except GluerunError:
            return []  # the stream appears with the run's first line
        self.token = page.get("nextForwardToken", self.token)
        return [{"t": e["timestamp"], "m": e["message"]} for e in page.get("events", [])]
