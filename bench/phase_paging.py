"""Phase 3 of bench_core.py: page through every run of a job with boto3 and raw http.client,
and again through the same pages served canned (the client's own floor)."""

from __future__ import annotations

import json
import multiprocessing as mp
import statistics
import time
from typing import Any

from _common import CONTENT_TYPE, HOST, Raw, Server, enc, free_port


def boto_client(port: int) -> Any:
    import boto3
    from botocore.config import Config

    return boto3.client(
        "glue",
        endpoint_url=f"http://{HOST}:{port}",
        region_name="us-east-1",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        config=Config(retries={"max_attempts": 1}, read_timeout=120),
    )


def page_boto(client: Any, job: str, expect: int) -> tuple[float, int, int]:
    t0 = time.perf_counter()
    n = 0
    ids = set()
    paginator = client.get_paginator("get_job_runs")
    for pages, page in enumerate(
        paginator.paginate(JobName=job, PaginationConfig={"PageSize": 200}), 1
    ):
        for r in page["JobRuns"]:
            ids.add(r["Id"])
        n += len(page["JobRuns"])
        if pages > expect // 200 + 50:
            raise RuntimeError("paginator did not end")
    return time.perf_counter() - t0, n, len(ids)


def page_raw(
    port: int, job: str, expect: int, keep: list[dict[str, Any]] | None = None
) -> dict[str, float]:
    raw = Raw(port, timeout=120)
    t_net = t_parse = 0.0
    n = pages = 0
    token = None
    t0 = time.perf_counter()
    try:
        while pages <= expect // 200 + 50:
            req = {"JobName": job, "MaxResults": 200}
            if token:
                req["NextToken"] = token
            a = time.perf_counter()
            status, data = raw.post("GetJobRuns", enc(req))
            b = time.perf_counter()
            if status != 200:
                raise RuntimeError(f"GetJobRuns -> HTTP {status}: {data[:300]!r}")
            doc = json.loads(data)
            c = time.perf_counter()
            t_net += b - a
            t_parse += c - b
            pages += 1
            n += len(doc["JobRuns"])
            if keep is not None:
                keep.append(doc)
            token = doc.get("NextToken")
            if not token:
                break
    finally:
        raw.close()
    return {
        "s": time.perf_counter() - t0,
        "request_response_s": t_net,
        "json_parse_s": t_parse,
        "pages": pages,
        "runs": n,
    }


def _stub_server(pages: list[bytes], port: int, ready: Any) -> None:
    """Serves canned GetJobRuns pages (NextToken "p<i>" -> page i), HTTP/1.1 keep-alive."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            token = json.loads(body or b"{}").get("NextToken") or "p0"
            data = pages[int(token[1:])]
            self.send_response(200)
            self.send_header("Content-Type", CONTENT_TYPE)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *a: Any) -> None:
            pass

    httpd = ThreadingHTTPServer((HOST, port), Handler)
    ready.set()
    httpd.serve_forever()


def boto_paging_floor(docs: list[dict[str, Any]], reps: int = 3) -> dict[str, Any]:
    """boto3's paginator over the same pages, served canned by a trivial stub: client cost only."""
    pages = []
    for i, doc in enumerate(docs):
        d = dict(doc)
        d.pop("NextToken", None)
        if i + 1 < len(docs):
            d["NextToken"] = f"p{i + 1}"
        pages.append(enc(d))
    ctx = mp.get_context("fork")
    ready = ctx.Event()
    port = free_port()
    proc = ctx.Process(target=_stub_server, args=(pages, port, ready), daemon=True)
    proc.start()
    try:
        if not ready.wait(30):
            raise RuntimeError("stub server did not start")
        client = boto_client(port)
        expect = sum(len(d["JobRuns"]) for d in docs)
        page_boto(client, "stub", expect)  # warm: model load, connection
        times = [page_boto(client, "stub", expect)[0] for _ in range(reps)]
        t_raw = []
        for _ in range(reps):
            t_raw.append(page_raw(port, "stub", expect)["s"])
    finally:
        proc.terminate()
        proc.join(10)
        if proc.is_alive():
            proc.kill()
            proc.join(5)
    return {
        "boto3_s": round(statistics.median(times), 3),
        "raw_s": round(statistics.median(t_raw), 3),
        "pages": len(pages),
        "bytes": sum(len(p) for p in pages),
    }


def phase_paging(server: Server, job: str, expect: int, reps: int = 3) -> dict[str, Any]:
    client = boto_client(server.port)
    client.get_job(JobName=job)  # load botocore's model and open the connection first
    boto = []
    for _ in range(reps):
        s, n, uniq = page_boto(client, job, expect)
        boto.append({"s": s, "runs": n, "unique": uniq})
    docs: list[dict[str, Any]] = []
    raw = [page_raw(server.port, job, expect, keep=docs if i == 0 else None) for i in range(reps)]
    floor = boto_paging_floor(docs)
    med = statistics.median
    return {
        "client_floor_boto3_s": floor["boto3_s"],
        "client_floor_raw_s": floor["raw_s"],
        "response_bytes": floor["bytes"],
        "stored_runs": expect,
        "boto3_s": round(med(b["s"] for b in boto), 3),
        "boto3_all_s": [round(b["s"], 3) for b in boto],
        "boto3_runs_seen": boto[0]["runs"],
        "boto3_unique_ids": boto[0]["unique"],
        "raw_s": round(med(r["s"] for r in raw), 3),
        "raw_all_s": [round(r["s"], 3) for r in raw],
        "raw_request_response_s": round(med(r["request_response_s"] for r in raw), 3),
        "raw_json_parse_s": round(med(r["json_parse_s"] for r in raw), 3),
        "raw_pages": raw[0]["pages"],
        "raw_runs_seen": raw[0]["runs"],
    }
