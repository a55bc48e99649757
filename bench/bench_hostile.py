#!/usr/bin/env python
"""Hostile-input benchmark (issue 11): 5xx over N hostile requests per store, and the
server's peak memory under concurrent large request bodies.

1. hostile   N requests from tests/faults/hostile.py (model-driven: every member of every
             operation broken in every way its type allows, broken and oversized bodies,
             forged tokens) at a live server on SQLite, then on PostgreSQL when
             GLUERUN_TEST_PG_DSN is set; counts answers by class, checks reads every 500.
2. bodies    --bodies concurrent POSTs of --body-mib MiB each (declared Content-Length, then
             chunked without one) at a fresh server; the server's peak RSS (VmHWM) before
             and after, with the default body limit and with the limit raised above the
             bodies (everything buffered, as before the limit existed).

    .venv/bin/python bench/bench_hostile.py [--requests 10000] [--seed 7] [--bodies 4]
        [--body-mib 100] [--only hostile|bodies] [--baseline-src DIR]

--baseline-src runs the bodies phase also against another checkout's src/ (PYTHONPATH),
e.g. the code before the limit: `git archive eafb9fb src | tar -x -C /tmp/old`.
Every server is started on a free port with its own temp data dir and stopped by its pid.
"""

from __future__ import annotations

import argparse
import os
import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "tests" / "faults"), str(ROOT / "tests" / "e2e")]

import hostile  # noqa: E402
from live_server import FINAL, Server, wait_state  # noqa: E402

MIB = 1024 * 1024


def start(tmp: Path, env: dict[str, str]) -> Server:
    server = Server(tmp / "data", env=env)
    server.start()
    return server


def hostile_phase(store: str, dsn: str, count: int, seed: int) -> dict[str, object]:
    with tempfile.TemporaryDirectory() as tmp_dir:
        tmp = Path(tmp_dir)
        env = {"GLUERUN_DATABASE_URL": dsn} if dsn else {}
        server = start(tmp, env)
        try:
            target = make_target(server, tmp)
            runner = hostile.Runner(server.port)
            broken: list[str] = []
            started = time.perf_counter()
            limit = 10 * MIB
            reqs = hostile.requests(target, seed, count, limit)
            tally = hostile.run(
                runner, reqs, 500, lambda: broken.extend(hostile.reads_work(runner, target))
            )
            seconds = time.perf_counter() - started
            runner.close()
            alive = server.proc is not None and server.proc.poll() is None
        finally:
            server.shutdown()
    return {
        "store": store,
        "sent": tally.sent,
        "classes": dict(sorted(tally.by_class.items())),
        "5xx or no answer": len(tally.server_errors),
        "samples": [f"{o.status} {o.request.what}" for o in tally.server_errors[:5]],
        "broken reads": len(broken),
        "alive": alive,
        "requests/s": round(tally.sent / seconds),
    }


def make_target(server: Server, tmp: Path) -> hostile.Target:
    script = tmp / "hello.py"
    script.write_text("print('hello')\n")
    glue = server.client()
    glue.create_job(
        Name="bench", Role="r", Command={"Name": "pythonshell", "ScriptLocation": str(script)}
    )
    run_id = glue.start_job_run(JobName="bench")["JobRunId"]
    wait_state(glue, "bench", run_id, FINAL, timeout=60)
    return hostile.Target(job="bench", run_id=run_id, stream=run_id)


def peak_rss_mib(server: Server) -> float:
    assert server.proc is not None
    with open(f"/proc/{server.proc.pid}/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM")


def send_body(port: int, body: bytes, chunked: bool, answers: list[str]) -> None:
    head = b"POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Amz-Target: AWSGlue.GetJob\r\n"
    head += b"Content-Type: application/x-amz-json-1.1\r\n"
    head += (
        b"Transfer-Encoding: chunked\r\n\r\n"
        if chunked
        else b"Content-Length: %d\r\n\r\n" % len(body)
    )
    with socket.create_connection(("127.0.0.1", port), timeout=120) as sock:
        try:
            sock.sendall(head)
            step = 1 * MIB
            for i in range(0, len(body), step):
                piece = body[i : i + step]
                sock.sendall(b"%x\r\n%s\r\n" % (len(piece), piece) if chunked else piece)
            if chunked:
                sock.sendall(b"0\r\n\r\n")
            answer = sock.recv(200)
        except (BrokenPipeError, ConnectionResetError):
            try:
                answer = sock.recv(200)
            except OSError:
                answer = b"(reset)"
    answers.append(answer.split(b"\r\n", 1)[0].decode(errors="replace"))


def bodies_phase(label: str, env: dict[str, str], count: int, mib: int) -> dict[str, object]:
    body = b'{"JobName": "' + b"a" * (mib * MIB - 16) + b'"}'
    result: dict[str, object] = {"server": label}
    for chunked in (False, True):
        with tempfile.TemporaryDirectory() as tmp_dir:
            server = start(Path(tmp_dir), {"GLUERUN_ENGINE": "false", **env})
            try:
                time.sleep(1)
                before = peak_rss_mib(server)
                answers: list[str] = []
                threads = [
                    threading.Thread(target=send_body, args=(server.port, body, chunked, answers))
                    for _ in range(count)
                ]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
                after = peak_rss_mib(server)
            finally:
                server.shutdown()
        kind = "chunked" if chunked else "Content-Length"
        result[kind] = {
            "peak RSS before MiB": round(before),
            "peak RSS after MiB": round(after),
            "growth MiB": round(after - before),
            "answers": sorted(set(answers)),
        }
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=10_000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bodies", type=int, default=4)
    parser.add_argument("--body-mib", type=int, default=100)
    parser.add_argument("--only", choices=["hostile", "bodies"])
    parser.add_argument("--baseline-src", default="")
    args = parser.parse_args()
    if args.only != "bodies":
        stores = [("sqlite", "")]
        if os.environ.get("GLUERUN_TEST_PG_DSN"):
            stores.append(("postgresql", os.environ["GLUERUN_TEST_PG_DSN"]))
        for store, dsn in stores:
            print(hostile_phase(store, dsn, args.requests, args.seed), flush=True)
    if args.only != "hostile":
        raised = str((args.body_mib + 1) * MIB)
        runs = [
            ("default limit (10 MiB)", {}),
            (f"limit raised to {args.body_mib + 1} MiB", {"GLUERUN_MAX_REQUEST_BYTES": raised}),
        ]
        for label, env in runs:
            print(bodies_phase(label, env, args.bodies, args.body_mib), flush=True)
        if args.baseline_src:
            os.environ["PYTHONPATH"] = args.baseline_src
            print(bodies_phase(f"baseline {args.baseline_src}", {}, args.bodies, args.body_mib))


if __name__ == "__main__":
    main()
