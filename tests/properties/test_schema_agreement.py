"""The JSON Schema and `cachegen validate` accept and reject the same documents.

The committed schema (what editors and check-jsonschema use) and the pydantic models (what
`validate` runs) must agree on every document's shape: a spec the schema rejects is never
accepted, and the other way round. Documents come from the models' own strategy, with
wrong types, hostile text and out-of-range numbers in every field. Cross-field rules
(docs/rules.md) come after the shape and are not the schema's business.
"""

from __future__ import annotations

import json
import os
import re

from hypothesis import HealthCheck, given, seed, settings
from jsonschema import Draft202012Validator, ValidationError, validators
from pydantic import ValidationError as ModelError

from conftest import REPO
from strategies import documents

EXAMPLES = int(os.environ.get("CACHEGEN_FUZZ_EXAMPLES", "400"))
SEED = os.environ.get("CACHEGEN_FUZZ_SEED")


def _ecma(pattern: str) -> str:
    """JSON Schema patterns are ECMA-262 regular expressions, whose `$` matches only at the
    very end; Python's also matches before a final newline."""
    return pattern[:-1] + r"\Z" if pattern.endswith("$") and not pattern.endswith("\\$") else pattern


def _pattern(validator, pattern, instance, schema):
    if validator.is_type(instance, "string") and not re.search(_ecma(pattern), instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


EcmaValidator = validators.extend(Draft202012Validator, {"pattern": _pattern})
OUTCOMES = {"accepted": 0, "rejected": 0}
SCHEMA = EcmaValidator(json.loads((REPO / "schema" / "cachegen.schema.json").read_text(encoding="utf-8")))


def _fuzz(test):
    test = settings(max_examples=EXAMPLES, derandomize=SEED is None, database=None, deadline=None,
                    suppress_health_check=list(HealthCheck))(test)
    return seed(int(SEED))(test) if SEED is not None else test


@_fuzz
@given(document=documents())
def test_schema_and_models_agree(document):
    from cachegen.spec import Spec

    schema_errors = [e.message for e in SCHEMA.iter_errors(document)]
    partial = isinstance(document, dict) and ("extends" in document or document.get("abstract") is True)
    try:
        Spec.model_validate(document)
        model_error = None
    except ModelError as error:
        # A file that extends a base (or is abstract) may leave keys to the files it extends:
        # a missing key is then an error of the merged spec only; any other file must be whole.
        shape_errors = [e for e in error.errors() if e["type"] != "missing" or not partial]
        model_error = str(shape_errors) if shape_errors else None
    model_error = model_error or _outside_the_catalogues(document)
    assert (not schema_errors) == (model_error is None), (schema_errors[:3], model_error)
    OUTCOMES["accepted" if model_error is None else "rejected"] += 1


def _outside_the_catalogues(document) -> str | None:
    """A node type, region or engine version the catalogues do not list: the schema's enums
    reject it, as validate's rules V501, V502 and V100 do after the shape."""
    from cachegen import catalog

    if not isinstance(document, dict):
        return None
    if _has_url_password(document):  # V205, which the schema says on every string and key
        return "a URL with a password"
    groups = document.get("groups")
    # the spec's own group, and each group of `groups` (whose node type, region and engine the schema lists alike)
    for section in [document, *(groups.values() if isinstance(groups, dict) else [])]:
        if not isinstance(section, dict):
            continue
        if isinstance(section.get("node_type"), str) and section["node_type"] not in catalog.node_types():
            return "node type"
        if isinstance(section.get("region"), str) and section["region"] not in catalog.regions():
            return "region"
        engine = section.get("engine")
        if isinstance(engine, dict) and isinstance(engine.get("version"), str):
            engines = catalog.engines()
            named = engine.get("name")
            versions = engines[named]["versions"] if named in engines else \
                {v for e in engines.values() for v in e["versions"]}
            if engine["version"] not in versions:
                return "engine version"
    return None


def _has_url_password(value) -> bool:
    from cachegen.diagnostics import has_credentials

    if isinstance(value, dict):
        return any(_has_url_password(k) or _has_url_password(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_url_password(item) for item in value)
    return isinstance(value, str) and has_credentials(value)


def test_both_outcomes_were_tried():
    """The documents above reached both sides of the boundary, many times each."""
    assert min(OUTCOMES.values()) >= EXAMPLES // 10, OUTCOMES


def test_the_agreement_check_can_fail():
    """A document only the models reject (a spec without its required name) is told apart."""
    from cachegen.spec import Spec

    assert not list(SCHEMA.iter_errors({"extends": "base.yaml", "environment": "x"}))
    assert list(SCHEMA.iter_errors({"environment": "x"}))  # a file that extends nothing is whole
    try:
        Spec.model_validate({"environment": "x"})
    except ModelError:
        return
    raise AssertionError("the models accepted a spec without a name")
