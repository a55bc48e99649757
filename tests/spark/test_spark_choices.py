"""Choice types from a real mixed-type JSON read, ResolveChoice on them, and error records."""

from __future__ import annotations

import json
import uuid
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

from awsglue import gluetypes
from awsglue._errors import ErrorThresholdExceeded
from awsglue.dynamicframe import DynamicFrame, ResolveOption
from awsglue.transforms import ErrorsAsDynamicFrame, Filter, Map, ResolveChoice
from spark_support import Server

LINES = [
    '{"id": 1, "age": 36, "name": "Ada"}',
    '{"id": 2, "age": "85", "name": "Grace"}',
    '{"id": 3, "age": "unknown", "name": "Edsger"}',
    "{not json",
    '{"id": 4, "age": 41, "name": "Barbara"}',
]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory: pytest.TempPathFactory, glue_context: Any) -> DynamicFrame:
    folder = tmp_path_factory.mktemp("mixed")
    (folder / "people.json").write_text("\n".join(LINES) + "\n")
    return glue_context.create_dynamic_frame.from_options(
        "s3", {"paths": [str(folder)]}, format="json"
    )


def ages(frame: DynamicFrame, column: str = "age") -> list[Any]:
    return [r[column] for r in frame.toDF().orderBy("id").collect()]


def test_a_mixed_json_field_is_a_choice(mixed: DynamicFrame, capsys: Any) -> None:
    field = mixed.schema().getField("age")
    assert isinstance(field.dataType, gluetypes.ChoiceType)
    assert sorted(field.dataType.choices) == ["int", "string"]
    assert isinstance(mixed.schema().getField("name").dataType, gluetypes.StringType)
    mixed.printSchema()
    printed = capsys.readouterr().out
    assert "|-- age: choice\n|    |-- int\n|    |-- string\n" in printed
    # toDF keeps a choice as a struct of its branches, one of them set per record.
    assert [r.asDict() for r in ages(mixed)] == [
        {"int": 36, "string": None},
        {"int": None, "string": "85"},
        {"int": None, "string": "unknown"},
        {"int": 41, "string": None},
    ]


def test_malformed_lines_are_error_records(mixed: DynamicFrame) -> None:
    assert mixed.count() == 4
    assert mixed.errorsCount() == 1 and mixed.stageErrorsCount() == 1
    errors = ErrorsAsDynamicFrame.apply(frame=mixed).toDF().collect()
    assert errors[0]["error"]["input"] == "{not json"
    assert errors[0]["error"]["msg"] == "Malformed input record"


def test_resolve_choice_actions(mixed: DynamicFrame) -> None:
    cast = ResolveChoice.apply(frame=mixed, specs=[("age", "cast:int")])
    assert ages(cast) == [36, 85, None, 41]
    assert isinstance(cast.schema().getField("age").dataType, gluetypes.IntegerType)
    assert ages(mixed.resolveChoice(specs=[("age", "project:int")])) == [36, None, None, 41]
    projected = mixed.resolveChoice(specs=[("age", "project:string")])
    assert ages(projected) == [None, "85", "unknown", None]
    cols = mixed.resolveChoice(specs=[("age", "make_cols")])
    assert ages(cols, "age_int") == [36, None, None, 41]
    assert ages(cols, "age_string") == [None, "85", "unknown", None]
    assert "age" not in cols.toDF().columns
    struct = mixed.resolveChoice(choice="make_struct")
    assert isinstance(struct.schema().getField("age").dataType, gluetypes.StructType)
    assert ages(struct.resolveChoice(specs=[("age.string", "cast:int")]))[1]["string"] == 85
    converted = mixed.toDF([ResolveOption("age", "Cast", "int")])
    assert [r["age"] for r in converted.orderBy("id").collect()] == [36, 85, None, 41]


def test_match_catalog_casts_to_the_tables_types(
    spark_server: Server, monkeypatch: pytest.MonkeyPatch, mixed: DynamicFrame
) -> None:
    monkeypatch.setenv("GLUERUN_ENDPOINT_URL", spark_server.endpoint)
    glue = spark_server.client()
    database = f"db_{uuid.uuid4().hex[:8]}"
    glue.create_database(DatabaseInput={"Name": database})
    columns = [{"Name": "id", "Type": "int"}, {"Name": "age", "Type": "bigint"}]
    glue.create_table(
        DatabaseName=database,
        TableInput={"Name": "people", "StorageDescriptor": {"Columns": columns}},
    )
    try:
        matched = ResolveChoice.apply(
            frame=mixed, choice="match_catalog", database=database, table_name="people"
        )
        assert dict(matched.toDF().dtypes)["age"] == "bigint"
        assert ages(matched) == [36, 85, None, 41]
    finally:
        glue.delete_table(DatabaseName=database, Name="people")
        glue.delete_database(Name=database)
    with pytest.raises(ValueError, match="database and table_name"):
        mixed.resolveChoice(specs=[("age", "match_catalog")])


def test_map_and_filter_failures_become_error_records(mixed: DynamicFrame) -> None:
    resolved = mixed.resolveChoice(specs=[("age", "cast:int")])

    def older(record: dict[str, Any]) -> dict[str, Any] | None:
        if record["id"] == 4:
            return None
        record["age"] = record["age"] + 1  # None + 1: TypeError for "unknown"
        return record

    mapped = Map.apply(frame=resolved, f=older)
    assert ages(mapped) == [37, 86]
    assert mapped.stageErrorsCount() == 2 and mapped.errorsCount() == 3
    errors = {
        r["error"]["errorType"]: r["error"] for r in mapped.errorsAsDynamicFrame().toDF().collect()
    }
    assert sorted(errors) == ["GlueError", "MalformedRecord", "TypeError"]
    assert errors["GlueError"]["msg"].endswith("returned None instead of DynamicRecord")
    assert json.loads(errors["TypeError"]["input"])["id"] == 3
    assert "Traceback" in errors["TypeError"]["stackTrace"]

    def strict(record: Any) -> bool:
        if record.id == 2:
            raise RuntimeError("boom")  # not Key/Value/TypeError: an error record
        return int(record["name"])  # ValueError: dropped quietly

    filtered = Filter.apply(frame=resolved, f=strict)
    assert filtered.count() == 0 and filtered.stageErrorsCount() == 1
    assert filtered.errorsCount() == 2  # with the malformed line
    with pytest.raises(ErrorThresholdExceeded, match="totalThreshold of 1"):
        Filter.apply(frame=resolved, f=strict, totalThreshold=1)
    Filter.apply(frame=resolved, f=strict, stageThreshold=1, totalThreshold=2)  # within both


def test_a_json_read_without_mixed_fields_is_spark_s_own(tmp_path: Path, glue_context: Any) -> None:
    (tmp_path / "a.json").write_text('{"n": 1, "s": "x"}\n{"n": 2, "s": "y"}\n')
    frame = glue_context.create_dynamic_frame.from_options("s3", {"paths": [str(tmp_path)]}, "json")
    assert frame.toDF().dtypes == [("n", "bigint"), ("s", "string")]
    assert frame.errorsCount() == 0
