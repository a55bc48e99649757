"""The security settings turned into checked things at start-up (used by cli.serve).

Refuses unsafe combinations (a non-loopback address without credentials, half a TLS pair,
--run-as without root), creates the data directory private to the server, loads the
credentials file and the run-token key, and resolves the --run-as user.
"""

from __future__ import annotations

import ipaddress
import os
import pwd
from pathlib import Path

from gluerun.api.auth import Guard
from gluerun.clock import Clock
from gluerun.config import Settings
from gluerun.credentials import load_credentials
from gluerun.errors import ConfigError
from gluerun.executors.base import RunAs
from gluerun.model import tokens

#: files the server creates are its own: 0600 files, 0700 directories
UMASK = 0o077
RUN_TOKEN_KEY = "run-token.key"


def check_exposure(settings: Settings) -> None:
    """Refuse to serve anonymously beyond loopback, or with half a TLS pair.

    Raises:
        ConfigError: the settings would expose an open server, or are inconsistent.
    """
    if bool(settings.tls_cert) != bool(settings.tls_key):
        raise ConfigError("GLUERUN_TLS_CERT and GLUERUN_TLS_KEY go together: give both or neither")
    if settings.credentials_file or settings.allow_anonymous or is_loopback(settings.host):
        return
    raise ConfigError(
        f"refusing to serve on {settings.host} without credentials: anyone who can reach it "
        "could run code as this server's user. Give GLUERUN_CREDENTIALS_FILE "
        "(--credentials-file), or --allow-anonymous if the network is trusted."
    )


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def prepare_data_dir(settings: Settings, run_as: RunAs | None) -> None:
    """Create the data directory private to the server (0700; 0711 under --run-as, so job
    processes can reach their own run directory, but list and read nothing else)."""
    os.umask(UMASK)
    data = settings.data_dir
    data.mkdir(parents=True, exist_ok=True)
    mode = 0o711 if run_as else 0o700
    data.chmod(mode)
    runs = data / "runs"
    runs.mkdir(exist_ok=True)
    runs.chmod(mode)


def build_guard(settings: Settings, clock: Clock, key: bytes) -> Guard:
    """The Guard of these settings (the credentials file is read once, here)."""
    keys = None
    if settings.credentials_file:
        keys = load_credentials(Path(settings.credentials_file), settings.account_id)
    return Guard(
        settings.region,
        settings.account_id,
        clock,
        keys=keys,
        run_tokens=tokens.RunTokens(key),
        allowed_hosts=settings.allowed_host_names(),
        public_metrics=settings.public_metrics,
    )


def run_token_key(settings: Settings) -> bytes:
    """The key job callback tokens are made with: read, or created once (0600).

    Nodes that split API and engine must share it (GLUERUN_RUN_TOKEN_KEY_FILE).
    """
    path = Path(settings.run_token_key_file or settings.data_dir / RUN_TOKEN_KEY)
    try:
        if not path.exists():
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(tokens.new_key().hex().encode())
        key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileExistsError:
        return run_token_key(settings)  # another node created it first
    except (OSError, ValueError) as exc:
        raise ConfigError(f"run token key {path}: {exc}") from None
    if len(key) < tokens.KEY_BYTES:
        raise ConfigError(f"run token key {path}: needs {tokens.KEY_BYTES} bytes, in hex")
    return key


def resolve_run_as(settings: Settings) -> RunAs | None:
    """The --run-as user, checked: it exists, is not root, and this server may switch to it.

    Raises:
        ConfigError: it cannot be used.
    """
    name = settings.run_as
    if not name:
        return None
    if not settings.python:
        # The per-run runtimes (gluerun/runtimes) are built by the server, private to it.
        raise ConfigError(
            "GLUERUN_RUN_AS needs GLUERUN_PYTHON: an interpreter the run-as user can run "
            "(per-run runtimes are not shared with the run-as user yet)"
        )
    try:
        entry = pwd.getpwnam(name)
    except KeyError:
        raise ConfigError(f"GLUERUN_RUN_AS: no user named {name!r}") from None
    if entry.pw_uid == 0:
        raise ConfigError("GLUERUN_RUN_AS: job processes must not run as root")
    if os.geteuid() != 0:
        raise ConfigError("GLUERUN_RUN_AS needs the server to run as root (to switch users)")
    if entry.pw_uid == os.geteuid():
        raise ConfigError("GLUERUN_RUN_AS names the server's own user")
    return RunAs(name, entry.pw_uid, entry.pw_gid)
