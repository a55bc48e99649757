"""DynamicFrame and the transforms against the tier's shared local SparkSession."""

from __future__ import annotations

import json
from typing import Any

import pytest

pytest.importorskip("pyspark")

from awsglue import DynamicFrame as TopLevelDynamicFrame
from awsglue.dynamicframe import DynamicFrame, split_path
from awsglue.transforms import (
    ApplyMapping,
    DropFields,
    DropNullFields,
    Filter,
    Join,
    Map,
    RenameField,
    ResolveChoice,
    SelectFields,
)

PEOPLE = [
    {"id": 1, "name": "Ada", "age": "36", "address": {"city": "London", "zip": "N1"}},
    {"id": 2, "name": "Grace", "age": "85", "address": {"city": "Arlington", "zip": "22201"}},
    {"id": 3, "name": "Edsger", "age": "x", "address": {"city": "Austin", "zip": "78701"}},
]


@pytest.fixture(scope="module")
def people(spark: Any, glue_context: Any) -> DynamicFrame:
    rdd = spark.sparkContext.parallelize([json.dumps(p) for p in PEOPLE])
    return DynamicFrame.fromDF(spark.read.json(rdd), glue_context, "people")


def rows(frame: DynamicFrame, order: str = "id") -> list[dict[str, Any]]:
    return [r.asDict(recursive=True) for r in frame.toDF().orderBy(order).collect()]


def test_from_df_to_df_count_and_schema(people: DynamicFrame) -> None:
    assert people.count() == 3
    assert people.schema().fieldNames() == ["address", "age", "id", "name"]
    assert people.toDF().count() == 3
    assert TopLevelDynamicFrame is DynamicFrame


def test_apply_mapping_keeps_only_mapped_fields_renamed_and_cast(people: DynamicFrame) -> None:
    mapped = ApplyMapping.apply(
        frame=people,
        mappings=[
            ("id", "long", "person_id", "string"),
            ("age", "string", "age", "int"),
            ("address.city", "string", "city", "string"),
            ("missing", "string", "nothing", "string"),
        ],
        transformation_ctx="m",
    )
    assert mapped.toDF().dtypes == [("person_id", "string"), ("age", "int"), ("city", "string")]
    assert rows(mapped, "person_id") == [
        {"person_id": "1", "age": 36, "city": "London"},
        {"person_id": "2", "age": 85, "city": "Arlington"},
        {"person_id": "3", "age": None, "city": "Austin"},
    ]


def test_apply_mapping_builds_nested_targets_and_takes_short_tuples(people: DynamicFrame) -> None:
    mapped = people.apply_mapping(
        [("ID", "person.id", "int"), ("name", "person.name"), ("address.zip", "zip", "string")]
    )
    assert mapped.toDF().columns == ["person", "zip"]
    first = rows(mapped, "zip")[0]
    assert first == {"person": {"id": 2, "name": "Grace"}, "zip": "22201"}
    with pytest.raises(TypeError):
        people.apply_mapping([["id", "long", "id", "int"]])  # type: ignore[list-item]


def test_select_drop_and_rename_fields(people: DynamicFrame) -> None:
    selected = SelectFields.apply(frame=people, paths=["name", "address.city", "nope"])
    assert rows(selected, "name")[0] == {"name": "Ada", "address": {"city": "London"}}
    dropped = DropFields.apply(frame=people, paths=["age", "address.zip"])
    assert dropped.toDF().columns == ["address", "id", "name"]
    assert rows(dropped)[0]["address"] == {"city": "London"}
    renamed = RenameField.apply(frame=people, old_name="name", new_name="full_name")
    assert renamed.toDF().columns == ["address", "age", "id", "full_name"]
    nested = people.rename_field("address.city", "address.town")
    assert rows(nested)[0]["address"] == {"zip": "N1", "town": "London"}
    moved = people.rename_field("address.city", "city")
    assert rows(moved)[0]["city"] == "London" and "city" not in rows(moved)[0]["address"]


def test_filter_keeps_matching_records_and_drops_failing_ones(people: DynamicFrame) -> None:
    adults = Filter.apply(frame=people, f=lambda r: int(r["age"]) > 40, transformation_ctx="f")
    assert [r["name"] for r in rows(adults)] == ["Grace"]  # "x" raises ValueError: dropped
    assert adults.schema() == people.schema()


def test_map_replaces_records_and_may_add_fields(people: DynamicFrame) -> None:
    def shout(record: dict[str, Any]) -> dict[str, Any]:
        record["loud"] = record["name"].upper()
        record["city"] = record["address"]["city"]
        del record["address"]
        if record["id"] == 3:
            raise RuntimeError("bad record")
        return record

    mapped = Map.apply(frame=people, f=shout)
    assert sorted(mapped.toDF().columns) == ["age", "city", "id", "loud", "name"]
    assert [(r["loud"], r["city"]) for r in rows(mapped)] == [
        ("ADA", "London"),
        ("GRACE", "Arlington"),
    ]


def test_map_with_no_inferable_type_falls_back(people: DynamicFrame) -> None:
    mapped = people.map(lambda r: {"id": r["id"], "nothing": None})
    assert mapped.count() == 3
    assert "id" in mapped.toDF().columns


def test_resolve_choice_cast_make_cols_and_make_struct(people: DynamicFrame) -> None:
    cast = ResolveChoice.apply(
        frame=people, specs=[("age", "cast:int"), ("address.zip", "cast:string")]
    )
    assert dict(cast.toDF().dtypes)["age"] == "int"
    cols = people.resolveChoice(specs=[("age", "make_cols")])
    assert "age_string" in cols.toDF().columns and "age" not in cols.toDF().columns
    struct = people.resolveChoice(specs=[("age", "make_struct")])
    assert rows(struct)[0]["age"] == {"string": "36"}
    assert people.resolveChoice(choice="make_cols").toDF().columns == people.toDF().columns
    with pytest.raises(ValueError, match="both missing"):
        people.resolveChoice()
    with pytest.raises(ValueError, match="both specified"):
        people.resolveChoice(specs=[("age", "cast:int")], choice="make_cols")


def test_join_on_differently_and_equally_named_keys(
    spark: Any, glue_context: Any, people: DynamicFrame
) -> None:
    orders_df = spark.createDataFrame([(1, 10.0), (1, 5.0), (2, 7.5)], ["person_id", "total"])
    orders = DynamicFrame.fromDF(orders_df, glue_context, "orders")
    joined = Join.apply(frame1=people, frame2=orders, keys1=["id"], keys2=["person_id"])
    assert joined.count() == 3
    assert {"id", "person_id", "total", "name"} <= set(joined.toDF().columns)
    same = people.join(
        ["id"],
        ["id"],
        DynamicFrame.fromDF(orders_df.withColumnRenamed("person_id", "id"), glue_context, "o"),
    )
    assert same.toDF().columns.count("id") == 1
    assert sorted(r["total"] for r in same.toDF().collect()) == [5.0, 7.5, 10.0]


def test_union_repartition_coalesce(people: DynamicFrame, spark: Any, glue_context: Any) -> None:
    extra = DynamicFrame.fromDF(
        spark.createDataFrame([(9, "Barbara")], ["id", "name"]), glue_context, "x"
    )
    both = people.union(extra)
    assert both.count() == 4
    assert rows(both)[-1]["address"] is None
    assert people.repartition(3).getNumPartitions() == 3
    assert people.repartition(3).coalesce(1).getNumPartitions() == 1
    assert people.coalesce(4, shuffle=True).getNumPartitions() == 4


def test_drop_null_fields(spark: Any, glue_context: Any) -> None:
    frame = spark.createDataFrame(
        [(1, None, "a"), (2, None, None)], "id int, empty string, some string"
    )
    kept = DropNullFields.apply(frame=DynamicFrame.fromDF(frame, glue_context, "n"))
    assert kept.toDF().columns == ["id", "some"]


def test_show_prints_json_records_and_print_schema(people: DynamicFrame, capsys: Any) -> None:
    people.show(1)
    shown = json.loads(capsys.readouterr().out)
    assert shown["name"] in {"Ada", "Grace", "Edsger"}
    people.printSchema()
    assert "|-- address: struct" in capsys.readouterr().out


def test_split_path_honours_backticks() -> None:
    assert split_path("a.b") == ["a", "b"]
    assert split_path("`a.b`.c") == ["a.b", "c"]
