"""The access keys gluerun accepts, read from a file in the AWS shared credentials format.

Each profile (``[name]``) is one key: ``aws_access_key_id`` and ``aws_secret_access_key`` as
the AWS CLI writes them, plus gluerun's optional ``user_arn`` (default
``arn:aws:iam::<account>:user/<profile>``) and ``policy`` (IAM JSON, indented continuation
lines allowed) or ``policy_file`` (a path, relative to the credentials file). A key without a
policy may do everything; a key with one may do only what it allows.
"""

from __future__ import annotations

import configparser
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

from gluerun.errors import ConfigError
from gluerun.model.iam import Policy, parse_policy

_USER_ARN = re.compile(r"arn:aws:iam::(\d{12}):user/[\w+=,.@/-]+")


@dataclass(frozen=True)
class Principal:
    """Who a key belongs to and what it may do."""

    access_key: str
    secret_key: str
    arn: str
    #: None: everything is allowed
    policy: Policy | None = None

    @property
    def user_id(self) -> str:
        """A stable IAM-style unique id (AIDA + 17 characters) derived from the ARN."""
        return "AIDA" + hashlib.sha256(self.arn.encode()).hexdigest()[:17].upper()

    def __repr__(self) -> str:  # never print the secret
        return f"Principal({self.access_key!r}, arn={self.arn!r})"


def load_credentials(path: Path, account_id: str) -> dict[str, Principal]:
    """Access key id → Principal for every profile in `path`.

    Raises:
        ConfigError: the file cannot be read, or a profile is incomplete or inconsistent.
    """
    parser = configparser.ConfigParser(interpolation=None)
    try:
        with path.open(encoding="utf-8") as handle:
            parser.read_file(handle)
    except (OSError, configparser.Error) as exc:
        raise ConfigError(f"credentials file {path}: {exc}") from None
    keys: dict[str, Principal] = {}
    for name in parser.sections():
        principal = _principal(path, name, parser[name], account_id)
        if principal.access_key in keys:
            raise ConfigError(f"{path}: access key of [{name}] is listed twice")
        keys[principal.access_key] = principal
    if not keys:
        raise ConfigError(f"credentials file {path} lists no keys")
    return keys


def _principal(
    path: Path, name: str, section: configparser.SectionProxy, account_id: str
) -> Principal:
    where = f"{path} [{name}]"
    access_key = section.get("aws_access_key_id", "").strip()
    secret_key = section.get("aws_secret_access_key", "").strip()
    if not access_key or not secret_key:
        raise ConfigError(f"{where}: needs aws_access_key_id and aws_secret_access_key")
    arn = section.get("user_arn", f"arn:aws:iam::{account_id}:user/{name}").strip()
    found = _USER_ARN.fullmatch(arn)
    if found is None or found.group(1) != account_id:
        raise ConfigError(f"{where}: user_arn must be an IAM user ARN in account {account_id}")
    return Principal(access_key, secret_key, arn, _policy(path, where, section))


def _policy(path: Path, where: str, section: configparser.SectionProxy) -> Policy | None:
    if "policy" in section and "policy_file" in section:
        raise ConfigError(f"{where}: give policy or policy_file, not both")
    if "policy" in section:
        return parse_policy(section["policy"], where)
    if "policy_file" in section:
        file = path.parent / section["policy_file"].strip()
        try:
            text = file.read_text(encoding="utf-8")
        except OSError as exc:
            raise ConfigError(f"{where}: policy_file: {exc}") from None
        return parse_policy(text, f"{where} ({file})")
    return None
