"""CloudFormation YAML with short-form intrinsics (`!Ref`, `!Sub`, `!GetAtt`).

A small writer of our own instead of PyYAML's emitter: the stack is plain dicts, lists and
scalars plus three tags, and PyYAML's pure-Python emitter was 87 % of compile time. The
output is block YAML, keys in insertion order, no aliases. A string is written plain
only when it is unambiguous to a YAML 1.1 reader (CloudFormation's parser): it must
resolve back to a string and hold no indicator characters; anything else is
single-quoted, and text with line breaks or control characters is double-quoted.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from yaml.nodes import ScalarNode
from yaml.resolver import Resolver

from .escape import Yaml

_RESOLVER = Resolver()
_STR = "tag:yaml.org,2002:str"
_PLAIN = re.compile(r"^[A-Za-z0-9_/$.(][A-Za-z0-9 _./:@()$,+=\-]*$")
_KEY = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*$")
# the complement of _printable(), as one regex (a dashboard body is thousands of characters); the
# full class takes milliseconds to compile, and ASCII text (nearly all of it) needs only the first
_ASCII_UNPRINTABLE = re.compile("[\x00-\x1f\x7f]")
_UNPRINTABLE_CLASS = "[^\x20-\x7e\xa0-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]|[\u2028\u2029]"


@lru_cache(maxsize=1)
def _unprintable() -> re.Pattern[str]:
    return re.compile(_UNPRINTABLE_CLASS)


def _has_unprintable(value: str) -> bool:
    return bool((_ASCII_UNPRINTABLE if value.isascii() else _unprintable()).search(value))


@dataclass(frozen=True)
class Ref:
    name: str


@dataclass(frozen=True)
class Sub:
    template: str


@dataclass(frozen=True)
class GetAtt:
    target: str  # "Resource.Attribute"


_TAGS = {Ref: ("!Ref", "name"), Sub: ("!Sub", "template"), GetAtt: ("!GetAtt", "target")}


def _printable(ch: str) -> bool:
    """YAML's printable set (YAML 1.1, 5.1) less tab and the line breaks NEL, LS and PS:
    anything else is written escaped."""
    code = ord(ch)
    return (0x20 <= code <= 0x7E or 0xA0 <= code <= 0xD7FF or 0xE000 <= code <= 0xFFFD
            or 0x10000 <= code <= 0x10FFFF) and code not in (0x2028, 0x2029)


def _escape(ch: str) -> str:
    """One character inside a YAML double-quoted scalar."""
    if ch in '"\\':
        return "\\" + ch
    if _printable(ch):
        return ch
    code = ord(ch)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


@lru_cache(maxsize=4096)  # a stack repeats its keys and tag values hundreds of times
def _string(value: str) -> str:
    if value and _PLAIN.fullmatch(value) and not value.endswith((" ", ":")) and ": " not in value \
            and " #" not in value and _RESOLVER.resolve(ScalarNode, value, (True, False)) == _STR:
        return value
    if _has_unprintable(value):
        return '"' + "".join(_escape(ch) for ch in value) + '"'
    return "'" + value.replace("'", "''") + "'"


def _scalar(value: Any) -> str:
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            return ".nan" if value != value else (".inf" if value > 0 else "-.inf")
        text = repr(value).lower()
        return text.replace("e", ".0e", 1) if "." not in text and "e" in text else text  # 1e-05 -> 1.0e-05 (YAML 1.1)
    if isinstance(value, str):
        return _string(value)
    if type(value) in _TAGS:
        tag, field = _TAGS[type(value)]
        return f"{tag} {_string(getattr(value, field))}"
    raise TypeError(f"cannot write {type(value).__name__} to the stack")


@lru_cache(maxsize=1024)
def _key(key: str) -> str:
    return key if _KEY.fullmatch(key) and _RESOLVER.resolve(ScalarNode, key, (True, False)) == _STR else _string(key)


def _mapping(data: dict[str, Any], indent: int, out: list[str], first_prefix: str | None = None) -> None:
    pad = " " * indent
    for i, (key, value) in enumerate(data.items()):
        lead = first_prefix if (i == 0 and first_prefix is not None) else pad
        kind = type(value)
        if kind is str:  # most values: no further dispatch
            out.append(f"{lead}{_key(key)}: {_string(value)}")
        elif kind is dict and value:
            out.append(f"{lead}{_key(key)}:")
            _mapping(value, indent + 2, out)
        elif kind is list and value:
            out.append(f"{lead}{_key(key)}:")
            _sequence(value, indent, out)
        else:
            out.append(f"{lead}{_key(key)}: {'{}' if value == {} else '[]' if value == [] else _scalar(value)}")


def _sequence(items: list[Any], indent: int, out: list[str]) -> None:
    pad = " " * indent
    for item in items:
        kind = type(item)
        if kind is str:
            out.append(f"{pad}- {_string(item)}")
        elif kind is dict and item:
            _mapping(item, indent + 2, out, first_prefix=f"{pad}- ")
        elif kind is list and item:
            out.append(f"{pad}-")
            _sequence(item, indent + 2, out)
        else:
            out.append(f"{pad}- {'{}' if item == {} else '[]' if item == [] else _scalar(item)}")


def dump(document: dict[str, Any]) -> Yaml:
    if not document:
        return Yaml("{}\n")
    out: list[str] = []
    _mapping(document, 0, out)
    return Yaml("\n".join(out) + "\n")
