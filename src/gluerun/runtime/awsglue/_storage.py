"""Where a GlueContext's paths live: local files, ``file://`` URIs and ``s3://`` prefixes.

``s3://`` is reached in one of two ways, chosen by the server (Spark conf
``spark.gluerun.s3.mode``): ``s3a`` (gluerun's default) hands Spark ``s3a://`` paths (Hadoop's
hadoop-aws jar is on the classpath); ``staging`` (the server's fallback, and this module's
default outside gluerun) copies objects through boto3 into a local directory before a read, and
uploads what Spark wrote to a local directory after a write. The endpoint
comes from ``GLUERUN_S3_ENDPOINT_URL`` and credentials from boto3's usual chain.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

__all__ = ["ENDPOINT_ENV", "MODE_CONF", "Storage"]

#: environment variable naming the S3-compatible endpoint (empty: AWS)
ENDPOINT_ENV = "GLUERUN_S3_ENDPOINT_URL"
#: Spark conf the server sets to "s3a" when hadoop-aws is on the classpath
MODE_CONF = "spark.gluerun.s3.mode"
_S3_SCHEMES = ("s3://", "s3a://", "s3n://")
#: files Hadoop's local file system writes beside the data; never uploaded
_LOCAL_ONLY_SUFFIX = ".crc"
_HOUR = 3600.0


def is_s3(path: str) -> bool:
    return path.startswith(_S3_SCHEMES)


def split_s3(path: str) -> tuple[str, str]:
    """``s3://bucket/key/prefix`` → ``("bucket", "key/prefix")``."""
    rest = path.split("://", 1)[1]
    bucket, _, key = rest.partition("/")
    if not bucket:
        raise ValueError(f"Not an S3 path: {path}")
    return bucket, key


def local_path(path: str) -> Path:
    """A local path or ``file://`` URI as a Path."""
    if path.startswith("file://"):
        return Path(unquote(urlparse(path).path))
    return Path(path)


class Storage:
    """Turns job paths into paths Spark can read and write, staging S3 data when needed."""

    def __init__(self, s3a: bool = False, endpoint_url: str | None = None) -> None:
        self.s3a = s3a
        self.endpoint_url = endpoint_url if endpoint_url is not None else _endpoint_from_env()
        self._client: Any = None
        self._root: Path | None = None
        self._lock = threading.Lock()
        self._counter = 0

    # -- reading ------------------------------------------------------------------------

    def read_paths(self, paths: Sequence[str]) -> list[str]:
        """Paths Spark can read for `paths`; s3:// ones are staged first unless s3a is on."""
        return [self._read_path(path) for path in paths]

    def read_files(self, root: str, files: Sequence[str]) -> tuple[str | None, list[str]]:
        """Spark-readable paths for `files` listed under the folder `root` ("" for none), and
        the folder they lie in as Spark sees it (its ``basePath``; staged files keep their
        places below it)."""
        if not root:
            return None, self.read_paths(files)
        if not is_s3(root):
            return root, list(files)
        if self.s3a:
            return _as_s3a(root), [_as_s3a(path) for path in files]
        bucket, prefix = split_s3(root)
        target = self._new_dir("read")
        keys = [split_s3(path)[1] for path in files]
        staged = _fetch_below(self.client(), bucket, keys, prefix, target)
        return str(target), [str(file) for file in staged]

    def _read_path(self, path: str) -> str:
        if not is_s3(path):
            return path
        if self.s3a:
            return _as_s3a(path)
        return str(self._download(path))

    def _download(self, path: str) -> Path:
        bucket, key = split_s3(path)
        target = self._new_dir("read")
        client = self.client()
        keys = list(_list_keys(client, bucket, key))
        if not keys:
            raise FileNotFoundError(f"No objects under {path}")
        if keys == [key]:
            file = target / key.rsplit("/", 1)[-1]
            client.download_file(bucket, key, str(file))
            return file
        prefix = key if not key or key.endswith("/") else key + "/"
        _fetch_below(client, bucket, keys, prefix, target)
        return target

    # -- writing ------------------------------------------------------------------------

    def write(self, path: str, write: Callable[[str], None]) -> None:
        """Call `write` with a path Spark can write to; upload the result to s3:// `path`."""
        if not is_s3(path):
            write(path)
            return
        if self.s3a:
            write(_as_s3a(path))
            return
        target = self._new_dir("write")
        output = target / "out"
        write(str(output))
        bucket, key = split_s3(path)
        prefix = key if not key or key.endswith("/") else key + "/"
        client = self.client()
        for file in sorted(output.rglob("*")):
            if file.is_file() and not file.name.endswith(_LOCAL_ONLY_SUFFIX):
                client.upload_file(str(file), bucket, prefix + file.relative_to(output).as_posix())
        shutil.rmtree(target, ignore_errors=True)

    # -- purging ------------------------------------------------------------------------

    def purge(self, path: str, retention_hours: float, excluded_classes: Sequence[str]) -> int:
        """Delete files under `path` older than `retention_hours`; return how many."""
        cutoff = time.time() - retention_hours * _HOUR
        if not is_s3(path):
            return _purge_local(local_path(path), cutoff)
        bucket, key = split_s3(path)
        client = self.client()
        doomed = [
            item["Key"]
            for item in _list_objects(client, bucket, key)
            if item["LastModified"].timestamp() < cutoff
            and item.get("StorageClass", "STANDARD") not in excluded_classes
        ]
        for start in range(0, len(doomed), 1000):
            chunk = [{"Key": k} for k in doomed[start : start + 1000]]
            client.delete_objects(Bucket=bucket, Delete={"Objects": chunk, "Quiet": True})
        return len(doomed)

    def is_empty(self, path: str) -> bool:
        """Whether no file is left under `path` (a missing path is empty)."""
        if not is_s3(path):
            root = local_path(path)
            return not root.exists() or not any(p.is_file() for p in root.rglob("*"))
        bucket, key = split_s3(path)
        return next(iter(_list_objects(self.client(), bucket, key)), None) is None

    # -- plumbing -----------------------------------------------------------------------

    def client(self) -> Any:
        """The boto3 S3 client (path-style against a custom endpoint)."""
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                config = Config(s3={"addressing_style": "path"}) if self.endpoint_url else None
                self._client = boto3.session.Session().client(
                    "s3", endpoint_url=self.endpoint_url or None, config=config
                )
            return self._client

    def _new_dir(self, kind: str) -> Path:
        with self._lock:
            if self._root is None:
                self._root = Path(tempfile.mkdtemp(prefix="gluerun-s3-"))
                atexit.register(shutil.rmtree, self._root, True)
            self._counter += 1
            path = self._root / f"{kind}-{self._counter}"
        path.mkdir(parents=True)
        return path


def _endpoint_from_env() -> str | None:
    return os.environ.get(ENDPOINT_ENV) or None


def _as_s3a(path: str) -> str:
    return "s3a://" + path.split("://", 1)[1]


def _fetch_below(
    client: Any, bucket: str, keys: Sequence[str], prefix: str, target: Path
) -> list[Path]:
    """Download `keys` (all under `prefix`) to their places below `target`."""
    files = []
    for key in keys:
        file = target / key[len(prefix) :].lstrip("/")
        file.parent.mkdir(parents=True, exist_ok=True)
        client.download_file(bucket, key, str(file))
        files.append(file)
    return files


def _list_objects(client: Any, bucket: str, prefix: str) -> Iterator[dict[str, Any]]:
    paginator = client.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=bucket, Prefix=prefix):
        yield from page.get("Contents", [])


def _list_keys(client: Any, bucket: str, key: str) -> Iterator[str]:
    """The object `key` itself if it exists as one, else the objects under ``key/``."""
    exact = [item["Key"] for item in _list_objects(client, bucket, key) if item["Key"] == key]
    if exact and not key.endswith("/"):
        yield key
        return
    prefix = key if not key or key.endswith("/") else key + "/"
    for item in _list_objects(client, bucket, prefix):
        if not item["Key"].endswith("/"):
            yield item["Key"]


def _purge_local(root: Path, cutoff: float) -> int:
    files = [root] if root.is_file() else [p for p in root.rglob("*") if p.is_file()]
    count = 0
    for file in files:
        if file.stat().st_mtime < cutoff:
            file.unlink()
            count += 1
    return count
