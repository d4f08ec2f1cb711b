"""Arrow schemas derived from the record models, in this one place.

Money is `decimal128(MONEY_PRECISION, MONEY_SCALE)`: exact, in 元. A value with more
decimals than the scale makes pyarrow raise instead of rounding, which is what we want:
nothing is silently changed between the text and the file.
"""

from __future__ import annotations

import json
import types
import typing
from datetime import date, datetime
from decimal import Decimal

import pyarrow as pa

from .records import Record

MONEY_PRECISION = 22
MONEY_SCALE = 2


_LIMIT = Decimal(10) ** (MONEY_PRECISION - MONEY_SCALE)


def fits(value: Decimal, scale: int = MONEY_SCALE) -> bool:
    """True when `value` is stored exactly by this module's decimal type of that scale."""
    return -value.as_tuple().exponent <= scale and abs(value) < _LIMIT


def _arrow_type(annotation, scale: int = MONEY_SCALE) -> tuple[pa.DataType, bool]:
    """Given a field annotation, return (arrow type, nullable); `scale` for Decimal fields."""
    nullable = False
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        nullable = len(args) < len(typing.get_args(annotation))
        annotation = args[0]
        origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return pa.string(), nullable
    if annotation is str:
        return pa.string(), nullable
    if annotation is int:
        return pa.int32(), nullable
    if annotation is Decimal:
        return pa.decimal128(MONEY_PRECISION + scale - MONEY_SCALE, scale), nullable
    if annotation is datetime:
        return pa.timestamp("us", tz="UTC"), nullable
    if annotation is date:
        return pa.date32(), nullable
    if annotation is bool:
        return pa.bool_(), nullable
    if origin in (list, tuple):
        inner, _ = _arrow_type(typing.get_args(annotation)[0])
        return pa.list_(inner), nullable
    raise TypeError(f"no Arrow type for {annotation!r}")


def arrow_schema(model: type[Record]) -> pa.Schema:
    """Given a record model, return its Arrow schema with descriptions as field metadata."""
    fields = []
    for name, info in model.model_fields.items():
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        typ, nullable = _arrow_type(info.annotation, int(extra.get("scale", MONEY_SCALE)))
        meta = {"description": info.description or ""}
        meta.update({k: str(v) for k, v in extra.items()})
        fields.append(pa.field(name, typ, nullable=nullable, metadata=meta))
    return pa.schema(fields, metadata={"yusuan.model": model.__name__,
                                       "yusuan.fields": json.dumps(list(model.model_fields))})


def to_table(model: type[Record], records: list[Record]) -> pa.Table:
    """Given records of one model, return an Arrow table with the model's schema."""
    schema = arrow_schema(model)
    rows = [r.model_dump() for r in records]
    return pa.Table.from_pylist(rows, schema=schema)
