"""The AWS CLI scripts, judged by real peers: shellcheck, the AWS CLI's own parser with
botocore's validation, and moto in server mode for the calls moto implements."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from awscli_check import AwsCli
from conftest import COMMITTED_SPECS, TEST_SPECS

BIN = Path(sys.executable).parent
SPECS = COMMITTED_SPECS + [TEST_SPECS / name for name in ("cluster.yaml", "valkey.yaml", "redis6.yaml")]


def _build(spec: Path, out: Path) -> Path:
    from cachegen.compiler import compile_spec, render

    _, deployment = compile_spec(spec)
    target = out / deployment.environment
    for name, text in render(deployment).items():
        if name.startswith("cli/"):
            path = target / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
    return target / "cli"


@pytest.fixture(scope="module")
def script_dirs(tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("cli")
    return {spec.stem: _build(spec, out) for spec in SPECS}


@pytest.fixture(scope="module")
def awscli() -> AwsCli:
    return AwsCli()


def _dry_run(script: Path, *args: str) -> list[str]:
    result = subprocess.run(["bash", str(script), "--dry-run", *args], capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin"})  # no aws on PATH: a dry run must not call it
    assert result.returncode == 0, result.stderr
    return [line for line in result.stdout.splitlines() if line.startswith("aws ")]


def test_shellcheck_is_clean(script_dirs):
    scripts = sorted(str(p) for d in script_dirs.values() for p in d.glob("*.sh"))
    rotating = [d for d in script_dirs.values() if (d / "rotate-credentials.sh").exists()]
    assert len(scripts) == 3 * len(script_dirs) + len(rotating) and len(rotating) >= 3
    result = subprocess.run([str(BIN / "shellcheck"), "--severity=style", *scripts], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout


def test_shellcheck_would_catch_a_mistake(script_dirs, tmp_path):
    broken = tmp_path / "broken.sh"
    broken.write_text((script_dirs["dev"] / "create.sh").read_text().replace('"$sg_id"', "$sg_id"))
    assert subprocess.run([str(BIN / "shellcheck"), str(broken)], capture_output=True).returncode != 0


@pytest.mark.parametrize("spec", [s.stem for s in SPECS])
def test_every_aws_command_is_valid_for_the_aws_cli(spec, script_dirs, awscli):
    commands = _dry_run(script_dirs[spec] / "create.sh")
    for extra in ("delete.sh", "failover-test.sh"):
        script = script_dirs[spec] / extra
        if "refusing:" not in script.read_text():
            commands += _dry_run(script, "--yes") if extra == "delete.sh" else _dry_run(script)
    assert len(commands) >= 15
    for line in commands:
        checked = awscli.check(line)
        assert checked.validated, f"{line}\n{checked.error}"


def test_the_validator_rejects_mistakes(awscli):
    assert not awscli.check("aws --region us-east-1 elasticache create-cache-subnet-group "
                            "--cache-subnet-group-nam x --cache-subnet-group-description d --subnet-ids s").validated
    assert not awscli.check("aws --region us-east-1 elasticache create-replication-group --replication-group-id x "
                            "--replication-group-description d --num-cache-clusters two").validated
    assert not awscli.check("aws --region us-east-1 logs put-retention-policy --log-group-name g").validated


def _group_params(script: Path, awscli: AwsCli, group_id: str) -> dict:
    """create-replication-group's parameters for one group (the spec's own create.sh runs the
    other groups' scripts too)."""
    [line] = [c for c in _dry_run(script) if " create-replication-group " in c
              and f" --replication-group-id={group_id} " in f"{c} "]
    return awscli.check(line).params


def test_scripts_and_stack_agree_on_the_replication_group(script_dirs, awscli, tmp_path):
    from cfnlint.decode import cfn_yaml

    from cachegen.compiler import compile_spec, render

    # a serverless cache's create call is compared with its stack by tests/render/test_agreement.py
    for spec, group in ((spec, group) for spec in SPECS for group in compile_spec(spec)[1].all_groups
                        if not group.serverless):
        folder = f"{group.group_key}/" if group.group_key else ""
        stack = cfn_yaml.loads(render(compile_spec(spec)[1])[f"cloudformation/{folder}stack.yaml"])
        resources = stack["Resources"]
        properties = resources["ReplicationGroup"]["Properties"]
        script = script_dirs[spec.stem] / folder / "create.sh"
        cli = _group_params(script, awscli, group.replication_group_id)
        assert set(properties) == set(cli), spec
        for key, value in properties.items():
            if isinstance(value, dict) and ("Ref" in value or "Fn::Sub" in value):
                ref = value.get("Ref")
                if key == "CacheSubnetGroupName":
                    assert cli[key] == resources[ref]["Properties"]["CacheSubnetGroupName"]
                elif key == "CacheParameterGroupName":
                    modify = [c for c in _dry_run(script) if " modify-cache-parameter-group " in c
                              and f" --cache-parameter-group-name={group.parameter_group_name} " in f"{c} "]
                    values = {p["ParameterName"]: p["ParameterValue"] for c in modify
                              for p in awscli.check(c).params["ParameterNameValues"]}
                    assert values == resources[ref]["Properties"]["Properties"]
                continue  # AuthToken, NotificationTopicArn: run-time values on both sides
            if key == "SecurityGroupIds":
                continue
            if key == "UserGroupIds":  # RBAC: the stack's !Ref is the user group the script creates
                assert cli[key] == [resources[v["Ref"]]["Properties"]["UserGroupId"] for v in value], spec.stem
                continue
            if key == "LogDeliveryConfigurations":
                for cfn_log, cli_log in zip(value, cli[key], strict=True):
                    group = cfn_log["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"]["Ref"]
                    assert cli_log["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"] == \
                        resources[group]["Properties"]["LogGroupName"]
                    assert {k: cfn_log[k] for k in ("LogType", "LogFormat", "DestinationType")} == \
                        {k: cli_log[k] for k in ("LogType", "LogFormat", "DestinationType")}
                continue
            assert cli[key] == value, f"{spec.stem}: {key}"


def test_delete_refuses_without_yes_and_when_protected(script_dirs):
    run = subprocess.run(["bash", str(script_dirs["dev"] / "delete.sh")], capture_output=True, text=True)
    assert run.returncode == 1 and "--yes" in run.stderr
    run = subprocess.run(["bash", str(script_dirs["prod"] / "delete.sh"), "--yes"], capture_output=True, text=True)
    assert run.returncode == 1 and "protected" in run.stderr


def test_failover_refuses_without_replica_and_covers_every_shard(script_dirs):
    run = subprocess.run(["bash", str(script_dirs["dev"] / "failover-test.sh")], capture_output=True, text=True)
    assert run.returncode == 1 and "no replica" in run.stderr
    commands = _dry_run(script_dirs["cluster"] / "failover-test.sh")
    shards = [re.search(r"--node-group-id=(\d+)", c)[1] for c in commands if " test-failover " in c]
    assert shards == ["0001", "0002", "0003"]


def test_token_never_on_a_command_line(script_dirs):
    text = (script_dirs["perf"] / "create.sh").read_text()
    assert "--auth-token=file:///dev/stdin" in text and "--secret-string=file:///dev/stdin" in text
    assert not re.search(r"--(auth-token|secret-string)[ =]\"?\$", text)
    assert "echo \"$token" not in text and "set -x" not in text


def test_passwords_never_on_a_command_line(script_dirs):
    """RBAC (prod): every user's password reaches create-user and create-secret on a pipe."""
    text = (script_dirs["prod"] / "create.sh").read_text()
    from cachegen.compiler import compile_spec

    _, deployment = compile_spec(COMMITTED_SPECS[0].with_name("prod.yaml"))
    users = [u for u in deployment.users if u.credential]
    assert text.count("--passwords=file:///dev/stdin") == len(users) >= 4
    assert text.count("--secret-string=file:///dev/stdin") == len(users)
    assert not re.search(r"--(passwords|secret-string|auth-token)[ =]\S*\$", text)
    assert "echo \"$password" not in text and "set -x" not in text


def test_region_comes_from_the_environment(script_dirs):
    script = str(script_dirs["dev"] / "create.sh")
    default = subprocess.run(["bash", script, "--dry-run"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    override = subprocess.run(["bash", script, "--dry-run"], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "AWS_REGION": "eu-west-1"})
    assert all(" --region us-east-1 " in line for line in default.stdout.splitlines() if line.startswith("aws "))
    assert all(" --region eu-west-1 " in line for line in override.stdout.splitlines() if line.startswith("aws "))


def test_skip_and_unknown_options(script_dirs):
    script = str(script_dirs["dev"] / "create.sh")
    skipped = _dry_run(script_dirs["dev"] / "create.sh", "--skip", "secret")
    assert not any(" secretsmanager create-secret " in line for line in skipped)
    bad = subprocess.run(["bash", script, "--frobnicate"], capture_output=True, text=True)
    assert bad.returncode == 2 and "unknown option" in bad.stderr


def test_global_datastore_scripts_run_in_order_in_each_members_region(tmp_path, awscli):
    """create.sh makes the primary, then the datastore, then the secondary in its region; delete.sh
    makes the secondary leave before it is deleted and deletes the datastore before the primary;
    failover-region.sh promotes its own group. Every command passes the AWS CLI's parser and
    botocore's validation, every script shellcheck, and $AWS_REGION moves no member."""
    cli = _build(TEST_SPECS / "global.yaml", tmp_path)
    scripts = sorted(str(p) for p in cli.rglob("*.sh"))
    assert any(s.endswith("west/failover-region.sh") for s in scripts)
    result = subprocess.run([str(BIN / "shellcheck"), "--severity=style", *scripts], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout

    def run(script: str, *args: str) -> list[str]:
        done = subprocess.run(["bash", str(cli / script), "--dry-run", *args], capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "AWS_REGION": "eu-west-1"})
        assert done.returncode == 0, done.stderr
        return [line for line in done.stdout.splitlines() if line.startswith("aws ")]

    create, delete = run("create.sh"), run("delete.sh", "--yes")
    failover = run("west/failover-region.sh") + run("failover-region.sh")
    for line in create + delete + failover:
        checked = awscli.check(line)
        assert checked.validated, f"{line}\n{checked.error}"
        assert " --region us-east-1 " in line or " --region us-west-2 " in line, line  # the spec's, not $AWS_REGION
    assert all(" --region us-west-2 " in line for line in run("west/create.sh") + run("west/delete.sh", "--yes"))

    def first(commands: list[str], *parts: str) -> int:
        return next(i for i, line in enumerate(commands) if all(p in line for p in parts))

    primary = first(create, "us-east-1 elasticache create-replication-group")
    datastore = first(create, "create-global-replication-group", "--primary-replication-group-id=ai-job-matching-dr ")
    secondary = first(create, "us-west-2 elasticache create-replication-group",
                      "--global-replication-group-id=ldgnf-ai-job-matching-dr")
    assert primary < datastore < secondary
    assert "--engine" not in create[secondary] and "--cache-node-type" not in create[secondary]
    leave = first(delete, "us-west-2 elasticache disassociate-global-replication-group")
    gone = first(delete, "us-west-2 elasticache delete-replication-group")
    dropped = first(delete, "us-east-1 elasticache delete-global-replication-group", "--retain-primary-replication-group")
    last = first(delete, "us-east-1 elasticache delete-replication-group")
    assert leave < gone < dropped < last
    assert any("us-west-2 elasticache failover-global-replication-group" in line and "--primary-region=us-west-2" in line
               and "--primary-replication-group-id=ai-job-matching-dr-west" in line for line in failover)
    assert any("us-east-1 elasticache failover-global-replication-group" in line and "--primary-region=us-east-1" in line
               for line in failover)
