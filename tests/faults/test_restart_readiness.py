"""A restarted live server counts as up only once its own process listens on the port.

After kill -9, a child the server had forked for a job launch, not yet past exec, keeps a
copy of the listening socket for a moment: connections to the port succeed, then are refused
once it execs. test_kill9 once failed that way (EndpointConnectionError right after a
restart), because the harness took a successful connection for a started server.
"""

from __future__ import annotations

import socket
import subprocess
import sys
from collections.abc import Iterator

import pytest
from live_server import free_port, stop_process, wait_port_released, wait_until_serving

LISTEN = (
    "import socket, sys, time\n"
    "s = socket.socket()\n"
    "s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
    "s.bind(('127.0.0.1', int(sys.argv[1])))\n"
    "s.listen()\n"
    "time.sleep(120)\n"
)


@pytest.fixture
def port() -> int:
    return free_port()


@pytest.fixture
def foreign_listener(port: int) -> Iterator[socket.socket]:
    """A listening socket on the port that belongs to another process (here: the test's)."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", port))
    sock.listen()
    yield sock
    sock.close()


def spawn(*argv: str) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, *argv])


def test_a_connection_to_someone_elses_socket_is_not_a_started_server(
    port: int, foreign_listener: socket.socket
) -> None:
    socket.create_connection(("127.0.0.1", port), timeout=5).close()  # the port answers
    idle = spawn("-c", "import time; time.sleep(120)")
    try:
        with pytest.raises(TimeoutError):
            wait_until_serving(port, idle, timeout=0.3)
        with pytest.raises(TimeoutError, match="still held"):
            wait_port_released(port, timeout=0.3)
    finally:
        stop_process(idle)


def test_the_servers_own_listening_socket_is(port: int) -> None:
    wait_port_released(port, timeout=5)
    server = spawn("-c", LISTEN, str(port))
    try:
        wait_until_serving(port, server, timeout=60)
    finally:
        stop_process(server)
    wait_port_released(port, timeout=60)


def test_a_server_that_exits_is_reported_at_once(port: int) -> None:
    failed = spawn("-c", "raise SystemExit(3)")
    with pytest.raises(RuntimeError, match="exited with 3"):
        wait_until_serving(port, failed, timeout=60)
