"""STS GetCallerIdentity and IAM GetRole through boto3 against a live server (query protocol)."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError
from live_server import Server


def test_the_caller_is_the_accounts_gluerun_user(server: Server) -> None:
    identity = server.client("sts").get_caller_identity()
    assert identity["Account"] == "123456789012"
    assert identity["Arn"] == "arn:aws:iam::123456789012:user/gluerun"
    assert identity["UserId"].startswith("AIDA")


def test_every_valid_role_name_has_an_arn(server: Server) -> None:
    iam: Any = server.client("iam")
    role = iam.get_role(RoleName="glue-etl")["Role"]
    assert role["Arn"] == "arn:aws:iam::123456789012:role/glue-etl"
    assert role["RoleName"] == "glue-etl" and role["RoleId"].startswith("AROA")
    statement = role["AssumeRolePolicyDocument"]["Statement"][0]
    assert statement["Principal"] == {"Service": "glue.amazonaws.com"}
    assert iam.get_role(RoleName="glue-etl")["Role"]["RoleId"] == role["RoleId"]


@pytest.mark.parametrize(
    ("call", "code", "words"),
    [
        (lambda iam: iam.get_role(RoleName="bad name!"), "ValidationError", "roleName"),
        (lambda iam: iam.list_roles(), "UnknownOperationException", "ListRoles"),
    ],
)
def test_bad_identity_calls_are_clear_errors(
    server: Server, call: Any, code: str, words: str
) -> None:
    with pytest.raises(ClientError) as caught:
        call(server.client("iam"))
    error = caught.value.response["Error"]
    assert error["Code"] == code and words in error["Message"]
    assert caught.value.response["ResponseMetadata"]["HTTPStatusCode"] == 400
