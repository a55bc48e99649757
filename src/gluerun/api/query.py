"""The AWS query protocol (form-encoded ``POST /``, XML answers) for two identity calls.

Clients of Glue ask who they are and what a role's ARN is before some Glue calls: Airflow's
GlueJobHook calls IAM ``GetRole`` for ``iam_role_name`` and STS ``GetCallerIdentity`` to build
a job's ARN for its tags. gluerun checks no credentials and keeps no IAM, so it answers as a
single-account sandbox: every valid role name is ``arn:aws:iam::<account>:role/<name>``, and
the caller is the identity the request was signed with (api/auth.py), or the account's anonymous
``gluerun`` user on a server without credentials. Input is checked against botocore's models of sts
and iam; errors come from the one error mapping and are written in the query protocol's XML.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Mapping
from urllib.parse import parse_qsl, quote
from xml.sax.saxutils import escape

from gluerun import errors
from gluerun.api.auth import Caller, Guard
from gluerun.api.errors import query_wire_error
from gluerun.api.validation import validate

__all__ = ["CONTENT_TYPE", "QueryApi", "is_query"]

CONTENT_TYPE = "text/xml"
_FORM = "application/x-www-form-urlencoded"
_NAMESPACES = {
    "sts": "https://sts.amazonaws.com/doc/2011-06-15/",
    "iam": "https://iam.amazonaws.com/doc/2010-05-08/",
}
#: when every role was "created": gluerun has no IAM history to report
_ROLE_CREATED = "2020-01-01T00:00:00Z"
#: the trust policy every role reports: Glue may assume it (URL-encoded JSON, as IAM sends)
_TRUST = quote(
    json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "glue.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )
)

Handler = Callable[[Mapping[str, str], Caller | None], str]


def is_query(content_type: str) -> bool:
    """Whether a POST / without X-Amz-Target is a query-protocol call."""
    return content_type.split(";", 1)[0].strip().lower() == _FORM


class QueryApi:
    """Answers STS GetCallerIdentity and IAM GetRole for one account."""

    def __init__(self, account_id: str, guard: Guard | None = None) -> None:
        self.account_id = account_id
        self.guard = guard
        self._actions: dict[str, tuple[str, Handler]] = {
            "GetCallerIdentity": ("sts", self._caller_identity),
            "GetRole": ("iam", self._role),
        }

    def answer(
        self, body: bytes, caller: Caller | errors.AuthError | None = None
    ) -> tuple[int, bytes]:
        """(HTTP status, XML document) for one form-encoded request by `caller` (None: no
        guard; an AuthError: the reason the caller could not be authenticated)."""
        request_id = str(uuid.uuid4())
        params = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
        action = params.get("Action", "")
        service = "iam"
        try:
            if isinstance(caller, errors.AuthError):
                service = "sts" if action == "GetCallerIdentity" else "iam"
                raise caller
            if action not in self._actions:
                raise errors.UnknownOperation(f"gluerun does not serve the action {action!r}.")
            service, handler = self._actions[action]
            inputs = {k: v for k, v in params.items() if k not in ("Action", "Version")}
            validate(action, inputs, service=service)
            result = handler(inputs, caller)
        except Exception as exc:
            code, status, message = query_wire_error(exc)
            return status, _error(service, code, message, request_id).encode()
        return 200, _response(service, action, result, request_id).encode()

    def _caller_identity(self, _: Mapping[str, str], caller: Caller | None) -> str:
        """Who signed the request; as in AWS, any authenticated caller may ask."""
        if caller is not None and caller.run_id is not None and self.guard is not None:
            self.guard.authorize(caller, "sts:GetCallerIdentity", ["*"])  # refuses run tokens
        if caller is None:
            arn = f"arn:aws:iam::{self.account_id}:user/gluerun"
            user_id = "AIDA" + _digest(f"user:{self.account_id}")
        else:
            arn, user_id = caller.arn, caller.user_id
        return (
            f"<Arn>{escape(arn)}</Arn>"
            f"<UserId>{user_id}</UserId><Account>{self.account_id}</Account>"
        )

    def _role(self, params: Mapping[str, str], caller: Caller | None) -> str:
        name = params["RoleName"]
        if self.guard is not None and caller is not None:
            self.guard.authorize(caller, "iam:GetRole", [self.guard.arns.role(name)])
        role_id = "AROA" + _digest(f"role:{self.account_id}:{name}")
        return (
            f"<Role><Path>/</Path><RoleName>{escape(name)}</RoleName><RoleId>{role_id}</RoleId>"
            f"<Arn>arn:aws:iam::{self.account_id}:role/{escape(name)}</Arn>"
            f"<CreateDate>{_ROLE_CREATED}</CreateDate>"
            f"<AssumeRolePolicyDocument>{_TRUST}</AssumeRolePolicyDocument>"
            "<MaxSessionDuration>3600</MaxSessionDuration></Role>"
        )


def _digest(text: str) -> str:
    """A stable IAM-style unique id suffix (17 upper-case characters)."""
    return hashlib.sha256(text.encode()).hexdigest()[:17].upper()


def _response(service: str, action: str, result: str, request_id: str) -> str:
    return (
        f'<{action}Response xmlns="{_NAMESPACES[service]}">'
        f"<{action}Result>{result}</{action}Result>"
        f"<ResponseMetadata><RequestId>{request_id}</RequestId></ResponseMetadata>"
        f"</{action}Response>"
    )


def _error(service: str, code: str, message: str, request_id: str) -> str:
    kind = "Receiver" if code == "InternalServiceException" else "Sender"
    return (
        f'<ErrorResponse xmlns="{_NAMESPACES[service]}"><Error><Type>{kind}</Type>'
        f"<Code>{escape(code)}</Code><Message>{escape(message)}</Message></Error>"
        f"<RequestId>{request_id}</RequestId></ErrorResponse>"
    )
