"""Drift: what runs in AWS against what the spec says.

Each check reads one resource with boto3 and yields the differences it finds. A check
whose API call fails is not silently passed: it is reported as not checked, with why.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .emitters.alarms import put_metric_alarm_input
from .model import Deployment


@dataclass(frozen=True)
class Difference:
    resource: str
    setting: str
    expected: Any
    actual: Any


@dataclass
class Report:
    differences: list[Difference]
    not_checked: list[str]


def _enabled(value: bool) -> str:
    return "enabled" if value else "disabled"


def check(d: Deployment, client: Callable[[str], Any]) -> Report:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError  # an endpoint answering HTML (a 500 page)

    report = Report([], [])
    checks = [("replication group", _replication_group), ("subnet group", _subnet_group),
              ("security group", _security_group), ("parameter group", _parameter_group), ("alarms", _alarms)]
    for name, run in checks:
        try:
            report.differences.extend(run(d, client))
        except (BotoCoreError, ClientError, ResponseParserError) as error:
            report.not_checked.append(f"{name}: {error}")
    return report


def _replication_group(d: Deployment, client: Callable[[str], Any]) -> Iterator[Difference]:
    elasticache = client("elasticache")
    try:
        [group] = elasticache.describe_replication_groups(ReplicationGroupId=d.replication_group_id)[
            "ReplicationGroups"]
    except elasticache.exceptions.ReplicationGroupNotFoundFault:
        yield Difference("replication group", "exists", d.replication_group_id, None)
        return
    spec = d.spec
    expected = {
        "CacheNodeType": d.node.name,
        "AutomaticFailover": _enabled(d.automatic_failover),
        "MultiAZ": _enabled(d.multi_az),
        "ClusterEnabled": d.cluster_mode_enabled,
        "SnapshotRetentionLimit": spec.backups.retention_days,
        "TransitEncryptionEnabled": d.tls,
        "AtRestEncryptionEnabled": spec.security.at_rest_encryption.enabled,
        "AuthTokenEnabled": d.auth,
        "MemberClusters": sorted(m.cluster_id for m in d.members),
    }
    if spec.backups.retention_days > 0:
        expected["SnapshotWindow"] = spec.backups.window
    actual = dict(group, MemberClusters=sorted(group.get("MemberClusters", [])))
    for key, value in expected.items():
        if actual.get(key) != value:
            yield Difference("replication group", key, value, actual.get(key))
    wanted_logs = sorted((log.log_type, log.log_group, log.format) for log in d.log_destinations)
    live_logs = sorted((c["LogType"], c["DestinationDetails"].get("CloudWatchLogsDetails", {}).get("LogGroup"),
                        c["LogFormat"]) for c in group.get("LogDeliveryConfigurations", []))
    if wanted_logs != live_logs:
        yield Difference("replication group", "LogDeliveryConfigurations", wanted_logs, live_logs)


def _subnet_group(d: Deployment, client: Callable[[str], Any]) -> Iterator[Difference]:
    elasticache = client("elasticache")
    try:
        [group] = elasticache.describe_cache_subnet_groups(CacheSubnetGroupName=d.subnet_group_name)[
            "CacheSubnetGroups"]
    except elasticache.exceptions.CacheSubnetGroupNotFoundFault:
        yield Difference("subnet group", "exists", d.subnet_group_name, None)
        return
    wanted = sorted(subnet.id for subnet in d.spec.network.subnets)
    live = sorted(subnet["SubnetIdentifier"] for subnet in group["Subnets"])
    if wanted != live:
        yield Difference("subnet group", "Subnets", wanted, live)


def _security_group(d: Deployment, client: Callable[[str], Any]) -> Iterator[Difference]:
    groups = client("ec2").describe_security_groups(Filters=[
        {"Name": "group-name", "Values": [d.security_group_name]},
        {"Name": "vpc-id", "Values": [d.spec.network.vpc_id]}])["SecurityGroups"]
    if not groups:
        yield Difference("security group", "exists", d.security_group_name, None)
        return
    sources = set()
    for permission in groups[0].get("IpPermissions", []):
        ports = f"{permission.get('FromPort')}-{permission.get('ToPort')}"
        sources |= {(ports, pair["GroupId"]) for pair in permission.get("UserIdGroupPairs", [])}
        sources |= {(ports, r["CidrIp"]) for r in permission.get("IpRanges", [])}
    port = f"{d.spec.port}-{d.spec.port}"
    wanted = {(port, source) for source in [*d.spec.network.allowed_security_groups, *d.spec.network.allowed_cidrs]}
    if sources != wanted:
        yield Difference("security group", "ingress", sorted(wanted), sorted(sources))


def _parameter_group(d: Deployment, client: Callable[[str], Any]) -> Iterator[Difference]:
    if d.uses_default_parameter_group:
        return
    elasticache = client("elasticache")
    live: dict[str, str] = {}
    for page in elasticache.get_paginator("describe_cache_parameters").paginate(
            CacheParameterGroupName=d.parameter_group_name):
        live |= {p["ParameterName"]: p.get("ParameterValue", "") for p in page["Parameters"]}
    for name, value in d.parameters:
        if live.get(name) != value:
            yield Difference("parameter group", name, value, live.get(name))


ALARM_FIELDS = ("MetricName", "Namespace", "Statistic", "Dimensions", "Period", "EvaluationPeriods",
                "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData")


def _alarms(d: Deployment, client: Callable[[str], Any]) -> Iterator[Difference]:
    cloudwatch = client("cloudwatch")
    live = {a["AlarmName"]: a for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=d.replication_group_id + "-") for a in page["MetricAlarms"]}
    for alarm in d.alarms:
        wanted = put_metric_alarm_input(d, alarm, [])
        found = live.pop(alarm.name, None)
        if found is None:
            yield Difference(f"alarm {alarm.name}", "exists", True, None)
            continue
        for key in ALARM_FIELDS:
            if found.get(key) != wanted[key]:
                yield Difference(f"alarm {alarm.name}", key, wanted[key], found.get(key))
    for name in sorted(live):
        yield Difference(f"alarm {name}", "exists", None, "not in the spec")
