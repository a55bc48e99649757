"""Fetching a run's files (script, --extra-py-files, wheels) from a path, file:// or s3:// URI.

Local files are copied, S3 objects downloaded with boto3 (imported only when an s3://
location is used; credentials come from boto3's usual chain in the server's environment).
"""

from __future__ import annotations

import os
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

from gluerun.errors import ExecutorError


@dataclass(frozen=True)
class Location:
    """Where a file lives: a local path, or an S3 bucket and key."""

    text: str
    path: Path | None = None
    bucket: str = ""
    key: str = ""

    @property
    def name(self) -> str:
        """The file's name (last path segment)."""
        if self.path is not None:
            return self.path.name
        return self.key.rsplit("/", 1)[-1]

    @property
    def is_s3(self) -> bool:
        return self.path is None


def parse_location(text: str, what: str = "Script") -> Location:
    """Parse an absolute path, a file:// URI or an s3://bucket/key URI.

    Raises:
        ExecutorError: `text` is none of these.
    """
    if text.startswith("s3://"):
        bucket, _, key = text[len("s3://") :].partition("/")
        if not bucket or not key or key.endswith("/"):
            raise ExecutorError(f"{what} location is not an S3 object URI: {text}")
        return Location(text, bucket=bucket, key=key)
    if text.startswith("file://"):
        parsed = urlparse(text)
        if parsed.netloc not in ("", "localhost") or not parsed.path:
            raise ExecutorError(f"{what} location is not a local file:// URI: {text}")
        return Location(text, path=Path(unquote(parsed.path)))
    if os.path.isabs(text):
        return Location(text, path=Path(text))
    raise ExecutorError(
        f"{what} location must be an absolute path, a file:// URI or an s3:// URI: {text}"
    )


_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "404", "NotFound"})


class FileFetcher:
    """Copies or downloads located files into a directory; one lazily made S3 client."""

    def __init__(self, s3_endpoint_url: str | None = None) -> None:
        self._endpoint_url = s3_endpoint_url
        self._client: Any = None
        self._lock = threading.Lock()

    def fetch(self, location: Location, dest_dir: Path, what: str = "Script") -> Path:
        """Put the file at `location` into `dest_dir` under its own name; return its path.

        Raises:
            ExecutorError: the file does not exist or cannot be read or downloaded; the
                message names `what` and the location.
        """
        dest = dest_dir / location.name
        try:
            dest_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ExecutorError(f"Cannot create {dest_dir}: {exc.strerror}") from exc
        if location.path is None:
            self._download(location, dest, what)
        else:
            _copy(location, dest, what)
        return dest

    def _s3(self) -> Any:
        with self._lock:
            if self._client is None:
                import boto3
                from botocore.config import Config

                config = Config(s3={"addressing_style": "path"}) if self._endpoint_url else None
                session = boto3.session.Session()
                self._client = session.client("s3", endpoint_url=self._endpoint_url, config=config)
            return self._client

    def _download(self, location: Location, dest: Path, what: str) -> None:
        from botocore.exceptions import BotoCoreError, ClientError

        partial = dest.with_name(dest.name + ".part")
        try:
            response = self._s3().get_object(Bucket=location.bucket, Key=location.key)
            with partial.open("wb") as out:
                shutil.copyfileobj(response["Body"], out, 1 << 20)
            partial.replace(dest)
        except ClientError as exc:
            error = exc.response.get("Error", {})
            code = str(error.get("Code") or "Unknown")
            if code in _NOT_FOUND_CODES:
                raise ExecutorError(f"{what} not found: {location.text} ({code})") from exc
            message = error.get("Message") or code
            raise ExecutorError(f"Cannot download {location.text} ({code}: {message})") from exc
        except BotoCoreError as exc:
            raise ExecutorError(f"Cannot download {location.text}: {exc}") from exc
        except OSError as exc:
            raise ExecutorError(f"Cannot write {dest}: {exc.strerror}") from exc
        finally:
            partial.unlink(missing_ok=True)


def _copy(location: Location, dest: Path, what: str) -> None:
    assert location.path is not None
    try:
        shutil.copyfile(location.path, dest)
    except shutil.SameFileError:
        return
    except FileNotFoundError as exc:
        raise ExecutorError(f"{what} not found: {location.text}") from exc
    except IsADirectoryError as exc:
        raise ExecutorError(f"{what} is a directory, not a file: {location.text}") from exc
    except OSError as exc:
        raise ExecutorError(f"Cannot read {location.text}: {exc.strerror}") from exc
