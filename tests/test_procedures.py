"""`cachegen plan`: one test per change the plan carries out, each asserting the order of the
API calls, the AWS page the procedure follows, and that every command of the generated script
is parsed by the real AWS CLI and validated by botocore (and the script is shellcheck-clean).
The node type change runs against moto in server mode and leaves no drift; the CLI command
runs on a real git repository."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from awscli_check import AwsCli
from conftest import SPEC_DIR, run_cli

BIN = Path(sys.executable).parent


@pytest.fixture(scope="module")
def awscli() -> AwsCli:
    return AwsCli()


@pytest.fixture(scope="module")
def specs(tmp_path_factory):
    """compile(name, yaml) -> a Deployment of base.yaml plus the text."""
    from cachegen.compiler import compile_spec

    directory = tmp_path_factory.mktemp("procedures")
    (directory / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())

    def compile_(name: str, text: str = ""):
        path = directory / f"{name}.yaml"
        path.write_text(f"extends: base.yaml\npreset: production\nenvironment: prod\n{text}")
        return compile_spec(path)[1]

    return compile_


def _operations(procedure) -> list[str]:
    return [f"{a.kind}:{a.call.operation}" for step in procedure.steps for a in step.actions]


def _script_commands(d, procedures, tmp_path: Path) -> list[str]:
    from cachegen.render.procedure import script

    path = tmp_path / "apply.sh"
    path.write_text(script(d, procedures, "test"))
    check = subprocess.run([str(BIN / "shellcheck"), str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout
    run = subprocess.run(["bash", str(path), "--dry-run"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    return [line for line in run.stdout.splitlines() if line.startswith("aws ")]


def _valid(awscli: AwsCli, commands: list[str]) -> None:
    assert commands
    for line in commands:
        checked = awscli.check(line)
        assert checked.validated, f"{line}\n{checked.error}"


def test_token_to_rbac_keeps_token_clients_working_until_they_roll(specs, awscli, tmp_path):
    from cachegen import procedures

    old, new = specs("token"), specs("rbac", "security: {auth: {mode: rbac}}\n")
    [procedure] = procedures.plan(old, new)
    assert procedure.id == "token-to-rbac" and "Clusters.RBAC.html" in procedure.sources[0]
    titles = [s.title for s in procedure.steps]
    assert [t.split()[0] for t in titles] == ["create", "create", "create", "attach", "roll", "swap", "schedule"]
    assert "broker: (none) -> broker:" in titles[4] and "drain" in procedure.steps[4].clients
    attach = procedure.steps[3].actions[1].call.input
    assert attach["AuthTokenUpdateStrategy"] == "DELETE" and attach["UserGroupIdsToAdd"] == [new.user_group_id]
    transitional = procedure.steps[1].actions[0].call.input
    assert transitional["UserName"] == "default" and transitional["Passwords"].values[0].secret_name == old.auth_secret_name
    group = procedure.steps[2].actions[0].call.input
    assert transitional["UserId"] in group["UserIds"] and f"{new.replication_group_id}-default" not in group["UserIds"]
    swap = [a.call.input for a in procedure.steps[5].actions if a.call.operation == "ModifyUserGroup"][0]
    assert swap["UserIdsToRemove"] == [transitional["UserId"]]
    assert [bool(s.clients) for s in procedure.steps] == [False, False, False, True, True, True, False]
    assert transitional["Passwords"].values[0].pattern == old.token.pattern  # the old token, by the old rules
    _valid(awscli, _script_commands(new, [procedure], tmp_path))


def test_rbac_to_token_detaches_the_users_with_rotate_then_set(specs, awscli, tmp_path):
    from cachegen import procedures

    old, new = specs("rbac", "security: {auth: {mode: rbac}}\n"), specs("token")
    [procedure] = procedures.plan(old, new)
    assert procedure.id == "rbac-to-token" and "auth.html" in procedure.sources[0]
    modifies = [a.call.input for s in procedure.steps for a in s.actions if a.call.operation == "ModifyReplicationGroup"]
    assert [m["AuthTokenUpdateStrategy"] for m in modifies] == ["ROTATE", "SET"]
    assert modifies[0]["RemoveUserGroups"] is True
    assert _operations(procedure)[-1] == "run:DeleteSecret"
    _valid(awscli, _script_commands(new, [procedure], tmp_path))


def test_tls_off_to_required_goes_through_preferred(specs, awscli, tmp_path):
    from cachegen import procedures

    old = specs("plain", "security: {in_transit_encryption: {enabled: false}, auth: {enabled: false}}\n")
    new = specs("tls", "security: {auth: {enabled: false}}\n")
    [procedure] = procedures.plan(old, new)
    assert procedure.id == "transit-encryption" and "in-transit-encryption-enable-existing" in procedure.sources[0]
    modes = [s.actions[1].call.input for s in procedure.steps]
    assert [m.get("TransitEncryptionMode") for m in modes] == ["preferred", "required"]
    assert modes[0]["TransitEncryptionEnabled"] is True
    assert [bool(s.clients) for s in procedure.steps] == [False, True]
    _valid(awscli, _script_commands(new, [procedure], tmp_path))


def test_tls_before_rbac_when_both_change(specs):
    from cachegen import procedures

    old = specs("plain", "security: {in_transit_encryption: {enabled: false}, auth: {enabled: false}}\n")
    new = specs("secure", "security: {auth: {mode: rbac}}\n")
    assert [p.id for p in procedures.plan(old, new)] == ["transit-encryption", "authentication"]


def test_tls_on_an_old_engine_takes_the_replacement_path(specs):
    """Redis OSS 6.2 cannot change encryption in transit in place (7.0+ can): a new group from a
    snapshot, with TLS, under an id of its own."""
    from cachegen import procedures

    old = specs("old-plain", 'engine: {version: "6.2"}\nsecurity: {in_transit_encryption: {enabled: false}, '
                             'auth: {enabled: false}}\n')
    same_id = specs("old-tls", 'engine: {version: "6.2"}\nsecurity: {auth: {enabled: false}}\n')
    [blocked] = procedures.plan(old, same_id)
    assert blocked.id == "replacement" and "encryption in transit" in blocked.title and blocked.blocked
    new = specs("old-tls-2", 'engine: {version: "6.2"}\nsecurity: {auth: {enabled: false}}\n'
                             'replication_group_id: ai-job-matching-prod-tls\n')
    [procedure] = procedures.plan(old, new)
    create = [a.call.input for s in procedure.steps for a in s.actions if a.call.operation == "CreateReplicationGroup"]
    assert procedure.id == "replacement" and not procedure.blocked and create[0]["TransitEncryptionEnabled"] is True


def test_engine_upgrade_across_families_creates_the_new_group_first(specs, awscli, tmp_path):
    from cachegen import procedures

    old = specs("r62", 'engine: {version: "6.2"}\n')
    same_name = specs("r71", 'engine: {version: "7.1"}\n')
    [blocked] = procedures.plan(old, same_name)
    assert blocked.blocked and "parameters.name" in blocked.blocked
    new = specs("r71-named", 'engine: {version: "7.1"}\nparameters: {name: ai-job-matching-prod-params-redis7}\n')
    [procedure] = procedures.plan(old, new)
    assert procedure.id == "engine" and "VersionManagement" in procedure.sources[0]
    assert _operations(procedure) == ["create:CreateCacheParameterGroup", "run:ModifyCacheParameterGroup",
                                      "poll:DescribeReplicationGroups", "run:ModifyReplicationGroup",
                                      "poll:DescribeReplicationGroups"]
    upgrade = procedure.steps[-1].actions[1].call.input
    assert upgrade["EngineVersion"] == "7.1" and upgrade["CacheParameterGroupName"] == new.parameter_group_name
    _valid(awscli, _script_commands(new, [procedure], tmp_path))


def test_redis_to_valkey_names_the_engine(specs, awscli, tmp_path):
    from cachegen import procedures

    old = specs("redis71")
    new = specs("valkey8", 'engine: {name: valkey, version: "8.0"}\nparameters: {name: ai-job-matching-prod-valkey8}\n')
    [procedure] = procedures.plan(old, new)
    upgrade = procedure.steps[-1].actions[1].call.input
    assert (upgrade["Engine"], upgrade["EngineVersion"]) == ("valkey", "8.0") and "cross-engine" in procedure.sources[0]
    _valid(awscli, _script_commands(new, [procedure], tmp_path))


def test_node_type_change_is_one_modify_with_a_stop(specs, awscli, tmp_path):
    from cachegen import procedures

    old, new = specs("small"), specs("medium", "node_type: cache.t4g.medium\n")
    [procedure] = procedures.plan(old, new)
    assert _operations(procedure) == ["poll:DescribeReplicationGroups", "run:ModifyReplicationGroup",
                                      "poll:DescribeReplicationGroups"]
    assert procedure.steps[0].clients and "ScaleUp" in procedure.sources[0]
    _valid(awscli, _script_commands(new, [procedure], tmp_path))


GLOBAL = """node_type: {node_type}
engine: {{name: valkey, version: "{version}"}}
groups:
  west:
    global_secondary: true
    region: us-west-2
    network:
      vpc_id: vpc-0b1b2c3d4e5f60718
      subnets: [{{id: subnet-0b1b2c3d4e5f60001, az: us-west-2a}}, {{id: subnet-0b1b2c3d4e5f60002, az: us-west-2b}}]
      allowed_security_groups: [sg-0b1b2c3d4e5f60003]
"""


def test_a_global_datastores_node_type_changes_through_the_datastore_once(specs, awscli, tmp_path):
    """AWS rejects a member's own ModifyReplicationGroup: the primary's plan scales every member with
    ModifyGlobalReplicationGroup, the secondary's has nothing of its own; an engine upgrade says why
    cachegen stops."""
    from cachegen import procedures

    old = specs("global-large", GLOBAL.format(node_type="cache.r7g.large", version="7.2"))
    new = specs("global-xlarge", GLOBAL.format(node_type="cache.r7g.xlarge", version="7.2"))
    [procedure] = procedures.plan(old, new)
    assert _operations(procedure) == ["run:ModifyGlobalReplicationGroup", "poll:DescribeGlobalReplicationGroups"]
    call = procedure.steps[0].actions[0].call.input
    assert call == {"GlobalReplicationGroupId": new.global_datastore.id, "CacheNodeType": "cache.r7g.xlarge",
                    "ApplyImmediately": True}
    _valid(awscli, _script_commands(new, [procedure], tmp_path))
    upgraded = specs("global-upgraded", GLOBAL.format(node_type="cache.r7g.large", version="8.0"))
    [engine] = procedures.plan(old, upgraded)
    assert engine.id == "engine" and engine.blocked and "modify-global-replication-group" in engine.blocked


def test_replicas_down_to_zero_turns_failover_off_first(specs, awscli, tmp_path):
    from cachegen import procedures

    old = specs("one-replica")
    new = specs("no-replica", "topology: {replicas_per_shard: 0, multi_az: false}\n")
    [procedure] = procedures.plan(old, new)
    assert _operations(procedure) == ["poll:DescribeReplicationGroups", "run:ModifyReplicationGroup",
                                      "poll:DescribeReplicationGroups", "run:DecreaseReplicaCount",
                                      "poll:DescribeReplicationGroups"]
    assert procedure.steps[0].actions[1].call.input["AutomaticFailoverEnabled"] is False
    _valid(awscli, _script_commands(new, [procedure], tmp_path))
    grow = procedures.plan(new, old)
    assert _operations(grow[0])[0] == "run:IncreaseReplicaCount" and "replica" in grow[0].sources[0]


def test_shards_removed_and_added_online(specs, awscli, tmp_path):
    from cachegen import procedures

    cluster = "topology: {cluster_mode: enabled, shards: %d}\ncelery: {cache: {db: 0}, broker: {enabled: false}, " \
              "result_backend: {enabled: false}}\n"
    old, new = specs("three", cluster % 3), specs("two", cluster % 2)
    [procedure] = procedures.plan(old, new)
    call = procedure.steps[0].actions[0].call.input
    assert call["NodeGroupCount"] == 2 and call["NodeGroupsToRemove"] == ["0003"]
    assert "scaling-redis-cluster-mode-enabled" in procedure.sources[0] and procedure.steps[0].clients
    _valid(awscli, _script_commands(new, [procedure], tmp_path))
    [grow] = procedures.plan(new, old)
    added = grow.steps[0].actions[0].call.input
    assert added["NodeGroupCount"] == 3 and "NodeGroupsToRemove" not in added


@pytest.mark.parametrize("change, what", [
    ("port: 6380\n", "port"),
    ("security: {at_rest_encryption: {kms_key_id: 'arn:aws:kms:us-east-1:123456789012:key/0a1b2c3d-1111-2222-3333-"
     "444455556666'}}\n", "KMS key"),
    ("security: {at_rest_encryption: {enabled: false}}\n", "encryption at rest"),
    ("network: {subnet_group_name: other-subnets}\n", "subnet group"),
    ("topology: {cluster_mode: enabled}\ncelery: {broker: {enabled: false}, result_backend: {enabled: false}, "
     "cache: {db: 0}}\n", "cluster mode"),
], ids=["port", "kms-key", "at-rest", "subnet-group", "cluster-mode"])
def test_a_replacing_change_builds_a_new_group_from_a_snapshot(specs, awscli, tmp_path, change, what):
    from cachegen import procedures

    old = specs("before")
    same_id = specs("after-same-id", change)
    [blocked] = procedures.plan(old, same_id)
    assert blocked.id == "replacement" and "replication_group_id" in blocked.blocked and what in blocked.title
    new = specs("after", change + "replication_group_id: ai-job-matching-prod-2\nnode_type: cache.t4g.medium\n")
    [procedure] = procedures.plan(old, new)  # the node type rides along with the new group
    assert _operations(procedure) == ["create:CreateSnapshot", "poll:DescribeSnapshots",
                                      "capture:DescribeSecurityGroups", "capture:CreateTopic",
                                      "create:CreateReplicationGroup",
                                      "poll:DescribeReplicationGroups", "run:DeleteReplicationGroup",
                                      "wait:replication-group-deleted"]
    create = procedure.steps[1].actions[2].call.input
    assert create["SnapshotName"] == procedure.steps[0].actions[0].call.input["SnapshotName"]
    assert create["CacheNodeType"] == "cache.t4g.medium" and procedure.steps[2].clients
    _valid(awscli, _script_commands(new, [procedure], tmp_path))


@pytest.mark.parametrize("spec", ["perf.yaml", "prod.yaml"])
def test_rotation_script_accepts_both_then_only_the_new(spec, awscli, tmp_path):
    """The periodic rotation in out/<env>/cli/rotate-credentials.sh: ROTATE then SET for the token,
    two passwords then one for each RBAC user; the last step stops for the clients."""
    from cachegen import procedures
    from cachegen.compiler import compile_spec

    _, d = compile_spec(SPEC_DIR / spec)
    procedure = procedures.rotation(d)
    inputs = [a.call.input for s in procedure.steps for a in s.actions
              if a.call.operation in ("ModifyReplicationGroup", "ModifyUser")]
    if d.auth_mode == "token":
        assert [i["AuthTokenUpdateStrategy"] for i in inputs] == ["ROTATE", "SET"]
    else:
        counts = [len(i["Passwords"].values) for i in inputs]
        assert counts == [2, 1] * len([u for u in d.users if u.credential])
    assert procedure.steps[-1].clients
    text = (SPEC_DIR.parent / "out" / d.environment / "cli" / "rotate-credentials.sh").read_text()
    path = tmp_path / "rotate.sh"
    path.write_text(text)
    run = subprocess.run(["bash", str(path), "--dry-run"], capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stderr
    _valid(awscli, [line for line in run.stdout.splitlines() if line.startswith("aws ")])


def test_the_plan_command_on_a_git_repository(tmp_path):
    """`cachegen plan` against HEAD: plan.md cites each AWS page, apply.sh stops for clients and
    goes on with --from; nothing to plan says so; a blocked change exits 1."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / "spec").mkdir()
    (tmp_path / "spec" / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "spec" / "prod.yaml"
    spec.write_text("extends: base.yaml\npreset: production\nenvironment: prod\n")
    git = ["git", "-C", str(tmp_path), "-c", "user.email=t@example.com", "-c", "user.name=t"]
    subprocess.run([*git, "add", "-A"], check=True)
    subprocess.run([*git, "commit", "-qm", "token"], check=True)
    nothing = run_cli("plan", spec, "--output", tmp_path / "plan0", cwd=tmp_path)
    assert nothing.code == 0 and "nothing to do" in nothing.err
    spec.write_text(spec.read_text() + "node_type: cache.t4g.medium\nsecurity: {auth: {mode: rbac}}\n")
    result = run_cli("plan", spec, "--output", tmp_path / "plan", cwd=tmp_path)
    assert result.code == 0, result.err
    text = (tmp_path / "plan" / "plan.md").read_text()
    assert "Clusters.RBAC.html" in text and "Scaling.RedisReplGrps.ScaleUp.html" in text
    assert text.index("AUTH token -> RBAC") < text.index("Node type")
    diff = run_cli("diff", spec, "--against", "HEAD", cwd=tmp_path)
    assert "needs a change procedure" in diff.out and f"cachegen plan {spec} --against HEAD" in diff.out
    apply = tmp_path / "plan" / "apply.sh"
    fake = tmp_path / "bin"
    fake.mkdir()
    # every call succeeds; a group is available, anything else active
    (fake / "aws").write_text('#!/bin/sh\ncase "$*" in *ReplicationGroups*Status*) echo available ;; '
                              '*) echo active ;; esac\n')
    (fake / "aws").chmod(0o755)
    env = {"PATH": f"{fake}:/usr/bin:/bin", "HOME": str(tmp_path)}
    first = subprocess.run(["bash", str(apply)], capture_output=True, text=True, env=env, timeout=60)
    assert first.returncode == 3 and "stopped before step 4" in first.stderr and "--from 4" in first.stderr
    second = subprocess.run(["bash", str(apply), "--from", "4"], capture_output=True, text=True, env=env, timeout=60)
    assert second.returncode == 3 and "stopped before step 5" in second.stderr
    spec.write_text(spec.read_text() + "port: 6380\n")
    (tmp_path / "plan" / "apply.sh").write_text("an older script\n")
    blocked = run_cli("plan", spec, "--output", tmp_path / "plan", cwd=tmp_path)
    assert blocked.code == 1 and "replication_group_id" in blocked.err
    assert not (tmp_path / "plan" / "apply.sh").exists(), "a blocked plan leaves no script to run"
    assert "Cannot run as the specs stand" in (tmp_path / "plan" / "plan.md").read_text()
    unwritable = run_cli("plan", spec, "--output", "/dev/null/x", cwd=tmp_path)
    assert unwritable.code == 2 and "cannot write the plan" in unwritable.err and "Traceback" not in unwritable.err


def test_node_type_procedure_on_moto_leaves_no_drift(specs, moto_server, tmp_path, monkeypatch):
    """The procedure's modify-replication-group really changes the group (moto implements it), and
    drift of the new spec then finds the node type as the stack of the new spec describes it."""
    import boto3

    from cachegen import drift, procedures

    env = {"AWS_ENDPOINT_URL": moto_server, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    old = specs("moto-small", "replication_group_id: plan-moto\n")
    new = specs("moto-medium", "replication_group_id: plan-moto\nnode_type: cache.t4g.medium\n")
    elasticache = boto3.client("elasticache")
    elasticache.create_replication_group(ReplicationGroupId="plan-moto", ReplicationGroupDescription="t",
                                         Engine="redis", CacheNodeType=old.node.name, NumCacheClusters=1)
    path = tmp_path / "apply.sh"
    from cachegen.render.procedure import script

    path.write_text(script(new, procedures.plan(old, new), "moto"))
    run_env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}
    stopped = subprocess.run(["bash", str(path)], capture_output=True, text=True, env=run_env, timeout=120)
    assert stopped.returncode == 3  # the node type change stops for the clients first
    done = subprocess.run(["bash", str(path), "--from", "1"], capture_output=True, text=True, env=run_env, timeout=120)
    assert done.returncode == 0, done.stderr
    report = drift.check(new, lambda service: boto3.client(service))
    assert not [x for x in report.differences if x.resource == "replication group" and x.setting == "CacheNodeType"]
    [group] = elasticache.describe_replication_groups(ReplicationGroupId="plan-moto")["ReplicationGroups"]
    assert group["CacheNodeType"] == "cache.t4g.medium"


def test_rbac_access_changes_modify_the_users_after_a_drain(specs, awscli, tmp_path):
    """Under RBAC, a key prefix that changes and a role turned on: the new user is created and
    added, the clients drain and roll, then each changed user gets its new access string."""
    from cachegen import procedures

    old = specs("rbac-a", "security: {auth: {mode: rbac}}\ncelery: {cache: {enabled: false}}\n")
    new = specs("rbac-b", "security: {auth: {mode: rbac}}\ncelery: {broker: {key_prefix: 'q:'}}\n")
    [procedure] = procedures.plan(old, new)
    assert procedure.id == "access"
    assert [s.title.split()[0] for s in procedure.steps] == ["create", "roll", "give"]
    assert "cache" in procedure.steps[0].title and procedure.steps[1].clients
    modified = [a.call.input for a in procedure.steps[2].actions if a.call.operation == "ModifyUser"]
    assert [m["UserId"] for m in modified] == [f"{new.replication_group_id}-broker"]
    assert modified[0]["AccessString"].startswith("on ~q:* &q:/0.celery.pidbox")
    _valid(awscli, _script_commands(new, [procedure], tmp_path))
    [back] = procedures.plan(new, old)  # the cache role off again: its user leaves the group, then goes
    assert back.steps[-1].clients and [a.call.operation for a in back.steps[-1].actions][:2] == [
        "ModifyUserGroup", "DescribeUserGroups"]


def test_rbac_to_token_never_leaves_clients_without_a_way_in(specs):
    """The new token is accepted (as a transitional default user) before the user group goes."""
    from cachegen import procedures

    old, new = specs("rbac-t", "security: {auth: {mode: rbac}}\n"), specs("token-t")
    [procedure] = procedures.plan(old, new)
    operations = _operations(procedure)
    assert operations.index("run:ModifyUserGroup") < operations.index("run:ModifyReplicationGroup")
    [transitional] = [a.call.input for a in procedure.steps[1].actions if a.call.operation == "CreateUser"]
    assert transitional["UserName"] == "default" and transitional["Passwords"].values[0].secret_name == \
        new.auth_secret_name


def test_between_passwords_and_iam_the_plan_says_why_it_stops(specs):
    from cachegen import procedures

    old, new = specs("rbac-i", "security: {auth: {mode: rbac}}\n"), specs("iam-i", "security: {auth: {mode: iam}}\n")
    [procedure] = procedures.plan(old, new)
    assert procedure.blocked and "ModifyUser" in procedure.blocked and not procedure.steps


def test_token_rotation_runs_on_moto_and_can_run_again(specs, moto_server, tmp_path, monkeypatch):
    """rotate-credentials.sh against moto (Secrets Manager stages are real there; moto accepts the
    group's ROTATE and SET): the secret's current value becomes a new token, the old one stays as
    AWSPREVIOUS; the script stops before SET, goes on with --from 4, and its promote step run
    again does nothing."""
    import boto3

    from cachegen import procedures
    from cachegen.render.procedure import script

    env = {"AWS_ENDPOINT_URL": moto_server, "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
           "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    d = specs("rotate-moto", "replication_group_id: rotate-moto\nsecurity: {auth: {secret_name: rotate/moto/token}}\n")
    old_token = "Old-token-0123456789-abcdef"
    boto3.client("secretsmanager").create_secret(Name=d.auth_secret_name, SecretString=old_token)
    boto3.client("elasticache").create_replication_group(
        ReplicationGroupId="rotate-moto", ReplicationGroupDescription="t", Engine="redis",
        CacheNodeType=d.node.name, NumCacheClusters=1, TransitEncryptionEnabled=True, AuthToken=old_token)
    path = tmp_path / "rotate.sh"
    path.write_text(script(d, [procedures.rotation(d)], "moto"))
    run_env = {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}"}

    def run(*args):
        return subprocess.run(["bash", str(path), *args], capture_output=True, text=True, env=run_env, timeout=180)

    stopped = run()
    assert stopped.returncode == 3 and "stopped before step 4" in stopped.stderr, stopped.stderr
    secrets = boto3.client("secretsmanager")
    # by stage: moto's GetSecretValue without one keeps answering the first version (AWS answers AWSCURRENT)
    current = secrets.get_secret_value(SecretId=d.auth_secret_name, VersionStage="AWSCURRENT")["SecretString"]
    previous = secrets.get_secret_value(SecretId=d.auth_secret_name, VersionStage="AWSPREVIOUS")["SecretString"]
    assert previous == old_token and current != old_token and re.fullmatch(d.token.pattern, current), stopped.stderr
    assert current not in stopped.stdout + stopped.stderr, "the new token reached the output"
    again = run("--from", "3", "--skip", "4")
    assert again.returncode == 0 and "already done" in again.stderr, again.stderr
    assert secrets.get_secret_value(SecretId=d.auth_secret_name, VersionStage="AWSCURRENT")["SecretString"] == current
    done = run("--from", "4")
    assert done.returncode == 0, done.stderr
