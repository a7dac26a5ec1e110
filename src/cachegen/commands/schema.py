"""`cachegen schema`: the JSON Schema of the spec language, generated from the models."""

from __future__ import annotations

import json
from typing import Any

SCHEMA_ID = "https://cachegen.dev/schema/cachegen.schema.json"


PARTIAL = "Partial"  # the prefix of a definition with no required key


def generate() -> dict[str, Any]:
    """The schema of one spec file. A file that `extends:` another, or is `abstract: true`, may
    leave keys to its base: it is checked against the definitions without `required`; any
    other file must be complete. The catalogues' names (node types, engine versions, regions)
    are enums, so an editor flags an unknown one as it is typed."""
    from ..spec import Spec

    full = _no_url_passwords(_keys_as_property_names(Spec.model_json_schema(mode="validation")))
    _catalogue_enums(full)
    definitions = full.pop("$defs")
    title = full.pop("title", "cachegen spec")
    partial_definitions = {PARTIAL + name: _partial(schema) for name, schema in definitions.items()}
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": title,
        "description": (
            "One cachegen spec file. A file that `extends:` a base, or is `abstract: true`, may leave keys to "
            "the files it extends; any other file names every required key. `cachegen validate` checks the "
            "merged spec and the cross-field rules."),
        "if": {"anyOf": [{"required": ["extends"]},
                         {"required": ["abstract"], "properties": {"abstract": {"const": True}}}]},
        "then": {"$ref": f"#/$defs/{PARTIAL}Spec"},
        "else": {"$ref": "#/$defs/Spec"},
        "$defs": {**definitions, "Spec": full, **partial_definitions, f"{PARTIAL}Spec": _partial(full)},
    }


# V205 where a schema can say it: no string, value or key, holds a URL with a password
# (ECMA-262 has no inline flags, hence both cases spelt out).
# (diagnostics.URL_PASSWORD and QUERY_PASSWORD, in ECMA-262 terms)
URL_PASSWORD_ECMA = ("[A-Za-z][A-Za-z0-9+.-]*://[^/@\\s:]*:[^\\s/]+@[^@\\s/]*([/?#\\s]|$)"
                     "|[?&](password|passwd|pass|pwd|auth|token)=[^&\\s#]+")
NO_URL_PASSWORD = {"not": {"pattern": URL_PASSWORD_ECMA}}


def _no_url_passwords(node: Any) -> Any:
    if isinstance(node, list):
        return [_no_url_passwords(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: _no_url_passwords(value) for key, value in node.items()}
    kinds = out.get("type")
    if kinds == "string" or (isinstance(kinds, list) and "string" in kinds):
        out = {**out, **NO_URL_PASSWORD} if "not" not in out else {**out, "allOf": [{"not": out["not"]}, NO_URL_PASSWORD]}
    if kinds == "object" and ("additionalProperties" in out or "propertyNames" in out):
        names = out.get("propertyNames")
        out["propertyNames"] = {**names, "allOf": [*names.get("allOf", []), NO_URL_PASSWORD]} if names \
            else NO_URL_PASSWORD
    return out


def _partial(node: Any) -> Any:
    """`node` without `required`, its references pointing at the partial definitions. An `if`
    keeps its own `required`: there it is a condition (which engine is named), not a demand."""
    if isinstance(node, dict):
        out = {key: value if key == "if" else _partial(value) for key, value in node.items() if key != "required"}
        ref = out.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/$defs/"):
            out["$ref"] = "#/$defs/" + PARTIAL + ref.removeprefix("#/$defs/")
        return out
    if isinstance(node, list):
        return [_partial(item) for item in node]
    return node


def _catalogue_enums(schema: dict[str, Any]) -> None:
    """Node types, regions and engine versions as the catalogues list them (V501, V502 and
    the region rule say the same after merging, with the reason)."""
    from .. import catalog

    properties = schema["properties"]
    properties["node_type"]["enum"] = sorted(catalog.node_types())
    properties["region"]["enum"] = sorted(catalog.regions())
    group = schema["$defs"]["Group"]["properties"]  # a group's own (each may be null: the spec's)
    for field, names in (("node_type", catalog.node_types()), ("region", catalog.regions())):
        [choice] = [c for c in group[field]["anyOf"] if c.get("type") == "string"]
        choice["enum"] = sorted(names)
    engine = schema["$defs"]["Engine"]
    versions = {name: list(info["versions"]) for name, info in sorted(catalog.engines().items())}
    engine["properties"]["version"]["enum"] = sorted({v for vs in versions.values() for v in vs},
                                                     key=catalog.version_key)
    engine["allOf"] = [{"if": {"required": ["name"], "properties": {"name": {"const": name}}},
                        "then": {"properties": {"version": {"enum": vs}}}} for name, vs in versions.items()]


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
