"""The committed JSON Schema is current and valid Draft 2020-12; specs point editors at it."""

from __future__ import annotations

import json

import jsonschema

from conftest import REPO, SPEC_DIR

SCHEMA = REPO / "schema" / "cachegen.schema.json"


def test_committed_schema_is_current():
    from cachegen.commands.schema import text

    assert SCHEMA.read_text(encoding="utf-8") == text(), "stale: run `make schema` and commit"


def test_schema_is_valid_draft_2020_12():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(schema)


def test_every_spec_file_validates_against_the_schema_and_names_it():
    import yaml

    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    for path in sorted(SPEC_DIR.glob("*.yaml")):
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        assert first_line == "# yaml-language-server: $schema=../schema/cachegen.schema.json", path
        errors = list(validator.iter_errors(yaml.safe_load(path.read_text(encoding="utf-8"))))
        assert not errors, f"{path}: {errors[0].message}"


def test_schema_rejects_what_the_models_reject():
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert list(validator.iter_errors({"topology": {"replicas_per_shard": 6}}))
    assert list(validator.iter_errors({"engine": {"name": "memcached"}}))
    assert list(validator.iter_errors({"unknown_key": 1}))


def test_a_child_that_sets_only_the_engine_version_is_accepted():
    """The engine's name comes from the base: the version alone must not be judged against
    both engines' lists (an `if` keeps its `required` in the partial schema)."""
    validator = jsonschema.Draft202012Validator(json.loads(SCHEMA.read_text(encoding="utf-8")))
    assert not list(validator.iter_errors({"extends": "base.yaml", "engine": {"version": "6.2"}}))
    assert not list(validator.iter_errors({"extends": "base.yaml", "engine": {"version": "8.0"}}))
    assert list(validator.iter_errors({"extends": "base.yaml", "engine": {"name": "valkey", "version": "6.2"}}))
