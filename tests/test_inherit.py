"""`extends` and presets: the merge rule and where each value came from."""

from __future__ import annotations

from pathlib import Path

import pytest

from cachegen.diagnostics import SpecError
from cachegen.inherit import load_spec, merge
from cachegen.loader import load_file


def test_mappings_merge_lists_and_scalars_replace():
    base = {"a": {"x": 1, "y": [1, 2]}, "b": 1}
    over = {"a": {"y": [3]}, "c": 2}
    merged, _ = merge(base, {}, over, {})
    assert merged == {"a": {"x": 1, "y": [3]}, "b": 1, "c": 2}


def test_null_removes_an_inherited_key():
    merged, _ = merge({"a": {"x": 1, "y": 2}}, {}, {"a": {"x": None}}, {})
    assert merged == {"a": {"y": 2}}


def test_positions_follow_the_winning_layer(tmp_path: Path):
    (tmp_path / "base.yaml").write_text("name: app\nnetwork:\n  subnets:\n    - {id: a, az: b}\n    - {id: c, az: d}\n")
    (tmp_path / "child.yaml").write_text("extends: base.yaml\nnetwork:\n  subnets:\n    - {id: e, az: f}\n")
    merged = load_spec(tmp_path / "child.yaml")
    assert merged.data["network"]["subnets"] == [{"id": "e", "az": "f"}]
    assert merged.origin(("network", "subnets", 0, "id")).endswith("child.yaml:4")
    assert ("network", "subnets", 1, "id") not in merged.nodes, "the replaced list's positions must go"
    assert merged.origin(("name",)).endswith("base.yaml:1")
    assert [s.name for s in merged.sources] == ["child.yaml", "base.yaml"]


def test_preset_is_the_weakest_layer(tmp_path: Path):
    (tmp_path / "s.yaml").write_text("preset: development\nnode_type: cache.t4g.small\n")
    merged = load_spec(tmp_path / "s.yaml")
    assert merged.data["node_type"] == "cache.t4g.small"
    assert merged.data["topology"]["replicas_per_shard"] == 0
    assert merged.origin(("topology", "replicas_per_shard")) == "preset development"


def test_abstractness_is_not_inherited(tmp_path: Path):
    (tmp_path / "base.yaml").write_text("abstract: true\nname: app\n")
    (tmp_path / "child.yaml").write_text("extends: base.yaml\n")
    assert load_spec(tmp_path / "base.yaml").abstract
    assert not load_spec(tmp_path / "child.yaml").abstract


def test_yaml_12_scalars(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text("a: on\nb: 0700\nc: 02:00\nd: 7.10\ne: true\nf: 0x1F\ng: ~\nh: '7.1'\ni: 1e3\n")
    data = load_file(path, "s.yaml").data
    assert data == {"a": "on", "b": "0700", "c": "02:00", "d": 7.1, "e": True, "f": 31, "g": None, "h": "7.1",
                    "i": 1000.0}


def test_duplicate_keys_are_reported_with_both_lines(tmp_path: Path):
    path = tmp_path / "s.yaml"
    path.write_text("a: 1\nb:\n  c: 1\n  c: 2\n")
    with pytest.raises(SpecError) as error:
        load_file(path, "s.yaml")
    [diagnostic] = error.value.diagnostics
    assert (diagnostic.location.line, diagnostic.location.column) == (4, 3)
    assert "first defined at line 3" in diagnostic.message


def test_a_base_file_brings_its_dependents_and_nothing_else(tmp_path):
    """Specs that extend a file, directly or through another, in its folder and below; not
    hidden folders or out/, and not a spec that extends something else."""
    from cachegen.compiler import with_dependents

    (tmp_path / "base.yaml").write_text("abstract: true\nname: a\n")
    (tmp_path / "mid.yaml").write_text("extends: base.yaml\nabstract: true\n")
    (tmp_path / "envs").mkdir()
    (tmp_path / "envs" / "prod.yaml").write_text("extends: ../mid.yaml\nenvironment: prod\n")
    (tmp_path / "other.yaml").write_text("extends: elsewhere.yaml\n")
    for hidden in (".git", "out"):
        (tmp_path / hidden).mkdir()
        (tmp_path / hidden / "x.yaml").write_text("extends: ../base.yaml\n")
    (tmp_path / "broken.yaml").write_text("extends: [\n")
    found = with_dependents([tmp_path / "base.yaml"])
    assert [p.resolve() for p in found] == [(tmp_path / n).resolve() for n in ("base.yaml", "envs/prod.yaml", "mid.yaml")]
