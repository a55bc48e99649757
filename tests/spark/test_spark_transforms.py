"""The transforms Glue has beyond field mapping, compared with what Glue documents."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("pyspark")

from awsglue.dynamicframe import DynamicFrame, DynamicFrameCollection
from awsglue.transforms import (
    ALL_TRANSFORMS,
    Coalesce,
    DropFields,
    FlatMap,
    MapToCollection,
    Relationalize,
    Repartition,
    SelectFromCollection,
    Spigot,
    SplitFields,
    SplitRows,
    Unbox,
    Union,
    UnnestFrame,
    describe_transform,
    get_transform,
)

PEOPLE = [
    {
        "id": 1,
        "name": {"first": "Ada", "last": "Lovelace"},
        "age": 36,
        "phones": ["111", "222"],
        "jobs": [{"title": "analyst", "year": 1843}],
        "extra": '{"pet": "cat", "n": 2}',
        "line": "a|1|true",
    },
    {
        "id": 2,
        "name": {"first": "Grace", "last": "Hopper"},
        "age": 85,
        "phones": [],
        "jobs": [{"title": "admiral", "year": 1985}, {"title": "teacher", "year": 1931}],
        "extra": '{"pet": "dog", "n": 5}',
        "line": "b|2|false",
    },
]


@pytest.fixture(scope="module")
def people(spark: Any, glue_context: Any) -> DynamicFrame:
    rdd = spark.sparkContext.parallelize([json.dumps(p) for p in PEOPLE])
    return DynamicFrame.fromDF(spark.read.json(rdd), glue_context, "people")


def rows(frame: DynamicFrame, order: str = "id") -> list[dict[str, Any]]:
    return [r.asDict(recursive=True) for r in frame.toDF().orderBy(order).collect()]


def test_all_transforms_are_glues_22_and_describe_themselves() -> None:
    assert len(ALL_TRANSFORMS) == 22
    assert {"Unbox", "Relationalize", "Spigot", "FlatMap"} <= {t.__name__ for t in ALL_TRANSFORMS}
    unbox = get_transform("unbox")
    assert unbox is not None and unbox.name() == "Unbox"
    described = json.loads(describe_transform("SplitRows"))["transform"]
    assert [a["name"] for a in described["args"]][:2] == ["frame", "comparison_dict"]
    assert get_transform("nope") is None


def test_split_fields_names_frames_after_the_input(people: DynamicFrame) -> None:
    split = SplitFields.apply(frame=people, paths=["id", "name.first"])
    assert sorted(split.keys()) == ["people1", "people2"]
    assert rows(split["people1"]) == [
        {"id": 1, "name": {"first": "Ada"}},
        {"id": 2, "name": {"first": "Grace"}},
    ]
    assert "id" not in split["people2"].toDF().columns
    assert split["people2"].toDF().schema["name"].dataType.fieldNames() == ["last"]
    named = people.split_fields(["age"], "left", "right")
    assert named["left"].name == "left" and named["left"].toDF().columns == ["age"]


def test_split_rows_by_comparisons(people: DynamicFrame) -> None:
    split = SplitRows.apply(frame=people, comparison_dict={"age": {">": 40, "<=": 85}})
    assert sorted(split.keys()) == ["frame1", "frame2"]
    assert [r["id"] for r in rows(split["frame1"])] == [2]
    assert [r["id"] for r in rows(split["frame2"])] == [1]
    with pytest.raises(ValueError, match="comparator"):
        people.split_rows({"age": {"~": 1}}, "a", "b")


def test_unnest_flattens_structs_to_dotted_names(people: DynamicFrame) -> None:
    flat = UnnestFrame.apply(frame=people)
    assert {"name.first", "name.last", "phones", "id"} <= set(flat.toDF().columns)
    assert rows(flat)[0]["name.first"] == "Ada"


def test_relationalize_names_tables_and_pivots_arrays(people: DynamicFrame) -> None:
    tables = Relationalize.apply(frame=people, staging_path="/unused", name="root")
    assert sorted(tables.keys()) == ["root", "root_jobs", "root_phones"]
    root = tables.select("root").toDF()
    assert {"id", "name.first", "name.last", "jobs", "phones"} <= set(root.columns)
    assert dict(root.dtypes)["jobs"] == "bigint"
    jobs = tables["root_jobs"].toDF()
    assert jobs.columns == ["id", "index", "jobs.val.title", "jobs.val.year"]
    # The array's key in the root joins to the pivoted table's id, one row per element.
    joined = root.join(jobs, root["jobs"] == jobs["id"]).select(
        root["`name.first`"].alias("first"), "index", "`jobs.val.title`"
    )
    assert sorted(tuple(r) for r in joined.collect()) == [
        ("Ada", 0, "analyst"),
        ("Grace", 0, "admiral"),
        ("Grace", 1, "teacher"),
    ]
    phones = tables["root_phones"].toDF()
    assert phones.columns == ["id", "index", "phones.val"]
    assert sorted(r["phones.val"] for r in phones.collect()) == ["111", "222"]


def test_unbox_json_and_csv_strings(people: DynamicFrame) -> None:
    boxed = Unbox.apply(frame=people, path="extra", format="json")
    assert rows(boxed)[1]["extra"] == {"n": 5, "pet": "dog"}
    csv = people.unbox("line", "csv", separator="|")
    assert rows(csv)[0]["line"] == {"col0": "a", "col1": 1, "col2": True}
    with pytest.raises(ValueError, match="json and csv"):
        people.unbox("line", "avro")


def test_spigot_writes_a_sample_and_passes_the_frame(people: DynamicFrame, tmp_path: Path) -> None:
    out = tmp_path / "spigot"
    passed = Spigot.apply(frame=people, path=str(out), options={"topk": 1})
    assert passed is people
    written = [line for f in out.glob("*.json") for line in f.read_text().splitlines()]
    assert len(written) == 1 and json.loads(written[0])["id"] in (1, 2)


def test_collection_transforms(people: DynamicFrame) -> None:
    split = people.split_fields(["id"], "ids", "rest")
    assert SelectFromCollection.apply(dfc=split, key="ids").toDF().columns == ["id"]
    assert SelectFromCollection.apply(dfc=split, key="missing").count() == 0
    mapped = MapToCollection.apply(
        dfc=split, callable=lambda frame, ctx: frame.repartition(1, transformation_ctx=ctx)
    )
    assert isinstance(mapped, DynamicFrameCollection)
    assert [f.getNumPartitions() for f in mapped.values()] == [1, 1]
    flat = FlatMap.apply(dfc=split, BaseTransform=DropFields, frame_name="frame", paths=["age"])
    assert "age" not in flat["rest"].toDF().columns
    resplit = split.flatmap(lambda frame, ctx: frame.split_fields(["id"], "a_" + frame.name, "b"))
    assert sorted(resplit.keys()) == ["a_ids", "a_rest", "b"]
    with pytest.raises(TypeError):
        split.map(lambda frame, ctx: 1)


def test_union_repartition_coalesce_and_merge(
    people: DynamicFrame, spark: Any, glue_context: Any
) -> None:
    staged = DynamicFrame.fromDF(
        spark.createDataFrame([(2, 90), (3, 1)], "id bigint, age bigint"), glue_context, "s"
    )
    both = Union.apply(frame1=people, frame2=staged)
    assert both.count() == 4
    assert Repartition.apply(frame=people, num_partitions=3).getNumPartitions() == 3
    assert Coalesce.apply(frame=people.repartition(3), num_partitions=1).getNumPartitions() == 1
    merged = people.mergeDynamicFrame(staged, ["id"])
    assert [(r["id"], r["age"], r["phones"]) for r in rows(merged)] == [
        (1, 36, ["111", "222"]),
        (2, 90, None),
        (3, 1, None),
    ]


DDB_EXPORT = [
    {"Item": {"id": {"S": "a"}, "n": {"N": "5"}, "tags": {"SS": ["x"]}, "on": {"BOOL": True}}},
    {
        "Item": {
            "id": {"S": "b"},
            "n": {"N": "7"},
            "addr": {"M": {"city": {"S": "Oslo"}}},
            "on": {"S": "maybe"},
            "gone": {"NULL": True},
        }
    },
]


def test_dynamodb_export_json_is_unnested_and_simplified(spark: Any, glue_context: Any) -> None:
    rdd = spark.sparkContext.parallelize([json.dumps(r) for r in DDB_EXPORT])
    export = DynamicFrame.fromDF(spark.read.json(rdd), glue_context, "ddb")
    plain = export.unnest_ddb_json()
    assert sorted(plain.toDF().columns) == ["addr", "gone", "id", "n", "on", "tags"]
    by_id = {r["id"]: r for r in rows(plain)}
    assert by_id["a"]["n"] == "5" and by_id["a"]["tags"] == ["x"]
    assert by_id["b"]["addr"] == {"city": "Oslo"} and by_id["b"]["gone"] is None
    # BOOL in one record and S in the other: a choice, as Glue's DynamicFrame types it.
    assert sorted(plain.schema().getField("on").dataType.choices) == ["boolean", "string"]
    simplified = export.simplify_ddb_json()
    assert simplified.toDF().columns == ["Item"]
    assert rows(simplified, "Item.id")[0]["Item"]["id"] == "a"
