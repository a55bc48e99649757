"""Unit tests of the runtime's ``awsglue.utils.getResolvedOptions`` (aws-glue-libs semantics)."""

from __future__ import annotations

import argparse
import ast
import importlib
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from types import ModuleType

import pytest

RUNTIME = Path(__file__).resolve().parents[3] / "src" / "gluerun" / "runtime"

Resolve = Callable[[Sequence[str], Sequence[str]], dict[str, str | None]]


@pytest.fixture
def utils(monkeypatch: pytest.MonkeyPatch) -> ModuleType:
    monkeypatch.syspath_prepend(str(RUNTIME))
    return importlib.import_module("awsglue.utils")


@pytest.fixture
def resolve(utils: ModuleType) -> Resolve:
    fn: Resolve = utils.getResolvedOptions
    return fn


ARGV0 = "/tmp/job.py"


def test_returns_requested_options_without_dashes(resolve: Resolve) -> None:
    args = resolve([ARGV0, "--JOB_NAME", "j", "--day", "2024-01-01"], ["JOB_NAME", "day"])
    assert args["JOB_NAME"] == "j"
    assert args["day"] == "2024-01-01"


def test_always_present_keys_and_defaults(resolve: Resolve) -> None:
    args = resolve([ARGV0], [])
    assert args == {
        "job_bookmark_option": "job-bookmark-disable",
        "job_bookmark_from": None,
        "job_bookmark_to": None,
        "JOB_ID": None,
        "JOB_RUN_ID": None,
        "SECURITY_CONFIGURATION": None,
        "encryption_type": None,
        "enable_data_lineage": None,
        "RedshiftTempDir": None,
        "TempDir": None,
    }


def test_glue_injected_ids_are_returned(resolve: Resolve) -> None:
    argv = [ARGV0, "--JOB_ID", "j_1", "--JOB_RUN_ID", "jr_1", "--JOB_NAME", "n"]
    args = resolve(argv, ["JOB_NAME"])
    assert (args["JOB_ID"], args["JOB_RUN_ID"], args["JOB_NAME"]) == ("j_1", "jr_1", "n")


def test_argv0_is_skipped_and_unknown_arguments_are_ignored(resolve: Resolve) -> None:
    args = resolve(["--x", "--other", "1", "--x", "2", "stray"], ["x"])
    assert args["x"] == "2"
    assert "other" not in args


def test_missing_required_option_raises_glue_argument_error(utils: ModuleType) -> None:
    with pytest.raises(utils.GlueArgumentError, match="required: --day"):
        utils.getResolvedOptions([ARGV0, "--JOB_NAME", "j"], ["JOB_NAME", "day"])


def test_abbreviations_are_not_accepted_by_default(utils: ModuleType) -> None:
    with pytest.raises(utils.GlueArgumentError, match="--source_table"):
        utils.getResolvedOptions([ARGV0, "--source", "t"], ["source_table"])
    args = utils.getResolvedOptions([ARGV0, "--source", "t"], ["source_table"], allow_abbrev=True)
    assert args["source_table"] == "t"


def test_hyphenated_names_resolve_to_underscored_keys(resolve: Resolve) -> None:
    args = resolve([ARGV0, "--my-opt", "v"], ["my-opt"])
    assert args["my_opt"] == "v"
    assert "my-opt" not in args


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("job-bookmark-option", "Using reserved arguments job-bookmark-option"),
        ("continuation-option", "Using reserved arguments continuation-option"),
        ("job-bookmark-from", "Using reserved arguments --job-bookmark-from"),
        ("job-bookmark-to", "Using reserved arguments --job-bookmark-to"),
        ("--JOB_ID", "Using reserved arguments --JOB_ID"),
        ("--encryption-type", "Using reserved arguments --encryption-type"),
        ("--enable-data-lineage", "Using reserved arguments --enable-data-lineage"),
    ],
)
def test_reserved_names_raise(resolve: Resolve, name: str, message: str) -> None:
    with pytest.raises(RuntimeError, match=message):
        resolve([ARGV0], [name])


def test_requesting_an_injected_id_conflicts_as_on_aws(resolve: Resolve) -> None:
    # aws-glue-libs compares dashed names with undashed ones, so argparse sees --JOB_RUN_ID twice.
    with pytest.raises(argparse.ArgumentError, match="conflicting option string"):
        resolve([ARGV0, "--JOB_RUN_ID", "jr_1"], ["JOB_RUN_ID"])


def test_job_name_is_not_reserved(resolve: Resolve) -> None:
    assert resolve([ARGV0, "--JOB_NAME", "x"], ["JOB_NAME"])["JOB_NAME"] == "x"


@pytest.mark.parametrize(
    "value", ["job-bookmark-enable", "job-bookmark-pause", "job-bookmark-disable"]
)
def test_bookmark_option_choices(resolve: Resolve, value: str) -> None:
    argv = [ARGV0, "--job-bookmark-option", value]
    assert resolve(argv, [])["job_bookmark_option"] == value


def test_bad_bookmark_choice_raises(utils: ModuleType) -> None:
    with pytest.raises(utils.GlueArgumentError, match="invalid choice"):
        utils.getResolvedOptions([ARGV0, "--job-bookmark-option", "on"], [])


@pytest.mark.parametrize(
    ("legacy", "expected"),
    [
        ("continuation-enabled", "job-bookmark-enable"),
        ("continuation-readonly", "job-bookmark-pause"),
        ("continuation-ignore", "job-bookmark-disable"),
    ],
)
def test_legacy_continuation_option_maps_to_bookmark_option(
    resolve: Resolve, legacy: str, expected: str
) -> None:
    args = resolve([ARGV0, "--continuation-option", legacy], [])
    assert args["job_bookmark_option"] == expected
    assert "continuation_option" not in args


def test_bookmark_option_wins_over_continuation_option(resolve: Resolve) -> None:
    argv = [
        ARGV0,
        "--continuation-option",
        "continuation-enabled",
        "--job-bookmark-option",
        "job-bookmark-disable",
    ]
    assert resolve(argv, [])["job_bookmark_option"] == "job-bookmark-disable"


PAUSE = [ARGV0, "--job-bookmark-option", "job-bookmark-pause"]


def test_pause_with_both_range_options(resolve: Resolve) -> None:
    args = resolve([*PAUSE, "--job-bookmark-from", "jr_a", "--job-bookmark-to", "jr_b"], [])
    assert (args["job_bookmark_from"], args["job_bookmark_to"]) == ("jr_a", "jr_b")


def test_pause_without_range_options(resolve: Resolve) -> None:
    assert resolve(PAUSE, [])["job_bookmark_from"] is None


@pytest.mark.parametrize(
    ("given", "missing"),
    [("--job-bookmark-from", "--job-bookmark-to"), ("--job-bookmark-to", "--job-bookmark-from")],
)
def test_pause_with_one_range_option_raises(resolve: Resolve, given: str, missing: str) -> None:
    with pytest.raises(RuntimeError, match=f"Missing option or value for {missing}"):
        resolve([*PAUSE, given, "jr_a"], [])


@pytest.mark.parametrize("option", [None, "job-bookmark-enable", "job-bookmark-disable"])
def test_range_options_without_pause_raise(resolve: Resolve, option: str | None) -> None:
    argv = [ARGV0, "--job-bookmark-from", "jr_a", "--job-bookmark-to", "jr_b"]
    if option is not None:
        argv += ["--job-bookmark-option", option]
    with pytest.raises(RuntimeError, match=r"^Invalid option\(s\)--job-bookmark-from"):
        resolve(argv, [])


def test_one_range_option_without_pause_is_tolerated(resolve: Resolve) -> None:
    assert resolve([ARGV0, "--job-bookmark-from", "jr_a"], [])["job_bookmark_from"] == "jr_a"


@pytest.mark.parametrize(
    ("given", "other"), [("TempDir", "RedshiftTempDir"), ("RedshiftTempDir", "TempDir")]
)
def test_temp_dirs_alias_each_other(resolve: Resolve, given: str, other: str) -> None:
    args = resolve([ARGV0, f"--{given}", "s3://b/tmp/"], [])
    assert args[other] == args[given] == "s3://b/tmp/"


def test_temp_dir_wins_over_redshift_temp_dir(resolve: Resolve) -> None:
    args = resolve([ARGV0, "--TempDir", "s3://a/", "--RedshiftTempDir", "s3://b/"], [])
    assert args["TempDir"] == args["RedshiftTempDir"] == "s3://a/"


def test_requested_temp_dir_is_never_required(resolve: Resolve) -> None:
    args = resolve([ARGV0], ["TempDir", "RedshiftTempDir"])
    assert args["TempDir"] is None


def test_encryption_type_choices(utils: ModuleType) -> None:
    argv = [ARGV0, "--encryption-type", "sse-s3", "--enable-data-lineage", "true"]
    args = utils.getResolvedOptions(argv, [])
    assert (args["encryption_type"], args["enable_data_lineage"]) == ("sse-s3", "true")
    with pytest.raises(utils.GlueArgumentError, match="invalid choice"):
        utils.getResolvedOptions([ARGV0, "--encryption-type", "kms"], [])


def test_empty_string_values_are_kept(resolve: Resolve) -> None:
    assert resolve([ARGV0, "--flag", ""], ["flag"])["flag"] == ""


def test_runtime_imports_only_the_standard_library() -> None:
    """utils (also for pythonshell) needs only the standard library; the glueetl modules
    may use PySpark and boto3 too; nothing imports gluerun."""
    for source in (RUNTIME / "awsglue").glob("*.py"):
        allowed = {"__future__", "awsglue"}
        if source.name != "utils.py":
            allowed |= {"pyspark", "boto3", "botocore"}
        for node in ast.walk(ast.parse(source.read_text())):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in sys.stdlib_module_names or top in allowed, (source.name, name)
