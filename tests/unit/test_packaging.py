"""What a non-editable install holds: the wheel, built as `pip install gluerun` builds it."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from hatchling.builders.wheel import WheelBuilder

ROOT = Path(__file__).resolve().parents[2]
STATIC = ROOT / "src" / "gluerun" / "console" / "static"


def test_the_wheel_ships_every_console_asset(tmp_path: Path) -> None:
    """The console needs no build step and no CDN: its page, script and styles are package
    data, so an installed gluerun serves /console/ as a checkout does."""
    (wheel,) = WheelBuilder(str(ROOT)).build(directory=str(tmp_path), versions=["standard"])
    shipped = set(zipfile.ZipFile(wheel).namelist())
    assets = {f"gluerun/{p.relative_to(STATIC.parents[1]).as_posix()}" for p in STATIC.rglob("*")}
    assert {"index.html", "console.js", "console.css"} <= {Path(a).name for a in assets}
    assert assets <= shipped


def test_the_page_loads_only_the_consoles_own_files() -> None:
    page = (STATIC / "index.html").read_text()
    loaded = re.findall(r'(?:src|href)="([^"#]+)"', page)
    assert loaded
    for url in loaded:
        assert url == "data:," or url.startswith("/console/static/"), url
        if url.startswith("/console/static/"):
            assert (STATIC / url.removeprefix("/console/static/")).is_file(), url
