from __future__ import annotations

from conftest import REPO


def test_generated_docs_are_current():
    from cachegen.docs import generate

    for name, text in generate().items():
        assert (REPO / "docs" / name).read_text(encoding="utf-8") == text, f"docs/{name} is stale: make docs"


def test_rule_ids_are_unique_and_sourced():
    from cachegen.rules import REGISTRY

    ids = [rule.id for rule in REGISTRY]
    assert len(ids) == len(set(ids))
    assert all(rule.source for rule in REGISTRY)
