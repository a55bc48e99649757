"""Glue's schema types (``DynamicFrame.schema()``), with the choice type, and ``DynamicRecord``.

Names and JSON shapes follow aws-glue-libs' ``awsglue.gluetypes``; ``from_spark`` turns the
Spark schema of gluerun's frames into them (a struct marked as a choice becomes a
``ChoiceType``, see ``_choice``) and ``tree_string`` prints it as ``printSchema`` does.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from pyspark.sql import types as T

from ._choice import is_choice

__all__ = [
    "ArrayType",
    "AtomicType",
    "BinaryType",
    "BooleanType",
    "ByteType",
    "ChoiceType",
    "DataType",
    "DateType",
    "DecimalType",
    "DoubleType",
    "DynamicRecord",
    "EntityType",
    "EnumType",
    "Field",
    "FloatType",
    "IntegerType",
    "LongType",
    "MapType",
    "NullType",
    "SetType",
    "ShortType",
    "StringType",
    "StructType",
    "TimestampNTZType",
    "TimestampType",
    "UnknownType",
    "from_spark",
    "mergeDataTypes",
]


class DataType:
    """A Glue type; `properties` are free-form metadata."""

    def __init__(self, properties: dict[str, Any] | None = None) -> None:
        self.properties = dict(properties or {})

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, DataType)
            and type(self) is type(other)
            and (self.jsonValue() == other.jsonValue())
        )

    def __hash__(self) -> int:
        return hash(str(self.jsonValue()))

    @classmethod
    def typeName(cls) -> str:
        return cls.__name__[: -len("Type")].lower()

    def jsonValue(self) -> dict[str, Any]:
        value: dict[str, Any] = {"dataType": self.typeName()}
        if self.properties:
            value["properties"] = self.properties
        return value

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.properties or ''})"


class AtomicType(DataType):
    """A type without children."""

    @classmethod
    def fromJsonValue(cls, json_value: dict[str, Any]) -> DataType:
        return cls(json_value.get("properties"))


class BinaryType(AtomicType):
    pass


class BooleanType(AtomicType):
    pass


class ByteType(AtomicType):
    pass


class DateType(AtomicType):
    pass


class DecimalType(AtomicType):
    def __init__(
        self, precision: int = 10, scale: int = 2, properties: dict[str, Any] | None = None
    ) -> None:
        super().__init__(properties)
        self.precision = precision
        self.scale = scale

    def jsonValue(self) -> dict[str, Any]:
        return {**super().jsonValue(), "precision": self.precision, "scale": self.scale}


class DoubleType(AtomicType):
    pass


class EnumType(AtomicType):
    def __init__(self, options: list[str], properties: dict[str, Any] | None = None) -> None:
        super().__init__(properties)
        self.options = list(options)

    def jsonValue(self) -> dict[str, Any]:
        return {**super().jsonValue(), "options": self.options}


class FloatType(AtomicType):
    pass


class IntegerType(AtomicType):
    @classmethod
    def typeName(cls) -> str:
        return "int"


class LongType(AtomicType):
    pass


class NullType(AtomicType):
    pass


class ShortType(AtomicType):
    pass


class StringType(AtomicType):
    pass


class TimestampType(AtomicType):
    pass


class TimestampNTZType(AtomicType):
    pass


class UnknownType(AtomicType):
    pass


class ArrayType(DataType):
    def __init__(
        self, elementType: DataType | None = None, properties: dict[str, Any] | None = None
    ) -> None:
        super().__init__(properties)
        self.elementType = elementType if elementType is not None else UnknownType()

    def jsonValue(self) -> dict[str, Any]:
        return {**super().jsonValue(), "elementType": self.elementType.jsonValue()}

    @classmethod
    def fromJsonValue(cls, json_value: dict[str, Any]) -> ArrayType:
        return cls(_from_json(json_value["elementType"]), json_value.get("properties"))


class SetType(ArrayType):
    pass


class ChoiceType(DataType):
    """A field whose records hold values of several types (by type name)."""

    def __init__(
        self, choices: Iterable[DataType] = (), properties: dict[str, Any] | None = None
    ) -> None:
        super().__init__(properties)
        self.choices: dict[str, DataType] = {}
        for choice in choices:
            self.add(choice)

    def add(self, new_choice: DataType) -> None:
        if new_choice.typeName() == "choice":
            self.merge(new_choice.choices.values())  # type: ignore[attr-defined]
        else:
            self.choices[new_choice.typeName()] = new_choice

    def merge(self, new_choices: Iterable[DataType]) -> None:
        for choice in new_choices:
            self.add(choice)

    def jsonValue(self) -> dict[str, Any]:
        values = [c.jsonValue() for c in self.choices.values()]
        return {**super().jsonValue(), "choices": values}

    @classmethod
    def fromJsonValue(cls, json_value: dict[str, Any]) -> ChoiceType:
        choices = [_from_json(c) for c in json_value["choices"]]
        return cls(choices, json_value.get("properties"))


class MapType(DataType):
    def __init__(
        self, valueType: DataType | None = None, properties: dict[str, Any] | None = None
    ) -> None:
        super().__init__(properties)
        self.valueType = valueType if valueType is not None else UnknownType()

    def jsonValue(self) -> dict[str, Any]:
        return {**super().jsonValue(), "valueType": self.valueType.jsonValue()}

    @classmethod
    def fromJsonValue(cls, json_value: dict[str, Any]) -> MapType:
        return cls(_from_json(json_value["valueType"]), json_value.get("properties"))


class Field:
    """A named, typed field of a StructType."""

    def __init__(
        self, name: str, dataType: DataType, properties: dict[str, Any] | None = None
    ) -> None:
        self.name = name
        self.dataType = dataType
        self.properties = dict(properties or {})

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Field) and self.jsonValue() == other.jsonValue()

    def __hash__(self) -> int:
        return hash(self.name)

    def __repr__(self) -> str:
        return f"Field({self.name}, {self.dataType!r})"

    def jsonValue(self) -> dict[str, Any]:
        value = {"name": self.name, "container": self.dataType.jsonValue()}
        if self.properties:
            value["properties"] = self.properties
        return value

    @classmethod
    def fromJsonValue(cls, json_value: dict[str, Any]) -> Field:
        return cls(
            json_value["name"], _from_json(json_value["container"]), json_value.get("properties")
        )


class StructType(DataType):
    """An ordered set of fields; iterating yields the Fields."""

    def __init__(
        self, fields: Iterable[Field] = (), properties: dict[str, Any] | None = None
    ) -> None:
        super().__init__(properties)
        self.fields = list(fields)
        self.field_map = {field.name: field for field in self.fields}

    def __iter__(self) -> Iterator[Field]:
        return iter(self.fields)

    def add(self, field: Field) -> None:
        self.fields.append(field)
        self.field_map[field.name] = field

    def hasField(self, field: str | Field) -> bool:
        return (field.name if isinstance(field, Field) else field) in self.field_map

    def getField(self, field: str | Field) -> Field:
        return self.field_map[field.name if isinstance(field, Field) else field]

    def fieldNames(self) -> list[str]:
        """The field names, as on a Spark StructType (a gluerun convenience)."""
        return [field.name for field in self.fields]

    def jsonValue(self) -> dict[str, Any]:
        return {**super().jsonValue(), "fields": [f.jsonValue() for f in self.fields]}

    @classmethod
    def fromJsonValue(cls, json_value: dict[str, Any]) -> StructType:
        fields = [Field.fromJsonValue(f) for f in json_value["fields"]]
        return cls(fields, json_value.get("properties"))


class EntityType(DataType):
    """A named entity over a base type (kept for API compatibility)."""

    def __init__(
        self, entity: str, base_type: DataType, properties: dict[str, Any] | None = None
    ) -> None:
        super().__init__(properties)
        self.entity = entity
        self.base_type = base_type


_ATOMIC: dict[type[T.DataType], type[AtomicType]] = {
    T.BinaryType: BinaryType,
    T.BooleanType: BooleanType,
    T.ByteType: ByteType,
    T.DateType: DateType,
    T.DoubleType: DoubleType,
    T.FloatType: FloatType,
    T.IntegerType: IntegerType,
    T.LongType: LongType,
    T.NullType: NullType,
    T.ShortType: ShortType,
    T.StringType: StringType,
    T.TimestampType: TimestampType,
    T.TimestampNTZType: TimestampNTZType,
}
_NAMED: list[type[DataType]] = [*_ATOMIC.values(), DecimalType, UnknownType]
_NAMED += [ArrayType, SetType, ChoiceType, MapType, StructType]
_BY_NAME: dict[str, Any] = {cls.typeName(): cls for cls in _NAMED}


def _from_json(json_value: dict[str, Any]) -> DataType:
    cls = _BY_NAME[json_value["dataType"]]
    return cls.fromJsonValue(json_value)  # type: ignore[no-any-return]


def from_spark(data_type: T.DataType, choice: bool = False) -> DataType:
    """The Glue type of a Spark type; `choice` marks a struct that holds a choice's branches."""
    if isinstance(data_type, T.StructType):
        if choice:
            return ChoiceType(from_spark(f.dataType) for f in data_type.fields)
        return StructType(
            Field(f.name, from_spark(f.dataType, is_choice(f))) for f in data_type.fields
        )
    if isinstance(data_type, T.ArrayType):
        return ArrayType(from_spark(data_type.elementType))
    if isinstance(data_type, T.MapType):
        return MapType(from_spark(data_type.valueType))
    if isinstance(data_type, T.DecimalType):
        return DecimalType(data_type.precision, data_type.scale)
    return _ATOMIC.get(type(data_type), UnknownType)()


def tree_string(schema: StructType) -> str:
    """`schema` drawn as Glue's printSchema draws it."""
    lines = ["root"]
    for field in schema.fields:
        _draw(lines, field.name, field.dataType, 0)
    return "\n".join(lines) + "\n"


def _draw(lines: list[str], name: str, data_type: DataType, depth: int) -> None:
    prefix = "|    " * depth + "|-- "
    lines.append(
        f"{prefix}{name}: {data_type.typeName()}" if name else f"{prefix}{data_type.typeName()}"
    )
    for child_name, child in _children(data_type):
        _draw(lines, child_name, child, depth + 1)


def _children(data_type: DataType) -> list[tuple[str, DataType]]:
    if isinstance(data_type, StructType):
        return [(f.name, f.dataType) for f in data_type.fields]
    if isinstance(data_type, ChoiceType):
        return [("", c) for c in data_type.choices.values()]
    if isinstance(data_type, ArrayType) and isinstance(
        data_type.elementType, StructType | ArrayType | MapType | ChoiceType
    ):
        return [("", data_type.elementType)]
    if isinstance(data_type, MapType) and isinstance(
        data_type.valueType, StructType | ArrayType | MapType | ChoiceType
    ):
        return [("", data_type.valueType)]
    return []


def mergeDataTypes(s1: DataType, s2: DataType) -> DataType:
    """The type of a field that is `s1` in some records and `s2` in others."""
    if s1 == s2:
        return s1
    if isinstance(s1, StructType) and isinstance(s2, StructType):
        merged = StructType(s1.fields)
        for field in s2.fields:
            if merged.hasField(field.name):
                mine = merged.getField(field.name)
                mine.dataType = mergeDataTypes(mine.dataType, field.dataType)
            else:
                merged.add(field)
        return merged
    if isinstance(s1, NullType):
        return s2
    if isinstance(s2, NullType):
        return s1
    return ChoiceType([s1, s2])


class DynamicRecord(dict[str, Any]):
    """A record handed to Map and Filter functions: a dict whose keys are also attributes."""

    def __getattr__(self, attr: str) -> Any:
        try:
            return self[attr]
        except KeyError:
            raise AttributeError(attr) from None

    def __setattr__(self, attr: str, value: Any) -> None:
        self[attr] = value
