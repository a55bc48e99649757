"""The console in a real browser: what a person does on each page, against a live server.

Screenshots of the main pages are written beside each test's files; with
GLUERUN_TEST_CONSOLE_SCREENSHOTS=DIR they are also copied to DIR (docs/console/ keeps them).
"""

from __future__ import annotations

import os
import re
import shutil
import time
from pathlib import Path
from typing import Any

from live_server import FINAL, Server, wait_state

PRINTER = """
import sys, time
count = int(sys.argv[sys.argv.index("--lines") + 1]) if "--lines" in sys.argv else 40
for i in range(count):
    print(f"line {i}", flush=True)
    time.sleep(0.25)
"""
BOOKMARKER = """
from awsglue._bookmarks import BookmarkContext
context = BookmarkContext.load(None, {})
context.record("orders", {"seen": 3})
print("committed", context.commit())
"""
#: records the value of --seen, so each run leaves a bookmark of its own
SEEN_BOOKMARKER = """
import sys
from awsglue._bookmarks import BookmarkContext
context = BookmarkContext.load(None, {})
context.record("orders", {"seen": sys.argv[sys.argv.index("--seen") + 1]})
print("committed", context.commit())
"""
#: how long a browser waits for something a live run makes appear
WAIT_MS = 60_000


def shot(page: Any, tmp_path: Path, name: str) -> None:
    path = tmp_path / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    target = os.environ.get("GLUERUN_TEST_CONSOLE_SCREENSHOTS")
    if target:
        shutil.copy(path, Path(target) / path.name)


def job(glue: Any, tmp_path: Path, name: str, source: str, **extra: Any) -> None:
    script = tmp_path / f"{name}.py"
    script.write_text(source)
    command = {"Name": "pythonshell", "ScriptLocation": str(script), "PythonVersion": "3.9"}
    glue.create_job(Name=name, Role="r", Command=command, **extra)


def test_jobs_list_shows_each_job_with_its_last_run(page: Any, glue: Any, tmp_path: Path) -> None:
    job(glue, tmp_path, "nightly-orders", "print('ok')\n", Tags={"team": "sales"})
    job(glue, tmp_path, "broken", "raise SystemExit(3)\n")
    for name in ("nightly-orders", "broken"):
        run_id = glue.start_job_run(JobName=name)["JobRunId"]
        wait_state(glue, name, run_id, FINAL)
    page.goto("/console/")
    row = page.locator("tr[data-job='nightly-orders']")
    row.locator(".state-SUCCEEDED").wait_for(timeout=WAIT_MS)
    assert "100% of 1" in row.inner_text()
    page.locator("tr[data-job='broken'] .state-FAILED").wait_for(timeout=WAIT_MS)
    shot(page, tmp_path, "jobs")
    page.fill("#f-tag", "team=sales")
    page.click("form.filters button")
    page.locator("#job-count", has_text="1 of 1 jobs").wait_for(timeout=WAIT_MS)
    assert page.locator("tr[data-job='nightly-orders']").count() == 1
    assert page.locator("tr[data-job='broken']").count() == 0


def test_start_a_run_watch_its_log_grow_and_stop_it(
    page: Any, glue: Any, server: Server, tmp_path: Path
) -> None:
    job(glue, tmp_path, "printer", PRINTER)
    page.goto("/console/#/jobs/printer")
    page.fill("#run-args", '{"--lines": "400"}')
    page.click("#start-run")
    page.wait_for_url(re.compile(r"#/jobs/printer/runs/jr_"), timeout=WAIT_MS)
    run_id = page.url.rsplit("/", 1)[1]
    log = page.locator("#log-output")
    page.wait_for_function(
        "() => (document.querySelector('#log-output')?.textContent ?? '').includes('line 2')",
        timeout=WAIT_MS,
    )
    first = log.inner_text().count("line ")
    grown = "(document.querySelector('#log-output')?.textContent ?? '').split('line ').length"
    page.wait_for_function(f"() => {grown} > {first + 4}", timeout=WAIT_MS)
    # the page, opened as the run started, follows it to RUNNING without a reload
    page.locator(".timeline .state-RUNNING").wait_for(timeout=WAIT_MS)
    page.locator(".grid .state-RUNNING").wait_for(timeout=WAIT_MS)
    started = glue.get_job_run(JobName="printer", RunId=run_id)["JobRun"]
    assert started["JobRunState"] == "RUNNING"
    assert started["Arguments"]["--lines"] == "400"
    page.fill("#log-search", "line 1")
    assert all("line 1" in line for line in log.inner_text().splitlines() if line)
    shot(page, tmp_path, "run-live")
    page.click("#stop-run")
    assert wait_state(glue, "printer", run_id, FINAL)["JobRunState"] == "STOPPED"
    page.locator(".timeline .state-STOPPED").wait_for(timeout=WAIT_MS)


def test_a_run_is_stopped_from_the_job_pages_runs(page: Any, glue: Any, tmp_path: Path) -> None:
    job(glue, tmp_path, "stoppable", PRINTER)
    run_id = glue.start_job_run(JobName="stoppable", Arguments={"--lines": "400"})["JobRunId"]
    wait_state(glue, "stoppable", run_id, {"RUNNING"})
    page.goto("/console/#/jobs/stoppable")
    page.click(f"button[data-stop='{run_id}']")
    assert wait_state(glue, "stoppable", run_id, FINAL)["JobRunState"] == "STOPPED"
    page.locator(f"tr[data-run='{run_id}'] .state-STOPPED").wait_for(timeout=WAIT_MS)
    assert page.locator(f"button[data-stop='{run_id}']").count() == 0


def test_the_job_page_lists_runs_and_resets_the_bookmark(
    page: Any, glue: Any, tmp_path: Path
) -> None:
    arguments = {"--job-bookmark-option": "job-bookmark-enable"}
    job(glue, tmp_path, "bookmarked", BOOKMARKER, DefaultArguments=arguments)
    run_id = glue.start_job_run(JobName="bookmarked")["JobRunId"]
    assert wait_state(glue, "bookmarked", run_id, FINAL)["JobRunState"] == "SUCCEEDED"
    page.goto("/console/#/jobs/bookmarked")
    page.locator(f"tr[data-run='{run_id}'] .state-SUCCEEDED").wait_for(timeout=WAIT_MS)
    page.locator("#bookmark-json").wait_for(state="attached", timeout=WAIT_MS)
    assert '"seen": 3' in page.locator("#bookmark-json").text_content()
    shot(page, tmp_path, "job")
    page.click("#reset-bookmark")
    page.locator("#notice", has_text="Bookmark reset").wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        "() => document.querySelector('#bookmark-json')?.textContent === '{}'", timeout=WAIT_MS
    )
    assert glue.get_job_bookmark(JobName="bookmarked")["JobBookmarkEntry"]["JobBookmark"] == "{}"


def test_the_bookmark_is_rewound_to_an_earlier_run(page: Any, glue: Any, tmp_path: Path) -> None:
    arguments = {"--job-bookmark-option": "job-bookmark-enable"}
    job(glue, tmp_path, "rewound", SEEN_BOOKMARKER, DefaultArguments=arguments)
    finished = []
    for seen in ("first", "second"):
        run_id = glue.start_job_run(JobName="rewound", Arguments={"--seen": seen})["JobRunId"]
        assert wait_state(glue, "rewound", run_id, FINAL)["JobRunState"] == "SUCCEEDED"
        finished.append(run_id)
    first, _ = finished
    page.goto("/console/#/jobs/rewound")
    page.locator("#bookmark-json").wait_for(state="attached", timeout=WAIT_MS)
    assert '"seen": "second"' in page.locator("#bookmark-json").text_content()
    page.select_option("#rewind-run", first)
    page.click("#rewind-bookmark")
    page.locator("#notice", has_text=f"Bookmark rewound to {first}").wait_for(timeout=WAIT_MS)
    page.wait_for_function(
        "() => (document.querySelector('#bookmark-json')?.textContent ?? '').includes('first')",
        timeout=WAIT_MS,
    )
    stored = glue.get_job_bookmark(JobName="rewound")["JobBookmarkEntry"]["JobBookmark"]
    assert '"first"' in stored
    assert '"second"' not in stored


def test_retries_and_predecessor_runs_link_to_each_other(
    page: Any, glue: Any, tmp_path: Path
) -> None:
    job(glue, tmp_path, "chain-up", "print('up')\n")
    job(glue, tmp_path, "chain-down", "raise SystemExit(2)\n", MaxRetries=1)
    glue.create_trigger(
        Name="chain",
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={
            "Conditions": [
                {"JobName": "chain-up", "State": "SUCCEEDED", "LogicalOperator": "EQUALS"}
            ]
        },
        Actions=[{"JobName": "chain-down"}],
    )
    # as in Glue, a conditional trigger watches only runs that a trigger started
    glue.create_trigger(Name="chain-go", Type="ON_DEMAND", Actions=[{"JobName": "chain-up"}])
    glue.start_trigger(Name="chain-go")
    up = wait_for_attempt(glue, "chain-up", 0)["Id"]
    assert wait_state(glue, "chain-up", up, FINAL)["JobRunState"] == "SUCCEEDED"
    retry = wait_for_attempt(glue, "chain-down", 1)
    assert wait_state(glue, "chain-down", retry["Id"], FINAL)["JobRunState"] == "FAILED"
    first = retry["PreviousRunId"]
    page.goto(f"/console/#/jobs/chain-down/runs/{first}")
    page.locator("h1", has_text=first).wait_for(timeout=WAIT_MS)
    page.locator(".timeline .state-FAILED").wait_for(timeout=WAIT_MS)
    page.click(f"a[href$='/runs/{retry['Id']}']")
    page.locator("h1", has_text=retry["Id"]).wait_for(timeout=WAIT_MS)
    assert page.locator(f"a[href$='/runs/{first}']").count() == 1  # its previous attempt
    page.goto(f"/console/#/jobs/chain-down/runs/{first}")
    page.locator("h2", has_text="Predecessor runs").wait_for(timeout=WAIT_MS)
    page.click(f"a[href='#/jobs/chain-up/runs/{up}']")
    page.locator("h1", has_text=up).wait_for(timeout=WAIT_MS)
    assert "chain-up" in page.locator(".crumbs").inner_text()


def wait_for_attempt(glue: Any, name: str, attempt: int) -> dict[str, Any]:
    """The run of `name` with this Attempt number, once the engine has made it."""
    for _ in range(600):
        for run in glue.get_job_runs(JobName=name)["JobRuns"]:
            if run.get("Attempt", 0) == attempt:
                return dict(run)
        time.sleep(0.1)
    made = glue.get_job_runs(JobName=name)["JobRuns"]
    raise TimeoutError(f"{name} made no attempt {attempt}: {made}")


def test_triggers_show_schedule_graph_and_can_be_deactivated(
    page: Any, glue: Any, tmp_path: Path
) -> None:
    job(glue, tmp_path, "upstream", "print(1)\n")
    job(glue, tmp_path, "downstream", "print(2)\n")
    glue.create_trigger(
        Name="after-upstream",
        Type="CONDITIONAL",
        StartOnCreation=True,
        Predicate={
            "Conditions": [
                {"JobName": "upstream", "State": "SUCCEEDED", "LogicalOperator": "EQUALS"}
            ]
        },
        Actions=[{"JobName": "downstream"}],
    )
    glue.create_trigger(
        Name="hourly",
        Type="SCHEDULED",
        Schedule="cron(0 * * * ? *)",
        Actions=[{"JobName": "downstream"}],
    )
    page.goto("/console/#/triggers")
    page.locator("tr[data-trigger='hourly']").wait_for(timeout=WAIT_MS)
    page.goto("/console/#/triggers/hourly")
    page.locator("h1", has_text="hourly").wait_for(timeout=WAIT_MS)
    page.locator("#fire-times li").nth(4).wait_for(timeout=WAIT_MS)
    assert all(
        item.endswith(":00:00.000Z") for item in page.locator("#fire-times li").all_inner_texts()
    )
    page.goto("/console/#/triggers/after-upstream")
    page.locator("h1", has_text="after-upstream").wait_for(timeout=WAIT_MS)
    graph = page.locator("svg.chart")
    graph.wait_for(timeout=WAIT_MS)
    assert "upstream SUCCEEDED" in graph.text_content()
    assert "downstream" in graph.text_content()
    shot(page, tmp_path, "trigger")
    page.click("#toggle-trigger")
    page.wait_for_function(
        "() => document.querySelector('#toggle-trigger')?.textContent === 'Activate'",
        timeout=WAIT_MS,
    )
    assert glue.get_trigger(Name="after-upstream")["Trigger"]["State"] == "DEACTIVATED"
    page.click("#toggle-trigger")
    page.wait_for_function(
        "() => document.querySelector('#toggle-trigger')?.textContent === 'Deactivate'",
        timeout=WAIT_MS,
    )
    assert glue.get_trigger(Name="after-upstream")["Trigger"]["State"] == "ACTIVATED"


def test_the_catalog_pages_filter_partitions_by_expression(
    page: Any, glue: Any, tmp_path: Path
) -> None:
    glue.create_database(DatabaseInput={"Name": "sales"})
    columns = [{"Name": "amount", "Type": "double"}]
    glue.create_table(
        DatabaseName="sales",
        TableInput={
            "Name": "orders",
            "StorageDescriptor": {"Columns": columns, "Location": "s3://lake/orders/"},
            "PartitionKeys": [{"Name": "year", "Type": "string"}],
        },
    )
    for year in ("2023", "2024"):
        glue.create_partition(
            DatabaseName="sales",
            TableName="orders",
            PartitionInput={
                "Values": [year],
                "StorageDescriptor": {"Location": f"s3://lake/orders/year={year}/"},
            },
        )
    page.goto("/console/#/catalog/sales/orders")
    page.locator("text=s3://lake/orders/year=2023/").wait_for(timeout=WAIT_MS)
    page.fill("#partition-expression", "year > '2023'")
    page.click("form.filters button")
    page.locator("text=s3://lake/orders/year=2023/").wait_for(state="detached", timeout=WAIT_MS)
    assert page.locator("text=s3://lake/orders/year=2024/").count() == 1
    shot(page, tmp_path, "catalog-table")


def test_a_phone_sized_screen_keeps_every_page_usable(
    browser: Any, server: Server, glue: Any, tmp_path: Path
) -> None:
    job(glue, tmp_path, "phone-job", "print('a line of output', flush=True)\n")
    run_id = glue.start_job_run(JobName="phone-job", Arguments={"--day": "2024-01-01"})["JobRunId"]
    assert wait_state(glue, "phone-job", run_id, FINAL)["JobRunState"] == "SUCCEEDED"
    glue.create_trigger(
        Name="phone-nightly",
        Type="SCHEDULED",
        Schedule="cron(0 2 * * ? *)",
        Actions=[{"JobName": "phone-job"}],
    )
    context = browser.new_context(base_url=server.endpoint, viewport={"width": 390, "height": 844})
    pages = {
        "/console/": "tr[data-job='phone-job'] .state-SUCCEEDED",
        "/console/#/jobs/phone-job": f"tr[data-run='{run_id}']",
        f"/console/#/jobs/phone-job/runs/{run_id}": "#log-output >> text=a line of output",
        "/console/#/triggers/phone-nightly": "#fire-times li",
        "/console/#/catalog": "h1:has-text('Data Catalog')",
    }
    try:
        tab = context.new_page()
        for url, ready in pages.items():
            tab.goto(url)
            tab.locator(ready).first.wait_for(timeout=WAIT_MS)
            width = tab.evaluate("() => document.documentElement.scrollWidth")
            wide = tab.evaluate(
                "() => [...document.querySelectorAll('body *')]"
                ".filter(e => e.getBoundingClientRect().right > 391 && !e.closest('.scroll'))"
                ".map(e => `${e.tagName}#${e.id}.${e.className}`)"
            )
            assert width <= 390, (url, wide)
            if url == "/console/":
                shot(tab, tmp_path, "jobs-phone")
    finally:
        context.close()
