"""Schema validation: the merged document against the spec models, every error at once,
each turned into a diagnostic a person can act on (position, path, expectation, hint)."""

from __future__ import annotations

import difflib
import re
import types
import typing
from typing import Any

from pydantic import BaseModel, ValidationError

from .diagnostics import Diagnostic, SpecError, SpecPath, did_you_mean, format_path
from .inherit import MergedSpec
from .loader import yaml11_trap
from .spec import Spec

_SECRET_KEY = re.compile(r"token|password|passwd|secret_value|auth_string", re.IGNORECASE)


TEXT_ERRORS = {"literal_error", "string_pattern_mismatch", "string_type"}  # the key takes text


def validate_schema(merged: MergedSpec) -> Spec | None:
    """The validated spec; None for an abstract spec (a base file), which is only checked."""
    try:
        spec = Spec.model_validate(merged.data)
    except ValidationError as exc:
        diagnostics = _translate(exc, merged)
        if diagnostics:
            raise SpecError(diagnostics) from None
        return None  # an abstract spec whose only errors were missing keys
    return None if merged.abstract else spec


def _translate(exc: ValidationError, merged: MergedSpec) -> list[Diagnostic]:
    seen: set[tuple[SpecPath, str]] = set()
    out: list[Diagnostic] = []
    for error in exc.errors(include_url=False):
        if merged.abstract and error["type"] == "missing":
            continue
        path = _data_path(merged.data, error["loc"])
        diagnostic = _diagnostic(error, path, merged)
        key = (diagnostic.path, diagnostic.message)
        if key in seen:  # unions report once per member
            continue
        seen.add(key)
        out.append(diagnostic)
    out.sort(key=lambda d: (d.location.line, d.location.column) if d.location else (0, 0))
    return out


def _data_path(data: Any, loc: tuple[Any, ...]) -> SpecPath:
    """The part of pydantic's `loc` that exists in the document (it appends union member names)."""
    path: list[Any] = []
    value = data
    for part in loc:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        elif isinstance(value, dict) and part not in value and not path_is_union_tag(part):
            path.append(part)  # a missing or unknown key: still part of the path
            break
        else:
            break
        path.append(part)
    return tuple(path)


def path_is_union_tag(part: Any) -> bool:
    return isinstance(part, str) and (part in {"str", "int", "float", "bool", "none"} or "[" in part)


def _diagnostic(error: dict[str, Any], path: SpecPath, merged: MergedSpec) -> Diagnostic:
    kind = error["type"]
    ctx = error.get("ctx", {})
    value = error.get("input")
    field = _field_at(path)
    examples = getattr(field, "examples", None) if field else None
    info = merged.nodes.get(path)
    wants = "bool" if kind.startswith("bool") else "text" if kind in TEXT_ERRORS else None
    trap = yaml11_trap(info.raw, wants) if info and info.raw is not None else None

    if kind == "extra_forbidden":
        key = path[-1]
        parent = path[:-1]
        return Diagnostic(f"unknown key `{key}`", merged.location(path, prefer_key=True), path, code="schema",
                          expected=_known_keys(parent), suggestion=_suggest_key(str(key), parent))
    if kind == "missing":
        return Diagnostic(f"required key `{path[-1]}` is missing", merged.location(path[:-1]), path, code="schema",
                          expected=_describe(field, examples),
                          suggestion="set it here or in the file this spec extends")
    if kind == "literal_error":
        expected = ctx.get("expected", "")
        choices = re.findall(r"'([^']*)'", expected)
        return Diagnostic(f"{_show(value)} is not one of the allowed values", merged.location(path), path,
                          code="schema", expected=" | ".join(choices) or expected,
                          suggestion=trap or did_you_mean(value, choices))
    if kind == "string_pattern_mismatch":
        return Diagnostic(f"{_show(value)} does not have the expected form", merged.location(path), path,
                          code="schema", expected=_describe(field, examples) or f"text matching {ctx.get('pattern')}",
                          suggestion=trap)
    if kind in {"model_type", "model_attributes_type", "dict_type"}:
        model = _walk(path)[0]
        shape = _shape(model, merged.data.get("region")) if model is not None else None
        return Diagnostic(f"expected a mapping of keys, got {_show(value)}", merged.location(path), path,
                          code="schema", expected=(f"a mapping like `{shape}`" if shape else _describe(field, examples)))
    message = f"{error['msg'][0].lower()}{error['msg'][1:]}, got {_show(value)}"
    hint = trap
    if hint is None and kind in {"string_type"} and isinstance(value, (int, float)) and not isinstance(value, bool):
        raw = info.raw if info and info.raw else str(value)
        hint = f'quote it: "{raw}" (unquoted, YAML reads it as a number)'
    return Diagnostic(message, merged.location(path), path, code="schema", expected=_describe(field, examples),
                      suggestion=hint)


def _shape(model: type[BaseModel], region: Any) -> str | None:
    """A one-line example of `model`'s required keys (or its first two), from the fields'
    examples, with zone and region examples moved into the spec's own region."""
    fields = [(name, f) for name, f in model.model_fields.items() if f.is_required()] or \
        list(model.model_fields.items())[:2]
    parts = []
    for name, field in fields:
        example = (field.examples or [None])[0]
        if example is None and isinstance(field.default, (str, int, float)) and not isinstance(field.default, bool):
            example = field.default
        if example is None:
            return None
        text = str(example)
        if isinstance(region, str) and region and "us-east-1" in text:
            text = text.replace("us-east-1", region)
        parts.append(f"{name}: {text}")
    return "{" + ", ".join(parts) + "}"


def _show(value: Any) -> str:
    if isinstance(value, str):
        return f'"{value}"' if len(value) <= 60 else f'"{value[:57]}..."'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null (empty)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return str(value)


def _describe(field: Any, examples: Any) -> str | None:
    if field is None:
        return None
    parts = []
    if field.description:
        parts.append(field.description.rstrip("."))
    if examples:
        parts.append("e.g. " + ", ".join(f"`{e}`" for e in examples))
    return "; ".join(parts) or None


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model class inside an annotation like `Model`, `Model | None`, `dict[str, Model]`, `list[Model]`."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in typing.get_args(annotation):
        found = _model_of(arg)
        if found is not None:
            return found
    return None


def _walk(path: SpecPath) -> tuple[type[BaseModel] | None, Any]:
    """The model that owns the last key of `path`, and that key's FieldInfo."""
    model: type[BaseModel] | None = Spec
    field = None
    for part in path:
        if isinstance(part, int) or model is None:
            continue
        if part not in model.model_fields:
            annotation = field.annotation if field is not None else None
            origin = typing.get_origin(annotation)
            if origin is dict or (isinstance(origin, type) and issubclass(origin, dict)):
                continue  # a free-form key of a dict: the value model stays
            return None, None
        field = model.model_fields[part]
        model = _model_of(field.annotation)
    return model, field


def _field_at(path: SpecPath) -> Any:
    return _walk(path)[1]


def _known_keys(parent: SpecPath) -> str | None:
    model = _walk(parent)[0] if parent else Spec
    if model is None:
        return None
    return "one of: " + ", ".join(model.model_fields)


def _all_field_paths(model: type[BaseModel] = Spec, prefix: SpecPath = ()) -> list[SpecPath]:
    out: list[SpecPath] = []
    for name, field in model.model_fields.items():
        out.append(prefix + (name,))
        inner = _model_of(field.annotation)
        # not into dict/list values: their paths hold user-chosen keys or indexes
        if inner is not None and not isinstance(field.annotation, types.GenericAlias):
            out.extend(_all_field_paths(inner, prefix + (name,)))
    return out


def _suggest_key(key: str, parent: SpecPath) -> str | None:
    if _SECRET_KEY.search(key):
        return ("secrets never go in a spec: the AUTH token is generated into Secrets Manager "
                "(security.auth.secret_name) and artifacts only reference it")
    model = _walk(parent)[0] if parent else Spec
    if model is not None:
        sibling = did_you_mean(key, list(model.model_fields))
        if sibling:
            return sibling
    elsewhere = [p for p in _all_field_paths() if p[-1] == key or difflib.get_close_matches(key, [str(p[-1])], cutoff=0.85)]
    elsewhere = [p for p in elsewhere if p[:-1] != parent]
    if elsewhere:
        return f"did you mean `{format_path(elsewhere[0])}`? (it belongs under `{format_path(elsewhere[0][:-1])}`)"
    return None
