"""Helpers of the wire-fidelity tier (importable by its modules; fixtures live in conftest)."""

from __future__ import annotations

import sys
import urllib.error
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))


def post(url: str) -> tuple[int, bytes]:
    """POST an empty body; (status, body), error statuses included."""
    request = urllib.request.Request(url, data=b"", method="POST")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()
