"""Arrow schema generated from the record's JSON Schema, and the row converter it implies.

Generated rather than written by hand so that a field added to the JSON Schema cannot be
forgotten in the dataset: an explicit schema keeps every Parquet part typed alike (no
columns inferred as null from a run where a field happened to be empty).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pyarrow as pa

# Time zone of a `date-time` string, read from the offset its pattern pins.
_PATTERN_ZONES = ((r"\+08:00$", "Asia/Shanghai"), ("Z$", "UTC"))

Converter = Callable[[Any], Any]


def _nullable(spec: dict[str, Any]) -> bool:
    kind = spec.get("type")
    return isinstance(kind, list) and "null" in kind


def _base_type(spec: dict[str, Any]) -> str:
    kind = spec.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) != 1:
            raise ValueError(f"cannot map a union of {kinds} to one Arrow type")
        return str(kinds[0])
    if kind is not None:
        return str(kind)
    if "const" in spec:
        return {bool: "boolean", int: "integer", float: "number", str: "string"}[
            type(spec["const"])
        ]
    if "enum" in spec and all(isinstance(v, str) for v in spec["enum"]):
        return "string"
    raise ValueError(f"no JSON type in {spec}")


def _time_zone(spec: dict[str, Any]) -> str:
    pattern = spec.get("pattern", "")
    for suffix, zone in _PATTERN_ZONES:
        if pattern.endswith(suffix):
            return zone
    return "UTC"


def arrow_type(spec: dict[str, Any]) -> pa.DataType:
    """The Arrow type of one JSON Schema node (objects → struct, arrays → list)."""
    kind = _base_type(spec)
    if kind == "string":
        fmt = spec.get("format")
        if fmt == "date":
            return pa.date32()
        if fmt == "date-time":
            return pa.timestamp("us", tz=_time_zone(spec))
        return pa.string()
    if kind == "integer":
        return pa.int64()
    if kind == "number":
        return pa.float64()
    if kind == "boolean":
        return pa.bool_()
    if kind == "array":
        return pa.list_(arrow_type(spec["items"]))
    if kind == "object":
        return pa.struct(_fields(spec))
    raise ValueError(f"unsupported JSON type {kind!r}")


def _fields(spec: dict[str, Any]) -> list[pa.Field]:
    required = set(spec.get("required", ()))
    return [
        pa.field(name, arrow_type(child), nullable=_nullable(child) or name not in required)
        for name, child in spec["properties"].items()
    ]


def arrow_schema(json_schema: dict[str, Any]) -> pa.Schema:
    """Top-level record fields in the JSON Schema's order; a key that is nullable or not
    required is a nullable column."""
    return pa.schema(_fields(json_schema))


def row_converter(schema: pa.Schema) -> Converter:
    """A function turning a JSON record into the Python values Arrow expects for `schema`:
    ISO dates and date-times become `date`/`datetime` (offsets kept), the rest passes as is."""
    converters = {
        field.name: conv for field in schema if (conv := _converter(field.type)) is not None
    }

    def convert(record: dict[str, Any]) -> dict[str, Any]:
        row = dict(record)
        for name, conv in converters.items():
            value = row.get(name)
            if value is not None:
                row[name] = conv(value)
        return row

    return convert


def _converter(kind: pa.DataType) -> Converter | None:
    if pa.types.is_date32(kind):
        return date.fromisoformat
    if pa.types.is_timestamp(kind):
        return datetime.fromisoformat  # Python 3.11 reads `Z` and `+08:00`
    if pa.types.is_list(kind):
        inner = _converter(kind.value_type)
        return None if inner is None else (lambda items: [_maybe(inner, v) for v in items])
    if pa.types.is_struct(kind):
        children = {
            kind.field(i).name: conv
            for i in range(kind.num_fields)
            if (conv := _converter(kind.field(i).type)) is not None
        }
        if not children:
            return None
        return lambda obj: {k: _maybe(children.get(k), v) for k, v in obj.items()}
    return None


def _maybe(conv: Converter | None, value: Any) -> Any:
    return value if conv is None or value is None else conv(value)
