"""Alarms: the right alarms on the right nodes, valid for CloudWatch, and a dashboard of real metrics."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import COMMITTED_SPECS, TEST_SPECS

CATALOGUE = yaml.safe_load(open(__import__("cachegen").__path__[0] + "/data/alarms.yaml"))
SPECS = COMMITTED_SPECS + [TEST_SPECS / "cluster.yaml"]


def _compiled(spec):
    from cachegen.compiler import compile_spec, render

    _, deployment = compile_spec(spec)
    return deployment, render(deployment)


@pytest.mark.parametrize("spec", SPECS, ids=lambda p: p.stem)
def test_alarm_count_matches_an_independent_derivation(spec):
    deployment, files = _compiled(spec)
    merged_topology = deployment.spec.topology  # read back the spec's own numbers, nothing derived
    shards = merged_topology.shards if merged_topology.cluster_mode == "enabled" else 1
    replicas = merged_topology.replicas_per_shard
    celery = deployment.spec.celery
    # the spec's own group: the roles that name no other group
    holds_queue = celery.enabled and ((celery.broker.enabled and celery.broker.group is None)
                                      or (celery.result_backend.enabled and celery.result_backend.group is None))
    policy = deployment.spec.parameters.values.get("maxmemory-policy", "noeviction")  # cachegen's recommendation
    per_node = sum(1 for entry in CATALOGUE["alarms"].values() if entry["applies_to"] == "all" and (
        entry["when"] == "always" or (entry["when"] == "celery" and celery.enabled)
        or (entry["when"] == "evicting_forbidden" and holds_queue)
        or (entry["when"] == "memory_bound" and (holds_queue or policy == "noeviction"))))
    per_replica = sum(1 for entry in CATALOGUE["alarms"].values() if entry["applies_to"] == "replicas")
    # the workload's alarm watches each primary of a group the spec's workload falls on
    serves_a_role = celery.enabled and any(getattr(celery, role).enabled and getattr(celery, role).group is None
                                           for role in ("broker", "result_backend", "cache"))
    per_primary = sum(1 for entry in CATALOGUE["alarms"].values()
                      if entry["applies_to"] == "primaries" and entry["when"] == "workload"
                      and deployment.spec.workload is not None and serves_a_role)
    expected = per_node * shards * (replicas + 1) + per_replica * shards * replicas + per_primary * shards
    assert len(json.loads(files["alarms/alarms.json"])) == expected


def test_prod_has_the_guide_alarms_on_every_node():
    deployment, files = _compiled(COMMITTED_SPECS[[p.stem for p in COMMITTED_SPECS].index("prod")])
    alarms = json.loads(files["alarms/alarms.json"])
    by_name = {a["AlarmName"]: a for a in alarms}
    for member in ("ai-job-matching-prod-001", "ai-job-matching-prod-002"):
        assert by_name[f"{member}-memory-usage"]["Threshold"] == 90.0
        assert by_name[f"{member}-cpu-utilization"]["Threshold"] == 45.0  # 90 / 2 vCPUs
        assert by_name[f"{member}-evictions"]["Threshold"] == 0.0  # the broker must never evict
    assert "ai-job-matching-prod-002-replication-lag" in by_name
    assert "ai-job-matching-prod-001-replication-lag" not in by_name  # the primary reports no lag


def test_no_alarm_watches_the_replication_group_id():
    for spec in SPECS:
        deployment, files = _compiled(spec)
        members = {m.cluster_id for m in deployment.members}
        for alarm in json.loads(files["alarms/alarms.json"]):
            dimensions = {d["Name"]: d["Value"] for d in alarm["Dimensions"]}
            assert dimensions["CacheClusterId"] != deployment.replication_group_id
            assert dimensions["CacheClusterId"] in members and dimensions["CacheNodeId"] == "0001"


def test_cluster_mode_members_are_named_like_elasticache():
    deployment, files = _compiled(TEST_SPECS / "cluster.yaml")
    names = {d["Value"] for a in json.loads(files["alarms/alarms.json"]) for d in a["Dimensions"]
             if d["Name"] == "CacheClusterId"}
    assert names == {f"ai-job-matching-cluster-{s:04d}-{n:03d}" for s in range(1, 4) for n in range(1, 4)}


def test_overrides_change_and_disable_alarms(tmp_path):
    from conftest import SPEC_DIR

    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "x.yaml"
    spec.write_text("extends: base.yaml\npreset: production\nenvironment: x\nalarms:\n  overrides:\n"
                    "    memory_usage: {threshold: 80}\n    swap_usage: {enabled: false}\n")
    deployment, files = _compiled(spec)
    alarms = json.loads(files["alarms/alarms.json"])
    assert {a["Threshold"] for a in alarms if a["MetricName"] == "DatabaseMemoryUsagePercentage"} == {80.0}
    assert not [a for a in alarms if a["MetricName"] == "SwapUsage"]


def test_every_alarm_is_a_valid_put_metric_alarm_input():
    import botocore.session
    from botocore.validate import ParamValidator

    model = botocore.session.get_session().get_service_model("cloudwatch").operation_model("PutMetricAlarm")
    for spec in SPECS:
        _, files = _compiled(spec)
        for alarm in json.loads(files["alarms/alarms.json"]):
            report = ParamValidator().validate(alarm, model.input_shape)
            assert not report.has_errors(), report.generate_report()
    broken = dict(json.loads(files["alarms/alarms.json"])[0], Threshold="high")
    assert ParamValidator().validate(broken, model.input_shape).has_errors()


def test_alarms_round_trip_through_moto(aws_env):
    import boto3

    deployment, files = _compiled(COMMITTED_SPECS[[p.stem for p in COMMITTED_SPECS].index("prod")])
    account = boto3.client("sts").get_caller_identity()["Account"]
    text = files["alarms/alarms.json"].replace(":ACCOUNT_ID:", f":{account}:")
    cloudwatch = boto3.client("cloudwatch")
    alarms = json.loads(text)
    for alarm in alarms:
        cloudwatch.put_metric_alarm(**alarm)
    stored = {a["AlarmName"]: a for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=deployment.replication_group_id + "-") for a in page["MetricAlarms"]}
    assert set(stored) == {a["AlarmName"] for a in alarms}
    for alarm in alarms:
        back = stored[alarm["AlarmName"]]
        for key, value in alarm.items():
            if key != "Tags":
                assert back[key] == value, (alarm["AlarmName"], key)


# Metrics the AWS/ElastiCache namespace publishes for Valkey and Redis OSS (host-level and engine
# tables of https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.HostLevel.html
# and .../CacheMetrics.Redis.html): the ones cachegen's alarms and dashboard may use.
ELASTICACHE_METRICS = {"CPUUtilization", "EngineCPUUtilization", "DatabaseMemoryUsagePercentage", "CurrConnections",
                       "Evictions", "ReplicationLag", "SwapUsage", "NetworkBytesIn", "NetworkBytesOut",
                       "NetworkBandwidthInAllowanceExceeded", "NetworkBandwidthOutAllowanceExceeded", "GetTypeCmds",
                       "SetTypeCmds", "GlobalDatastoreReplicationLag"}


def test_dashboard_uses_only_real_elasticache_metrics():
    known = ELASTICACHE_METRICS
    assert {entry["metric"] for entry in CATALOGUE["alarms"].values()} <= known
    for spec in SPECS:
        deployment, files = _compiled(spec)
        body = json.loads(files["alarms/dashboard.json"])
        members = {m.cluster_id for m in deployment.members}
        rows = {w["y"] for w in body["widgets"]}
        assert len(rows) == len(members), "one widget row per node"
        for widget in body["widgets"]:
            for namespace, metric, _, member, _, node in widget["properties"]["metrics"]:
                assert namespace == "AWS/ElastiCache" and metric in known and member in members and node == "0001"


def test_alarms_md_has_one_row_per_alarm_with_its_nodes_and_readable_thresholds():
    from cachegen.compiler import compile_spec, render
    from conftest import SPEC_DIR

    _, d = compile_spec(SPEC_DIR / "prod.yaml")
    text = render(d)["alarms/alarms.md"]
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| alarm ")]
    assert len(rows) == len({a.alarm_id for a in d.alarms}) < len(d.alarms)
    assert all(a.name in text for a in d.alarms)
    assert "e+0" not in text and "> 50 MiB (52,428,800 bytes)" in text
