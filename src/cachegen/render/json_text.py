"""JSON text as `json.dumps(value, indent=2)` writes it, several times faster.

The standard library encodes indented JSON in pure Python, one generator step per token;
alarms.json and dashboard.json hold thousands of tokens per environment. This writer builds
the same text with one call per container and the C string encoder. A property test
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


def _encode(value: Any, indent: str, out: list[str]) -> None:
    kind = type(value)
    if kind is str:
        out.append(encode_basestring_ascii(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        out.append(_float(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = indent + "  "
        out.append("{\n")
        first = True
        for key, item in value.items():
            if not first:
                out.append(",\n")
            first = False
            out.append(inner + encode_basestring_ascii(key) + ": ")
            _encode(item, inner, out)
        out.append("\n" + indent + "}")
    elif kind in (list, tuple):
        if not value:
            out.append("[]")
            return
        inner = indent + "  "
        out.append("[\n")
        first = True
        for item in value:
            if not first:
                out.append(",\n")
            first = False
            out.append(inner)
            _encode(item, inner, out)
        out.append("\n" + indent + "]")
    else:
        raise TypeError(f"{type(value).__name__} is not JSON")


def dumps(value: Any) -> str:
    """`json.dumps(value, indent=2)` for str keys and JSON values."""
    out: list[str] = []
    _encode(value, "", out)
    return "".join(out)
