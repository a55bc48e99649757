"""Who is using the console: sign-in with an access key, a signed session, CSRF tokens.

Without a credentials file the console is as open as the API (the anonymous caller). With
one, a person signs in with an access key id and its secret; the session cookie (signed by
Starlette's SessionMiddleware with a secret made at start-up, HttpOnly, SameSite=Strict,
Secure under TLS) holds only the key id and a CSRF token. Every console call then acts as that
key's principal, through the Guard's own policy check, and must carry the token in the
X-Gluerun-Console header. A restart signs everyone out.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from gluerun.api.auth import Caller, Guard
from gluerun.errors import MissingAuthentication, UnrecognizedClient

#: the header every console call carries: "1" on an open server, else the session's token
CONSOLE_HEADER = "x-gluerun-console"
OPEN_TOKEN = "1"
COOKIE = "gluerun_console"
#: how long a session lasts without signing in again
SESSION_SECONDS = 12 * 3600


@dataclass(frozen=True)
class ConsoleUser:
    """A console request's caller (None: no guard, everything allowed) and its CSRF token."""

    caller: Caller | None
    token: str


class Sessions:
    """Signs people in and out and says who a request is (see the module docstring)."""

    def __init__(self, guard: Guard | None) -> None:
        self.guard = guard

    @property
    def open(self) -> bool:
        return self.guard is None or self.guard.open

    def user(self, request: Request) -> ConsoleUser:
        """The request's user.

        Raises:
            MissingAuthentication: credentials are on and nobody is signed in.
        """
        if self.guard is None:
            return ConsoleUser(None, OPEN_TOKEN)
        if self.guard.open:
            return ConsoleUser(self.guard.anonymous, OPEN_TOKEN)
        key = request.session.get("key")
        principal = self.guard.keys.get(key) if self.guard.keys and key else None
        if principal is None:
            raise MissingAuthentication("Sign in to the console with an access key.")
        caller = Caller(principal.arn, principal.user_id, principal.policy)
        return ConsoleUser(caller, str(request.session.get("csrf", "")))

    def sign_in(self, request: Request, key_id: Any, secret: Any) -> ConsoleUser:
        """Start a session for a valid key.

        Raises:
            UnrecognizedClient: the key is unknown or its secret is wrong (one message for
                both, so a guess learns nothing about which keys exist).
        """
        keys = self.guard.keys if self.guard is not None and self.guard.keys else {}
        principal = keys.get(key_id) if isinstance(key_id, str) else None
        given = secret.encode() if isinstance(secret, str) else b""
        expected = principal.secret_key.encode() if principal else secrets.token_bytes(32)
        if not hmac.compare_digest(given, expected) or principal is None:
            raise UnrecognizedClient("The access key id or secret is not valid.")
        request.session.clear()
        request.session.update({"key": principal.access_key, "csrf": secrets.token_urlsafe(32)})
        return self.user(request)

    def sign_out(self, request: Request) -> None:
        request.session.clear()

    def describe(self, request: Request) -> dict[str, Any]:
        """What the page needs to know: open or not, who is signed in, the CSRF token."""
        try:
            user = self.user(request)
        except MissingAuthentication:
            return {"Open": False, "SignedIn": False}
        arn = user.caller.arn if user.caller else None
        return {"Open": self.open, "SignedIn": not self.open, "Arn": arn, "Token": user.token}


def check_token(user: ConsoleUser, request: Request) -> bool:
    """Whether the request carries the user's CSRF token."""
    given = request.headers.get(CONSOLE_HEADER, "")
    return bool(user.token) and hmac.compare_digest(given.encode(), user.token.encode())
