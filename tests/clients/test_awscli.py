"""AWS CLI v1, installed alone in its own venv, for every Glue and Logs operation gluerun serves."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from clientlib import ACCOUNT, REGION, Result, Venv, client_env
from live_server import FINAL, Server

pytestmark = pytest.mark.clients


class Cli:
    def __init__(self, venv: Venv, server: Server, home: Path) -> None:
        self.aws = venv.bin("aws")
        self.endpoint = server.endpoint
        self.env = client_env(home, server.endpoint)
        del self.env["AWS_ENDPOINT_URL"]  # --endpoint-url, as the README shows

    def raw(self, service: str, *args: str) -> Result:
        out = subprocess.run(
            [self.aws, service, *args, "--endpoint-url", self.endpoint, "--output", "json"],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        return Result(out.returncode, out.stdout, out.stderr)

    def __call__(self, *args: str, service: str = "glue") -> Any:
        res = self.raw(service, *args)
        assert res.code == 0, f"aws {service} {' '.join(args)}\n{res}"
        return json.loads(res.stdout) if res.stdout.strip() else {}

    def wait(self, job: str, run_id: str, timeout: float = 60) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            run: dict[str, Any] = self("get-job-run", "--job-name", job, "--run-id", run_id)[
                "JobRun"
            ]
            if run["JobRunState"] in FINAL or time.monotonic() > deadline:
                return run
            time.sleep(0.3)


@pytest.fixture
def cli(awscli_venv: Venv, server: Server, tmp_path: Path) -> Cli:
    return Cli(awscli_venv, server, tmp_path)


def job_arn(name: str) -> str:
    return f"arn:aws:glue:{REGION}:{ACCOUNT}:job/{name}"


def test_cli_job_definitions_and_tags(cli: Cli, job_script: Callable[..., str]) -> None:
    script = job_script("print('hi')\n")
    command = f"Name=pythonshell,ScriptLocation={script},PythonVersion=3.9"
    created = cli(
        "create-job",
        "--name",
        "cli-def",
        "--role",
        "arn:aws:iam::123456789012:role/any",
        "--command",
        command,
        "--default-arguments",
        '{"--day":"2024-01-01"}',
        "--description",
        "made by the CLI",
        "--tags",
        "cli-team=data,env=test",
    )
    assert created == {"Name": "cli-def"}
    again = cli.raw("glue", "create-job", "--name", "cli-def", "--role", "r", "--command", command)
    assert again.code == 255 and "(AlreadyExistsException)" in again.stderr

    job = cli("get-job", "--job-name", "cli-def")["Job"]
    assert job["Command"]["ScriptLocation"] == script
    assert job["DefaultArguments"] == {"--day": "2024-01-01"}
    assert job["Description"] == "made by the CLI"
    assert isinstance(job["CreatedOn"], int | float)  # v1 prints the raw epoch number

    cli("create-job", "--name", "cli-def2", "--role", "r", "--command", command)
    cli("create-job", "--name", "cli-def3", "--role", "r", "--command", command)
    names = [j["Name"] for j in cli("get-jobs", "--page-size", "1")["Jobs"]]
    assert {"cli-def", "cli-def2", "cli-def3"} <= set(names)
    assert cli("list-jobs", "--tags", "cli-team=data")["JobNames"] == ["cli-def"]
    listed = cli("list-jobs", "--max-items", "1")
    assert len(listed["JobNames"]) == 1 and "NextToken" in listed  # the CLI's own token

    got = cli("batch-get-jobs", "--job-names", "cli-def", "cli-nope")
    assert [j["Name"] for j in got["Jobs"]] == ["cli-def"]
    assert got["JobsNotFound"] == ["cli-nope"]

    updated = cli(
        "update-job",
        "--job-name",
        "cli-def2",
        "--job-update",
        json.dumps(
            {
                "Role": "r2",
                "Command": {"Name": "pythonshell", "ScriptLocation": script},
                "MaxRetries": 2,
                "Timeout": 30,
            }
        ),
    )
    assert updated == {"JobName": "cli-def2"}
    job2 = cli("get-job", "--job-name", "cli-def2")["Job"]
    assert (job2["Role"], job2["MaxRetries"], job2["Timeout"]) == ("r2", 2, 30)

    arn = job_arn("cli-def")
    assert cli("get-tags", "--resource-arn", arn)["Tags"] == {"cli-team": "data", "env": "test"}
    cli("tag-resource", "--resource-arn", arn, "--tags-to-add", "owner=me")
    cli("untag-resource", "--resource-arn", arn, "--tags-to-remove", "env")
    assert cli("get-tags", "--resource-arn", arn)["Tags"] == {"cli-team": "data", "owner": "me"}

    assert cli("delete-job", "--job-name", "cli-def3") == {"JobName": "cli-def3"}
    gone = cli.raw("glue", "get-job", "--job-name", "cli-def3")
    assert gone.code == 255 and "(EntityNotFoundException)" in gone.stderr


def test_cli_runs(cli: Cli, job_script: Callable[..., str]) -> None:
    ok = job_script("import sys\nprint('args', sys.argv[1:])\n", "ok.py")
    cli(
        "create-job",
        "--name",
        "cli-runs",
        "--role",
        "r",
        "--command",
        f"Name=pythonshell,ScriptLocation={ok}",
        "--execution-property",
        "MaxConcurrentRuns=20",
    )
    run_id = cli("start-job-run", "--job-name", "cli-runs", "--arguments", '{"--day":"d1"}')[
        "JobRunId"
    ]
    run = cli.wait("cli-runs", run_id)
    assert run["JobRunState"] == "SUCCEEDED", run
    assert run["Arguments"] == {"--day": "d1"}
    assert isinstance(run["StartedOn"], int | float)
    assert run["LogGroupName"] == "/aws-glue/jobs"
    with_pred = cli(
        "get-job-run", "--job-name", "cli-runs", "--run-id", run_id, "--predecessors-included"
    )["JobRun"]
    assert with_pred["Id"] == run_id

    # --job-run-id: a new attempt of a finished run.
    retry = cli("start-job-run", "--job-name", "cli-runs", "--job-run-id", run_id)["JobRunId"]
    assert retry == f"{run_id}_attempt_1"
    assert cli.wait("cli-runs", retry)["PreviousRunId"] == run_id

    for _ in range(3):
        cli("start-job-run", "--job-name", "cli-runs", "--timeout", "5")
    paged = cli("get-job-runs", "--job-name", "cli-runs", "--page-size", "2")["JobRuns"]
    assert len(paged) == 5
    truncated = cli("get-job-runs", "--job-name", "cli-runs", "--max-items", "3")
    assert len(truncated["JobRuns"]) == 3 and "NextToken" in truncated
    rest = cli(
        "get-job-runs", "--job-name", "cli-runs", "--starting-token", truncated["NextToken"]
    )["JobRuns"]
    assert len(rest) == 2
    one = cli("get-job-runs", "--job-name", "cli-runs", "--no-paginate", "--max-results", "2")
    assert len(one["JobRuns"]) == 2 and one["NextToken"]
    too_many = cli.raw("glue", "get-job-runs", "--job-name", "cli-runs", "--max-results", "201")
    assert too_many.code == 255 and "(ValidationException)" in too_many.stderr

    unknown = cli.raw("glue", "get-job-run", "--job-name", "cli-runs", "--run-id", "jr_nope")
    assert unknown.code == 255
    assert "An error occurred (EntityNotFoundException) when calling the GetJobRun" in (
        unknown.stderr
    )


def test_cli_stop_and_failure(cli: Cli, job_script: Callable[..., str]) -> None:
    slow = job_script("import time\ntime.sleep(300)\n", "slow.py")
    bad = job_script("raise ValueError('boom')\n", "bad.py")
    cli(
        "create-job",
        "--name",
        "cli-slow",
        "--role",
        "r",
        "--command",
        f"Name=pythonshell,ScriptLocation={slow}",
    )
    cli(
        "create-job",
        "--name",
        "cli-bad",
        "--role",
        "r",
        "--command",
        f"Name=pythonshell,ScriptLocation={bad}",
    )
    run_id = cli("start-job-run", "--job-name", "cli-slow")["JobRunId"]
    stopped = cli(
        "batch-stop-job-run", "--job-name", "cli-slow", "--job-run-ids", run_id, "jr_unknown"
    )
    assert stopped["SuccessfulSubmissions"] == [{"JobName": "cli-slow", "JobRunId": run_id}]
    assert stopped["Errors"][0]["JobRunId"] == "jr_unknown"
    assert stopped["Errors"][0]["ErrorDetail"]["ErrorCode"] == "EntityNotFoundException"
    assert cli.wait("cli-slow", run_id)["JobRunState"] == "STOPPED"

    failed = cli.wait("cli-bad", cli("start-job-run", "--job-name", "cli-bad")["JobRunId"])
    assert failed["JobRunState"] == "FAILED"
    assert failed["ErrorMessage"] == "ValueError: boom"


def test_cli_wire_fidelity(cli: Cli) -> None:
    """The cases of issue 14 as the AWS CLI sends them (boto3 ones: tests/fidelity)."""
    cli("create-job", "--name", "cli-any", "--role", "r", "--command", "Name=test_command")
    run = cli.wait("cli-any", cli("start-job-run", "--job-name", "cli-any")["JobRunId"])
    assert (run["JobRunState"], run["ErrorMessage"]) == (
        "FAILED",
        "Could not find command for the given criteria",
    )
    bad = cli.raw(
        "glue", "create-job", "--name", "cli-v", "--role", "r",
        "--command", "Name=pythonshell,PythonVersion=3.6",
    )  # fmt: skip
    assert bad.code == 255 and "(ValidationException)" in bad.stderr
    assert "1 validation error detected: Value '3.6' at 'command.pythonVersion'" in bad.stderr
    both = cli.raw(
        "glue", "start-job-run", "--job-name", "cli-any",
        "--allocated-capacity", "2", "--max-capacity", "2",
    )  # fmt: skip
    assert "(InvalidInputException)" in both.stderr
    assert "Please set only Allocated Capacity or Max Capacity" in both.stderr
    no_state = cli.raw(
        "glue", "create-trigger", "--name", "cli-cond", "--type", "CONDITIONAL",
        "--actions", "JobName=cli-any",
        "--predicate", "Conditions=[{LogicalOperator=EQUALS,JobName=cli-any}]",
    )  # fmt: skip
    assert "State cannot be null or empty, choose from one of the following job state: " in (
        no_state.stderr
    )
    empty_account = f"arn:aws:glue:{REGION}::job/cli-any"
    cli("tag-resource", "--resource-arn", empty_account, "--tags-to-add", "k=v")
    assert cli("get-tags", "--resource-arn", job_arn("cli-any"))["Tags"] == {"k": "v"}


def test_cli_wire_fidelity_capacity(cli: Cli) -> None:
    """Issue 14's capacity cases as the AWS CLI sends them: AllocatedCapacity honoured on a
    run, refused beside MaxCapacity on create-job and update-job, a lone half of a run's
    workers combined with the job's (or refused when the job has none)."""
    spark = "Name=glueetl,ScriptLocation=/nowhere.py"
    many = "MaxConcurrentRuns=10"
    both = ("--allocated-capacity", "2", "--max-capacity", "2")
    refused = cli.raw("glue", "create-job", "--name", "cli-cap", "--role", "r",
                      "--command", spark, *both)  # fmt: skip
    assert "(InvalidInputException)" in refused.stderr
    assert "Please set only Allocated Capacity or Max Capacity" in refused.stderr
    cli("create-job", "--name", "cli-cap", "--role", "r", "--command", spark,
        "--execution-property", many)  # fmt: skip
    update = json.dumps({"Role": "r", "Command": {"Name": "glueetl"},
                         "AllocatedCapacity": 2, "MaxCapacity": 2.0})  # fmt: skip
    refused = cli.raw("glue", "update-job", "--job-name", "cli-cap", "--job-update", update)
    assert "Please set only Allocated Capacity or Max Capacity" in refused.stderr
    run_id = cli("start-job-run", "--job-name", "cli-cap", "--allocated-capacity", "4")["JobRunId"]
    run = cli("get-job-run", "--job-name", "cli-cap", "--run-id", run_id)["JobRun"]
    assert (run["AllocatedCapacity"], run["MaxCapacity"]) == (4, 4.0)
    lone = cli.raw("glue", "start-job-run", "--job-name", "cli-cap", "--number-of-workers", "3")
    assert "Please set both Worker Type and Number of Workers." in lone.stderr

    cli("create-job", "--name", "cli-w", "--role", "r", "--command", spark,
        "--worker-type", "G.1X", "--number-of-workers", "2",
        "--execution-property", many)  # fmt: skip
    run_id = cli("start-job-run", "--job-name", "cli-w", "--number-of-workers", "5")["JobRunId"]
    run = cli("get-job-run", "--job-name", "cli-w", "--run-id", run_id)["JobRun"]
    assert (run["WorkerType"], run["NumberOfWorkers"]) == ("G.1X", 5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--type", "CONDITIONAL"), "Predicate cannot be null or empty"),
        (
            ("--type", "ON_DEMAND", "--actions", "JobName=cli-fa,CrawlerName=c"),
            "Both JobName and CrawlerName cannot be set together in an action",
        ),
        (
            ("--type", "CONDITIONAL", "--predicate",
             "Conditions=[{LogicalOperator=EQUALS,State=SUCCEEDED}]"),
            "JobName or CrawlerName in condition cannot be null or empty",
        ),
        (
            ("--type", "CONDITIONAL", "--predicate",
             "Conditions=[{JobName=cli-fb,State=SUCCEEDED}]"),
            "Logical operator cannot be null or empty",
        ),
        (
            ("--type", "CONDITIONAL", "--predicate",
             "Conditions=[{LogicalOperator=EQUALS,JobName=cli-fb,State=SUCCEEDED},"
             "{LogicalOperator=EQUALS,JobName=cli-fb,State=FAILED}]"),
            "Logical operator cannot be null or empty when more than one condition is present",
        ),
    ],
)  # fmt: skip
def test_cli_wire_fidelity_trigger_refusals(cli: Cli, args: tuple[str, ...], message: str) -> None:
    for name in ("cli-fa", "cli-fb"):
        if cli.raw("glue", "get-job", "--job-name", name).code != 0:
            cli("create-job", "--name", name, "--role", "r", "--command", "Name=pythonshell")
    if "--actions" not in args:
        args = (*args, "--actions", "JobName=cli-fa")
    refused = cli.raw("glue", "create-trigger", "--name", "cli-refused", *args)
    assert refused.code == 255, refused
    ending = f"(InvalidInputException) when calling the CreateTrigger operation: {message}"
    assert refused.stderr.strip().endswith(ending), refused


@pytest.mark.usefixtures("logs_api")
def test_cli_wire_fidelity_arns_and_logs(cli: Cli, job_script: Callable[..., str]) -> None:
    """Tags through any 12-digit account, never another region; a Glue 5.0 run's stderr in
    /aws-glue/jobs/output (Glue 5.0's logging), a 3.0 run's in /error."""
    cli("create-job", "--name", "cli-arn", "--role", "r", "--command", "Name=pythonshell")
    for key, account in (("empty", ""), ("zeros", "000000000000")):
        arn = f"arn:aws:glue:{REGION}:{account}:job/cli-arn"
        cli("tag-resource", "--resource-arn", arn, "--tags-to-add", f"{key}=1")
    tags = cli("get-tags", "--resource-arn", job_arn("cli-arn"))["Tags"]
    assert tags == {"empty": "1", "zeros": "1"}
    other = cli.raw("glue", "get-tags", "--resource-arn", "arn:aws:glue:eu-west-1::job/cli-arn")
    assert "(InvalidInputException)" in other.stderr

    source = "import sys\nprint('to stderr', file=sys.stderr)\n"
    for version, group in (("3.0", "/aws-glue/jobs/error"), ("5.0", "/aws-glue/jobs/output")):
        name = f"cli-log-{version[0]}"
        command = f"Name=pythonshell,ScriptLocation={job_script(source, name + '.py')}"
        cli("create-job", "--name", name, "--role", "r", "--glue-version", version,
            "--command", command)  # fmt: skip
        run_id = cli("start-job-run", "--job-name", name)["JobRunId"]
        assert cli.wait(name, run_id)["JobRunState"] == "SUCCEEDED"
        events = cli("get-log-events", "--log-group-name", group, "--log-stream-name", run_id,
                     "--start-from-head", service="logs")["events"]  # fmt: skip
        assert "to stderr" in [e["message"] for e in events], (version, group)


def test_cli_triggers(cli: Cli, job_script: Callable[..., str]) -> None:
    script = job_script("print('t')\n")
    for name in ("cli-ta", "cli-tb"):
        cli(
            "create-job",
            "--name",
            name,
            "--role",
            "r",
            "--command",
            f"Name=pythonshell,ScriptLocation={script}",
        )
    cli(
        "create-trigger",
        "--name",
        "cli-on-demand",
        "--type",
        "ON_DEMAND",
        "--actions",
        '[{"JobName": "cli-ta", "Arguments": {"--x": "1"}}]',
    )
    cli(
        "create-trigger",
        "--name",
        "cli-then-b",
        "--type",
        "CONDITIONAL",
        "--start-on-creation",
        "--predicate",
        json.dumps(
            {
                "Conditions": [
                    {"LogicalOperator": "EQUALS", "JobName": "cli-ta", "State": "SUCCEEDED"}
                ]
            }
        ),
        "--actions",
        "JobName=cli-tb",
    )
    cli(
        "create-trigger",
        "--name",
        "cli-nightly",
        "--type",
        "SCHEDULED",
        "--schedule",
        "cron(0 3 * * ? *)",
        "--actions",
        "JobName=cli-tb",
        "--tags",
        "k=v",
    )

    assert cli("get-trigger", "--name", "cli-then-b")["Trigger"]["State"] == "ACTIVATED"
    all_triggers = {t["Name"] for t in cli("get-triggers", "--page-size", "1")["Triggers"]}
    assert {"cli-on-demand", "cli-then-b", "cli-nightly"} <= all_triggers
    dependent = cli("get-triggers", "--dependent-job-name", "cli-tb")["Triggers"]
    assert {t["Name"] for t in dependent} == {"cli-then-b", "cli-nightly"}
    assert "cli-nightly" in cli("list-triggers", "--tags", "k=v")["TriggerNames"]
    got = cli("batch-get-triggers", "--trigger-names", "cli-nightly", "cli-nope")
    assert [t["Name"] for t in got["Triggers"]] == ["cli-nightly"]
    assert got["TriggersNotFound"] == ["cli-nope"]

    updated = cli(
        "update-trigger",
        "--name",
        "cli-nightly",
        "--trigger-update",
        json.dumps({"Schedule": "cron(15 4 * * ? *)", "Actions": [{"JobName": "cli-tb"}]}),
    )["Trigger"]
    assert updated["Schedule"] == "cron(15 4 * * ? *)"
    assert cli("start-trigger", "--name", "cli-nightly") == {"Name": "cli-nightly"}
    assert cli("get-trigger", "--name", "cli-nightly")["Trigger"]["State"] == "ACTIVATED"
    assert cli("stop-trigger", "--name", "cli-nightly") == {"Name": "cli-nightly"}
    assert cli("get-trigger", "--name", "cli-nightly")["Trigger"]["State"] == "DEACTIVATED"

    # Fire on demand: cli-ta runs with the action's arguments, then the condition fires cli-tb.
    assert cli("start-trigger", "--name", "cli-on-demand") == {"Name": "cli-on-demand"}
    deadline = time.monotonic() + 60
    runs_b: list[dict[str, Any]] = []
    while time.monotonic() < deadline and not runs_b:
        runs_b = cli("get-job-runs", "--job-name", "cli-tb")["JobRuns"]
        time.sleep(0.5)
    (run_a,) = cli("get-job-runs", "--job-name", "cli-ta")["JobRuns"]
    assert run_a["TriggerName"] == "cli-on-demand"
    assert run_a["Arguments"] == {"--x": "1"}
    assert runs_b and runs_b[0]["TriggerName"] == "cli-then-b"
    assert runs_b[0]["PredecessorRuns"] == [{"JobName": "cli-ta", "RunId": run_a["Id"]}]
    assert cli.wait("cli-tb", runs_b[0]["Id"])["JobRunState"] == "SUCCEEDED"

    for name in ("cli-on-demand", "cli-then-b", "cli-nightly"):
        assert cli("delete-trigger", "--name", name) == {"Name": name}
    assert cli.raw("glue", "get-trigger", "--name", "cli-nightly").code == 255


def test_cli_job_bookmarks(cli: Cli, job_script: Callable[..., str]) -> None:
    """get-job-bookmark / reset-job-bookmark, once gluerun serves them (not claimed yet)."""
    probe = cli.raw("glue", "get-job-bookmark", "--job-name", "cli-bm-none")
    if "(UnknownOperationException)" in probe.stderr:
        pytest.skip("gluerun does not serve GetJobBookmark yet (not in its claimed operations)")
    assert probe.code == 255 and "(EntityNotFoundException)" in probe.stderr, probe
    cli("create-job", "--name", "cli-bm", "--role", "r", "--command",
        f"Name=pythonshell,ScriptLocation={job_script('pass')}",
        "--default-arguments", '{"--job-bookmark-option":"job-bookmark-enable"}')  # fmt: skip
    run_id = cli("start-job-run", "--job-name", "cli-bm")["JobRunId"]
    assert cli.wait("cli-bm", run_id)["JobRunState"] == "SUCCEEDED"
    # A job that never committed a bookmark: Glue answers EntityNotFoundException
    # ("Continuation for job ... not found"); one that did returns its entry.
    for command in ("get-job-bookmark", "reset-job-bookmark"):
        res = cli.raw("glue", command, "--job-name", "cli-bm")
        if res.code == 0:
            assert json.loads(res.stdout)["JobBookmarkEntry"]["JobName"] == "cli-bm"
        else:
            assert res.code == 255 and "(EntityNotFoundException)" in res.stderr, res


@pytest.mark.usefixtures("logs_api")
def test_cli_logs(cli: Cli, job_script: Callable[..., str]) -> None:
    script = job_script(
        """
        import sys
        for i in range(3):
            print(f"out line {i}")
        print("err line", file=sys.stderr)
        """
    )
    cli(
        "create-job",
        "--name",
        "cli-logs",
        "--role",
        "r",
        "--command",
        f"Name=pythonshell,ScriptLocation={script}",
    )
    run_id = cli("start-job-run", "--job-name", "cli-logs")["JobRunId"]
    assert cli.wait("cli-logs", run_id)["JobRunState"] == "SUCCEEDED"

    def logs(*args: str) -> Any:
        return cli(*args, service="logs")

    groups = {g["logGroupName"] for g in logs("describe-log-groups")["logGroups"]}
    assert {"/aws-glue/jobs/output", "/aws-glue/jobs/error"} <= groups
    prefixed = logs("describe-log-groups", "--log-group-name-prefix", "/aws-glue/jobs/out")
    assert [g["logGroupName"] for g in prefixed["logGroups"]] == ["/aws-glue/jobs/output"]

    streams = logs(
        "describe-log-streams",
        "--log-group-name",
        "/aws-glue/jobs/output",
        "--log-stream-name-prefix",
        run_id,
    )["logStreams"]
    assert [s["logStreamName"] for s in streams] == [run_id]

    head = logs(
        "get-log-events",
        "--log-group-name",
        "/aws-glue/jobs/output",
        "--log-stream-name",
        run_id,
        "--start-from-head",
    )
    assert [e["message"] for e in head["events"]] == [f"out line {i}" for i in range(3)]
    again = logs(
        "get-log-events",
        "--log-group-name",
        "/aws-glue/jobs/output",
        "--log-stream-name",
        run_id,
        "--next-token",
        head["nextForwardToken"],
    )
    assert again["events"] == []
    assert again["nextForwardToken"] == head["nextForwardToken"]
    tail = logs(
        "get-log-events",
        "--log-group-name",
        "/aws-glue/jobs/output",
        "--log-stream-name",
        run_id,
        "--limit",
        "1",
    )
    assert [e["message"] for e in tail["events"]] == ["out line 2"]

    filtered = logs(
        "filter-log-events",
        "--log-group-name",
        "/aws-glue/jobs/output",
        "--log-stream-names",
        run_id,
        "--page-size",
        "2",
    )
    assert [e["message"] for e in filtered["events"]] == [f"out line {i}" for i in range(3)]
    assert {e["logStreamName"] for e in filtered["events"]} == {run_id}
    errors = logs(
        "filter-log-events",
        "--log-group-name",
        "/aws-glue/jobs/error",
        "--log-stream-names",
        run_id,
    )["events"]
    assert "err line" in [e["message"] for e in errors]

    missing_stream = cli.raw(
        "logs",
        "get-log-events",
        "--log-group-name",
        "/aws-glue/jobs/output",
        "--log-stream-name",
        "jr_nope",
    )
    assert missing_stream.code == 255
    assert "(ResourceNotFoundException)" in missing_stream.stderr


@pytest.mark.usefixtures("logs_api")
def test_cli_describe_log_groups_name_pattern(cli: Cli, job_script: Callable[..., str]) -> None:
    cli("create-job", "--name", "cli-pattern", "--role", "r", "--command",
        f"Name=pythonshell,ScriptLocation={job_script('print(1)')}")  # fmt: skip
    run_id = cli("start-job-run", "--job-name", "cli-pattern")["JobRunId"]
    assert cli.wait("cli-pattern", run_id)["JobRunState"] == "SUCCEEDED"
    # CloudWatch: a case-insensitive substring match on the group name.
    found = cli("describe-log-groups", "--log-group-name-pattern", "OUTPUT", service="logs")
    assert [g["logGroupName"] for g in found["logGroups"]] == ["/aws-glue/jobs/output"]
    none = cli("describe-log-groups", "--log-group-name-pattern", "nomatch", service="logs")
    assert none["logGroups"] == []


def test_cli_manages_the_data_catalog(cli: Cli) -> None:
    cli("create-database", "--database-input", '{"Name":"cli_db","Description":"by the CLI"}')
    assert cli("get-database", "--name", "cli_db")["Database"]["Description"] == "by the CLI"
    table = {
        "Name": "events",
        "TableType": "EXTERNAL_TABLE",
        "Parameters": {"classification": "json"},
        "PartitionKeys": [{"Name": "day", "Type": "date"}],
        "StorageDescriptor": {
            "Columns": [{"Name": "msg", "Type": "string"}],
            "Location": "s3://lake/events/",
        },
    }
    cli("create-table", "--database-name", "cli_db", "--table-input", json.dumps(table))
    days = [f"2024-01-{d:02d}" for d in range(1, 8)]
    partitions = [{"Values": [d]} for d in days]
    answer = cli(
        "batch-create-partition",
        "--database-name",
        "cli_db",
        "--table-name",
        "events",
        "--partition-input-list",
        json.dumps(partitions),
    )
    assert answer["Errors"] == []
    # the CLI pages through GetPartitions by itself (--page-size 2 → several calls)
    found = cli(
        "get-partitions",
        "--database-name",
        "cli_db",
        "--table-name",
        "events",
        "--expression",
        "day BETWEEN '2024-01-02' AND '2024-01-05'",
        "--page-size",
        "2",
    )
    assert [p["Values"][0] for p in found["Partitions"]] == days[1:5]
    cli(
        "create-connection",
        "--connection-input",
        json.dumps(
            {
                "Name": "cli-pg",
                "ConnectionType": "JDBC",
                "ConnectionProperties": {
                    "JDBC_CONNECTION_URL": "jdbc:postgresql://db:5432/x",
                    "USERNAME": "u",
                    "PASSWORD": "p",
                },
            }
        ),
    )
    hidden = cli("get-connection", "--name", "cli-pg", "--hide-password")["Connection"]
    assert "PASSWORD" not in hidden["ConnectionProperties"]
    cli("delete-connection", "--connection-name", "cli-pg")
    cli("delete-table", "--database-name", "cli_db", "--name", "events")
    cli("delete-database", "--name", "cli_db")
    missing = cli.raw("glue", "get-database", "--name", "cli_db")
    assert missing.code != 0
    assert "EntityNotFoundException" in missing.stderr


#: the AWS CLI's own credentials file: one profile per case
PROFILES = """\
[right]
aws_access_key_id = test
aws_secret_access_key = test

[reader]
aws_access_key_id = AKIACLIREADER0000001
aws_secret_access_key = reader-secret

[wrong]
aws_access_key_id = test
aws_secret_access_key = not-the-secret

[unknown]
aws_access_key_id = AKIANOBODYKNOWSTHIS0
aws_secret_access_key = whatever
"""

#: runs the CLI with botocore's signing clock six minutes slow, as on a host whose clock drifted
#: (AWS CLI v1 vendors botocore and makes `botocore` name it once awscli is imported)
SKEWED_CLI = """
import datetime, sys
from awscli.clidriver import main
import botocore.auth as auth
real = auth.get_current_datetime
auth.get_current_datetime = lambda: real() - datetime.timedelta(minutes=6)
sys.exit(main())
"""


def test_cli_profiles_against_a_server_with_credentials(
    awscli_venv: Venv, server: Server, tmp_path: Path
) -> None:
    (tmp_path / "credentials").write_text(PROFILES)
    env = {
        **client_env(tmp_path, server.endpoint),
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "credentials"),
    }
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        del env[key]

    def aws(profile: str, *args: str, command: Sequence[str] = ()) -> Result:
        out = subprocess.run(
            [*(command or [awscli_venv.bin("aws")]), *args, "--profile", profile,
             "--endpoint-url", server.endpoint],
            env=env, capture_output=True, text=True, timeout=120, check=False,
        )  # fmt: skip
        return Result(out.returncode, out.stdout, out.stderr)

    right = aws("right", "sts", "get-caller-identity")
    assert right.code == 0, right
    assert json.loads(right.stdout)["Arn"] == f"arn:aws:iam::{ACCOUNT}:user/clients"
    assert aws("reader", "glue", "get-jobs").code == 0
    denied = aws("reader", "glue", "start-job-run", "--job-name", "cli-def")
    assert denied.code == 255
    assert (
        "An error occurred (AccessDeniedException) when calling the StartJobRun operation: "
        f"User: arn:aws:iam::{ACCOUNT}:user/cli-reader is not authorized to perform: "
        f"glue:StartJobRun on resource: {job_arn('cli-def')} because no identity-based policy "
        "allows the glue:StartJobRun action"
    ) in denied.stderr
    wrong = aws("wrong", "glue", "get-jobs")
    assert wrong.code == 255 and "(InvalidSignatureException)" in wrong.stderr
    unknown = aws("unknown", "glue", "get-jobs")
    assert unknown.code == 255
    assert (
        "An error occurred (UnrecognizedClientException) when calling the GetJobs operation: "
        "The security token included in the request is invalid."
    ) in unknown.stderr
    assert "(InvalidClientTokenId)" in aws("unknown", "sts", "get-caller-identity").stderr
    unsigned = aws("right", "glue", "get-jobs", "--no-sign-request")
    assert unsigned.code == 255
    assert (
        "An error occurred (MissingAuthenticationTokenException) when calling the GetJobs "
        "operation: Missing Authentication Token"
    ) in unsigned.stderr
    assert (
        "An error occurred (MissingAuthenticationToken) when calling the GetCallerIdentity "
        "operation: Request is missing Authentication Token"
    ) in aws("right", "sts", "get-caller-identity", "--no-sign-request").stderr
    skewed = aws("right", "glue", "get-jobs", command=[awscli_venv.python, "-c", SKEWED_CLI])
    assert skewed.code == 255
    assert "(InvalidSignatureException)" in skewed.stderr
    assert "Signature expired" in skewed.stderr
