"""cfn-lint (the real one) judges every generated stack: no error, no warning."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from conftest import COMMITTED_SPECS, TEST_SPECS

CFN_LINT = str(Path(sys.executable).with_name("cfn-lint"))
SPECS = COMMITTED_SPECS + [TEST_SPECS / name for name in ("cluster.yaml", "valkey.yaml", "redis6.yaml")]


@pytest.fixture(scope="module")
def stacks(tmp_path_factory) -> list[Path]:
    from cachegen.compiler import compile_spec, render

    out = tmp_path_factory.mktemp("stacks")
    paths = []
    for spec in SPECS:
        _, deployment = compile_spec(spec)
        path = out / f"{deployment.environment}.yaml"
        path.write_text(render(deployment)["cloudformation/stack.yaml"], encoding="utf-8")
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
    assert "TransitEncryptionMode" not in texts["legacy"] and "CacheParameterGroupFamily: redis6.x" in texts["legacy"]
    assert "TransitEncryptionMode: required" in texts["prod"]
    assert "cluster-enabled: 'yes'" in texts["cluster"] and "NumNodeGroups: 3" in texts["cluster"]
    assert "Engine: valkey" in texts["valkey"] and "AuthToken" not in texts["valkey"]
    assert "CacheParameterGroupName: default.valkey8" in texts["valkey"]
