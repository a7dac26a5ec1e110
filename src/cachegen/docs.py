"""Generates docs/spec.md (from the spec models) and docs/validation-rules.md (from the
rule registry), so the reference can never drift from the code: a test compares them.

    python -m cachegen.docs        # rewrite docs/
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from .spec import Spec

SPEC_DOC = "spec.md"
RULES_DOC = "validation-rules.md"
LINT_DOC = "rules.md"

INTRO = """# The spec language

Generated from `src/cachegen/spec.py` by `python -m cachegen.docs`; do not edit.

A spec file describes one ElastiCache replication group for one environment. Files can
share settings: `extends: base.yaml` inherits another file and `preset: NAME` starts from
one of the guide's profiles (`src/cachegen/data/presets.yaml`). Layers, weakest first:
defaults < preset < base file(s) < the spec. Mappings merge key by key; scalars and
whole lists are replaced by the later layer (a list is never concatenated).

YAML is read as YAML 1.2: only `true`/`false` are booleans (`on`, `yes`, `no` are text,
and an error says so where a boolean is expected), numbers with a leading zero are not
octal, `02:00` is text, duplicate keys and merge keys (`<<`) are errors. Quote versions:
`version: "7.1"`.
"""


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType")):
        return " or ".join(_type_name(a) for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map of {_type_name(args[0])} to {_type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return {type(None): "null", str: "string", int: "integer", float: "number", bool: "boolean"}.get(
        annotation, str(annotation))


def _default(field: Any) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    value = field.default_factory() if field.default_factory is not None else field.default
    if isinstance(value, BaseModel):
        return "(section defaults)"
    return f"`{json.dumps(value)}`"


def _models(model: type[BaseModel], seen: list[type[BaseModel]]) -> list[type[BaseModel]]:
    if model in seen:
        return seen
    seen.append(model)
    for field in model.model_fields.values():
        for arg in [field.annotation, *typing.get_args(field.annotation)]:
            for inner in [arg, *typing.get_args(arg)]:
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    _models(inner, seen)
    return seen


def spec_reference() -> str:
    parts = [INTRO]
    for model in _models(Spec, []):
        parts.append(f"\n## {model.__name__}\n")
        if model.__doc__ and model is not Spec and "strict" not in model.__doc__:
            parts.append(model.__doc__.strip() + "\n")
        parts.append("| key | type | default | meaning |\n|---|---|---|---|")
        for name, field in model.model_fields.items():
            meaning = (field.description or "").replace("|", "\\|")
            parts.append(f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | {meaning} |")
    return "\n".join(parts) + "\n"


def rules_reference() -> str:
    from .rules import REGISTRY

    lines = ["# Validation rules", "",
             "Generated from `src/cachegen/rules/` by `python -m cachegen.docs`; do not edit.", "",
             "Cross-field rules checked after the schema. Each is an error (exit 2): AWS would reject the",
             "deployment, or Celery would silently misbehave.", "",
             "| id | rule | source |", "|---|---|---|"]
    lines += [f"| {r.id} | {r.summary} | {r.source} |" for r in REGISTRY]
    return "\n".join(lines) + "\n"


def lint_reference() -> str:
    from .lint import ENFORCED_BY_VALIDATION, REGISTRY, SUPPRESSION_ID

    lines = ["# Lint rules", "",
             "Generated from `src/cachegen/lint/` by `python -m cachegen.docs`; do not edit.", "",
             "`cachegen lint SPEC...` reports these findings (exit 1 at or above `--fail-on`, default warning).",
             "Silence one per spec with a reason: `lint: {ignore: [{id: CG013, reason: \"...\"}]}`; a suppression",
             f"without a reason does not apply and is itself a finding ({SUPPRESSION_ID}).", ""]
    for rule in REGISTRY:
        lines += [f"## {rule.id} ({rule.severity}): {rule.summary}", "", rule.rationale, "", f"Source: {rule.source}", ""]
    lines += ["## Enforced by validation", "",
              "These Celery rules are errors of `cachegen validate` (docs/validation-rules.md), so lint never",
              "sees a spec that breaks them:", ""]
    lines += [f"- {lint_id}: see {rule_id}" for lint_id, rule_id in ENFORCED_BY_VALIDATION.items()]
    return "\n".join(lines) + "\n"


def generate() -> dict[str, str]:
    return {SPEC_DOC: spec_reference(), RULES_DOC: rules_reference(), LINT_DOC: lint_reference()}


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")
    target.mkdir(exist_ok=True)
    for name, text in generate().items():
        (target / name).write_text(text, encoding="utf-8")
