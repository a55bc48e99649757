"""Run tokens: the secret a job process shows when it calls gluerun back (job bookmarks).

A token names its run and carries an HMAC-SHA256, under the server's run-token key, of the
job name and run id; so any node holding the key can check it without a store lookup, and a
token cannot be turned into another run's or another job's. Pure: the key is given.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

#: the header a job process sends its token in
HEADER = "x-gluerun-run-token"
#: the environment variable a job process finds its token in
ENV = "GLUERUN_RUN_TOKEN"
KEY_BYTES = 32


def new_key() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


class RunTokens:
    """Issues and checks the tokens of one key."""

    def __init__(self, key: bytes) -> None:
        self._key = key

    def issue(self, job_name: str, run_id: str) -> str:
        return f"{run_id}.{self._mac(job_name, run_id)}"

    def run_of(self, token: str, job_name: str) -> str | None:
        """The run id `token` was issued to for `job_name`, or None if it was not."""
        run_id, _, mac = token.rpartition(".")
        if not run_id or not hmac.compare_digest(
            mac.encode(), self._mac(job_name, run_id).encode()
        ):
            return None
        return run_id

    def _mac(self, job_name: str, run_id: str) -> str:
        message = f"{job_name}\0{run_id}".encode()
        return hmac.new(self._key, message, hashlib.sha256).hexdigest()
