"""The console over a longer history, on an API-only server (GLUERUN_ENGINE=false: runs are
stored and stay STARTING, so a test can make many of them at once): runs paged newest first,
and the jobs list filtered by name and by last run state.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from live_server import Server

#: one more page of runs than the job page shows at first (RUNS_PAGE in console.js is 50)
RUNS = 57
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    srv = Server(
        tmp_path_factory.mktemp("console-history") / "data", env={"GLUERUN_ENGINE": "false"}
    )
    srv.start()
    yield srv
    srv.stop()  # nothing runs without the engine: no job process to stop first


@pytest.fixture(scope="module")
def started(server: Server, tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    """Jobs `busy` (RUNS runs, in the order started), `idle-one` and `idle-two` (none)."""
    glue = server.client()
    script = tmp_path_factory.mktemp("scripts") / "noop.py"
    script.write_text("print(1)\n")
    command = {"Name": "pythonshell", "ScriptLocation": str(script), "PythonVersion": "3.9"}
    glue.create_job(
        Name="busy", Role="r", Command=command, ExecutionProperty={"MaxConcurrentRuns": RUNS}
    )
    for name in ("idle-one", "idle-two"):
        glue.create_job(Name=name, Role="r", Command=command)
    return [glue.start_job_run(JobName="busy")["JobRunId"] for _ in range(RUNS)]


def shown_runs(page: Any) -> list[str]:
    return page.eval_on_selector_all("#runs tr", "rows => rows.map(r => r.dataset.run)")


def test_runs_are_paged_newest_first(page: Any, started: list[str]) -> None:
    page.goto("/console/#/jobs/busy")
    page.locator("#runs tr").nth(49).wait_for(state="attached", timeout=WAIT_MS)
    page.locator("#older-runs").wait_for(timeout=WAIT_MS)
    assert shown_runs(page) == started[::-1][:50]
    page.click("#older-runs")
    page.locator("#runs tr").nth(RUNS - 1).wait_for(state="attached", timeout=WAIT_MS)
    assert shown_runs(page) == started[::-1]
    assert page.locator("#older-runs").is_hidden()
    assert page.locator("svg.chart rect").count() == RUNS
    # the runs are active, so the page reads them again: it keeps the older page it was shown
    page.eval_on_selector("#runs tr", "row => { row.dataset.seen = 'before' }")
    page.wait_for_function(
        "() => { const row = document.querySelector('#runs tr');"
        " return row !== null && row.dataset.seen === undefined; }",
        timeout=WAIT_MS,
    )
    assert shown_runs(page) == started[::-1]


def visible_jobs(page: Any) -> list[str]:
    return page.eval_on_selector_all(
        "tr[data-job]:not([hidden])", "rows => rows.map(r => r.dataset.job)"
    )


def test_the_jobs_list_filters_by_name_and_by_last_run_state(
    page: Any, started: list[str], tmp_path: Path
) -> None:
    page.goto("/console/")
    page.locator("tr[data-job='busy'] .last .state-STARTING").wait_for(timeout=WAIT_MS)
    assert sorted(visible_jobs(page)) == ["busy", "idle-one", "idle-two"]
    page.fill("#f-name", "IDLE")
    page.click("form.filters button")
    page.locator("#job-count", has_text="2 of 3 jobs").wait_for(timeout=WAIT_MS)
    assert sorted(visible_jobs(page)) == ["idle-one", "idle-two"]
    page.fill("#f-name", "")
    page.select_option("#f-state", "STARTING")
    page.locator("tr[data-job='busy'] .last .state-STARTING").wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        "() => document.querySelectorAll('tr[data-job]:not([hidden])').length === 1",
        timeout=WAIT_MS,
    )
    assert visible_jobs(page) == ["busy"]
    page.locator("#job-count", has_text="1 of 3 jobs whose last run is STARTING").wait_for(
        timeout=WAIT_MS
    )
    page.select_option("#f-state", "FAILED")
    page.wait_for_function(
        "() => document.querySelectorAll('tr[data-job]').length === 3 &&"
        " document.querySelectorAll('tr[data-job] .last .muted, tr[data-job] .last .state')"
        ".length === 3",
        timeout=WAIT_MS,
    )
    assert visible_jobs(page) == []


#: what a screen reader or keyboard user needs on every page: a name for each control, link
#: and chart, and one top heading
AUDIT = """() => {
    const problems = [];
    for (const el of document.querySelectorAll("input, select, textarea")) {
        if (!el.labels?.length && !el.getAttribute("aria-label")) {
            problems.push(`no label: ${el.id}`);
        }
    }
    for (const el of document.querySelectorAll("button:not([hidden]), a[href]")) {
        if (!el.textContent.trim() && !el.getAttribute("aria-label")) problems.push(el.outerHTML);
    }
    for (const el of document.querySelectorAll("svg")) {
        if (el.getAttribute("role") !== "img" || !el.getAttribute("aria-label")) {
            problems.push(`chart without a text alternative: ${el.getAttribute("class")}`);
        }
    }
    if (document.querySelectorAll("h1").length !== 1) problems.push("not one h1");
    return problems;
}"""


def test_every_page_names_its_controls_and_charts(
    page: Any, server: Server, started: list[str]
) -> None:
    glue = server.client()
    glue.create_trigger(
        Name="nightly",
        Type="SCHEDULED",
        Schedule="cron(0 2 * * ? *)",
        Actions=[{"JobName": "busy"}],
    )
    glue.create_database(DatabaseInput={"Name": "lake"})
    glue.create_table(DatabaseName="lake", TableInput={"Name": "events"})
    pages = {
        "/console/#/jobs": "tr[data-job='busy'] svg.spark",
        "/console/#/jobs/busy": "svg.chart rect",
        f"/console/#/jobs/busy/runs/{started[0]}": "#log-search",
        "/console/#/triggers": "tr[data-trigger='nightly']",
        "/console/#/triggers/nightly": "#fire-times li",
        "/console/#/catalog": "text=lake",
        "/console/#/catalog/lake": "text=events",
        "/console/#/catalog/lake/events": "h1:has-text('events')",
    }
    for url, ready in pages.items():
        page.goto(url)
        page.locator(ready).first.wait_for(state="attached", timeout=WAIT_MS)
        assert page.evaluate(AUDIT) == [], url
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.textContent") == "Skip to content"
