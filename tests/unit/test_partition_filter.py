"""GetPartitions' Expression: parsing, typing against partition keys, and evaluation."""

from __future__ import annotations

import pytest

from gluerun.errors import InvalidInput, InvalidState
from gluerun.model.partition_expr import BoolOp, Compare, Not, parse
from gluerun.model.partition_filter import compile_filter

STRING_KEYS = [("year", "string"), ("month", "string")]
TYPED_KEYS = [("year", "int"), ("day", "date"), ("region", "varchar(8)"), ("price", "decimal(5,2)")]
YEARS = [["2015", "01"], ["2016", "02"], ["2017", "07"], ["2018", "12"]]


def matching(expression: str, keys=STRING_KEYS, partitions=YEARS) -> list[list[str]]:  # type: ignore[no-untyped-def]
    test = compile_filter(expression, keys)
    assert test is not None
    return [values for values in partitions if test(values)]


def years(expression: str) -> list[str]:
    return [values[0] for values in matching(expression)]


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        # the examples of Glue's documentation, on a string key
        ("year='2015'", ["2015"]),
        ("year>'2016' AND year<'2018'", ["2017"]),
        ("year>='2015' AND year<='2018'", ["2015", "2016", "2017", "2018"]),
        ("year BETWEEN 2015 AND 2018", ["2015", "2016", "2017", "2018"]),
        ("year IN (2015,2016,2017,2018)", ["2015", "2016", "2017", "2018"]),
        ("year LIKE '%7'", ["2017"]),
        # what Spark's Hive shim and the Hive client send
        ('year = "2016"', ["2016"]),
        ("'2016' < year", ["2017", "2018"]),
        ("year != '2016'", ["2015", "2017", "2018"]),
        ("(year = '2015' or year = '2018')", ["2015", "2018"]),
        ("((year = '2015') and (month = '01'))", ["2015"]),
        ('year like ".*17.*"', ["2017"]),
        ('month like "0.*"', ["2015", "2016", "2017"]),
        ("NOT year = '2015'", ["2016", "2017", "2018"]),
        ("year NOT IN ('2015', '2016')", ["2017", "2018"]),
        ("year NOT BETWEEN '2016' AND '2017'", ["2015", "2018"]),
        ("year = '2015' OR year = '2016' AND month = '01'", ["2015"]),
        ("Year = '2017'", ["2017"]),
        ("year IS NOT NULL", ["2015", "2016", "2017", "2018"]),
        ("year IS NULL", []),
        ("month LIKE '_2'", ["2016", "2018"]),
        ("", ["2015", "2016", "2017", "2018"]),
    ],
)
def test_string_keys(expression: str, expected: list[str]) -> None:
    if not expression:
        assert compile_filter(expression, STRING_KEYS) is None
        return
    assert years(expression) == expected


def test_literals_are_cast_to_the_key_type() -> None:
    partitions = [
        ["2", "2020-01-31", "eu", "9.50"],
        ["10", "2020-02-01", "us", "10.25"],
    ]
    assert matching("year = '2'", TYPED_KEYS, partitions) == [partitions[0]]
    # numbers compare as numbers on an int key (as strings '10' < '2')
    assert matching("year > 5L", TYPED_KEYS, partitions) == [partitions[1]]
    assert matching("day >= '2020-02-01'", TYPED_KEYS, partitions) == [partitions[1]]
    assert matching("day < 2020-02-01", TYPED_KEYS, partitions) == [partitions[0]]
    assert matching("price BETWEEN 9.5 AND 10", TYPED_KEYS, partitions) == [partitions[0]]
    assert matching("region = 'us'", TYPED_KEYS, partitions) == [partitions[1]]


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("year = 'test'", "is not an integer"),
        ("year LIKE '2%'", "Integral data type doesn't support operation 'LIKE'"),
        ("nope = '1'", "Unknown partition key 'nope'"),
        ("year = ", "Unsupported expression"),
        ("year = '1' AND", "Unsupported expression"),
        ("year == == 1", "Unsupported expression"),
        ("'1' = '1'", "one partition key and one value"),
        ("year ~ 1", "Unsupported expression"),
        ("day = '2020-13-01'", "is not a date"),
    ],
)
def test_bad_expressions_are_invalid_input(expression: str, message: str) -> None:
    with pytest.raises(InvalidInput, match=message):
        compile_filter(expression, TYPED_KEYS)


def test_unsupported_key_type_is_invalid_input() -> None:
    with pytest.raises(InvalidInput, match="Unknown type : 'float'"):
        compile_filter("ratio = 1", [("ratio", "float")])


def test_a_stored_value_that_does_not_fit_its_key_is_invalid_state() -> None:
    test = compile_filter("year = 2", TYPED_KEYS)
    assert test is not None
    with pytest.raises(InvalidState, match="not a valid int"):
        test(["two", "2020-01-01", "eu", "1"])


def test_quotes_escape_both_ways() -> None:
    keys = [("name", "string")]
    partitions = [["it's"], ["plain"]]
    assert matching("name = 'it''s'", keys, partitions) == [["it's"]]
    assert matching("name = 'it\\'s'", keys, partitions) == [["it's"]]
    assert matching('name = "it\'s"', keys, partitions) == [["it's"]]


def test_tree_shape_and_precedence() -> None:
    tree = parse("a = 1 OR NOT b = 2 AND c = 3")
    assert isinstance(tree, BoolOp)
    assert tree.op == "OR"
    assert isinstance(tree.parts[0], Compare)
    right = tree.parts[1]
    assert isinstance(right, BoolOp)
    assert right.op == "AND"
    assert isinstance(right.parts[0], Not)
    assert parse("   ") is None
