"""Load one YAML file into plain data plus the line and column of every key and value.

Why not `yaml.safe_load`: it silently keeps the last of duplicate keys, reads YAML 1.1
surprises (`on` -> True, `0700` -> 448, `02:00` -> 120, `7.10` -> 7.1) and forgets
where each value stood. Here scalars follow the YAML 1.2 core schema, every plain
scalar's source text is kept so that a type error can say what YAML 1.1 tools would
have made of it, and each node's position is recorded by its path in the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.resolver import BaseResolver

from .diagnostics import Diagnostic, Location, SpecError, SpecPath

MAX_DEPTH = 64
MAX_NODES = 200_000  # after alias expansion: stops "billion laughs" documents
MAX_BYTES = 5 * 1024 * 1024

STR = "tag:yaml.org,2002:str"
INT = "tag:yaml.org,2002:int"
FLOAT = "tag:yaml.org,2002:float"
BOOL = "tag:yaml.org,2002:bool"
NULL = "tag:yaml.org,2002:null"
MAP = "tag:yaml.org,2002:map"
SEQ = "tag:yaml.org,2002:seq"


class Yaml12Resolver(BaseResolver):
    """The YAML 1.2 core schema: only true/false are booleans, no octal-by-leading-zero,
    no sexagesimal numbers, no timestamps."""


Yaml12Resolver.add_implicit_resolver(BOOL, re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF"))
Yaml12Resolver.add_implicit_resolver(
    INT, re.compile(r"^(?:[-+]?(?:0|[1-9][0-9]*)|0o[0-7]+|0x[0-9a-fA-F]+)$"), list("-+0123456789")
)
Yaml12Resolver.add_implicit_resolver(
    FLOAT,
    # a dot or an exponent makes a float: `0700` stays text (see yaml11_trap)
    re.compile(r"^(?:[-+]?(?:\.[0-9]+|[0-9]+\.[0-9]*)(?:[eE][-+]?[0-9]+)?|[-+]?[0-9]+[eE][-+]?[0-9]+"
               r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"),
    list("-+0123456789."),
)
Yaml12Resolver.add_implicit_resolver(NULL, re.compile(r"^(?:~|null|Null|NULL|)$"), ["~", "n", "N", ""])

_YAML11_BOOLS = {"y", "yes", "n", "no", "on", "off"}
_LEADING_ZERO = re.compile(r"^[-+]?0[0-9_]+$")


def yaml11_trap(raw: str, wants: str | None) -> str | None:
    """What a YAML 1.1 reader would make of a plain scalar that cachegen reads as a string, as
    a hint that fixes the error: `wants` is what the key takes ("bool", "text" or None for
    anything else, where such a hint would not help)."""
    low = raw.lower()
    if low in _YAML11_BOOLS:
        truth = "true" if low in {"y", "yes", "on"} else "false"
        if wants == "bool":
            return f"cachegen reads YAML 1.2, where the bare word `{raw}` is text, not a boolean: write {truth}"
        return None
    # Where text is wanted, cachegen (YAML 1.2) already reads `0700` or `02:00` as text: quoting
    # would change nothing, so no hint; the expected form is what helps.
    if _LEADING_ZERO.match(raw) and wants is None and raw.lstrip("+-").isdigit():  # a number: the zero must go
        return f"`{raw}` has a leading zero (YAML 1.1 tools read it as octal): write {int(raw)}"
    return None


try:
    from yaml._yaml import CParser as _Parser  # libyaml: same nodes and marks, much faster
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    _Parser = None

if _Parser is not None:

    class _Composer(_Parser, Yaml12Resolver):
        def __init__(self, stream: str) -> None:
            _Parser.__init__(self, stream)
            Yaml12Resolver.__init__(self)

else:  # pragma: no cover - exercised only where PyYAML was built without libyaml
    from yaml.composer import Composer
    from yaml.parser import Parser
    from yaml.reader import Reader
    from yaml.scanner import Scanner

    class _Composer(Reader, Scanner, Parser, Composer, Yaml12Resolver):  # type: ignore[no-redef]
        def __init__(self, stream: str) -> None:
            Reader.__init__(self, stream)
            Scanner.__init__(self)
            Parser.__init__(self)
            Composer.__init__(self)
            Yaml12Resolver.__init__(self)


@dataclass(frozen=True)
class NodeInfo:
    """Where one value of the document stands."""

    value: Location
    key: Location | None = None  # the mapping key that introduced the value
    raw: str | None = None  # source text of a plain (unquoted) scalar


@dataclass
class Document:
    path: Path
    display_name: str
    data: Any
    nodes: dict[SpecPath, NodeInfo] = field(default_factory=dict)
    text: str = ""

    def location(self, path: SpecPath) -> Location:
        """The position of `path`, or of its nearest ancestor present in the file."""
        return locate(self.nodes, path, self.display_name)


def locate(nodes: dict[SpecPath, NodeInfo], path: SpecPath, fallback_file: str, prefer_key: bool = False) -> Location:
    for end in range(len(path), -1, -1):
        info = nodes.get(path[:end])
        if info is not None:
            if prefer_key and end == len(path) and info.key is not None:
                return info.key
            return info.value
    return Location(fallback_file, 1, 1)


def _loc(mark: Any, name: str) -> Location:
    return Location(name, mark.line + 1, mark.column + 1)


def read_text(path: Path, name: str) -> str:
    try:
        if not path.exists():
            raise SpecError([Diagnostic(f"no such file: {name}", Location(name, 1, 1), code="io")])
        if not path.is_file():
            raise SpecError([Diagnostic(f"{name} is not a regular file", Location(name, 1, 1), code="io",
                                        expected="a YAML spec file")])
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise SpecError([Diagnostic(
                f"the file is {size:,} bytes; a spec is at most {MAX_BYTES:,}", Location(name, 1, 1), code="io")])
        raw = path.read_bytes()
    except OSError as exc:
        raise SpecError([Diagnostic(f"cannot read {name}: {exc.strerror}", Location(name, 1, 1), code="io")]) from None
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        before = raw[: exc.start]
        line = before.count(b"\n") + 1
        column = exc.start - (before.rfind(b"\n") + 1) + 1
        raise SpecError([Diagnostic(
            f"the file is not valid UTF-8 (byte 0x{raw[exc.start]:02x})", Location(name, line, column),
            code="yaml", expected="UTF-8 text")]) from None


def load_file(path: Path, display_name: str) -> Document:
    """A spec file's data and the position of every value. A file met again with the same text
    (the base that every environment extends) is parsed once per process; the data is shared,
    so callers change no more than the top-level mapping, which is their own copy."""
    text = read_text(path, display_name)
    data, nodes = _parse(text, display_name)
    return Document(path=path, display_name=display_name, data=dict(data), nodes=dict(nodes), text=text)


@lru_cache(maxsize=64)
def _parse(text: str, display_name: str) -> tuple[dict[str, Any], dict[SpecPath, NodeInfo]]:
    nodes: dict[SpecPath, NodeInfo] = {}
    try:
        composer = _Composer(text)
        root = composer.get_single_node()
    except yaml.reader.ReaderError as exc:  # a character YAML forbids (NUL, other controls)
        before = text[: exc.position]
        where = Location(display_name, before.count("\n") + 1, exc.position - (before.rfind("\n") + 1) + 1)
        raise SpecError([Diagnostic(f"character {exc.character!r} is not allowed in YAML", where, code="yaml",
                                    suggestion="remove control characters from the file")]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = _loc(mark, display_name) if mark else Location(display_name, 1, 1)
        problem = exc.problem or "invalid YAML"
        if exc.context and "expected a single document" in exc.context:
            problem = "the file holds more than one YAML document; a spec is one document"
        hint = None
        if mark is not None and _tab_near(text, mark):
            problem, hint = "a tab character: YAML indents with spaces only", "replace the tab with spaces"
            where = _loc(mark, display_name)
        elif "\\t" in problem or "tab" in problem:
            hint = "indent with spaces: YAML does not allow tabs"
        raise SpecError([Diagnostic(f"YAML syntax error: {problem}", where, code="yaml", suggestion=hint)]) from None
    except RecursionError:
        raise SpecError([Diagnostic(f"the document is nested too deeply (limit {MAX_DEPTH})",
                                    Location(display_name, 1, 1), code="yaml")]) from None
    if root is None:
        raise SpecError([Diagnostic("the file is empty", Location(display_name, 1, 1), code="yaml",
                                    expected="a mapping of spec keys, e.g. `name: my-app`")])
    builder = _Builder(display_name, nodes)
    data = builder.build(root, (), None)
    if builder.errors:
        raise SpecError(builder.errors)
    if not isinstance(data, dict):
        raise SpecError([Diagnostic("a spec must be a mapping of keys to values", locate(nodes, (), display_name),
                                    code="yaml", expected="a mapping, e.g. `name: my-app`")])
    return data, nodes


def _tab_near(text: str, mark: Any) -> bool:
    """Whether the error's line has a tab in its indentation or at the error's position: PyYAML
    then says only "found character that cannot start any token"."""
    lines = text.splitlines()
    if not 0 <= mark.line < len(lines):
        return False
    line = lines[mark.line]
    indentation = line[: len(line) - len(line.lstrip())]
    return "\t" in indentation or line[mark.column: mark.column + 1] == "\t"


class _Builder:
    """Turns composed YAML nodes into plain Python data, recording positions."""

    def __init__(self, name: str, nodes: dict[SpecPath, NodeInfo]) -> None:
        self.name = name
        self.nodes = nodes
        self.errors: list[Diagnostic] = []
        self.count = 0

    def error(self, message: str, node: Node, path: SpecPath, **extra: Any) -> None:
        self.errors.append(Diagnostic(message, _loc(node.start_mark, self.name), path=path, code="yaml", **extra))

    def build(self, node: Node, path: SpecPath, key: Location | None) -> Any:
        self.count += 1
        if self.count > MAX_NODES:
            if self.count == MAX_NODES + 1:
                self.error(f"the document expands to more than {MAX_NODES:,} values (aliases?)", node, path)
            return None
        if len(path) > MAX_DEPTH:
            if not any(d.message.startswith("nested") for d in self.errors):
                self.error(f"nested more than {MAX_DEPTH} levels deep", node, path)
            return None
        where = _loc(node.start_mark, self.name)
        if isinstance(node, ScalarNode):
            raw = node.value if not node.style else None  # plain: None (pure parser) or "" (libyaml)
            self.nodes[path] = NodeInfo(where, key, raw)
            return self.scalar(node, path)
        # a block collection starts at its first item; its key is where a reader looks
        self.nodes[path] = NodeInfo(key or where, key)
        if isinstance(node, SequenceNode):
            if node.tag != SEQ:
                self.error(f"unsupported YAML tag {node.tag}", node, path)
            return [self.build(item, path + (i,), None) for i, item in enumerate(node.value)]
        if isinstance(node, MappingNode):
            if node.tag != MAP:
                self.error(f"unsupported YAML tag {node.tag}", node, path)
            return self.mapping(node, path)
        raise AssertionError(f"unknown node {node!r}")  # pragma: no cover

    def mapping(self, node: MappingNode, path: SpecPath) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, Location] = {}
        for key_node, value_node in node.value:
            key_loc = _loc(key_node.start_mark, self.name)
            if not isinstance(key_node, ScalarNode):
                self.error("a mapping key must be a plain name, not a list or mapping", key_node, path)
                continue
            key = key_node.value
            if key == "<<" and not key_node.style:
                self.error("YAML merge keys (`<<`) are not supported", key_node, path,
                           suggestion="share settings with `extends: base.yaml` instead")
                continue
            if key in first_seen:
                self.error(f"duplicate key `{key}` (first defined at line {first_seen[key].line})", key_node,
                           path + (key,), suggestion="YAML keeps only one of them; remove or merge the duplicates")
                continue
            first_seen[key] = key_loc
            result[key] = self.build(value_node, path + (key,), key_loc)
        return result

    def scalar(self, node: ScalarNode, path: SpecPath) -> Any:
        tag, value = node.tag, node.value
        if tag == STR:
            return value
        if tag == NULL:
            return None
        if tag == BOOL:
            if value.lower() in ("true", "false"):
                return value.lower() == "true"
        elif tag == INT:
            try:
                return int(value.replace("_", ""), 0) if not _LEADING_ZERO.match(value) else int(value, 10)
            except ValueError:
                pass
        elif tag == FLOAT:
            try:
                return float(value.lower().replace(".inf", "inf").replace(".nan", "nan"))
            except ValueError:
                pass
        else:
            self.error(f"unsupported YAML tag {tag}", node, path,
                       suggestion="cachegen specs use plain YAML values; drop the tag")
            return None
        self.error(f"`{value}` is not a valid {tag.rsplit(':', 1)[-1]}", node, path)
        return None
