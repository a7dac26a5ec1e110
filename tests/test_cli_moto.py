"""create.sh, delete.sh and `cachegen drift` run for real against moto in server mode, on a
spec whose free-text fields are hostile: every value must arrive in AWS exactly as written,
and no spec text may run.

One deployment serves the module (create.sh takes ~40 AWS CLI processes): created, created
again (nothing changes), compared with drift, changed out of band, deleted. moto answers 500
on ElastiCache parameter-group calls and on DeleteCacheSubnetGroup, so the scripts run with
`--skip parameter-group` (delete.sh also with `--skip subnet-group`), and moto creates one
member cluster whatever NumCacheClusters says; test_moto_still_lacks proves each gap is
still there, and test_cli_scripts validates those commands with the AWS CLI and botocore.
moto has no test-failover either: failover-test.sh is validated the same way.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SPEC_DIR, run_cli

BIN = Path(sys.executable).parent
CANARY = "cachegen-canary"
HOSTILE = {
    "description": "it's \"quoted\" $(touch cachegen-canary); rm -rf ~ `touch cachegen-canary` ${AWS::Region} é",
    "security_group_name": "cache $(touch cachegen-canary) ;&!{}[]#,@=+:/*() sg",
    "emails": ["o'brien+$x&y*z{a}|b~c!d#e%f^g`h=i?j/k@example.com", "--oncall@example.com"],
    "secret_name": "hostile/=+.@_-token",
    "log_group": "/aws/elasticache/moto#slow/.-_",
    "tags": {"Owner": "Zoë Ünïcødé-team: on@call", "cost center": "a/b=c+d_e.f:g@h"},
}
MOTO_AWS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1",
            "AWS_DEFAULT_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def moto_env(moto_server):
    saved = dict(os.environ)
    os.environ.update({**MOTO_AWS, "AWS_ENDPOINT_URL": moto_server})
    os.environ.pop("AWS_PROFILE", None)
    yield
    os.environ.clear()
    os.environ.update(saved)


def _vpc(octet: int, app_group: str) -> tuple[str, list[str], str]:
    """A VPC 10.<octet>.0.0/16 in moto, a subnet in each of two AZs, and the application's security group."""
    import boto3

    ec2 = boto3.client("ec2")
    vpc = ec2.create_vpc(CidrBlock=f"10.{octet}.0.0/16")["Vpc"]["VpcId"]
    subnets = [ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.{octet}.{i}.0/24", AvailabilityZone=f"us-east-1{az}")
               ["Subnet"]["SubnetId"] for i, az in ((1, "a"), (2, "b"))]
    return vpc, subnets, ec2.create_security_group(GroupName=app_group, Description="app", VpcId=vpc)["GroupId"]


@pytest.fixture(scope="module")
def deployment(moto_env, tmp_path_factory):
    """A VPC, two subnets and the application's security group in moto, and a spec using them."""
    import yaml

    tmp_path = tmp_path_factory.mktemp("moto")
    vpc, subnets, app_sg = _vpc(42, "celery-workers")
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "moto.yaml"
    spec.write_text("extends: base.yaml\npreset: production\n" + yaml.safe_dump({
        "environment": "moto",
        "description": HOSTILE["description"],
        "network": {"vpc_id": vpc, "subnets": [{"id": subnets[0], "az": "us-east-1a"},
                                               {"id": subnets[1], "az": "us-east-1b"}],
                    "allowed_security_groups": [app_sg], "allowed_cidrs": ["10.42.0.0/16", "2001:db8:42::/56"],
                    "security_group_name": HOSTILE["security_group_name"]},
        "notifications": {"emails": HOSTILE["emails"]},
        "security": {"auth": {"secret_name": HOSTILE["secret_name"]}},
        "logs": {"slow_log": {"log_group": HOSTILE["log_group"]}},
        "tags": HOSTILE["tags"],
    }, allow_unicode=True))
    from cachegen.compiler import compile_spec, render

    _, d = compile_spec(spec)
    cli = tmp_path / "cli"
    cli.mkdir()
    for name, text in render(d).items():
        if name.startswith("cli/"):
            (cli / name[4:]).write_text(text)
    scratch = tmp_path / "scratch"  # the scripts' working directory: a canary would appear here
    scratch.mkdir()
    return {"d": d, "spec": spec, "cli": cli, "scratch": scratch, "vpc": vpc, "subnets": subnets, "app_sg": app_sg,
            "env": {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "HOME": str(scratch)}}


def _run(deployment, script, *args, expect=0):
    result = subprocess.run(["bash", str(deployment["cli"] / script), *args], env=deployment["env"],
                            cwd=deployment["scratch"], capture_output=True, text=True, timeout=300)
    assert result.returncode == expect, result.stderr
    assert not list(deployment["scratch"].iterdir()), "spec text was executed by the shell"
    return result


MOTO_GAPS = {
    "create_cache_parameter_group": {"CacheParameterGroupName": "probe", "CacheParameterGroupFamily": "redis7",
                                     "Description": "probe"},
    "delete_cache_subnet_group": {"CacheSubnetGroupName": "probe"},
}


@pytest.mark.parametrize("operation", sorted(MOTO_GAPS))
def test_moto_still_lacks(operation, moto_env):
    import boto3
    from botocore.config import Config

    client = boto3.client("elasticache", config=Config(retries={"max_attempts": 1}))
    with pytest.raises(Exception) as error:
        getattr(client, operation)(**MOTO_GAPS[operation])
    assert "500" in str(error.value) or "Internal Server Error" in str(error.value), \
        f"moto now implements {operation}: stop skipping its step in these tests"


def test_moto_still_creates_one_member_whatever_the_count(moto_env):
    import boto3

    client = boto3.client("elasticache")
    client.create_replication_group(ReplicationGroupId="probe-members", ReplicationGroupDescription="probe",
                                    Engine="redis", CacheNodeType="cache.t4g.small", NumCacheClusters=2)
    members = client.describe_replication_groups(ReplicationGroupId="probe-members")["ReplicationGroups"][0][
        "MemberClusters"]
    assert members == ["probe-members-001"], "moto now creates every member: drift needs no exception for it"


def _state(deployment) -> dict:
    import boto3

    d = deployment["d"]
    ec2, ec = boto3.client("ec2"), boto3.client("elasticache")
    groups = {"SecurityGroups": [g for g in ec2.describe_security_groups()["SecurityGroups"]
                                 if g["GroupName"] == d.security_group_name]}
    topics = [t["TopicArn"] for t in boto3.client("sns").list_topics()["Topics"] if t["TopicArn"].endswith(
        ":" + d.topic_name)]
    subscriptions = boto3.client("sns").list_subscriptions_by_topic(TopicArn=topics[0])["Subscriptions"] \
        if topics else []
    logs = boto3.client("logs").describe_log_groups(logGroupNamePrefix="/aws/elasticache/")
    try:
        subnet_groups = ec.describe_cache_subnet_groups(CacheSubnetGroupName=d.subnet_group_name)["CacheSubnetGroups"]
    except ec.exceptions.CacheSubnetGroupNotFoundFault:
        subnet_groups = []
    try:
        replication = ec.describe_replication_groups(ReplicationGroupId=d.replication_group_id)["ReplicationGroups"]
    except ec.exceptions.ReplicationGroupNotFoundFault:
        replication = []
    secret = boto3.client("secretsmanager").describe_secret(SecretId=d.auth_secret_name)
    cloudwatch = boto3.client("cloudwatch")
    alarms = cloudwatch.describe_alarms(AlarmNamePrefix=d.replication_group_id + "-")["MetricAlarms"]
    dashboards = cloudwatch.list_dashboards(DashboardNamePrefix=d.replication_group_id)["DashboardEntries"]
    return {"alarms": alarms, "security_groups": groups["SecurityGroups"], "topics": topics,
            "subscriptions": subscriptions, "log_groups": [g for g in logs["logGroups"]
                                                           if g["logGroupName"] in {x.log_group for x in d.log_destinations}],
            "subnet_groups": subnet_groups, "replication": replication, "secret": secret, "dashboards": dashboards}


def test_create_puts_every_value_verbatim(deployment):
    import boto3

    d = deployment["d"]
    first = _run(deployment, "create.sh", "--skip", "parameter-group")
    assert "PRIMARY_ENDPOINT=" in first.stdout and "READER_ENDPOINT=" in first.stdout
    state = _state(deployment)
    deployment["state"] = state

    [sg] = state["security_groups"]
    assert sg["GroupName"] == HOSTILE["security_group_name"]
    [rule] = [p for p in sg["IpPermissions"] if p.get("FromPort") == 6379]
    assert [pair["GroupId"] for pair in rule["UserIdGroupPairs"]] == [deployment["app_sg"]]
    assert [r["CidrIp"] for r in rule["IpRanges"]] == ["10.42.0.0/16"]
    assert [r["CidrIpv6"] for r in rule["Ipv6Ranges"]] == ["2001:db8:42::/56"]
    [subnet_group] = state["subnet_groups"]
    assert sorted(s["SubnetIdentifier"] for s in subnet_group["Subnets"]) == sorted(deployment["subnets"])
    token = boto3.client("secretsmanager").get_secret_value(SecretId=HOSTILE["secret_name"])["SecretString"]
    assert re.fullmatch(r"[A-Za-z0-9!&#$^<>-]{64}", token)
    assert sorted(s["Endpoint"] for s in state["subscriptions"]) == sorted(HOSTILE["emails"])
    assert sorted((g["logGroupName"], g.get("retentionInDays")) for g in state["log_groups"]) == sorted(
        (log.log_group, log.retention_days) for log in d.log_destinations)
    assert HOSTILE["log_group"] in {g["logGroupName"] for g in state["log_groups"]}
    tags = {t["Key"]: t["Value"] for t in boto3.client("ec2").describe_tags(
        Filters=[{"Name": "resource-id", "Values": [sg["GroupId"]]}])["Tags"]}
    assert {k: tags[k] for k in HOSTILE["tags"]} == HOSTILE["tags"]

    [group] = state["replication"]
    assert group["Description"] == HOSTILE["description"], "the description must arrive verbatim"
    assert group["CacheNodeType"] == "cache.t4g.small"
    assert group["AutomaticFailover"] == "enabled" and group["MultiAZ"] == "enabled"
    assert group["SnapshotRetentionLimit"] == 7 and group["SnapshotWindow"] == "02:00-03:00"
    assert group["TransitEncryptionEnabled"] and group["AtRestEncryptionEnabled"] and group["AuthTokenEnabled"]
    assert group["ClusterEnabled"] is False
    assert sorted(c["DestinationDetails"]["CloudWatchLogsDetails"]["LogGroup"]
                  for c in group["LogDeliveryConfigurations"]) == sorted(log.log_group for log in d.log_destinations)

    assert sorted(a["AlarmName"] for a in state["alarms"]) == sorted(a.name for a in d.alarms)
    assert all(a["AlarmActions"] == state["topics"] for a in state["alarms"]), "alarms notify the topic"
    assert [e["DashboardName"] for e in state["dashboards"]] == [d.replication_group_id]


def test_create_again_changes_nothing(deployment):
    import boto3

    d = deployment["d"]
    token = boto3.client("secretsmanager").get_secret_value(SecretId=d.auth_secret_name)["SecretString"]
    second = _run(deployment, "create.sh", "--skip", "parameter-group")
    assert "exists" in second.stderr
    again = _state(deployment)
    for key in ("alarms", "security_groups", "topics", "subscriptions", "log_groups", "subnet_groups", "replication",
                "dashboards"):
        assert len(again[key]) == len(deployment["state"][key]), f"second run duplicated {key}"
    assert boto3.client("secretsmanager").get_secret_value(SecretId=d.auth_secret_name)["SecretString"] == token, \
        "a re-run must not regenerate the token"


def _drift(deployment) -> tuple[int, dict]:
    result = run_cli("drift", "--format", "json", deployment["spec"])
    report = json.loads(result.out)
    # moto's gap (see above): one member cluster where the spec has two
    report["differences"] = [x for x in report["differences"] if x["setting"] != "MemberClusters"]
    return result.code, report


def test_no_drift_right_after_deploying(deployment):
    code, report = _drift(deployment)
    assert report["differences"] == [], report
    # moto answers 500 on parameter-group calls: said, not passed silently
    assert [n for n in report["not_checked"] if n["what"] == "parameter group"]
    assert report["complete"] is False  # not everything was read (exit 4 when nothing differs: test_cli.py)


def test_out_of_band_changes_are_reported_exactly(deployment):
    import boto3

    d = deployment["d"]
    boto3.client("elasticache").modify_replication_group(ReplicationGroupId=d.replication_group_id,
                                                         SnapshotRetentionLimit=5, ApplyImmediately=True)
    alarm = boto3.client("cloudwatch").describe_alarms(AlarmNames=[d.alarms[0].name])["MetricAlarms"][0]
    boto3.client("cloudwatch").put_metric_alarm(**{k: alarm[k] for k in (
        "AlarmName", "MetricName", "Namespace", "Statistic", "Dimensions", "Period", "EvaluationPeriods",
        "ComparisonOperator", "TreatMissingData")}, Threshold=99.0, DatapointsToAlarm=alarm["DatapointsToAlarm"])
    [sg] = [g for g in boto3.client("ec2").describe_security_groups()["SecurityGroups"]
            if g["GroupName"] == d.security_group_name]
    boto3.client("ec2").authorize_security_group_ingress(
        GroupId=sg["GroupId"],
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 6379, "ToPort": 6379, "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}])
    code, report = _drift(deployment)
    assert code == 1
    found = {(x["resource"], x["setting"]) for x in report["differences"]}
    assert found == {("replication group", "SnapshotRetentionLimit"), (f"alarm {d.alarms[0].name}", "Threshold"),
                     ("security group", "ingress")}


def test_delete_refuses_without_yes_then_tears_down(deployment):
    _run(deployment, "delete.sh", expect=1)
    assert _state(deployment)["replication"]
    # moto never finishes a deletion (the group stays "deleting"), hence --no-wait.
    _run(deployment, "delete.sh", "--yes", "--no-wait", "--skip", "parameter-group", "--skip", "subnet-group")
    gone = _state(deployment)
    assert [g["Status"] for g in gone["replication"]] in ([], ["deleting"])
    assert not gone["security_groups"] and not gone["topics"] and not gone["log_groups"] and not gone["alarms"]
    assert not gone["dashboards"]
    assert "DeletedDate" in gone["secret"], "the secret is scheduled for deletion"


# --- several groups ------------------------------------------------------------------------

MOTO_GAPS_AUTO_SCALING = ("moto's Application Auto Scaling takes no `elasticache` namespace: the auto-scaling "
                          "step is skipped here (test_cli_scripts and the generated-spec tests validate its "
                          "commands with the AWS CLI and botocore)")


def test_moto_still_lacks_serverless_caches(moto_env):
    """moto has no CreateServerlessCache: a serverless group's scripts are validated with the AWS CLI
    and botocore (test_cli_scripts, the agreement and generated-spec tests), not run here."""
    import boto3

    with pytest.raises(Exception) as error:
        boto3.client("elasticache").create_serverless_cache(ServerlessCacheName="probe", Engine="valkey")
    assert "not been implemented" in str(error.value) or "500" in str(error.value), \
        "moto now implements serverless caches: run spec/serverless.yaml's scripts against it"


def test_moto_still_lacks_global_datastores(moto_env):
    """moto has no CreateGlobalReplicationGroup: a Global Datastore's scripts are validated with the AWS
    CLI and botocore (test_cli_scripts: their order and regions; the agreement and generated-spec
    tests) and its drift with botocore's Stubber (test_drift_shapes), not run here."""
    import boto3

    with pytest.raises(Exception) as error:
        boto3.client("elasticache").create_global_replication_group(
            GlobalReplicationGroupIdSuffix="probe", PrimaryReplicationGroupId="probe")
    assert "not been implemented" in str(error.value) or "500" in str(error.value), \
        "moto now implements global datastores: run tests/specs/global.yaml's scripts against it"


def test_moto_still_lacks_elasticache_auto_scaling(moto_env):
    import boto3

    with pytest.raises(Exception) as error:
        boto3.client("application-autoscaling").register_scalable_target(
            ServiceNamespace="elasticache", ResourceId="replication-group/probe",
            ScalableDimension="elasticache:replication-group:NodeGroups", MinCapacity=1, MaxCapacity=2)
    assert "elasticache" in str(error.value), f"moto now implements it: stop skipping ({MOTO_GAPS_AUTO_SCALING})"


@pytest.fixture(scope="module")
def groups_deployment(moto_env, tmp_path_factory):
    """Two groups in moto: the broker and result backend on the spec's own group, the cache on a
    cluster-mode group with Auto Scaling and a hostile description."""
    import yaml

    import boto3

    tmp_path = tmp_path_factory.mktemp("moto-groups")
    vpc, subnets, app_sg = _vpc(43, "celery-workers-2")
    zone = boto3.client("route53").create_hosted_zone(
        Name="split.internal", CallerReference="cachegen-moto", HostedZoneConfig={"PrivateZone": True},
        VPC={"VPCRegion": "us-east-1", "VPCId": vpc})["HostedZone"]["Id"].removeprefix("/hostedzone/")
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "split.yaml"
    spec.write_text("extends: base.yaml\n" + yaml.safe_dump({
        "environment": "split",
        "network": {"vpc_id": vpc, "subnets": [{"id": subnets[0], "az": "us-east-1a"},
                                               {"id": subnets[1], "az": "us-east-1b"}],
                    "allowed_security_groups": [app_sg]},
        # one node per group and no alarms (the one-group deployment above runs those): each create.sh
        # runs an AWS CLI process per alarm
        "topology": {"replicas_per_shard": 0, "multi_az": False},
        "alarms": {"enabled": False},
        "celery": {"cache": {"group": "cache", "db": 0}},
        "dns": {"zone_id": zone, "name": "queue.split.internal", "ttl": 45},
        "groups": {"cache": {"description": HOSTILE["description"], "node_type": "cache.r7g.large",
                             "dns": {"zone_id": zone, "name": "cache.split.internal"},
                             "topology": {"cluster_mode": "enabled", "shards": 1},
                             "parameters": {"values": {"maxmemory-policy": "allkeys-lru"}},
                             "auto_scaling": {"shards": {"min": 1, "max": 4}}}},
    }, allow_unicode=True))
    from cachegen.compiler import compile_spec, render

    _, d = compile_spec(spec)
    cli = tmp_path / "cli"
    for name, text in render(d).items():
        if name.startswith("cli/"):
            (cli / name[4:]).parent.mkdir(parents=True, exist_ok=True)
            (cli / name[4:]).write_text(text)
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    deployed = {"d": d, "spec": spec, "cli": cli, "scratch": scratch, "zone": zone,
                "env": {**os.environ, "PATH": f"{BIN}:{os.environ['PATH']}", "HOME": str(scratch)}}
    # the spec's own create.sh creates both groups (its --skip reaches the other group's script)
    _run(deployed, "create.sh", "--skip", "parameter-group", "--skip", "auto-scaling")
    return deployed


def test_create_makes_every_group_each_with_its_own_resources(groups_deployment):
    import boto3

    d = groups_deployment["d"]
    ec = boto3.client("elasticache")
    for group in d.all_groups:
        [live] = ec.describe_replication_groups(ReplicationGroupId=group.replication_group_id)["ReplicationGroups"]
        assert live["Description"] == group.description
        assert ec.describe_cache_subnet_groups(CacheSubnetGroupName=group.subnet_group_name)["CacheSubnetGroups"]
        assert boto3.client("secretsmanager").describe_secret(SecretId=group.auth_secret_name)
    assert d.group("cache").description == HOSTILE["description"]
    assert len({g.auth_secret_name for g in d.all_groups}) == 2


def _records(zone: str) -> dict[str, tuple[str, int]]:
    import boto3

    sets = boto3.client("route53").list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return {r["Name"].rstrip("."): (r["ResourceRecords"][0]["Value"], r["TTL"]) for r in sets if r["Type"] == "CNAME"}


def test_each_groups_record_names_its_endpoint(groups_deployment):
    import boto3

    d, ec = groups_deployment["d"], boto3.client("elasticache")
    wanted = {}
    for group in d.all_groups:
        [live] = ec.describe_replication_groups(ReplicationGroupId=group.replication_group_id)["ReplicationGroups"]
        endpoint = live["ConfigurationEndpoint"] if group.cluster_mode_enabled else live["NodeGroups"][0]["PrimaryEndpoint"]
        wanted[group.dns.name] = (endpoint["Address"], group.dns.ttl)
    assert _records(groups_deployment["zone"]) == wanted == {
        "queue.split.internal": (wanted["queue.split.internal"][0], 45),
        "cache.split.internal": (wanted["cache.split.internal"][0], 60)}


def test_no_drift_in_any_group_and_auto_scaling_said_unchecked(groups_deployment):
    code, report = _drift(groups_deployment)
    assert report["differences"] == [], report
    unchecked = {n["what"] for n in report["not_checked"]}
    assert "auto scaling of groups.cache" in unchecked, unchecked  # moto's gap, said, not passed silently
    assert code != 0


def test_env_points_each_role_at_its_groups_endpoint(groups_deployment, tmp_path):
    import boto3

    d = groups_deployment["d"]
    result = run_cli("env", groups_deployment["spec"], cwd=tmp_path)
    assert result.code == 0, result.err
    text = (tmp_path / ".cachegen" / "split.env").read_text()
    env = dict(line.split("=", 1) for line in text.splitlines() if line and not line.startswith("#"))
    ec = boto3.client("elasticache")
    for url in d.urls:
        group = d.group(url.group)
        [live] = ec.describe_replication_groups(ReplicationGroupId=group.replication_group_id)["ReplicationGroups"]
        endpoint = live["ConfigurationEndpoint"] if group.cluster_mode_enabled else live["NodeGroups"][0]["PrimaryEndpoint"]
        assert f"@{endpoint['Address']}:{endpoint['Port']}/{url.db}" in env[url.variable], url.variable
    assert "__" not in text, "a placeholder was left in the real file"
    for group in d.all_groups:  # each group's own AUTH token, never printed
        token = boto3.client("secretsmanager").get_secret_value(SecretId=group.auth_secret_name)["SecretString"]
        assert token not in result.out + result.err


def test_delete_tears_down_every_group(groups_deployment):
    import boto3

    _run(groups_deployment, "delete.sh", "--yes", "--no-wait", "--skip", "parameter-group", "--skip", "subnet-group",
         "--skip", "auto-scaling")
    ec = boto3.client("elasticache")
    for group in groups_deployment["d"].all_groups:
        try:
            live = ec.describe_replication_groups(ReplicationGroupId=group.replication_group_id)["ReplicationGroups"]
        except ec.exceptions.ReplicationGroupNotFoundFault:
            live = []
        assert [g["Status"] for g in live] in ([], ["deleting"])
        assert "DeletedDate" in boto3.client("secretsmanager").describe_secret(SecretId=group.auth_secret_name)
    assert _records(groups_deployment["zone"]) == {}, "delete.sh left a DNS record behind"
