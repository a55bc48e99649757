"""Job bookmarks inside a job process: load at ``Job.init``, filter file sources, save at commit.

The server keeps a job's bookmark as a JSON string keyed by ``transformation_ctx``
(``AWSGlue.GetJobBookmark``; ``Gluerun.CommitJobBookmark`` with the version loaded at init,
so a concurrent commit fails with ``GLUE_JOB_BOOKMARK_VERSION_MISMATCH_ERROR``). The calls go
to ``GLUERUN_ENDPOINT_URL`` with urllib; without that variable bookmarks are off. Each call
carries the run's token (``GLUERUN_RUN_TOKEN``, given to this process only), and over HTTPS
trusts the server certificate in ``GLUERUN_ENDPOINT_CA``.

Modes (``--job-bookmark-option``): ``job-bookmark-enable`` reads only what the latest state has
not seen and commits the new state at ``Job.commit()``; ``job-bookmark-pause`` reads the same
incremental data (or, with ``--job-bookmark-from A --job-bookmark-to B``, what the state as of
run B had processed minus what the state as of run A had) and commits nothing;
``job-bookmark-disable`` (default) reads everything and commits nothing. Sources without a
``transformation_ctx`` never use bookmarks. The commit sends every ctx of the loaded state,
with the ctxs read in this run replaced by their new state.

File source state (one element per ctx)::

    {"jsonClass": "GluerunFileSourceJobBookmarkState", "high_water": <ns>, "window": <ns>,
     "include_list": ["<md5 of path NUL mtime_ns>", ...]}

``high_water`` is the largest last-modified time (integer nanoseconds since the epoch: ``os.stat``
``st_mtime_ns`` for local/``file://`` files, the listing's ``LastModified`` for ``s3://``) of any
file processed so far. A file counts as processed by a state when its mtime is older than
``high_water - window`` (the window is 15 minutes, Glue's ``HIGH_BAND``), or when its digest of
path and mtime is in ``include_list``, which holds every processed file whose mtime lies in
``[high_water - window, ∞)``. So files sharing the high-water timestamp, or written during a run
with an mtime a little older than the newest file read, are neither lost nor read twice; a file
rewritten later gets a new mtime and therefore a new digest, so it is read again. A file that
appears with an mtime older than the window is taken as already processed (as in Glue).
Listing: with ``recurse`` every file under each path; without, the path's own files and those
in ``key=value`` partition folders below it (the path itself when it is a file). Names starting
with ``_`` or ``.`` are skipped, as Spark does. The selected files are handed to Spark with
their source folder as ``basePath``, so a bookmarked read of partition folders gets the same
partition columns as a read of the whole folder (with ``recurse`` Spark infers none).
"""

from __future__ import annotations

import hashlib
import json
import os
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = [
    "BookmarkContext",
    "FileEntry",
    "SourceBounds",
    "current",
    "install",
    "list_files",
]

ENDPOINT_ENV = "GLUERUN_ENDPOINT_URL"
TOKEN_ENV = "GLUERUN_RUN_TOKEN"
CA_ENV = "GLUERUN_ENDPOINT_CA"
#: OpenSSL's X509_V_FLAG_PARTIAL_CHAIN
_X509_PARTIAL_CHAIN = 0x80000
ENABLE = "job-bookmark-enable"
PAUSE = "job-bookmark-pause"
DISABLE = "job-bookmark-disable"
STATE_CLASS = "GluerunFileSourceJobBookmarkState"
#: 15 minutes in nanoseconds (Glue's HIGH_BAND of 900000 ms)
WINDOW_NS = 900 * 1_000_000_000
_TIMEOUT = 60.0

_current: BookmarkContext | None = None


@dataclass(frozen=True)
class FileEntry:
    """One input file: the path a reader uses and its last-modified time in nanoseconds.

    ``root`` is the source folder it was listed under (partition folders are read relative
    to it), empty when the source path named the file itself; it is not part of the digest.
    """

    path: str
    mtime_ns: int
    root: str = ""

    @property
    def digest(self) -> str:
        return hashlib.md5(f"{self.path}\0{self.mtime_ns}".encode()).hexdigest()


def _processed(state: Mapping[str, Any] | None, entry: FileEntry) -> bool:
    """Whether a file source state counts `entry` as already processed."""
    if not state or state.get("jsonClass") != STATE_CLASS:
        return False
    high = int(state.get("high_water", 0))
    window = int(state.get("window", WINDOW_NS))
    if entry.mtime_ns < high - window:
        return True
    return entry.digest in set(state.get("include_list", []))


def new_state(previous: Mapping[str, Any] | None, listed: Sequence[FileEntry]) -> dict[str, Any]:
    """The state after processing everything in `listed` (all that is not processed yet)."""
    high = int(previous.get("high_water", 0)) if previous else 0
    for entry in listed:
        high = max(high, entry.mtime_ns)
    kept = set(previous.get("include_list", [])) if previous else set()
    include = {e.digest for e in listed if e.mtime_ns >= high - WINDOW_NS}
    # digests from earlier runs stay while still possibly inside the window: files may vanish
    include |= (
        kept if previous and int(previous.get("high_water", 0)) >= high - WINDOW_NS else set()
    )
    return {
        "jsonClass": STATE_CLASS,
        "high_water": high,
        "window": WINDOW_NS,
        "include_list": sorted(include),
    }


@dataclass(frozen=True)
class SourceBounds:
    """What one bookmarked source reads in this run.

    ``before`` is the state of what earlier runs processed (the source skips it). An
    incremental read (``ranged`` false) reads everything after it and records a new state; a
    ``--job-bookmark-from/--job-bookmark-to`` read (``ranged``) reads up to ``after``, the
    state as of the ``to`` run (None: that run had read nothing), and records nothing.
    """

    before: Mapping[str, Any] | None
    ranged: bool
    after: Mapping[str, Any] | None


class BookmarkContext:
    """The bookmark state of one job run (see the module docstring)."""

    def __init__(
        self,
        mode: str,
        job_name: str | None = None,
        run_id: str | None = None,
        endpoint: str | None = None,
        lower: Mapping[str, Any] | None = None,
        upper: Mapping[str, Any] | None = None,
        base_version: int = 0,
    ) -> None:
        self.mode = mode
        self.job_name = job_name
        self.run_id = run_id
        self.endpoint = endpoint
        self.lower: dict[str, Any] = dict(lower or {})
        self.upper: dict[str, Any] | None = dict(upper) if upper is not None else None
        self.base_version = base_version
        self.updates: dict[str, Any] = {}

    @property
    def active(self) -> bool:
        return self.mode in (ENABLE, PAUSE)

    @classmethod
    def load(cls, job_name: str | None, args: Mapping[str, Any]) -> BookmarkContext:
        """Read the mode from `args` (else ``sys.argv``) and load the state it needs."""
        argv = _argv_options(sys.argv[1:])

        def option(key: str, flag: str) -> str | None:
            value = args.get(key)
            return str(value) if value else argv.get(flag)

        mode = option("job_bookmark_option", "--job-bookmark-option") or DISABLE
        if mode not in (ENABLE, PAUSE):
            return cls(DISABLE)
        name = job_name or option("JOB_NAME", "--JOB_NAME")
        run_id = option("JOB_RUN_ID", "--JOB_RUN_ID")
        endpoint = os.environ.get(ENDPOINT_ENV) or None
        if not endpoint or not name:
            print("gluerun: no GLUERUN_ENDPOINT_URL or job name; bookmarks off", file=sys.stderr)
            return cls(DISABLE)
        latest = _call(endpoint, "AWSGlue.GetJobBookmark", {"JobName": name}, missing_ok=True)
        base = int(latest["Version"]) if latest else 0
        first = option("job_bookmark_from", "--job-bookmark-from")
        last = option("job_bookmark_to", "--job-bookmark-to")
        if mode == PAUSE and first and last:
            lower = _call(endpoint, "AWSGlue.GetJobBookmark", {"JobName": name, "RunId": first})
            upper = _call(endpoint, "AWSGlue.GetJobBookmark", {"JobName": name, "RunId": last})
            return cls(mode, name, run_id, endpoint, _parse(lower), _parse(upper), base)
        return cls(mode, name, run_id, endpoint, _parse(latest), None, base)

    def bounds(self, ctx: str) -> SourceBounds | None:
        """What source `ctx` reads: None when it reads everything (no bookmark for it)."""
        if not self.active or not ctx:
            return None
        if self.upper is not None:
            return SourceBounds(self.lower.get(ctx), True, self.upper.get(ctx))
        return SourceBounds(self.lower.get(ctx), False, None)

    def record(self, ctx: str, state: Mapping[str, Any]) -> None:
        """The state source `ctx` reaches in this run; `commit` saves it."""
        self.updates[ctx] = dict(state)

    def select(self, ctx: str, listed: Sequence[FileEntry]) -> list[FileEntry]:
        """The files of `listed` this run reads for source `ctx`; records its new state."""
        bounds = self.bounds(ctx)
        if bounds is None:
            return list(listed)
        if bounds.ranged:
            return [
                e
                for e in listed
                if _processed(bounds.after, e) and not _processed(bounds.before, e)
            ]
        self.record(ctx, new_state(bounds.before, listed))
        return [e for e in listed if not _processed(bounds.before, e)]

    def document(self) -> dict[str, Any]:
        """The whole bookmark this run would commit."""
        return {**self.lower, **self.updates}

    def commit(self) -> dict[str, Any] | None:
        """Save the state (enable only); returns the server's new entry, else None.

        Raises:
            RuntimeError: the server refused the commit (its message).
        """
        if self.mode != ENABLE or not self.endpoint or not self.job_name:
            return None
        body = {
            "JobName": self.job_name,
            "RunId": self.run_id or "",
            "BaseVersion": self.base_version,
            "JobBookmark": json.dumps(self.document(), sort_keys=True),
        }
        entry = _call(self.endpoint, "Gluerun.CommitJobBookmark", body)
        if entry:
            self.base_version = int(entry.get("Version", self.base_version + 1))
            self.lower = self.document()
            self.updates = {}
        return entry


def install(context: BookmarkContext | None) -> None:
    global _current
    _current = context


def current() -> BookmarkContext | None:
    """The context `Job.init` installed in this process, if any."""
    return _current


def list_files(paths: Sequence[str], recurse: bool, storage: Any) -> list[FileEntry]:
    """Every input file under `paths` with its mtime (see the module docstring)."""
    from ._storage import is_s3, local_path, split_s3

    found: list[FileEntry] = []
    for path in paths:
        if is_s3(path):
            found.extend(_list_s3(path, recurse, storage.client(), split_s3))
        else:
            found.extend(_list_local(path, local_path(path), recurse))
    return found


def _visible(name: str) -> bool:
    return not name.startswith(("_", "."))


def _wanted(parts: Sequence[str], recurse: bool) -> bool:
    """Whether a file at `parts` below a source path is read (see the module docstring)."""
    if not all(_visible(part) for part in parts):
        return False
    return recurse or all("=" in folder for folder in parts[:-1])


def _list_local(original: str, root: Path, recurse: bool) -> list[FileEntry]:
    if root.is_file():
        return [FileEntry(str(root), root.stat().st_mtime_ns)]
    if not root.is_dir():
        raise FileNotFoundError(f"Path does not exist: {original}")
    entries = []
    for file in sorted(root.rglob("*")):
        if file.is_file() and _wanted(file.relative_to(root).parts, recurse):
            entries.append(FileEntry(str(file), file.stat().st_mtime_ns, str(root)))
    return entries


def _list_s3(path: str, recurse: bool, client: Any, split: Any) -> list[FileEntry]:
    bucket, key = split(path)
    scheme = path.split("://", 1)[0]
    paginator = client.get_paginator("list_objects_v2")
    items = [
        item
        for page in paginator.paginate(Bucket=bucket, Prefix=key)
        for item in page.get("Contents", [])
    ]
    exact = [item for item in items if item["Key"] == key and not key.endswith("/")]
    if exact:
        items = exact
        prefix = key.rsplit("/", 1)[0] + "/" if "/" in key else ""
    else:
        prefix = key if not key or key.endswith("/") else key + "/"
        items = [item for item in items if item["Key"].startswith(prefix)]
    root = "" if exact else f"{scheme}://{bucket}/{prefix}"
    entries = []
    for item in sorted(items, key=lambda i: str(i["Key"])):
        parts = item["Key"][len(prefix) :].split("/")
        if item["Key"].endswith("/") or not _wanted(parts, recurse):
            continue
        mtime = int(item["LastModified"].timestamp() * 1_000_000) * 1000
        entries.append(FileEntry(f"{scheme}://{bucket}/{item['Key']}", mtime, root))
    return entries


def _argv_options(argv: Sequence[str]) -> dict[str, str]:
    found: dict[str, str] = {}
    for index, token in enumerate(argv[:-1]):
        if token.startswith("--"):
            found.setdefault(token, argv[index + 1])
    return found


def _parse(entry: Mapping[str, Any] | None) -> dict[str, Any]:
    if not entry:
        return {}
    text = entry.get("JobBookmark") or "{}"
    parsed = json.loads(text)
    return parsed if isinstance(parsed, dict) else {}


def _tls() -> ssl.SSLContext | None:
    """Trust exactly the server's own certificate (it names no host a job would use)."""
    pem = os.environ.get(CA_ENV)
    if not pem:
        return None
    context = ssl.create_default_context(cadata=pem)
    context.check_hostname = False
    # the certificate itself is the trust anchor (ssl names the flag from Python 3.10 on)
    context.verify_flags |= getattr(ssl, "VERIFY_X509_PARTIAL_CHAIN", _X509_PARTIAL_CHAIN)
    return context


def _call(
    endpoint: str, target: str, body: Mapping[str, Any], missing_ok: bool = False
) -> dict[str, Any] | None:
    """One JSON 1.1 call; the JobBookmarkEntry (or whole body) of the answer."""
    request = urllib.request.Request(
        endpoint.rstrip("/") + "/",
        data=json.dumps(body).encode(),
        method="POST",
        headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
    )
    if os.environ.get(TOKEN_ENV):
        request.add_header("X-Gluerun-Run-Token", os.environ[TOKEN_ENV])
    try:
        with urllib.request.urlopen(request, timeout=_TIMEOUT, context=_tls()) as response:
            answer: dict[str, Any] = json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as exc:
        try:
            error = json.loads(exc.read() or b"{}")
        except ValueError:
            error = {}
        kind = str(error.get("__type", exc.code)).rsplit("#", 1)[-1]
        if missing_ok and kind == "EntityNotFoundException":
            return None
        message = error.get("Message") or error.get("message") or str(exc)
        raise RuntimeError(f"{target.split('.', 1)[1]} failed: {kind}: {message}") from None
    entry = answer.get("JobBookmarkEntry", answer)
    return entry if isinstance(entry, dict) else None
