"""Verifies AWS Signature Version 4 (header-signed requests) with botocore's own signer.

The request is rebuilt as a botocore AWSRequest holding only the headers the client signed,
at the time it says it signed; botocore computes the signature a client holding the secret
would have sent, and the two are compared in constant time. No SigV4 arithmetic lives here:
only the parsing of the Authorization header and the checks AWS makes around it.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from gluerun.credentials import Principal
from gluerun.errors import IncompleteSignature, InvalidSignature, UnrecognizedClient

ALGORITHM = "AWS4-HMAC-SHA256"
#: how far the signing time may be from the server's clock, as in AWS
MAX_SKEW = 300.0
_TIME_FORMAT = "%Y%m%dT%H%M%SZ"
_PARTS = re.compile(r"(Credential|SignedHeaders|Signature)=([^,\s]*)")
_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. Check "
    "your AWS Secret Access Key and signing method. Consult the service documentation for "
    "details."
)


@dataclass(frozen=True)
class Incoming:
    """What of an HTTP request a signature covers."""

    method: str
    #: scheme://host as the client addressed it, path and query string (the signed URL)
    url: str
    #: (lower-case name, value) pairs in arrival order
    headers: Sequence[tuple[str, str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = [value for key, value in self.headers if key == name]
        return ",".join(values) if values else None


@dataclass(frozen=True)
class Authorization:
    """The parts of an ``AWS4-HMAC-SHA256`` Authorization header."""

    access_key: str
    date: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


def parse_authorization(value: str) -> Authorization:
    """The parts of `value`.

    Raises:
        IncompleteSignature: it is not a complete SigV4 Authorization header.
    """
    algorithm, _, rest = value.strip().partition(" ")
    if algorithm != ALGORITHM:
        raise IncompleteSignature(f"Unsupported AWS 'algorithm': '{algorithm}'")
    parts = dict(_PARTS.findall(rest))
    missing = [name for name in ("Credential", "SignedHeaders", "Signature") if not parts.get(name)]
    if missing:
        raise IncompleteSignature(
            " ".join(f"Authorization header requires '{name}' parameter." for name in missing)
            + f" Authorization={value}"
        )
    scope = parts["Credential"].split("/")
    if len(scope) != 5 or scope[4] != "aws4_request":
        raise IncompleteSignature(
            "Credential must have exactly 5 slash-delimited elements, e.g. "
            f"keyid/date/region/service/term, got '{parts['Credential']}'"
        )
    return Authorization(
        scope[0],
        scope[1],
        scope[2],
        scope[3],
        tuple(parts["SignedHeaders"].split(";")),
        parts["Signature"],
    )


def verify(
    request: Incoming,
    auth: Authorization,
    keys: Mapping[str, Principal],
    now: float,
    regions: Collection[str] = (),
    service: str | None = None,
) -> Principal:
    """The principal whose key signed `request` for one of `regions` and for `service`
    (empty, None: any).

    Raises:
        UnrecognizedClient: the key is unknown (or a session token was sent: gluerun has none).
        IncompleteSignature: Host or X-Amz-Date is not signed.
        InvalidSignature: the signature is wrong, scoped to another region or service, or was
            made more than five minutes off.
    """
    _check_scope(auth, regions, service)
    principal = keys.get(auth.access_key)
    if principal is None or request.header("x-amz-security-token") is not None:
        raise UnrecognizedClient("The security token included in the request is invalid.")
    for required in ("host", "x-amz-date"):
        if required not in auth.signed_headers or request.header(required) is None:
            raise IncompleteSignature(
                f"'{required.title()}' must be a 'SignedHeader' in the AWS Authorization."
            )
    stamp = request.header("x-amz-date") or ""
    _check_time(stamp, auth.date, now)
    _check_payload(request)
    expected = _signature(request, auth, principal, stamp)
    if not hmac.compare_digest(expected.encode(), auth.signature.encode()):
        raise InvalidSignature(_MISMATCH)
    return principal


def _check_scope(auth: Authorization, regions: Collection[str], service: str | None) -> None:
    """AWS checks the credential scope before the key, and names every mismatch at once."""
    wrong = []
    if regions and auth.region not in regions:
        wrong.append(f"Credential should be scoped to a valid region, not '{auth.region}'. ")
    if service is not None and auth.service != service:
        wrong.append(f"Credential should be scoped to correct service: '{service}'. ")
    if wrong:
        raise InvalidSignature("".join(wrong))


def _check_time(stamp: str, scope_date: str, now: float) -> None:
    try:
        signed = datetime.strptime(stamp, _TIME_FORMAT).replace(tzinfo=UTC).timestamp()
    except ValueError:
        raise IncompleteSignature(
            f"Date must be in ISO-8601 'basic format'. Got '{stamp}'."
        ) from None
    if stamp[:8] != scope_date:
        raise InvalidSignature(
            f"Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{scope_date}' != '{stamp[:8]}', from '{stamp}'."
        )
    if signed < now - MAX_SKEW:
        raise InvalidSignature(
            f"Signature expired: {stamp} is now earlier than {_stamp(now - MAX_SKEW)} "
            f"({_stamp(now)} - 5 min.)"
        )
    if signed > now + MAX_SKEW:
        raise InvalidSignature(
            f"Signature not yet current: {stamp} is still later than {_stamp(now + MAX_SKEW)} "
            f"({_stamp(now)} + 5 min.)"
        )


def _check_payload(request: Incoming) -> None:
    """A declared payload hash (S3-style clients send one) must be the body's own."""
    declared = request.header("x-amz-content-sha256")
    if declared is not None and declared != hashlib.sha256(request.body).hexdigest():
        raise InvalidSignature(_MISMATCH)


def _signature(request: Incoming, auth: Authorization, principal: Principal, stamp: str) -> str:
    signed = set(auth.signed_headers)
    aws = AWSRequest(method=request.method, url=request.url, data=request.body)
    for name in auth.signed_headers:
        value = request.header(name)
        if value is not None:
            aws.headers[name] = value
    # botocore signs every header it is given except a few it never signs (User-Agent...):
    # a client that signed one of those anyway is refused by the comparison, as by AWS.
    aws.context["timestamp"] = stamp
    signer = SigV4Auth(
        Credentials(principal.access_key, principal.secret_key), auth.service, auth.region
    )
    if set(signer.headers_to_sign(aws)) != signed:
        raise InvalidSignature(_MISMATCH)
    canonical = signer.canonical_request(aws)
    return str(signer.signature(signer.string_to_sign(aws, canonical), aws))


def _stamp(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime(_TIME_FORMAT)
