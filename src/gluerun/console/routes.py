"""The console's routes: the single-page app, and the endpoints its page calls.

Every action the page takes is a Glue or CloudWatch Logs operation sent through the same
call as the JSON API (`POST /console/api/{target}`): the same validation, service layer, errors
and, when credentials are configured, the same policies (the caller's identity comes from the
console session instead of a signature). Two read-only helpers sit beside it: the next fire
times of a trigger's schedule (model/cron.py) and a run's log as server-sent events, which
pages GetLogEvents while the run goes.

Who may do what is session.py's: with credentials on, a person signs in with an access key
and every call is checked against that key's policy by the Guard, exactly as a signed API
request is; the page asks `/console/can` which of its buttons the user may press.

Cross-site requests cannot act through these endpoints: each operation requires the
`X-Gluerun-Console` header carrying the session's CSRF token ("1" on an open server), which a
page on another origin cannot send without a CORS preflight that gluerun never grants, and any
request whose Origin is not this server's is refused.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware.sessions import SessionMiddleware
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

from gluerun.api.auth import Guard
from gluerun.api.errors import wire_error
from gluerun.console.session import (
    CONSOLE_HEADER,
    COOKIE,
    SESSION_SECONDS,
    ConsoleUser,
    Sessions,
    check_token,
)
from gluerun.errors import GluerunError, InvalidInput
from gluerun.model import cron
from gluerun.model.logs import ERROR_GROUP, OUTPUT_GROUP

STATIC = Path(__file__).parent / "static"
#: how often a live log stream asks for new events, and how long a quiet final run is followed
POLL_SECONDS = 0.5
FINAL_STATES = frozenset({"SUCCEEDED", "FAILED", "STOPPED", "TIMEOUT", "ERROR"})
MAX_FIRE_TIMES = 20
_GROUPS = {"output": OUTPUT_GROUP, "error": ERROR_GROUP}

Call = Callable[[str, bytes], Any]


def console_routes(
    call: Call, guard: Guard | None = None, secure_cookie: bool = False
) -> list[BaseRoute]:
    """The /console routes over `call(target, body)`, the API's own dispatch.

    `guard` is the API's (api/auth.py): with credentials on, people sign in and every call
    is checked against their key's policy; `secure_cookie` marks the session cookie Secure
    (the server speaks TLS).
    """
    sessions = Sessions(guard)
    console = Starlette(routes=_routes(call, guard, sessions))
    signed = SessionMiddleware(
        console,
        secret_key=secrets.token_urlsafe(32),
        session_cookie=COOKIE,
        max_age=SESSION_SECONDS,
        path="/console",
        same_site="strict",
        https_only=secure_cookie,
    )
    return [
        Route("/console", lambda _: RedirectResponse("/console/"), methods=["GET"]),
        Mount("/console", app=signed),
    ]


def _routes(call: Call, guard: Guard | None, sessions: Sessions) -> list[BaseRoute]:
    endpoints = _Endpoints(call, guard, sessions)
    return [
        Route("/", endpoints.index, methods=["GET"]),
        Route("/session", endpoints.session, methods=["GET", "POST", "DELETE"]),
        Route("/can", endpoints.can, methods=["POST"]),
        Route("/api/next-fire-times", endpoints.next_fires, methods=["GET"]),
        Route("/api/logs/{run_id}", endpoints.live_log, methods=["GET"]),
        Route("/api/{target}", endpoints.operation, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="console-static"),
    ]


class _Endpoints:
    """The console's request handlers, over the API's call, its Guard and the sessions."""

    def __init__(self, call: Call, guard: Guard | None, sessions: Sessions) -> None:
        self.call = call
        self.guard = guard
        self.sessions = sessions

    async def index(self, _: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers=_PAGE_HEADERS)

    async def session(self, request: Request) -> Response:
        """GET: who is signed in; POST: sign in with a key; DELETE: sign out."""
        if request.method == "GET":
            return JSONResponse(self.sessions.describe(request))
        refused = _refuse_cross_site(request, None)
        if refused is not None:
            return refused
        if request.method == "DELETE":
            self.sessions.sign_out(request)
            return JSONResponse(self.sessions.describe(request))
        given = await _json(request)
        try:
            self.sessions.sign_in(request, given.get("AccessKeyId"), given.get("SecretAccessKey"))
        except GluerunError as exc:
            return _error_response(exc)
        return JSONResponse(self.sessions.describe(request))

    async def operation(self, request: Request) -> Response:
        """A Glue or Logs operation, as the signed-in user."""
        user = _user(self.sessions, request, acting=True)
        if isinstance(user, Response):
            return user
        body = await request.body()
        act = acting_as(self.call, self.guard, user)
        try:
            result = await run_in_threadpool(act, request.path_params["target"], body)
        except Exception as exc:
            return _error_response(exc)
        return JSONResponse(result)

    async def can(self, request: Request) -> Response:
        """Which of the listed calls ({Target, Body}) the user's policy allows."""
        user = _user(self.sessions, request, acting=True)
        if isinstance(user, Response):
            return user
        calls = (await _json(request)).get("Calls")
        if not isinstance(calls, list):
            return _error_response(InvalidInput("Calls must be a list of {Target, Body}"))
        return JSONResponse({"Allowed": [allowed(self.guard, user, item) for item in calls]})

    async def next_fires(self, request: Request) -> Response:
        user = _user(self.sessions, request, acting=False)
        if isinstance(user, Response):
            return user
        try:
            times = fire_times(request.query_params.get("schedule", ""), _now(), 5)
        except GluerunError as exc:
            return _error_response(exc)
        return JSONResponse({"FireTimes": times})

    async def live_log(self, request: Request) -> Response:
        user = _user(self.sessions, request, acting=False)
        if isinstance(user, Response):
            return user
        group = _GROUPS.get(request.query_params.get("group", "output"))
        job = request.query_params.get("job", "")
        if group is None or not job:
            return _error_response(InvalidInput("group must be output or error; job is required"))
        act = acting_as(self.call, self.guard, user)
        follow = LogFollower(act, job, request.path_params["run_id"], group)
        return StreamingResponse(
            follow.events(request.is_disconnected),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )


def acting_as(call: Call, guard: Guard | None, user: ConsoleUser) -> Call:
    """`call`, made as `user`: the Guard's policy check first, as for a signed API request."""

    def authorized(target: str, body: bytes) -> Any:
        if guard is not None and user.caller is not None:
            guard.authorize_json(user.caller, target, body)
        return call(target, body)

    return authorized


def allowed(guard: Guard | None, user: ConsoleUser, item: Any) -> bool:
    """Whether `user` may make the call `item` ({Target, Body}); the page hides what it may not."""
    if guard is None or user.caller is None:
        return True
    if not isinstance(item, dict) or not isinstance(item.get("Target"), str):
        return False
    try:
        guard.authorize_json(user.caller, item["Target"], json.dumps(item.get("Body", {})).encode())
    except GluerunError:
        return False
    return True


async def _json(request: Request) -> dict[str, Any]:
    try:
        found = json.loads(await request.body() or b"{}")
    except ValueError:
        return {}
    return found if isinstance(found, dict) else {}


def _user(sessions: Sessions, request: Request, acting: bool) -> ConsoleUser | Response:
    """The signed-in user of a console call, or the response refusing it."""
    try:
        user = sessions.user(request)
    except GluerunError as exc:
        return _error_response(exc)
    refused = _refuse_cross_site(request, user if acting else None, reading=not acting)
    return user if refused is None else refused


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


def _refuse_cross_site(
    request: Request, user: ConsoleUser | None, reading: bool = False
) -> Response | None:
    """403 unless the request carries this server's Origin (if any) and the console header
    (the user's CSRF token when acting as a user).

    Reads (GET) need no header: EventSource cannot send one, and another origin cannot read
    the answer without a CORS grant.
    """
    origin = request.headers.get("origin")
    if origin is not None and origin != f"{request.url.scheme}://{request.headers.get('host')}":
        return _forbidden(f"cross-origin console call from {origin} refused")
    if reading:
        return None
    if CONSOLE_HEADER not in request.headers:
        return _forbidden("console calls must carry the X-Gluerun-Console header")
    if user is not None and not check_token(user, request):
        return _forbidden("the X-Gluerun-Console header does not carry this session's token")
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
