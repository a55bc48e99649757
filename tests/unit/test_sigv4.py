"""SigV4 verification (api/sigv4.py) of requests signed by botocore, as clients sign them.

The live-server tests (tests/e2e/test_e2e_auth.py) show what boto3 and the AWS CLI see; these
pin the checks around the signature one by one, at chosen server times.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from gluerun.api import sigv4
from gluerun.credentials import Principal
from gluerun.errors import AuthError, IncompleteSignature, InvalidSignature, UnrecognizedClient

KEY, SECRET = "AKIAUNITTEST00000001", "unit-secret"
KEYS = {KEY: Principal(KEY, SECRET, "arn:aws:iam::123456789012:user/unit")}
URL = "http://127.0.0.1:4577/"
BODY = b'{"JobName": "nightly"}'


def signed(
    secret: str = SECRET, body: bytes = BODY, **headers: str
) -> tuple[sigv4.Incoming, sigv4.Authorization, float]:
    """A request botocore signed now, as it arrives; its parsed Authorization; its time."""
    request = AWSRequest(
        method="POST",
        url=URL,
        data=body,
        headers={"X-Amz-Target": "AWSGlue.GetJob", "Content-Type": "application/x-amz-json-1.1"},
    )
    for name, value in headers.items():
        request.headers[name.replace("_", "-")] = value
    SigV4Auth(Credentials(KEY, secret), "glue", "us-east-1").add_auth(request)
    sent = [(k.lower(), v) for k, v in request.headers.items()] + [("host", "127.0.0.1:4577")]
    incoming = sigv4.Incoming("POST", URL, sent, body)
    stamp = incoming.header("x-amz-date") or ""
    at = datetime.strptime(stamp, "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC).timestamp()
    return incoming, sigv4.parse_authorization(request.headers["Authorization"]), at


def refusal(
    incoming: sigv4.Incoming, auth: sigv4.Authorization, now: float
) -> tuple[type[AuthError], str]:
    with pytest.raises(AuthError) as caught:
        sigv4.verify(incoming, auth, KEYS, now)
    return type(caught.value), str(caught.value)


def test_a_signed_request_names_its_principal_within_five_minutes() -> None:
    incoming, auth, at = signed()
    for offset in (0.0, -300.0, 300.0):
        assert sigv4.verify(incoming, auth, KEYS, at + offset).arn.endswith(":user/unit")


def test_more_than_five_minutes_off_is_expired_or_not_yet_current() -> None:
    incoming, auth, at = signed()
    kind, message = refusal(incoming, auth, at + 301)
    assert kind is InvalidSignature
    assert message.startswith("Signature expired: ") and message.endswith(" - 5 min.)")
    kind, message = refusal(incoming, auth, at - 301)
    assert kind is InvalidSignature
    assert message.startswith("Signature not yet current: ") and message.endswith(" + 5 min.)")


def test_a_wrong_secret_or_changed_body_does_not_match() -> None:
    incoming, auth, at = signed(secret="not-the-secret")
    kind, message = refusal(incoming, auth, at)
    assert kind is InvalidSignature
    assert message.startswith("The request signature we calculated does not match")
    incoming, auth, at = signed()
    changed = dataclasses.replace(incoming, body=b'{"JobName": "other"}')
    assert refusal(changed, auth, at)[0] is InvalidSignature


def test_a_declared_payload_hash_must_be_the_bodys() -> None:
    incoming, auth, at = signed(X_Amz_Content_SHA256="0" * 64)
    assert refusal(incoming, auth, at)[0] is InvalidSignature


def test_an_unsigned_header_added_to_the_signed_list_does_not_match() -> None:
    incoming, auth, at = signed()
    widened = dataclasses.replace(auth, signed_headers=(*auth.signed_headers, "x-extra"))
    extra = dataclasses.replace(incoming, headers=[*incoming.headers, ("x-extra", "1")])
    assert refusal(extra, widened, at)[0] is InvalidSignature


def test_unknown_keys_and_session_tokens_are_unrecognized() -> None:
    incoming, auth, at = signed()
    other = dataclasses.replace(auth, access_key="AKIANOBODY0000000000")
    assert refusal(incoming, other, at) == (
        UnrecognizedClient,
        "The security token included in the request is invalid.",
    )
    incoming, auth, at = signed(X_Amz_Security_Token="FwoGZXIvYXdzEJr")
    assert refusal(incoming, auth, at)[0] is UnrecognizedClient


def test_host_and_date_must_be_signed() -> None:
    incoming, auth, at = signed()
    for name in ("host", "x-amz-date"):
        narrowed = dataclasses.replace(
            auth, signed_headers=tuple(h for h in auth.signed_headers if h != name)
        )
        kind, message = refusal(incoming, narrowed, at)
        assert kind is IncompleteSignature
        assert f"'{name.title()}' must be a 'SignedHeader'" in message


def test_the_scope_date_must_be_the_signing_date() -> None:
    incoming, auth, at = signed()
    kind, message = refusal(incoming, dataclasses.replace(auth, date="20000101"), at)
    assert kind is InvalidSignature
    assert message.startswith("Date in Credential scope does not match")


@pytest.mark.parametrize(
    ("header", "complaint"),
    [
        ("AWS4-HMAC-SHA1 Credential=a/b/c/d/aws4_request", "Unsupported AWS 'algorithm'"),
        (
            "AWS4-HMAC-SHA256 Credential=AK/20260101/us-east-1/glue/aws4_request",
            "requires 'SignedHeaders' parameter",
        ),
        (
            "AWS4-HMAC-SHA256 Credential=AK/20260101/glue, SignedHeaders=host, Signature=ab",
            "exactly 5 slash-delimited elements",
        ),
    ],
)
def test_malformed_authorization_headers_are_incomplete(header: str, complaint: str) -> None:
    with pytest.raises(IncompleteSignature, match=complaint):
        sigv4.parse_authorization(header)


def test_the_scope_must_name_the_servers_region_and_the_service() -> None:
    incoming, auth, at = signed()
    assert sigv4.verify(incoming, auth, KEYS, at, {"us-east-1"}, "glue").arn.endswith(":user/unit")
    with pytest.raises(InvalidSignature) as caught:
        sigv4.verify(incoming, auth, KEYS, at, {"eu-west-1"}, "logs")
    assert str(caught.value) == (
        "Credential should be scoped to a valid region, not 'us-east-1'. "
        "Credential should be scoped to correct service: 'logs'. "
    )
