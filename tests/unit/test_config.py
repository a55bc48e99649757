"""Settings: precedence, casts, documentation."""

from __future__ import annotations

from pathlib import Path

import pytest

from gluerun.config import DEFAULT_PORT, SETTINGS, load_settings
from gluerun.errors import ConfigError

DOCS = Path(__file__).parents[2] / "docs" / "settings.md"


def test_defaults_env_and_overrides() -> None:
    settings = load_settings({"HOME": "/home/u"})
    assert (settings.host, settings.port) == ("127.0.0.1", DEFAULT_PORT)
    assert settings.data_dir == Path("/home/u/.local/share/gluerun") or "gluerun" in str(
        settings.data_dir
    )
    env = {"GLUERUN_PORT": "9000", "GLUERUN_DATA_DIR": "/d", "GLUERUN_ENGINE": "false"}
    settings = load_settings(env, {"port": 9100})
    assert (settings.port, settings.data_dir, settings.engine) == (9100, Path("/d"), False)
    assert settings.resolved_database_url == "sqlite:////d/gluerun.db"


def test_bad_values_name_the_setting() -> None:
    with pytest.raises(ConfigError, match="GLUERUN_PORT"):
        load_settings({"GLUERUN_PORT": "eighty"})


def test_job_env_pairs() -> None:
    settings = load_settings({"GLUERUN_JOB_ENV": "A=1, B=x=y"})
    assert settings.job_env_vars() == {"A": "1", "B": "x=y"}


def test_every_setting_is_documented() -> None:
    text = DOCS.read_text()
    for setting in SETTINGS:
        assert setting.env in text, f"{setting.env} missing from docs/settings.md"
