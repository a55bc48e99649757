"""IAM-style policy evaluation: wildcards, explicit deny, default deny; credentials files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gluerun.credentials import load_credentials
from gluerun.errors import ConfigError
from gluerun.model.iam import Decision, parse_policy
from gluerun.model.tokens import RunTokens

JOB = "arn:aws:glue:us-east-1:123456789012:job/"
POLICY = parse_policy(
    json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Action": ["glue:Get*", "glue:List*"], "Resource": "*"},
                {"Effect": "Allow", "Action": "glue:StartJobRun", "Resource": JOB + "etl-*"},
                {"Effect": "Deny", "Action": "glue:*", "Resource": JOB + "etl-secret?"},
                {"Effect": "Allow", "Action": "logs:Get*", "Resource": "arn:aws:logs:*"},
            ],
        }
    ),
    "test",
)


@pytest.mark.parametrize(
    ("action", "resource", "decision"),
    [
        ("glue:GetJob", JOB + "anything", Decision.ALLOW),
        ("GLUE:getjob", JOB + "anything", Decision.ALLOW),  # actions ignore case
        ("glue:ListJobs", "*", Decision.ALLOW),
        ("glue:StartJobRun", JOB + "etl-daily", Decision.ALLOW),
        ("glue:StartJobRun", JOB + "ETL-daily", Decision.IMPLICIT_DENY),  # resources do not
        ("glue:StartJobRun", JOB + "report", Decision.IMPLICIT_DENY),
        ("glue:StartJobRun", JOB + "etl-secret1", Decision.EXPLICIT_DENY),
        ("glue:GetJob", JOB + "etl-secret1", Decision.EXPLICIT_DENY),
        ("glue:GetJob", JOB + "etl-secret12", Decision.ALLOW),  # ? is one character
        ("glue:DeleteJob", JOB + "etl-daily", Decision.IMPLICIT_DENY),
        ("logs:GetLogEvents", "arn:aws:logs:us-east-1:1:log-group:g:log-stream:s", Decision.ALLOW),
        ("logs:DescribeLogGroups", "*", Decision.IMPLICIT_DENY),
    ],
)
def test_policy_matrix(action: str, resource: str, decision: Decision) -> None:
    assert POLICY.decide(action, resource) is decision


@pytest.mark.parametrize(
    ("statement", "complaint"),
    [
        ({"Effect": "Allow", "Action": "glue:*"}, "Resource must be"),
        ({"Effect": "Maybe", "Action": "glue:*", "Resource": "*"}, "Effect must be"),
        ({"Effect": "Allow", "NotAction": "glue:*", "Resource": "*"}, "does not evaluate"),
        ({"Effect": "Allow", "Action": "*", "Resource": "*", "Condition": {}}, "Condition"),
    ],
)
def test_policies_gluerun_cannot_evaluate_are_refused(
    statement: dict[str, object], complaint: str
) -> None:
    with pytest.raises(ConfigError, match=complaint):
        parse_policy(json.dumps({"Statement": [statement]}), "test")


def test_credentials_file_profiles(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(
        "[alice]\naws_access_key_id = AK1\naws_secret_access_key = s1\n\n"
        "[bot]\naws_access_key_id = AK2\naws_secret_access_key = s2\n"
        "user_arn = arn:aws:iam::123456789012:user/robots/bot\n"
        'policy = {"Statement": {"Effect": "Allow", "Action": "glue:Get*",\n'
        '    "Resource": "*"}}\n'
    )
    keys = load_credentials(path, "123456789012")
    assert keys["AK1"].arn == "arn:aws:iam::123456789012:user/alice"
    assert keys["AK1"].policy is None
    assert keys["AK2"].arn.endswith(":user/robots/bot")
    assert keys["AK2"].policy is not None
    assert keys["AK2"].policy.decide("glue:GetJobs", "*") is Decision.ALLOW
    assert "s1" not in repr(keys["AK1"])


def test_credentials_in_another_account_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "credentials"
    path.write_text(
        "[x]\naws_access_key_id = AK\naws_secret_access_key = s\n"
        "user_arn = arn:aws:iam::999999999999:user/x\n"
    )
    with pytest.raises(ConfigError, match="in account 123456789012"):
        load_credentials(path, "123456789012")


def test_run_tokens_name_one_run_of_one_job() -> None:
    tokens = RunTokens(b"k" * 32)
    token = tokens.issue("job-a", "jr_1")
    assert tokens.run_of(token, "job-a") == "jr_1"
    assert tokens.run_of(token, "job-b") is None
    assert tokens.run_of(token.replace("jr_1", "jr_2"), "job-a") is None
    assert RunTokens(b"x" * 32).run_of(token, "job-a") is None


def test_catalog_calls_ask_for_catalog_database_and_table() -> None:
    from gluerun.api.access import Arns

    arns = Arns("us-east-1", "123456789012")
    base = "arn:aws:glue:us-east-1:123456789012:"
    assert arns.glue("GetTable", {"DatabaseName": "sales", "Name": "orders"}) == [
        base + "catalog",
        base + "database/sales",
        base + "table/sales/orders",
    ]
    assert arns.glue("GetPartitions", {"DatabaseName": "d", "TableName": "t"})[-1] == (
        base + "table/d/t"
    )
    assert arns.glue("CreateDatabase", {"DatabaseInput": {"Name": "d"}}) == [
        base + "catalog",
        base + "database/d",
    ]
    assert arns.glue("GetConnection", {"Name": "pg"}) == [base + "catalog", base + "connection/pg"]
    assert arns.glue("BatchGetJobs", {"JobNames": ["a", "b"]}) == [base + "job/a", base + "job/b"]
    assert arns.glue("CreateTable", {"DatabaseName": "d", "TableInput": "not an object"}) == [
        base + "catalog",
        base + "database/d",
    ]
