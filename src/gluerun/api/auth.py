"""The Guard: who is calling (SigV4 key, a job's run token, or anonymous), and may they.

Without a credentials file every caller is the account's anonymous ``gluerun`` user, and only
Host headers naming loopback (or listed in ``allowed_hosts``) are answered, which stops DNS
rebinding. With one, every request but ``GET /`` must be signed with a listed key, and a key
with a policy may do only what it allows. Job processes call back with their run token, which
lets them read their own job's bookmark and commit their own run's, nothing else.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Mapping, MutableMapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qs

from gluerun.api import protocol, sigv4
from gluerun.api.access import Arns
from gluerun.api.logs import LOGS_PREFIX
from gluerun.api.unmodeled import GLUERUN_PREFIX
from gluerun.clock import Clock
from gluerun.credentials import Principal
from gluerun.errors import AccessDenied, HostNotAllowed, MissingAuthentication
from gluerun.model.iam import Decision, Policy
from gluerun.model.tokens import HEADER as TOKEN_HEADER
from gluerun.model.tokens import RunTokens

Scope = MutableMapping[str, Any]

#: the job-process calls a run token allows (its own job's bookmark, its own run's commit)
_RUN_CALLS = frozenset(
    {f"{protocol.GLUE_PREFIX}.GetJobBookmark", f"{GLUERUN_PREFIX}.CommitJobBookmark"}
)
#: the action each page other than GET / needs on a server with credentials
_PAGES = {
    "/events": "gluerun:GetEvents",
    "/metrics": "gluerun:GetMetrics",
    "/moto-api/reset": "gluerun:Reset",
    "/gluerun/reset": "gluerun:Reset",
}
_LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
_FORM = "application/x-www-form-urlencoded"  # the query protocol's (STS, IAM) bodies
#: the signing name of each JSON target prefix (job processes' Gluerun.* calls are Glue's)
_SERVICES = {protocol.GLUE_PREFIX: "glue", LOGS_PREFIX: "logs", GLUERUN_PREFIX: "glue"}


@dataclass(frozen=True)
class Caller:
    """The identity a request was made with."""

    arn: str
    user_id: str
    #: None: everything is allowed
    policy: Policy | None = None
    #: for a job process: its run id (its job is checked with the token)
    run_id: str | None = None


class Guard:
    """Authenticates and authorizes requests for the edge (see the module docstring)."""

    def __init__(
        self,
        region: str,
        account_id: str,
        clock: Clock,
        keys: Mapping[str, Principal] | None = None,
        run_tokens: RunTokens | None = None,
        allowed_hosts: frozenset[str] = frozenset(),
        public_metrics: bool = False,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.clock = clock
        self.keys = keys
        self.run_tokens = run_tokens
        self.allowed_hosts = frozenset(h.lower() for h in allowed_hosts)
        self.public_metrics = public_metrics
        self.arns = Arns(region, account_id)
        anonymous_id = hashlib.sha256(f"user:{account_id}".encode()).hexdigest()[:17].upper()
        self.anonymous = Caller(f"arn:aws:iam::{account_id}:user/gluerun", "AIDA" + anonymous_id)

    @property
    def open(self) -> bool:
        """Whether unsigned requests are served (no credentials file)."""
        return self.keys is None

    # -- Host ---------------------------------------------------------------------------

    def check_host(self, scope: Scope) -> None:
        """Refuse a Host header that names no loopback address or allowed name, and a browser
        request from a page of another origin.

        The Host is checked when serving anonymously, or whenever allowed_hosts lists names.
        The Origin always: a page elsewhere can still send "simple" cross-site POSTs (no
        preflight) to a loopback server, such as the test-suite reset.
        """
        _check_origin(scope)
        if not (self.open or self.allowed_hosts) or "*" in self.allowed_hosts:
            return
        host = _host_name(_header(scope, b"host") or "")
        if host in self.allowed_hosts or _is_loopback(host):
            return
        raise HostNotAllowed(
            f"Host {host!r} is not allowed: gluerun answers loopback names and "
            "GLUERUN_ALLOWED_HOSTS only."
        )

    def page_action(self, path: str) -> str | None:
        """The action a GET of `path` needs when credentials are on (None: answered to all)."""
        if self.open or path == "/" or (path == "/metrics" and self.public_metrics):
            return None
        if path == "/console" or path.startswith("/console/"):
            return None  # the console signs its users in and checks them (console/session.py)
        return _PAGES.get(path, "gluerun:GetPage")

    # -- who ----------------------------------------------------------------------------

    def authenticate(self, scope: Scope, body: bytes) -> Caller:
        """The caller of a request: a run, a key's principal, or anonymous when open.

        Raises:
            AuthError: the request carries no valid token or signature and must.
        """
        token = _header(scope, TOKEN_HEADER.encode())
        if token:
            return Caller(self.anonymous.arn, self.anonymous.user_id, run_id=token)
        value = _header(scope, b"authorization")
        if self.keys is None:
            return self.anonymous
        if not value:
            raise MissingAuthentication("Missing Authentication Token")
        auth = sigv4.parse_authorization(value)
        incoming = sigv4.Incoming(scope["method"], _url(scope), _headers(scope), body)
        service = _signing_service(scope, body)
        # IAM and STS's global endpoint are signed for us-east-1 whatever the region.
        regions = {self.region, "us-east-1"} if service in ("iam", "sts") else {self.region}
        principal = sigv4.verify(incoming, auth, self.keys, self.clock.now(), regions, service)
        return Caller(principal.arn, principal.user_id, principal.policy)

    # -- may they -----------------------------------------------------------------------

    def authorize_json(self, caller: Caller, target: str, body: bytes) -> None:
        """Raise AccessDenied unless `caller` may make the JSON 1.1 call `target`."""
        if caller.run_id is not None or target.startswith(GLUERUN_PREFIX + "."):
            self._authorize_run(caller, target, body)
            return
        if caller.policy is None:
            return
        prefix, _, operation = target.partition(".")
        parsed = protocol.parse_body(body)
        if prefix == LOGS_PREFIX:
            self.authorize(caller, f"logs:{operation}", self.arns.logs(operation, parsed))
        else:
            self.authorize(caller, f"glue:{operation}", self.arns.glue(operation, parsed))

    def authorize(self, caller: Caller, action: str, resources: list[str]) -> None:
        """Raise AccessDenied, worded as IAM words it, unless the policy allows every resource.

        A job process's run token allows nothing here (only its two bookmark calls).
        """
        if caller.run_id is not None:
            raise AccessDenied(
                f"User: {caller.arn} is not authorized to perform: {action} because a run "
                "token only allows its run's own job bookmark calls"
            )
        if caller.policy is None:
            return
        for resource in resources:
            decision = caller.policy.decide(action, resource)
            if decision is not Decision.ALLOW:
                raise AccessDenied(_denial(caller.arn, action, resource, decision))

    def _authorize_run(self, caller: Caller, target: str, body: bytes) -> None:
        operation = target.partition(".")[2]
        parsed = protocol.parse_body(body) if target in _RUN_CALLS else {}
        job, token = parsed.get("JobName"), caller.run_id
        run_id = (
            self.run_tokens.run_of(token, job)
            if self.run_tokens and token and isinstance(job, str)
            else None
        )
        own_run = target != f"{GLUERUN_PREFIX}.CommitJobBookmark" or parsed.get("RunId") == run_id
        if run_id is None or not own_run:
            resource = self.arns.glue("GetJob", {"JobName": job}) if isinstance(job, str) else ["*"]
            raise AccessDenied(
                f"User: {caller.arn} is not authorized to perform: glue:{operation} on resource: "
                f"{resource[0]} because only the job process of the run may make this call "
                "(its run token is missing or is not this run's)"
            )


def _check_origin(scope: Scope) -> None:
    """Refuse a request whose Origin (sent by browsers) is not the server it is sent to.

    Clients other than browsers send no Origin. gluerun grants no CORS preflight, so a page
    of another origin can only reach it with "simple" requests; this refuses those too.
    """
    origin = _header(scope, b"origin")
    if origin is None:
        return
    host = (_header(scope, b"host") or "").strip().lower()
    if origin.strip().lower().partition("://")[2] != host or not host:
        raise HostNotAllowed(
            f"Origin {origin!r} is not this server's: gluerun answers no cross-origin "
            "browser requests."
        )


def _signing_service(scope: Scope, body: bytes) -> str | None:
    """The service a client signs this request for, as AWS routes it (None: gluerun's own
    pages, which any of the services' signatures may read)."""
    target = _header(scope, b"x-amz-target")
    if target:
        return _SERVICES.get(target.partition(".")[0])
    form = (_header(scope, b"content-type") or "").partition(";")[0].strip().lower()
    if scope["method"] != "POST" or scope["path"] != "/" or form != _FORM:
        return None
    action = parse_qs(bytes(body).decode("utf-8", "replace")).get("Action", [""])[0]
    return "sts" if action == "GetCallerIdentity" else "iam"


def _denial(arn: str, action: str, resource: str, decision: Decision) -> str:
    where = "" if resource == "*" else f" on resource: {resource}"
    if decision is Decision.EXPLICIT_DENY:
        return (
            f"User: {arn} is not authorized to perform: {action}{where} "
            "with an explicit deny in an identity-based policy"
        )
    return (
        f"User: {arn} is not authorized to perform: {action}{where} "
        f"because no identity-based policy allows the {action} action"
    )


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope["headers"]:
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _headers(scope: Scope) -> list[tuple[str, str]]:
    return [
        (bytes(k).decode("latin-1").lower(), bytes(v).decode("latin-1"))
        for k, v in scope["headers"]
    ]


def _url(scope: Scope) -> str:
    """The URL the client signed: its scheme and Host, the raw path and query string."""
    path = (scope.get("raw_path") or scope["path"].encode()).decode("latin-1")
    query = bytes(scope.get("query_string") or b"").decode("latin-1")
    host = _header(scope, b"host") or "localhost"
    return f"{scope.get('scheme', 'http')}://{host}{path}" + (f"?{query}" if query else "")


def _host_name(value: str) -> str:
    """The name in a Host header, without its port (IPv6 literals keep no brackets)."""
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:].partition("]")[0]
    return value.rpartition(":")[0] if value.count(":") == 1 else value


@lru_cache(maxsize=256)
def _is_loopback(host: str) -> bool:
    if host in _LOOPBACK_NAMES or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
