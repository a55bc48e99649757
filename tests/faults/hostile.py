"""A seeded generator of hostile requests for every operation gluerun serves, driven by
botocore's service models, and a runner that fires them at a live server.

Each request starts from a plausible body for its operation (required members filled from
the model, names pointing at a job, run and log stream that exist, so requests get past the
lookups into the code behind them) and then breaks one thing:

- one member, anywhere in the input shape up to a few levels down: a value of the wrong JSON
  type, a number beyond the model's range or the store's 64 bits, a string that is empty,
  one character too long, huge, holding NUL or odd Unicode, a forged pagination or log
  token, or a value nested far too deep;
- or the body itself: not JSON, not an object, truncated, invalid UTF-8, nested thousands
  of levels, larger than the server accepts.

The runner records every answer; the tests and the bench assert that none was a 5xx and
that the server still answers reads afterwards.
"""

from __future__ import annotations

import base64
import copy
import http.client
import itertools
import json
import random
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import botocore.loaders

from gluerun.api.logs import LOGS_OPERATIONS, LOGS_PREFIX
from gluerun.api.operations import GLUE_OPERATIONS, GLUERUN_OPERATIONS
from gluerun.api.unmodeled import SHAPES as UNMODELED_SHAPES
from gluerun.model.logs import OUTPUT_GROUP

#: How deep into an input shape member paths go.
MAX_PATH_DEPTH = 4


@dataclass(frozen=True)
class Target:
    """What the plausible bodies point at: objects that exist on the server under test."""

    job: str
    run_id: str
    stream: str
    trigger: str = "hostile-trigger"
    database: str = "hostile_db"


@dataclass
class Request:
    target: str  # X-Amz-Target ('' for none); method GET for `path` requests
    body: bytes
    what: str  # a short description for failure messages
    path: str = "/"
    method: str = "POST"


@dataclass
class Outcome:
    request: Request
    status: int
    text: str


@dataclass
class Tally:
    sent: int = 0
    by_class: dict[str, int] = field(default_factory=dict)
    server_errors: list[Outcome] = field(default_factory=list)

    def add(self, outcome: Outcome) -> None:
        self.sent += 1
        key = f"{outcome.status // 100}xx" if outcome.status else "no answer"
        self.by_class[key] = self.by_class.get(key, 0) + 1
        if outcome.status >= 500 or outcome.status == 0:
            self.server_errors.append(outcome)


# --------------------------------------------------------------------------- the models


class Model:
    """One botocore service model and plausible values for its shapes."""

    def __init__(self, service: str) -> None:
        loaded = botocore.loaders.Loader().load_service_model(service, "service-2")
        self.shapes: dict[str, dict[str, Any]] = loaded["shapes"]
        self.operations: dict[str, dict[str, Any]] = loaded["operations"]

    def input_shape(self, operation: str) -> str | None:
        ref = self.operations[operation].get("input")
        return None if ref is None else str(ref["shape"])

    def plausible(self, name: str, member: str, target: Target, depth: int = 0) -> Any:
        shape = self.shapes[name]
        kind = shape["type"]
        if kind == "structure":
            if depth > 6:
                return {}
            members = shape["members"]
            required = shape.get("required", [])
            if shape.get("union") and members and not required:
                required = [next(iter(members))]
            return {m: self.plausible(members[m]["shape"], m, target, depth + 1) for m in required}
        if kind == "list":
            item = self.plausible(shape["member"]["shape"], member, target, depth + 1)
            return [item] * max(1, shape.get("min", 0)) if shape.get("min") else [item]
        if kind == "map":
            return {"k": self.plausible(shape["value"]["shape"], member, target, depth + 1)}
        if kind == "string":
            return _plausible_string(shape, member, target)
        if kind in ("integer", "long"):
            return int(shape.get("min", 1))
        if kind in ("double", "float"):
            return float(shape.get("min", 1.0))
        if kind == "boolean":
            return False
        if kind == "timestamp":
            return 1_700_000_000
        return "AA=="  # blob

    def member_paths(self, name: str | None) -> list[tuple[tuple[str | int, ...], str]]:
        """(path, shape name) of members reachable from `name`, breadth first."""
        if name is None:
            return []
        found: list[tuple[tuple[str | int, ...], str]] = []
        frontier: list[tuple[tuple[str | int, ...], str]] = [((), name)]
        while frontier and len(found) < 4000:
            path, shape_name = frontier.pop(0)
            shape = self.shapes[shape_name]
            if len(path) >= MAX_PATH_DEPTH:
                continue
            children: list[tuple[str | int, str]] = []
            if shape["type"] == "structure":
                children = [(m, ref["shape"]) for m, ref in shape["members"].items()]
            elif shape["type"] == "list":
                children = [(0, shape["member"]["shape"])]
            elif shape["type"] == "map":
                children = [("k", shape["value"]["shape"])]
            for step, child in children:
                found.append(((*path, step), child))
                frontier.append(((*path, step), child))
        return found


def _plausible_string(shape: dict[str, Any], member: str, target: Target) -> str:
    if "enum" in shape:
        return str(shape["enum"][0])
    lowered = member.lower()
    if lowered in ("jobname", "name") or lowered.endswith("jobname"):
        return target.job
    if lowered in ("runid", "jobrunid"):
        return target.run_id
    if lowered in ("loggroupname", "loggroupidentifier"):
        return OUTPUT_GROUP
    if lowered == "logstreamname":
        return target.stream
    if lowered == "databasename":
        return target.database
    if lowered == "resourcearn":
        return f"arn:aws:glue:us-east-1:123456789012:job/{target.job}"
    return "a" * max(1, int(shape.get("min", 1)))


# --------------------------------------------------------------------------- hostile values

_BIG = 2**63
_TOKEN_CURSORS = [
    "99999999999999999999",
    "9223372036854775808",
    "²",
    "٣",
    "-1",
    "1e5",
    "9" * 5000,
    "\x00",
    "a\x00b",
    "",
]


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


def _nested(depth: int, leaf: Any = "x") -> Any:
    value = leaf
    for i in range(depth):
        value = [value] if i % 2 else {"a": value}
    return value


def token_values() -> list[Any]:
    """Forged NextTokens of every kind gluerun issues, with cursors beyond the store."""
    out: list[Any] = []
    for cursor in _TOKEN_CURSORS:
        for kind in ("run", "job", "trigger", "db", "table", "partition"):
            out.append(_b64(f"{kind}:{cursor}"))
        for prefix in ("f/", "b/", "e/", "o/", "g/"):
            out.append(prefix + cursor)
    return [*out, "!!!", "=", "a" * 5000, 2**63, -1, 1e300, {"a": 1}]


_HUGE_TEXT = "a" * 300_000
_WRONG_TYPES: list[Any] = [True, [], {}, _nested(300)]
#: Hostile values by the kind of shape they are aimed at.
POOLS: dict[str, list[Any]] = {
    "string": [
        "",
        "\x00",
        "a\x00",
        "²",
        "٣٤",
        "\u202e\u200b\ufeff",
        "😀" * 100,
        "a" * 256,
        "a" * 2049,
        _HUGE_TEXT,
        "../../etc/passwd",
        "%00",
        "\\u0000",
        1,
        *_WRONG_TYPES,
    ],
    "integer": [2**31, -(2**31) - 1, _BIG, 2**64, -_BIG - 1, 1e300, -1, 0, 1.5, "1", *_WRONG_TYPES],
    "double": [1e300, -1e300, 1e-300, -1.0, 0, 2**64, _BIG, "1", *_WRONG_TYPES],
    "boolean": ["true", 1, 0, [], {}],
    "timestamp": [_BIG, 2**64, -1e300, 1e300, "not a date", "2020-13-45T99:00:00Z", [], {}],
    "blob": ["not base64!", "\x00", 1, [], {}],
    "list": [[None], ["a"] * 10_000, [{}], [[]], [1], "a", {}, _nested(70), _nested(300)],
    "map": [
        {f"k{i}": "v" for i in range(1000)},
        {"\x00": "v"},
        {"k": None},
        {"k": 1},
        {"": "v"},
        {"k" * 300: "v"},
        [],
        "a",
        _nested(300),
    ],
    "structure": [{}, [], "a", 1, {"Unknown": _nested(300)}, {"Unknown": _HUGE_TEXT}, _nested(70)],
    "": [None, "", "\x00", 1, -1, _BIG, 2**64, 1e300, "²", _HUGE_TEXT, *_WRONG_TYPES],
}
POOLS["long"] = POOLS["integer"]
POOLS["float"] = POOLS["double"]


def pool_for(kind: str, member: str | int) -> list[Any]:
    """The hostile values to try on a member of shape type `kind` ('' when unmodeled)."""
    if isinstance(member, str) and member.lower() == "nexttoken":
        return [*token_values(), *POOLS[""]]
    return POOLS.get(kind, POOLS[""])


# --------------------------------------------------------------------------- requests


def set_at(body: Any, path: tuple[str | int, ...], value: Any) -> Any:
    """`body` with `value` at `path`, creating the containers on the way."""
    root = copy.deepcopy(body)
    if not path:
        return value
    here = root
    for step, nxt in itertools.pairwise(path):
        child = _child(here, step)
        if child is None or not isinstance(child, dict | list):
            child = [] if isinstance(nxt, int) else {}
            _put(here, step, child)
        here = child
    _put(here, path[-1], value)
    return root


def _child(container: Any, step: str | int) -> Any:
    if isinstance(container, list):
        return container[0] if container else None
    return container.get(step)


def _put(container: Any, step: str | int, value: Any) -> None:
    if isinstance(container, list):
        if container:
            container[0] = value
        else:
            container.append(value)
    else:
        container[step] = value


def _dump(body: Any) -> bytes:
    return json.dumps(body, ensure_ascii=False).encode("utf-8", "surrogatepass")


@dataclass
class Operation:
    target: str
    base: dict[str, Any]
    #: (member path, shape type of the member: '' when the operation has no model)
    paths: list[tuple[tuple[str | int, ...], str]]


def operations(target: Target, rng: random.Random) -> list[Operation]:
    """Every operation gluerun serves, with a plausible body and the member paths to break."""
    glue, logs = Model("glue"), Model("logs")
    out: list[Operation] = []
    for model, prefix, names in (
        (glue, "AWSGlue", GLUE_OPERATIONS),
        (logs, LOGS_PREFIX, LOGS_OPERATIONS),
    ):
        for name in sorted(names):
            if name not in model.operations:
                continue
            shape = model.input_shape(name)
            base = model.plausible(shape, name, target) if shape else {}
            paths = [(p, model.shapes[s]["type"]) for p, s in model.member_paths(shape)]
            out.append(Operation(f"{prefix}.{name}", base, paths))
    for name, rules in UNMODELED_SHAPES.items():
        prefix = "Gluerun" if name in GLUERUN_OPERATIONS else "AWSGlue"
        base = {"JobName": target.job, "RunId": target.run_id, "BaseVersion": 0}
        base = {k: v for k, v in base.items() if k in rules}
        base.update({k: "{}" for k in rules if k == "JobBookmark"})
        out.append(Operation(f"{prefix}.{name}", base, [((m,), "") for m in rules]))
    return out


def body_attacks(rng: random.Random, max_body: int) -> list[tuple[bytes, str]]:
    """Whole bodies that are not what any operation expects."""
    deep = rng.choice([1100, 5000, 100_000])
    return [
        (b"", "empty body"),
        (b"null", "null body"),
        (b"[1,2,3]", "array body"),
        (b'"text"', "string body"),
        (b"{", "truncated"),
        (b'{"JobName": "a"', "truncated object"),
        (b"\xff\xfe{}", "invalid UTF-8"),
        (b"\xef\xbb\xbf{}", "byte order mark"),
        (b'{"a": NaN}', "NaN"),
        (b'{"a": 1e999}', "infinite number"),
        (b'{"a": "\\ud800"}', "lone surrogate"),
        (b'{"JobName": "a", "JobName": "b"}', "duplicate keys"),
        (b"[" * deep + b"]" * deep, f"array nested {deep} deep"),
        (b'{"a":' * 200 + b"1" + b"}" * 200, "object nested 200 deep"),
        (b'{"a":' * deep + b"1" + b"}" * deep, f"object nested {deep} deep"),
        (b'{"JobName": "' + b"a" * (max_body + 10) + b'"}', "body over the limit"),
    ]


def requests(target: Target, seed: int, count: int, max_body: int) -> Iterator[Request]:
    """`count` hostile requests, the same ones for the same seed.

    Most break one member each: every member of every operation down to two levels gets
    the same share of values from its type's pool (all of them once `count` allows); the
    rest go to deeper members, broken bodies, bad targets and the /events feed.
    """
    rng = random.Random(seed)
    ops = operations(target, rng)
    core = [(op, path, kind) for op in ops for path, kind in op.paths if len(path) <= 2]
    deep = [(op, path, kind) for op in ops for path, kind in op.paths if len(path) > 2]
    per_member = max(1, int(count * 0.8) // len(core))
    plan: list[Callable[[], Request]] = []
    for op, path, kind in core:
        pool = pool_for(kind, path[-1])
        for value in rng.sample(pool, min(per_member, len(pool))):
            plan.append(_member_plan(op, path, value, rng.randrange(10**9)))
    attacks = body_attacks(rng, max_body)
    while len(plan) < count:
        roll = rng.random()
        op = rng.choice(ops)
        if roll < 0.5 and deep:
            op, path, kind = rng.choice(deep)
            value = rng.choice(pool_for(kind, path[-1]))
            plan.append(_member_plan(op, path, value, rng.randrange(10**9)))
        elif roll < 0.8:
            raw, what = rng.choice(attacks)
            plan.append(lambda t=op.target, r=raw, w=what: Request(t, r, f"{t}: {w}"))
        elif roll < 0.9:
            feed = _feed_request(rng)
            plan.append(lambda r=feed: r)
        else:
            bad = rng.choice(["", "AWSGlue.", "AWSGlue.Nope", "Logs_20140328.X", "x" * 5000])
            plan.append(lambda b=bad: Request(b, b"{}", f"target {b[:20]!r}"))
    if len(plan) > count:
        plan = rng.sample(plan, count)
    rng.shuffle(plan)
    for build in plan:
        yield build()


def _member_plan(
    op: Operation, path: tuple[str | int, ...], value: Any, salt: int
) -> Callable[[], Request]:
    """Build the request only when it is sent: some values are large."""

    def build() -> Request:
        base = op.base
        # A create needs a fresh name to get as far as the store.
        if op.target.startswith("AWSGlue.Create") and "Name" in base and path != ("Name",):
            base = {**base, "Name": f"hostile-{salt}"}
        body = set_at(base, path, value)
        shown = (
            f"<{len(value)} chars>"
            if isinstance(value, str) and len(value) > 80
            else json.dumps(value, ensure_ascii=True)[:60]
        )
        where = ".".join(map(str, path))
        return Request(op.target, _dump(body), f"{op.target} {where}={shown}")

    return build


def _feed_request(rng: random.Random) -> Request:
    value = rng.choice(["99999999999999999999", "²", "-1", "9" * 5000, "abc", "1e3", "%00"])
    name = rng.choice(["after", "limit"])
    path = f"/events?{name}={urllib.parse.quote(value)}"
    return Request("", b"", f"GET /events?{name}={value[:30]}", path, "GET")


# --------------------------------------------------------------------------- running


class Runner:
    """Sends requests over one kept-alive connection, reconnecting when the server closes."""

    def __init__(self, port: int, timeout: float = 30.0) -> None:
        self.port = port
        self.timeout = timeout
        self.conn: http.client.HTTPConnection | None = None

    def send(self, request: Request) -> Outcome:
        for attempt in range(2):
            try:
                return self._send(request)
            except (ConnectionError, http.client.HTTPException, TimeoutError) as exc:
                self.close()
                if attempt:
                    return Outcome(request, 0, f"{type(exc).__name__}: {exc}")
        raise AssertionError("unreachable")

    def _send(self, request: Request) -> Outcome:
        if self.conn is None:
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Content-Type": "application/x-amz-json-1.1"}
        if request.target:
            headers["X-Amz-Target"] = request.target
        try:
            self.conn.request(request.method, request.path, body=request.body, headers=headers)
        except (BrokenPipeError, ConnectionResetError):
            # An oversized body: the server answered 413 and closed while it was sent.
            if len(request.body) < 1_000_000:
                raise
            response = self.conn.getresponse()
            text = response.read().decode("utf-8", "replace")
            self.close()
            return Outcome(request, response.status, text)
        response = self.conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        if response.will_close:
            self.close()
        return Outcome(request, response.status, text)

    def call(self, target: str, body: dict[str, Any]) -> tuple[int, Any]:
        outcome = self.send(Request(target, json.dumps(body).encode(), target))
        try:
            return outcome.status, json.loads(outcome.text)
        except ValueError:
            return outcome.status, outcome.text

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def run(runner: Runner, reqs: Iterator[Request], every: int, check: Callable[[], None]) -> Tally:
    """Send everything, calling `check` (reads still work) every `every` requests and at the end."""
    tally = Tally()
    for i, request in enumerate(reqs, 1):
        tally.add(runner.send(request))
        if i % every == 0:
            check()
    check()
    return tally


def reads_work(runner: Runner, target: Target) -> list[str]:
    """The reads everyone depends on, and what failed of them."""
    problems = []
    for op, body in (
        ("AWSGlue.GetJobs", {}),
        ("AWSGlue.ListJobs", {}),
        ("AWSGlue.GetJob", {"JobName": target.job}),
        ("AWSGlue.BatchGetJobs", {"JobNames": [target.job]}),
        ("AWSGlue.GetJobRuns", {"JobName": target.job}),
        ("AWSGlue.GetJobRun", {"JobName": target.job, "RunId": target.run_id}),
        ("AWSGlue.GetTriggers", {}),
        ("Logs_20140328.DescribeLogGroups", {}),
        (
            "Logs_20140328.GetLogEvents",
            {"logGroupName": OUTPUT_GROUP, "logStreamName": target.stream},
        ),
        ("Logs_20140328.FilterLogEvents", {"logGroupName": OUTPUT_GROUP}),
    ):
        status, answer = runner.call(op, body)
        if status != 200:
            problems.append(f"{op} -> {status} {str(answer)[:200]}")
    # Every job listed must read back, whatever the hostile calls stored.
    status, answer = runner.call("AWSGlue.ListJobs", {"MaxResults": 1000})
    for name in answer.get("JobNames", []) if status == 200 else []:
        for op in ("AWSGlue.GetJob", "AWSGlue.GetJobRuns"):
            got, text = runner.call(op, {"JobName": name})
            if got != 200:
                problems.append(f"{op} {name!r} -> {got} {str(text)[:200]}")
    for path in ("/metrics", "/events?after=0"):
        outcome = runner.send(Request("", b"", path, path, "GET"))
        if outcome.status != 200:
            problems.append(f"GET {path} -> {outcome.status}")
    return problems
