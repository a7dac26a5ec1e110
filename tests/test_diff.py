"""`cachegen diff`: two environments, or one spec against a git revision."""

from __future__ import annotations

import json
import subprocess

from conftest import SPEC_DIR, run_cli


def test_two_environments_setting_by_setting_with_origins_and_cost():
    result = run_cli("diff", "--format", "json", SPEC_DIR / "dev.yaml", SPEC_DIR / "prod.yaml")
    assert result.code == 1
    report = json.loads(result.out)
    settings = {row["path"]: row for row in report["settings"]}
    assert settings["node_type"]["old"] == "cache.t4g.micro" and settings["node_type"]["new"] == "cache.t4g.small"
    assert settings["node_type"]["old_origin"] == "preset development"
    line = (SPEC_DIR / "prod.yaml").read_text().splitlines().index("protected: true") + 1
    assert settings["protected"]["new_origin"].endswith(f"prod.yaml:{line}")
    assert (settings["security.auth.mode"]["old"], settings["security.auth.mode"]["new"]) == ("token", "rbac")
    assert float(report["monthly_cost"]["delta"]) > 0
    assert report["replaces_replication_group"] == []  # two environments: two groups, nothing replaced


def test_identical_specs_differ_in_nothing():
    result = run_cli("diff", SPEC_DIR / "prod.yaml", SPEC_DIR / "prod.yaml")
    assert result.code == 0 and "monthly cost: $48.23 -> $48.23" in result.out


def test_against_a_git_revision_names_replacements_and_artifacts(tmp_path):
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "prod.yaml"
    spec.write_text((SPEC_DIR / "prod.yaml").read_text())
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "."], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "v1"], cwd=tmp_path, check=True)
    spec.write_text(spec.read_text() + "port: 6380\n")
    result = run_cli("diff", spec, "--against", "HEAD", "--artifacts")
    assert result.code == 1, result.err
    assert "port: 6379 (HEAD:base.yaml:10) -> 6380 (" in result.out
    assert "REPLACES the replication group: port changes" in result.out
    assert "-      Port: 6379" in result.out and "+      Port: 6380" in result.out


def test_needs_two_specs_or_a_revision():
    assert run_cli("diff", SPEC_DIR / "prod.yaml").code == 2
