"""The JSON 1.1 envelope."""

from __future__ import annotations

import pytest

from gluerun.api import protocol
from gluerun.errors import Serialization, UnknownOperation


def test_parse_target() -> None:
    assert protocol.parse_target("AWSGlue.GetJob") == ("AWSGlue", "GetJob")
    for bad in (None, "", "AWSGlue", "AWSGlue."):
        with pytest.raises(UnknownOperation):
            protocol.parse_target(bad)


def test_parse_body() -> None:
    assert protocol.parse_body(b"") == {}
    assert protocol.parse_body(b'{"A": 1}') == {"A": 1}
    for bad in (b"[1]", b"{", b'"x"', b"\xff"):
        with pytest.raises(Serialization):
            protocol.parse_body(bad)
