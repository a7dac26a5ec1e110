"""`cachegen schema`: the JSON Schema of the spec language, generated from the models."""

from __future__ import annotations

import json
from typing import Any

SCHEMA_ID = "https://cachegen.dev/schema/cachegen.schema.json"


def generate() -> dict[str, Any]:
    from ..spec import Spec

    schema = _keys_as_property_names(_without_required(Spec.model_json_schema(mode="validation")))
    schema["description"] = (
        "One cachegen spec file. A file may be partial (it can `extends:` a base file), so no key is "
        "required here; `cachegen validate` checks required keys and cross-field rules after merging.")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID, **schema}


def _without_required(node: Any) -> Any:
    if isinstance(node, dict):
        return {key: _without_required(value) for key, value in node.items() if key != "required"}
    if isinstance(node, list):
        return [_without_required(item) for item in node]
    return node


def _keys_as_property_names(node: Any) -> Any:
    """pydantic writes a constrained dict key as `patternProperties`, which lets any other
    key through; the models reject such keys, so the schema does too: the key's pattern goes
    to `propertyNames` and the value's schema to `additionalProperties`."""
    if isinstance(node, list):
        return [_keys_as_property_names(item) for item in node]
    if not isinstance(node, dict):
        return node
    node = {key: _keys_as_property_names(value) for key, value in node.items()}
    patterns = node.pop("patternProperties", None)
    if patterns:
        [(pattern, value_schema)] = patterns.items()
        node["propertyNames"] = {**node.get("propertyNames", {}), "pattern": pattern}
        node["additionalProperties"] = value_schema
    return node


def text() -> str:
    return json.dumps(generate(), indent=2, ensure_ascii=False) + "\n"


def run() -> int:
    print(text(), end="")
    return 0
