"""cfn-lint (the real one) judges every generated stack: no error, no warning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import COMMITTED_SPECS, TEST_SPECS

CFN_LINT = str(Path(sys.executable).with_name("cfn-lint"))
SPECS = COMMITTED_SPECS + sorted(TEST_SPECS.glob("*.yaml"))


@pytest.fixture(scope="module")
def stacks(tmp_path_factory) -> list[Path]:
    from cachegen.compiler import compile_spec, render

    out = tmp_path_factory.mktemp("stacks")
    paths = []
    for spec in SPECS:
        _, deployment = compile_spec(spec)
        for name, text in render(deployment).items():
            if name.startswith("cloudformation/") and name.endswith(".yaml"):
                stem = deployment.environment + ("" if name.endswith("/stack.yaml") else "." + Path(name).stem)
                path = out / f"{stem}.yaml"
                path.write_text(text, encoding="utf-8")
                paths.append(path)
    return paths


def test_cfn_lint_is_clean(stacks):
    result = subprocess.run([CFN_LINT, "--format", "parseable", *map(str, stacks)],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_cfn_lint_would_catch_a_broken_stack(stacks, tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text(stacks[0].read_text().replace("CacheNodeType:", "CacheNodeTypo:"))
    result = subprocess.run([CFN_LINT, str(broken)], capture_output=True, text=True)
    assert result.returncode != 0 and "CacheNodeTypo" in result.stdout, result.stdout + result.stderr


def test_engine_specific_properties(stacks):
    texts = {path.stem: path.read_text() for path in stacks}
    assert "AutomaticFailoverEnabled: true" in texts["separate"] and "ReplicasPerNodeGroup: 0" in texts["separate"]
    assert "AWS::CloudWatch::Alarm" not in texts["separate"] and "AWS::CloudWatch::Alarm" in texts["separate.alarms"]
    assert "CidrIpv6: 2001:db8:1234::/56" in texts["ipv6"] and "CidrIp: 10.20.0.0/16" in texts["ipv6"]
    assert "TransitEncryptionMode" not in texts["legacy"] and "CacheParameterGroupFamily: redis6.x" in texts["legacy"]
    assert "TransitEncryptionMode: required" in texts["prod"]
    assert "cluster-enabled: 'yes'" in texts["cluster"] and "NumNodeGroups: 3" in texts["cluster"]
    assert "Engine: valkey" in texts["valkey"] and "AuthToken" not in texts["valkey"]
    assert "CacheParameterGroupName: default.valkey8" in texts["valkey"]
