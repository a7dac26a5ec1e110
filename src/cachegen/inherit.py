"""`extends:` and `preset:` — one spec assembled from a chain of files and a named preset.

The merge rule, the same at every level:
  * mappings merge key by key, recursively;
  * anything else — scalars and whole lists — is replaced by the later layer.
    (A list is never concatenated: what a file says is exactly what it gets.)
  * `null` over an inherited key removes it, so the key falls back to its default
    (e.g. `values: null` drops a base file's parameter values).
Layers, from weakest to strongest: model defaults < preset < base file(s) < the spec.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import catalog
from .diagnostics import Diagnostic, Location, SpecError, SpecPath, did_you_mean
from .loader import Document, NodeInfo, load_file, locate

MAX_CHAIN = 8
PRESET_ORIGIN = "preset"
PRESET_LINE = 0  # a preset's values have no line: line 0 tells them from any file, whatever its name


def from_preset(location: Location) -> bool:
    return location.line == PRESET_LINE


@dataclass(frozen=True)
class Source:
    """One file of the chain, named relative to the top spec's directory (stable across machines)."""

    name: str
    sha256: str


@dataclass
class MergedSpec:
    """The document the schema validates: data, where each value came from, and the files read."""

    path: Path
    display_name: str
    data: dict[str, Any]
    nodes: dict[SpecPath, NodeInfo]
    sources: list[Source] = field(default_factory=list)
    preset: str | None = None
    abstract: bool = False
    documents: list[Document] = field(default_factory=list)  # every file read, the spec's own first

    def location(self, path: SpecPath, prefer_key: bool = False) -> Location:
        """Where `path` is written. A value a preset supplied is written by the `preset:` line
        of the user's file, so that is where it points (never at the preset itself)."""
        found = locate(self.nodes, path, self.display_name, prefer_key)
        if from_preset(found) and ("preset",) in self.nodes:
            return self.nodes[("preset",)].value
        return found

    def written_by_user(self, path: SpecPath) -> bool:
        """Whether a spec file (not a preset, not a default) sets the value at `path`."""
        info = self.nodes.get(path)
        return info is not None and not from_preset(info.value)

    def most_likely_edited(self, *paths: SpecPath) -> SpecPath:
        """Of values that conflict, the one to blame: set in this spec's own file, else in any
        spec file (a base), else the first (a default or a preset's)."""
        own = [p for p in paths if self.written_by_user(p) and self.nodes[p].value.file == self.display_name]
        written = [p for p in paths if self.written_by_user(p)]
        return (own or written or list(paths))[0]

    def origin(self, path: SpecPath) -> str | None:
        """`file:line` (or `preset NAME`) for a value the documents set, None for a default."""
        info = self.nodes.get(path)
        if info is None:
            return None
        if from_preset(info.value):
            return info.value.file
        return f"{info.value.file}:{info.value.line}"


def display_path(path: Path) -> str:
    """How a file is named in messages: relative to the working directory when below it."""
    try:
        return os.path.relpath(path)
    except ValueError:  # another drive on Windows
        return str(path)


def _boundary(spec: Path) -> Path:
    """`extends` may not leave the repository holding the spec (or its directory outside git)."""
    for parent in [spec.parent, *spec.parent.parents]:
        if (parent / ".git").exists():
            return parent
    return spec.parent


def _sha256(text: str) -> str:
    import hashlib

    # line endings normalised: a CRLF checkout (git autocrlf) hashes like an LF one
    return hashlib.sha256(text.replace("\r\n", "\n").encode("utf-8")).hexdigest()


def load_spec(path: Path) -> MergedSpec:
    top = path.resolve() if path.exists() else path.absolute()
    chain: list[Document] = []
    seen: list[Path] = []
    boundary = _boundary(top)
    current, via = top, None
    while True:
        doc = load_file(current, display_path(current) if via else display_path(path))
        if via is not None:
            doc.data.pop("abstract", None)  # abstractness belongs to a file, it is not inherited
        chain.append(doc)
        seen.append(current)
        parent_ref = doc.data.pop("extends", None)
        if parent_ref is None:
            break
        where = doc.location(("extends",))
        if not isinstance(parent_ref, str) or not parent_ref:
            raise SpecError([Diagnostic("`extends` names one file", where, ("extends",), code="extends",
                                        expected="a path relative to this file, e.g. `base.yaml`")])
        try:
            parent = (current.parent / parent_ref).resolve()
            is_file = parent.is_file()
        except (OSError, ValueError) as error:  # a NUL byte, a name too long for the system
            reason = "a NUL byte" if "\x00" in parent_ref else (getattr(error, "strerror", None) or str(error))
            raise SpecError([Diagnostic(f"`extends` names a path that cannot be opened ({reason})", where,
                                        ("extends",), code="extends",
                                        expected="a spec file relative to this one, e.g. `base.yaml`")]) from None
        if parent in seen:
            cycle = " -> ".join(display_path(p) for p in [*seen, parent])
            raise SpecError([Diagnostic(f"`extends` makes a cycle: {cycle}", where, ("extends",), code="extends")])
        if not parent.is_relative_to(boundary):
            raise SpecError([Diagnostic(f"`extends: {parent_ref}` points outside {display_path(boundary)}",
                                        where, ("extends",), code="extends",
                                        expected="a file inside the repository that holds the spec")])
        if len(chain) >= MAX_CHAIN:
            raise SpecError([Diagnostic(f"`extends` chain longer than {MAX_CHAIN} files", where, ("extends",),
                                        code="extends")])
        if not is_file:
            raise SpecError([Diagnostic(f"`extends: {parent_ref}`: no such file ({display_path(parent)})", where,
                                        ("extends",), code="extends", expected="a spec file relative to this one",
                                        suggestion=_closest_file(current, parent_ref))])
        current, via = parent, doc

    data: dict[str, Any] = {}
    nodes: dict[SpecPath, NodeInfo] = {}
    for doc in reversed(chain):
        data, nodes = merge(data, nodes, doc.data, doc.nodes)

    merged = MergedSpec(path=path, display_name=display_path(path), data=data, nodes=nodes, documents=chain)
    merged.abstract = data.get("abstract") is True
    base_dir = top.parent
    merged.sources = [Source(os.path.relpath(p, base_dir).replace(os.sep, "/"), _sha256(d.text))
                      for p, d in zip(seen, chain)]
    preset = data.get("preset")
    if preset is not None:
        _apply_preset(merged, preset)
    return merged


def _closest_file(spec: Path, reference: str) -> str | None:
    """`did you mean `base.yaml`?` for a misspelt file name next to the spec: names compared
    without their common `.yaml`, which alone would make any two look alike."""
    import difflib

    wanted = Path(reference)
    siblings = {p.stem: p.name for p in (spec.parent / wanted.parent).glob("*.y*ml") if p.resolve() != spec}
    close = difflib.get_close_matches(wanted.stem, list(siblings), n=1, cutoff=0.75)
    return f"did you mean `{(wanted.parent / siblings[close[0]]).as_posix()}`?" if close else None


def _apply_preset(merged: MergedSpec, preset: Any) -> None:
    presets = catalog.presets()
    if not isinstance(preset, str) or preset not in presets:
        names = sorted(presets)
        raise SpecError([Diagnostic(
            f"unknown preset `{preset}`", merged.location(("preset",)), ("preset",), code="preset",
            expected=" | ".join(names), suggestion=did_you_mean(preset, names))])
    origin = Location(f"{PRESET_ORIGIN} {preset}", PRESET_LINE, PRESET_LINE)
    preset_nodes = {path: NodeInfo(origin) for path in _paths(presets[preset]["values"])}
    merged.data, merged.nodes = merge(presets[preset]["values"], preset_nodes, merged.data, merged.nodes)
    merged.preset = preset


def _paths(value: Any, prefix: SpecPath = ()) -> list[SpecPath]:
    out: list[SpecPath] = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out.extend(_paths(v, prefix + (k,)))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out.extend(_paths(v, prefix + (i,)))
    return out


def merge(base: Any, base_nodes: dict[SpecPath, NodeInfo], over: Any, over_nodes: dict[SpecPath, NodeInfo]
          ) -> tuple[Any, dict[SpecPath, NodeInfo]]:
    """Deep-merge `over` onto `base` (see the module doc) and keep each value's position."""
    nodes = {path: info for path, info in base_nodes.items() if not _shadowed(over, path)}
    merged = _merge_data(base, over)
    nodes.update((path, info) for path, info in over_nodes.items() if _present(merged, path))
    return merged, nodes


def _merge_data(base: Any, over: Any) -> Any:
    if isinstance(base, dict) and isinstance(over, dict):
        result = dict(base)
        for key, value in over.items():
            if value is None and key in base:
                del result[key]
            else:
                result[key] = _merge_data(base[key], value) if key in base else value
        return result
    return over


def _present(data: Any, path: SpecPath) -> bool:
    for part in path:
        if isinstance(data, dict) and part in data:
            data = data[part]
        elif isinstance(data, list) and isinstance(part, int) and part < len(data):
            data = data[part]
        else:
            return False
    return True


def _shadowed(over: Any, path: SpecPath) -> bool:
    """Whether the later layer replaces the value at `path` (or one of its ancestors)."""
    value = over
    for part in path:
        if not isinstance(value, dict):
            return True
        if part not in value:
            return False
        value = value[part]
    return not isinstance(value, dict)
