"""JSON text as `json.dumps(value, indent=2)` writes it, several times faster.

The standard library encodes indented JSON in pure Python, one generator step per token;
alarms.json and dashboard.json hold thousands of tokens per environment. This writer builds
the same text with one call per container (strings inline) and the C string encoder. A property test
checks it against `json.dumps` on arbitrary JSON values.
"""

from __future__ import annotations

from json.encoder import encode_basestring_ascii
from typing import Any


def _float(value: float) -> str:
    if value != value:
        return "NaN"
    if value in (float("inf"), float("-inf")):
        return "Infinity" if value > 0 else "-Infinity"
    return float.__repr__(value)


def _encode(value: Any, indent: str) -> str:
    kind = type(value)
    if kind is str:
        return encode_basestring_ascii(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if kind is int:
        return int.__repr__(value)
    if kind is float:
        return _float(value)
    inner = indent + "  "
    between = ",\n" + inner
    # Strings, most of the leaves, are encoded inline: a call per leaf was most of the time.
    if kind is dict:
        if not value:
            return "{}"
        return "{\n" + inner + between.join(
            encode_basestring_ascii(key) + ": " + (encode_basestring_ascii(item) if type(item) is str
                                                   else _encode(item, inner))
            for key, item in value.items()) + "\n" + indent + "}"
    if kind in (list, tuple):
        if not value:
            return "[]"
        return "[\n" + inner + between.join(
            encode_basestring_ascii(item) if type(item) is str else _encode(item, inner)
            for item in value) + "\n" + indent + "]"
    raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(value: Any) -> str:
    """`json.dumps(value, indent=2)` for str keys and JSON values."""
    return _encode(value, "")
