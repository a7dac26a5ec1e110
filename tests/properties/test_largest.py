"""The largest group AWS allows, 500 nodes (a quota increase beyond the default 90), builds
into stacks CloudFormation accepts: alarms and dashboards split over stacks of their own,
each under 500 resources and 1 MB, every one of them judged by cfn-lint; in the main stack
the same group is a located error that says what to do."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SPEC_DIR, run_cli

BIN = Path(sys.executable).parent
LARGEST = ("extends: base.yaml\nenvironment: largest\ncelery: {enabled: false}\n"
           "topology: {cluster_mode: enabled, shards: 100, replicas_per_shard: 4}\n")


@pytest.fixture(scope="module")
def largest(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("largest")
    (root / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = root / "largest.yaml"
    spec.write_text(LARGEST + "alarms: {stack: separate}\n")
    result = run_cli("build", "--out", root / "out", spec)
    assert result.code == 0, result.err
    return root / "out" / "largest"


def test_the_main_stack_cannot_hold_the_alarms_and_says_so(tmp_path):
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "largest.yaml"
    spec.write_text(LARGEST)
    result = run_cli("validate", spec)
    assert result.code == 2
    assert "[V801]: alarms.stack:" in result.err and "CloudFormation allows 500" in result.err, result.err
    assert "alarms.stack: separate" in result.err


def test_every_stack_fits_cloudformation(largest):
    from cfnlint.decode import cfn_yaml

    stacks = sorted((largest / "cloudformation").glob("*.yaml"))
    assert len(stacks) > 10  # the main stack and the alarm stacks
    alarms = 0
    for path in stacks:
        assert path.stat().st_size <= 1_048_576, path.name
        resources = cfn_yaml.loads(path.read_text())["Resources"]
        assert len(resources) <= 500, path.name
        alarms += sum(r["Type"] == "AWS::CloudWatch::Alarm" for r in resources.values())
    assert alarms == len(json.loads((largest / "alarms" / "alarms.json").read_text()))


def test_cfn_lint_passes_the_main_stack_and_an_alarm_stack(largest):
    stacks = [largest / "cloudformation" / "stack.yaml", largest / "cloudformation" / "alarms-01.yaml"]
    result = subprocess.run([str(BIN / "cfn-lint"), *map(str, stacks)], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_deploy_goes_through_s3_above_51200_bytes(largest):
    script = largest / "cloudformation" / "deploy.sh"
    refused = subprocess.run(["bash", str(script)], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert refused.returncode == 2 and "--s3-bucket" in refused.stderr
    dry = subprocess.run(["bash", str(script), "--dry-run", "--s3-bucket", "my-templates"], capture_output=True,
                         text=True, env={"PATH": "/usr/bin:/bin"})
    assert dry.returncode == 0, dry.stderr
    deploys = [line for line in dry.stdout.splitlines() if " cloudformation deploy " in line]
    assert len(deploys) == len(list((largest / "cloudformation").glob("*.yaml")))
    assert all("--s3-bucket=my-templates" in line for line in deploys if "alarms-" in line)
    assert "--stack-name=ai-job-matching-largest-alarms-01" in " ".join(deploys)


def test_scripts_are_valid_bash(largest):
    for script in largest.rglob("*.sh"):
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0, script.name
