"""Jobs and runs as Glue answers them, where moto's suite and Terraform found gluerun differed.

Each case is driven with boto3 against a live server; the evidence behind each expectation is
in docs/behaviour.md.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from botocore.exceptions import ClientError
from live_server import FINAL, wait_state

SHELL = {"Name": "pythonshell", "ScriptLocation": "/nowhere.py"}
SPARK = {"Name": "glueetl", "ScriptLocation": "/nowhere.py"}
ONLY_ONE = "Please set only Allocated Capacity or Max Capacity"


def error_of(call: Callable[[], Any]) -> dict[str, str]:
    with pytest.raises(ClientError) as caught:
        call()
    error: dict[str, str] = caught.value.response["Error"]
    return error


def test_any_command_name_is_stored_and_its_runs_fail_in_glues_words(glue: Any) -> None:
    glue.create_job(Name="moto-style", Role="test_role", Command={"Name": "test_command"})
    assert glue.get_job(JobName="moto-style")["Job"]["Command"] == {"Name": "test_command"}
    run_id = glue.start_job_run(JobName="moto-style")["JobRunId"]
    run = wait_state(glue, "moto-style", run_id, FINAL)
    assert run["JobRunState"] == "FAILED"
    assert run["ErrorMessage"] == "Could not find command for the given criteria"


def test_model_constraints_answer_validation_exception_in_aws_words(glue: Any) -> None:
    command = {**SHELL, "PythonVersion": "some-version"}
    error = error_of(lambda: glue.create_job(Name="v", Role="r", Command=command))
    assert error == {
        "Code": "ValidationException",
        "Message": "1 validation error detected: Value 'some-version' at "
        "'command.pythonVersion' failed to satisfy constraint: Member must satisfy "
        "regular expression pattern: ^([2-3]|3[.]9)$",
    }
    error = error_of(lambda: glue.create_job(Name="v", Role="r", Command=SHELL, WorkerType="X"))
    assert error["Code"] == "ValidationException"
    assert "Member must satisfy enum value set: [Standard, G.1X, G.2X" in error["Message"]
    # Glue's own semantic rules keep their own error
    both = error_of(
        lambda: glue.create_job(
            Name="v", Role="r", Command=SPARK, MaxCapacity=2.0, WorkerType="G.1X", NumberOfWorkers=2
        )
    )
    assert both == {
        "Code": "InvalidInputException",
        "Message": "Please do not set Max Capacity if using Worker Type and Number of Workers.",
    }


def test_allocated_capacity_with_max_capacity_is_refused_everywhere(glue: Any) -> None:
    error = error_of(
        lambda: glue.create_job(
            Name="cap", Role="r", Command=SPARK, AllocatedCapacity=2, MaxCapacity=2.0
        )
    )
    assert error == {"Code": "InvalidInputException", "Message": ONLY_ONE}
    glue.create_job(Name="cap", Role="r", Command=SPARK, AllocatedCapacity=3)
    assert glue.get_job(JobName="cap")["Job"]["MaxCapacity"] == 3.0
    update = {"Role": "r", "Command": SPARK, "AllocatedCapacity": 2, "MaxCapacity": 2.0}
    error = error_of(lambda: glue.update_job(JobName="cap", JobUpdate=update))
    assert error == {"Code": "InvalidInputException", "Message": ONLY_ONE}
    error = error_of(
        lambda: glue.start_job_run(JobName="cap", AllocatedCapacity=2, MaxCapacity=5.0)
    )
    assert error == {"Code": "InvalidInputException", "Message": ONLY_ONE}


def test_start_job_run_capacity_is_honoured_never_dropped(glue: Any) -> None:
    many = {"MaxConcurrentRuns": 10}
    glue.create_job(Name="dpu", Role="r", Command=SPARK, ExecutionProperty=many)
    glue.create_job(
        Name="w",
        Role="r",
        Command=SPARK,
        WorkerType="G.1X",
        NumberOfWorkers=2,
        ExecutionProperty=many,
    )

    def run_of(job: str, **overrides: Any) -> dict[str, Any]:
        run_id = glue.start_job_run(JobName=job, **overrides)["JobRunId"]
        run: dict[str, Any] = glue.get_job_run(JobName=job, RunId=run_id)["JobRun"]
        return run

    run = run_of("dpu", AllocatedCapacity=4)
    assert (run["AllocatedCapacity"], run["MaxCapacity"]) == (4, 4.0)
    run = run_of("w", NumberOfWorkers=5)  # combined with the job's WorkerType
    assert (run["WorkerType"], run["NumberOfWorkers"], run["MaxCapacity"]) == ("G.1X", 5, 5.0)
    run = run_of("w", WorkerType="G.2X")  # combined with the job's NumberOfWorkers
    assert (run["WorkerType"], run["NumberOfWorkers"], run["MaxCapacity"]) == ("G.2X", 2, 4.0)
    lone = error_of(lambda: glue.start_job_run(JobName="dpu", NumberOfWorkers=3))
    assert lone == {
        "Code": "InvalidInputException",
        "Message": "Please set both Worker Type and Number of Workers.",
    }


@pytest.mark.parametrize("account", ["", "123456789012", "000000000000"])
def test_tags_take_the_account_forms_local_tools_send(glue: Any, account: str) -> None:
    glue.create_job(Name="tagged", Role="r", Command=SHELL, Tags={"a": "1"})
    glue.create_trigger(
        Name="tagged-t", Type="ON_DEMAND", Actions=[{"JobName": "tagged"}], Tags={"t": "1"}
    )
    for kind, name, tag in (("job", "tagged", "a"), ("trigger", "tagged-t", "t")):
        arn = f"arn:aws:glue:us-east-1:{account}:{kind}/{name}"
        glue.tag_resource(ResourceArn=arn, TagsToAdd={"k": "v"})
        assert glue.get_tags(ResourceArn=arn)["Tags"] == {tag: "1", "k": "v"}
        glue.untag_resource(ResourceArn=arn, TagsToRemove=["k"])
        assert glue.get_tags(ResourceArn=arn)["Tags"] == {tag: "1"}


@pytest.mark.parametrize(
    "arn",
    [
        "arn:aws:glue:eu-west-1::job/tagged",  # another region
        "arn:aws:glue:us-east-1:1234:job/tagged",  # not an account id
        "arn:aws:glue:us-east-1::crawler/tagged",  # not a kind gluerun serves
    ],
)
def test_tags_still_refuse_other_regions_and_malformed_arns(glue: Any, arn: str) -> None:
    glue.create_job(Name="tagged", Role="r", Command=SHELL)
    assert error_of(lambda: glue.get_tags(ResourceArn=arn))["Code"] == "InvalidInputException"


@pytest.mark.parametrize(
    ("version", "stderr_group"),
    [("3.0", "/aws-glue/jobs/error"), ("5.0", "/aws-glue/jobs/output")],
)
def test_stderr_goes_where_glue_puts_it_for_the_glue_version(
    server: Any, glue: Any, script: Callable[..., str], version: str, stderr_group: str
) -> None:
    source = "import sys\nprint('to stdout')\nprint('to stderr', file=sys.stderr)\n"
    command = {"Name": "pythonshell", "ScriptLocation": script(source)}
    glue.create_job(Name="logs", Role="r", Command=command, GlueVersion=version)
    run_id = glue.start_job_run(JobName="logs")["JobRunId"]
    assert wait_state(glue, "logs", run_id, FINAL)["JobRunState"] == "SUCCEEDED"
    logs = server.client("logs")

    def lines(group: str) -> list[str]:
        found = logs.get_log_events(logGroupName=group, logStreamName=run_id, startFromHead=True)
        return [e["message"] for e in found["events"]]

    assert "to stderr" in lines(stderr_group)
    assert "to stdout" in lines("/aws-glue/jobs/output")
    if stderr_group == "/aws-glue/jobs/output":
        assert "to stderr" not in lines("/aws-glue/jobs/error")
