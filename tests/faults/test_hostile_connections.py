"""Clients that stall, hoard connections or send too much cannot exhaust a live server:
half-sent requests are closed after GLUERUN_REQUEST_TIMEOUT, a trickle of bytes does not
extend the header deadline, connections past GLUERUN_MAX_CONNECTIONS are closed at once,
and bodies past GLUERUN_MAX_REQUEST_BYTES get 413 whether or not they declare a length."""

from __future__ import annotations

import json
import os
import select
import socket
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parents[1] / "e2e"))

from live_server import Server

LIMIT = 65536
TARGET = b"X-Amz-Target: AWSGlue.ListJobs\r\nContent-Type: application/x-amz-json-1.1\r\n"
HEAD = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + TARGET


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    env = {
        "GLUERUN_REQUEST_TIMEOUT": "1",
        "GLUERUN_MAX_CONNECTIONS": "200",
        "GLUERUN_MAX_REQUEST_BYTES": str(LIMIT),
    }
    srv = Server(tmp_path_factory.mktemp("conn") / "data", env=env)
    srv.start()
    yield srv
    srv.shutdown()


def connect(server: Server) -> socket.socket:
    return socket.create_connection(("127.0.0.1", server.port), timeout=5)


def closed_by_server(sock: socket.socket, within: float) -> bool:
    """Whether the server closes `sock` (EOF or reset) within `within` seconds."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        ready, _, _ = select.select([sock], [], [], 0.2)
        if ready:
            try:
                if sock.recv(65536) == b"":
                    return True
            except ConnectionResetError:
                return True
    return False


def open_fds(server: Server) -> int:
    assert server.proc is not None
    return len(os.listdir(f"/proc/{server.proc.pid}/fd"))


def list_jobs(server: Server) -> int:
    """A well-formed call on a fresh connection: its status."""
    with connect(server) as sock:
        sock.sendall(HEAD + b"Content-Length: 2\r\n\r\n{}")
        head = sock.recv(65536).split(b"\r\n", 1)[0]
    return int(head.split()[1])


def test_half_sent_requests_are_closed_and_their_descriptors_freed(server: Server) -> None:
    baseline = open_fds(server)
    stalled = []
    for i in range(60):
        sock = connect(server)
        if i % 3 == 1:  # half a request line and some headers
            sock.sendall(b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Targ")
        elif i % 3 == 2:  # headers, then part of the declared body
            sock.sendall(
                b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + TARGET + b"Content-Length: 100\r\n\r\n{"
            )
        stalled.append(sock)
    try:
        assert all(closed_by_server(sock, within=15) for sock in stalled)
    finally:
        for sock in stalled:
            sock.close()
    deadline = time.monotonic() + 10
    while open_fds(server) > baseline + 2 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert open_fds(server) <= baseline + 2
    assert list_jobs(server) == 200


def test_a_trickle_of_header_bytes_does_not_keep_a_connection(server: Server) -> None:
    with connect(server) as sock:
        sent = 0
        deadline = time.monotonic() + 15
        request = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n" + b"X-Pad: " + b"a" * 10_000
        closed = False
        while not closed and time.monotonic() < deadline and sent < len(request):
            try:
                sock.sendall(request[sent : sent + 1])
            except (BrokenPipeError, ConnectionResetError):
                closed = True
                break
            sent += 1
            closed = closed_by_server(sock, within=0.2)
        # At five bytes a second the headers would take half an hour; the deadline is 1 s.
        assert closed
    assert list_jobs(server) == 200


def test_connections_past_the_cap_are_closed_at_once(tmp_path: Path) -> None:
    env = {"GLUERUN_REQUEST_TIMEOUT": "60", "GLUERUN_MAX_CONNECTIONS": "10"}
    srv = Server(tmp_path / "data", env=env)
    srv.start()
    held: list[socket.socket] = []
    try:
        held = [connect(srv) for _ in range(20)]
        # Idle connections under a 60 s timeout: only the cap can close any of them now.
        refused = [sock for sock in held if closed_by_server(sock, within=0.5)]
        assert len(refused) >= 9
        for sock in held:
            sock.close()
        held = []
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if list_jobs(srv) == 200:
                    break
            except OSError:
                time.sleep(0.1)
        assert list_jobs(srv) == 200
    finally:
        for sock in held:
            sock.close()
        srv.shutdown()


def read_answer(sock: socket.socket) -> bytes:
    """One whole response: its head and Content-Length bytes of body (they may come apart)."""
    answer = b""
    while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
        more = sock.recv(65536)
        if not more:
            break
        answer += more
    return answer


def _length(answer: bytes) -> int:
    for line in answer.split(b"\r\n\r\n", 1)[0].split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        if name.strip().lower() == b"content-length":
            return int(value)
    return 0


def test_a_declared_length_over_the_limit_is_refused_before_the_body(server: Server) -> None:
    with connect(server) as sock:
        head = (
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + TARGET
            + f"Content-Length: {10**9}\r\n\r\n".encode()
        )
        sock.sendall(head)  # and not one byte of the gigabyte
        answer = read_answer(sock)
    status, _, rest = answer.partition(b"\r\n")
    assert status.split()[1] == b"413"
    assert json.loads(rest.split(b"\r\n\r\n", 1)[1])["__type"] == "RequestEntityTooLargeException"


def test_a_chunked_body_over_the_limit_is_refused_as_it_arrives(server: Server) -> None:
    with connect(server) as sock:
        sock.sendall(
            b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            + TARGET
            + b"Transfer-Encoding: chunked\r\n\r\n"
        )
        chunk = b"a" * 16384
        answer = b""
        try:
            for _ in range(LIMIT // len(chunk) + 4):
                sock.sendall(b"%x\r\n" % len(chunk) + chunk + b"\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        try:
            answer = read_answer(sock)
        except ConnectionResetError:
            pytest.fail("the server reset the connection instead of answering 413")
    assert answer.split(b"\r\n", 1)[0].split()[1] == b"413"
    assert list_jobs(server) == 200
