"""Server-side validation of Glue and CloudWatch Logs requests against botocore's models."""

from __future__ import annotations

import re
from collections.abc import Iterator
from types import MappingProxyType
from typing import Any

import botocore.loaders
import pytest

from gluerun.api import java_patterns, validation, violations
from gluerun.api.validation import enum_values, operation_names, validate
from gluerun.errors import ValidationFailed

MODEL: dict[str, Any] = botocore.loaders.Loader().load_service_model("glue", "service-2")
SHAPES: dict[str, dict[str, Any]] = MODEL["shapes"]
LOGS_MODEL: dict[str, Any] = botocore.loaders.Loader().load_service_model("logs", "service-2")
LOGS_SHAPES: dict[str, dict[str, Any]] = LOGS_MODEL["shapes"]
MODELS = {"glue": MODEL, "logs": LOGS_MODEL}
SINGLE_LINE = SHAPES["NameString"]["pattern"]
# Java patterns Python's `re` cannot express; validation skips them.
UNSUPPORTED_PATTERNS = {r"[\p{L}\p{N}\p{P}]*"}
LOGS_UNSUPPORTED_PATTERNS = {
    r"[\w-_]*",
    r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]+)$",
    r"^([\p{L}\p{Z}\p{N}_.:/=+\-@]*)$",
    r"^!?\*?([\p{L}\p{Z}\p{N}_.:/=+\-@]*)\*?$",
}
# The operations gluerun serves: jobs, job runs, triggers, bookmarks.
SERVED = sorted(
    op for op in MODEL["operations"] if any(word in op for word in ("Job", "Trigger", "Bookmark"))
)
# The CloudWatch Logs operations gluerun serves.
LOGS_SERVED = ["DescribeLogGroups", "DescribeLogStreams", "FilterLogEvents", "GetLogEvents"]


def create_job(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "Name": "nightly-etl",
        "Description": "Loads yesterday's orders.",
        "Role": "arn:aws:iam::123456789012:role/GlueJobRole",
        "ExecutionProperty": {"MaxConcurrentRuns": 3},
        "Command": {
            "Name": "glueetl",
            "ScriptLocation": "s3://bucket/etl.py",
            "PythonVersion": "3",
        },
        "DefaultArguments": {"--job-language": "python", "--TempDir": "s3://bucket/tmp/"},
        "NonOverridableArguments": {"--enable-metrics": "true"},
        "Connections": {"Connections": ["warehouse"]},
        "MaxRetries": 1,
        "Timeout": 60,
        "MaxCapacity": None,
        "NotificationProperty": {"NotifyDelayAfter": 5},
        "GlueVersion": "4.0",
        "WorkerType": "G.1X",
        "NumberOfWorkers": 10,
        "ExecutionClass": "STANDARD",
        "Tags": {"team": "data"},
    }
    body.update(overrides)
    return body


def error_of(operation: str, params: dict[str, Any], service: str = "glue") -> str:
    with pytest.raises(ValidationFailed) as caught:
        validate(operation, params, service=service)
    return caught.value.message


def rule(path: str, value: str | None, text: str) -> str:
    shown = "null" if value is None else f"'{value}'"
    return f"Value {shown} at '{path}' failed to satisfy constraint: {text}"


def one(path: str, value: str | None, text: str) -> str:
    return "1 validation error detected: " + rule(path, value, text)


# --------------------------------------------------------------------------- valid bodies


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("CreateJob", create_job()),
        ("CreateJob", {"Name": "j", "Role": "r", "Command": {}}),
        (
            "StartJobRun",
            {
                "JobName": "nightly-etl",
                "Arguments": {"--day": "2024-01-01"},
                "Timeout": 30,
                "MaxCapacity": 2.5,
                "WorkerType": "G.2X",
                "NumberOfWorkers": 2,
                "NotificationProperty": {"NotifyDelayAfter": 1},
                "ExecutionClass": "FLEX",
            },
        ),
        ("GetJobRun", {"JobName": "j", "RunId": "jr_" + "a" * 64}),
        ("GetJobRuns", {"JobName": "j", "MaxResults": 200, "NextToken": "abc"}),
        ("GetJobRuns", {"JobName": "j", "MaxResults": 1}),
        ("BatchStopJobRun", {"JobName": "j", "JobRunIds": [f"jr_{i}" for i in range(25)]}),
        ("BatchGetJobs", {"JobNames": ["a", "b"]}),
        ("UpdateJob", {"JobName": "j", "JobUpdate": {"Timeout": 5, "Command": {"Name": "x"}}}),
        ("ResetJobBookmark", {"JobName": "j", "RunId": "jr_1"}),
        (
            "CreateTrigger",
            {
                "Name": "t",
                "Type": "CONDITIONAL",
                "Actions": [{"JobName": "j", "Arguments": {"--a": "b"}}],
                "Predicate": {
                    "Logical": "AND",
                    "Conditions": [
                        {"LogicalOperator": "EQUALS", "JobName": "up", "State": "SUCCEEDED"}
                    ],
                },
            },
        ),
        ("ListJobs", {}),
    ],
)
def test_valid_bodies_pass(operation: str, params: dict[str, Any]) -> None:
    validate(operation, params)


def test_unknown_members_are_ignored() -> None:
    validate("GetJobRun", {"JobName": "j", "RunId": "r", "Bogus": {"x": [1, None]}})


def test_null_optional_members_count_as_absent() -> None:
    validate("CreateJob", create_job(Timeout=None, Command={"Name": None}, Tags=None))


def test_any_mapping_is_accepted() -> None:
    validate("GetJobRun", MappingProxyType({"JobName": "j", "RunId": "r"}))


def test_unknown_operation_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        validate("NoSuchOperation", {})


def test_job_names_may_hold_any_unicode_text_but_control_characters() -> None:
    validate("GetJobRun", {"JobName": "ジョブ-😀\tx", "RunId": "r"})  # astral: a surrogate pair
    for bad in ("a\x00b", "a\ufffeb", "line\nbreak"):
        message = error_of("GetJobRun", {"JobName": bad, "RunId": "r"})
        assert "at 'jobName'" in message
        assert "regular expression pattern" in message


# --------------------------------------------------------------------------- one rule each


def test_missing_required_member() -> None:
    body = create_job()
    del body["Role"]
    assert error_of("CreateJob", body) == one("role", None, "Member must not be null")


def test_null_required_member() -> None:
    message = error_of("CreateJob", create_job(Role=None))
    assert message == one("role", None, "Member must not be null")


def test_max_length_truncates_the_value() -> None:
    message = error_of("CreateJob", create_job(Name="x" * 256))
    shown = "x" * 64 + "..."
    assert message == one("name", shown, "Member must have length less than or equal to 255")


def test_min_length() -> None:
    message = error_of("GetJobRun", {"JobName": "", "RunId": "r"})
    assert message == one("jobName", "", "Member must have length greater than or equal to 1")


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (500, "Member must have value less than or equal to 200"),
        (0, "Member must have value greater than or equal to 1"),
    ],
)
def test_value_range(value: int, text: str) -> None:
    message = error_of("GetJobRuns", {"JobName": "j", "MaxResults": value})
    assert message == one("maxResults", str(value), text)


def test_integers_beyond_java_int_are_rejected() -> None:
    message = error_of("CreateJob", create_job(MaxRetries=2**31))
    assert message == one(
        "maxRetries", str(2**31), "Member must have value less than or equal to 2147483647"
    )


def test_enum() -> None:
    message = error_of("CreateJob", create_job(WorkerType="G.3X"))
    allowed = ", ".join(SHAPES["WorkerType"]["enum"])
    assert message == one("workerType", "G.3X", f"Member must satisfy enum value set: [{allowed}]")


def test_pattern_job_name_with_newline() -> None:
    message = error_of("GetJobRun", {"JobName": "bad\nname", "RunId": "r"})
    text = f"Member must satisfy regular expression pattern: {SINGLE_LINE}"
    assert message == one("jobName", "bad\nname", text)


def test_pattern_glue_version() -> None:
    message = error_of("CreateJob", create_job(GlueVersion="x y"))
    pattern = SHAPES["GlueVersionString"]["pattern"]
    text = f"Member must satisfy regular expression pattern: {pattern}"
    assert message == one("glueVersion", "x y", text)
    assert error_of("CreateJob", create_job(GlueVersion="x y")) == message  # memoized answer


def test_list_max_and_min() -> None:
    message = error_of("BatchStopJobRun", {"JobName": "j", "JobRunIds": ["jr"] * 26})
    assert message.startswith("1 validation error detected: Value '[jr, jr, jr")
    assert message.endswith(
        "at 'jobRunIds' failed to satisfy constraint: "
        "Member must have length less than or equal to 25"
    )
    message = error_of("BatchStopJobRun", {"JobName": "j", "JobRunIds": []})
    assert message == one("jobRunIds", "[]", "Member must have length greater than or equal to 1")


def test_list_items_are_validated_and_named_by_1_based_index() -> None:
    message = error_of("BatchStopJobRun", {"JobName": "j", "JobRunIds": ["jr_1", "", None]})
    assert message == (
        "2 validation errors detected: "
        + rule("jobRunIds.2.member", "", "Member must have length greater than or equal to 1")
        + "; "
        + rule("jobRunIds.3.member", None, "Member must not be null")
    )


@pytest.mark.parametrize(
    ("member", "value", "kind"),
    [
        ("Timeout", "10", "integer"),
        ("Timeout", True, "integer"),
        ("Timeout", 10.5, "integer"),
        ("MaxCapacity", False, "double"),
        ("MaxCapacity", "2", "double"),
        ("Name", 7, "string"),
        ("Command", "glueetl", "structure"),
        ("DefaultArguments", ["--a", "b"], "map"),
        ("Tags", "team=data", "map"),
        ("JobRunQueuingEnabled", "true", "boolean"),
    ],
)
def test_wrong_type(member: str, value: Any, kind: str) -> None:
    message = error_of("CreateJob", create_job(**{member: value}))
    assert message.startswith("1 validation error detected: Value '")
    camel = member[0].lower() + member[1:]
    assert message.endswith(
        f"' at '{camel}' failed to satisfy constraint: Member must be of type {kind}"
    )


def test_doubles_take_integers() -> None:
    validate("CreateJob", create_job(MaxCapacity=2))


def test_nested_structure_members() -> None:
    message = error_of("CreateJob", create_job(ExecutionProperty={"MaxConcurrentRuns": "3"}))
    assert message == one(
        "executionProperty.maxConcurrentRuns", "3", "Member must be of type integer"
    )
    command = {"Name": "glueetl", "ScriptLocation": "s3://b/x.py", "PythonVersion": "4"}
    message = error_of("CreateJob", create_job(Command=command))
    pattern = SHAPES["PythonVersionString"]["pattern"]
    text = f"Member must satisfy regular expression pattern: {pattern}"
    assert message == one("command.pythonVersion", "4", text)


def test_map_values() -> None:
    message = error_of("StartJobRun", {"JobName": "j", "Arguments": {"--n": 1, "--m": None}})
    assert message == (
        "2 validation errors detected: "
        + rule("arguments.--n", "1", "Member must be of type string")
        + "; "
        + rule("arguments.--m", None, "Member must not be null")
    )


def test_map_keys() -> None:
    message = error_of("CreateJob", create_job(Tags={"": "v", "k" * 129: "v"}))
    keys = "Map keys must satisfy constraint: "
    assert message == (
        "2 validation errors detected: "
        + rule("tags", "", f"{keys}[Member must have length greater than or equal to 1]")
        + "; "
        + rule(
            "tags", "k" * 64 + "...", f"{keys}[Member must have length less than or equal to 128]"
        )
    )


def test_map_size_and_constrained_values() -> None:
    tags = {f"k{i}": "v" for i in range(51)}
    message = error_of("CreateJob", create_job(Tags=tags))
    assert message.endswith(
        "at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"
    )
    message = error_of("CreateJob", create_job(Tags={"team": "v" * 257}))
    assert "at 'tags.team' failed" in message
    assert message.endswith("Member must have length less than or equal to 256")


def test_several_violations_are_counted_in_one_message() -> None:
    body = create_job(Name="x" * 300, Timeout="10", WorkerType="G.3X", MaxRetries=-(2**40))
    del body["Role"]
    message = error_of("CreateJob", body)
    assert message.startswith("5 validation errors detected: ")
    assert message.count("failed to satisfy constraint") == 5
    for path in ("role", "name", "timeout", "workerType", "maxRetries"):
        assert f"at '{path}'" in message


def test_brief_example_format() -> None:
    message = error_of("GetJobRuns", {"MaxResults": 500})
    assert message == (
        "2 validation errors detected: "
        + rule("jobName", None, "Member must not be null")
        + "; "
        + rule("maxResults", "500", "Member must have value less than or equal to 200")
    )


def test_long_lists_of_violations_are_summarized() -> None:
    message = error_of("BatchStopJobRun", {"JobName": "j", "JobRunIds": [""] * 60})
    assert message.startswith("61 validation errors detected: ")
    assert message.count("failed to satisfy constraint") == 50
    assert message.endswith("; and 11 more")


def test_sensitive_values_are_not_echoed() -> None:
    nodes = {"node-1": {"ApplyMapping": {"Name": "m", "Inputs": [], "Mapping": []}}}
    message = error_of("CreateJob", create_job(CodeGenConfigurationNodes=nodes))
    assert message == (
        "1 validation error detected: Value at "
        "'codeGenConfigurationNodes.node-1.applyMapping.inputs' failed to satisfy constraint: "
        "Member must have length greater than or equal to 1"
    )


def test_recursive_shapes_validate_at_every_depth() -> None:
    def mapping(depth: int) -> dict[str, Any]:
        node: dict[str, Any] = {"ToKey": "leaf", "Dropped": "no"}
        for _ in range(depth):
            node = {"ToKey": "k", "Children": [node]}
        return node

    apply = {"Name": "m", "Inputs": ["node-0"], "Mapping": [mapping(5)]}
    message = error_of(
        "CreateJob", create_job(CodeGenConfigurationNodes={"n": {"ApplyMapping": apply}})
    )
    path = "codeGenConfigurationNodes.n.applyMapping.mapping.1.member" + ".children.1.member" * 5
    assert message == (
        f"1 validation error detected: Value at '{path}.dropped' "
        "failed to satisfy constraint: Member must be of type boolean"
    )

    apply["Mapping"] = [mapping(3000)]
    message = error_of(
        "CreateJob", create_job(CodeGenConfigurationNodes={"n": {"ApplyMapping": apply}})
    )
    assert message == "The request is nested too deeply to be validated."


def test_unions_need_exactly_one_member() -> None:
    body = {
        "CatalogId": "123456789012",
        "DatabaseName": "db",
        "TableName": "t",
        "Type": "compaction",
        "TableOptimizerConfiguration": {"vpcConfiguration": {"glueConnectionName": "c"}},
    }
    validate("CreateTableOptimizer", body)
    body["TableOptimizerConfiguration"] = {"vpcConfiguration": {}}
    message = error_of("CreateTableOptimizer", body)
    assert message == one(
        "tableOptimizerConfiguration.vpcConfiguration",
        "{}",
        "Member must have exactly one member set",
    )


# --------------------------------------------------------------------------- the model


def test_operation_names_are_the_models() -> None:
    names = operation_names()
    assert names == frozenset(MODEL["operations"])
    assert {"CreateJob", "StartJobRun", "GetJobRun", "BatchStopJobRun"} <= names


def test_enum_values() -> None:
    assert enum_values("JobRunState") == tuple(SHAPES["JobRunState"]["enum"])
    assert "SUCCEEDED" in enum_values("JobRunState")
    with pytest.raises(KeyError):
        enum_values("NoSuchShape")
    with pytest.raises(ValueError, match="not an enum"):
        enum_values("NameString")


def _reachable(
    shapes: dict[str, dict[str, Any]], shape: str, seen: set[str]
) -> Iterator[dict[str, Any]]:
    if shape in seen:
        return
    seen.add(shape)
    spec = shapes[shape]
    yield spec
    children: list[str] = []
    if spec["type"] == "structure":
        children = [ref["shape"] for ref in spec["members"].values()]
    elif spec["type"] == "list":
        children = [spec["member"]["shape"]]
    elif spec["type"] == "map":
        children = [spec["key"]["shape"], spec["value"]["shape"]]
    for child in children:
        yield from _reachable(shapes, child, seen)


@pytest.mark.parametrize(
    ("service", "served", "unsupported"),
    [("glue", SERVED, UNSUPPORTED_PATTERNS), ("logs", LOGS_SERVED, LOGS_UNSUPPORTED_PATTERNS)],
)
def test_patterns_compile(service: str, served: list[str], unsupported: set[str]) -> None:
    model = MODELS[service]
    shapes = model["shapes"]
    patterns = {spec["pattern"] for spec in shapes.values() if "pattern" in spec}
    failed = {p for p in patterns if java_patterns.compile_pattern(p) is None}
    compiled = len(patterns) - len(failed)
    print(f"{compiled} of {len(patterns)} distinct {service} patterns compile")
    assert failed <= unsupported
    assert compiled >= len(patterns) - len(unsupported)

    seen: set[str] = set()
    for operation in served:
        for spec in _reachable(shapes, model["operations"][operation]["input"]["shape"], seen):
            if "pattern" in spec:
                assert java_patterns.compile_pattern(spec["pattern"]) is not None, spec["pattern"]


def test_java_pattern_semantics() -> None:
    single_line = java_patterns.compile_pattern(SINGLE_LINE)
    assert single_line is not None
    assert single_line.fullmatch("\U0001f600\U0010ffff \t~")
    assert not single_line.fullmatch("\ud800")  # a lone surrogate is no code point
    dot = java_patterns.compile_pattern(".*")
    assert dot is not None
    assert dot.fullmatch("anything")
    assert not dot.fullmatch("a\rb")  # Java's '.' stops at any line terminator
    word = java_patterns.compile_pattern("[\\w]*")
    assert word is not None
    assert not word.fullmatch("é")  # Java's \w is ASCII


@pytest.mark.parametrize("service", sorted(MODELS))
def test_every_shape_compiles_and_survives_junk(service: str) -> None:
    junk: list[Any] = ["x", "", 1, -1, 1.5, True, [], [None, "x", 1], {}, {"x": None, "y": 1}]
    compiled = validation._service(service)
    for name in MODELS[service]["shapes"]:
        check = compiled.shape_validator(name, False)
        for value in junk:
            found: list[Any] = []
            check(value, "", "member", found)
            for violation in found:
                assert re.fullmatch(
                    r"Value.* failed to satisfy constraint: .+", violations.describe(*violation)
                )


@pytest.mark.parametrize("service", sorted(MODELS))
def test_every_operation_validates_an_empty_body(service: str) -> None:
    messages: list[str] = []
    for operation in sorted(operation_names(service=service)):
        try:
            validate(operation, {}, service=service)
        except ValidationFailed as error:
            messages.append(error.message)
    assert messages  # most operations have required members
    assert all("Member must not be null" in message for message in messages)


# --------------------------------------------------------------------------- CloudWatch Logs

LOG_GROUP = "/aws-glue/jobs/output"
LOG_STREAM = "jr_" + "a" * 64


@pytest.mark.parametrize(
    ("operation", "params"),
    [
        ("DescribeLogGroups", {}),
        (
            "DescribeLogGroups",
            {"logGroupNamePrefix": "/aws-glue/", "limit": 50, "logGroupClass": "STANDARD"},
        ),
        (
            "DescribeLogStreams",
            {
                "logGroupName": LOG_GROUP,
                "logStreamNamePrefix": "jr_",
                "orderBy": "LastEventTime",
                "descending": True,
                "limit": 1,
            },
        ),
        ("GetLogEvents", {"logGroupName": LOG_GROUP, "logStreamName": LOG_STREAM}),
        (
            "GetLogEvents",
            {
                "logGroupIdentifier": "arn:aws:logs:us-east-1:123456789012:log-group:" + LOG_GROUP,
                "logStreamName": LOG_STREAM,
                "startTime": 0,
                "endTime": 1_700_000_000_000,
                "nextToken": "f/3813",
                "limit": 10000,
                "startFromHead": True,
            },
        ),
        (
            "FilterLogEvents",
            {
                "logGroupName": "/aws-glue/jobs/error",
                "logStreamNames": [LOG_STREAM, "jr_" + "b" * 64],
                "startTime": 1_700_000_000_000,
                "endTime": 1_700_000_600_000,
                "filterPattern": "ERROR",
                "nextToken": "token",
                "limit": 100,
                "interleaved": True,
            },
        ),
        ("FilterLogEvents", {"logGroupName": LOG_GROUP, "filterPattern": ""}),
    ],
)
def test_logs_valid_bodies_pass(operation: str, params: dict[str, Any]) -> None:
    validate(operation, params, service="logs")


def test_logs_limit_above_maximum() -> None:
    body = {"logGroupName": LOG_GROUP, "logStreamName": LOG_STREAM, "limit": 20000}
    assert error_of("GetLogEvents", body, "logs") == (
        "1 validation error detected: Value '20000' at 'limit' failed to satisfy constraint: "
        "Member must have value less than or equal to 10000"
    )


def test_logs_missing_required_member() -> None:
    message = error_of("GetLogEvents", {"logGroupName": LOG_GROUP}, "logs")
    assert message == one("logStreamName", None, "Member must not be null")


def test_logs_enum() -> None:
    body = {"logGroupName": LOG_GROUP, "orderBy": "Bogus"}
    message = error_of("DescribeLogStreams", body, "logs")
    assert message == one(
        "orderBy", "Bogus", "Member must satisfy enum value set: [LogStreamName, LastEventTime]"
    )


def test_logs_several_violations_and_list_items() -> None:
    body = {
        "logGroupName": "bad name",
        "logStreamNames": ["ok", "", None],
        "startTime": -1,
        "startFromHead": "yes",
    }
    message = error_of("FilterLogEvents", body, "logs")
    pattern = LOGS_SHAPES["LogGroupName"]["pattern"]
    assert message == (
        "5 validation errors detected: "
        + rule(
            "logGroupName", "bad name", f"Member must satisfy regular expression pattern: {pattern}"
        )
        + "; "
        + rule("logStreamNames.2.member", "", "Member must have length greater than or equal to 1")
        + "; "
        + rule("logStreamNames.3.member", None, "Member must not be null")
        + "; "
        + rule("startTime", "-1", "Member must have value greater than or equal to 0")
        + "; "
        + rule("startFromHead", "yes", "Member must be of type boolean")
    )


def test_logs_members_keep_their_lower_camel_names() -> None:
    # Every Logs input member is lowerCamel on the wire but DescribeDestinations'
    # DestinationNamePrefix, which is reported lowerCamel like every Glue member.
    message = error_of("DescribeDestinations", {"DestinationNamePrefix": "", "limit": 0}, "logs")
    assert message == (
        "2 validation errors detected: "
        + rule("destinationNamePrefix", "", "Member must have length greater than or equal to 1")
        + "; "
        + rule("limit", "0", "Member must have value greater than or equal to 1")
    )


def test_logs_operation_names_are_the_models() -> None:
    names = operation_names(service="logs")
    assert names == frozenset(LOGS_MODEL["operations"])
    assert set(LOGS_SERVED) <= names
    assert "GetJobRun" not in names
    assert "GetLogEvents" not in operation_names()


def test_services_keep_separate_models() -> None:
    with pytest.raises(KeyError):
        validate("GetLogEvents", {"logStreamName": LOG_STREAM})  # not a Glue operation
    with pytest.raises(KeyError):
        validate("GetJobRun", {"JobName": "j", "RunId": "r"}, service="logs")
    # ResourceType is an enum in Glue's model and a patterned string in Logs'.
    assert enum_values("ResourceType") == tuple(SHAPES["ResourceType"]["enum"])
    with pytest.raises(ValueError, match="not an enum"):
        enum_values("ResourceType", service="logs")
    assert enum_values("OrderBy", service="logs") == ("LogStreamName", "LastEventTime")
    # Glue's path is unchanged by Logs being loaded.
    assert error_of("GetJobRuns", {"JobName": "j", "MaxResults": 500}) == one(
        "maxResults", "500", "Member must have value less than or equal to 200"
    )


@pytest.mark.parametrize("service", ["nosuchservice", "Logs", "", "../glue"])
def test_unknown_service_is_a_key_error(service: str) -> None:
    with pytest.raises(KeyError):
        validate("GetLogEvents", {}, service=service)
    with pytest.raises(KeyError):
        operation_names(service=service)
    with pytest.raises(KeyError):
        enum_values("OrderBy", service=service)
