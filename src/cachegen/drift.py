"""Drift: what runs in AWS against the resource plan.

Each check reads one kind of resource with boto3 and compares it with the plan's API
inputs (the same inputs the CloudFormation stacks and the CLI scripts carry). A check
whose API call fails is not silently passed: it is reported as not checked, with why.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .model import Deployment
from .plan import ENDPOINT_PATHS, GROUP, PARAMETER_GROUP, SECURITY_GROUP, SUBNET_GROUP, TOPIC, USER_GROUP, Plan, Ref, record_set


@dataclass(frozen=True)
class Difference:
    resource: str
    setting: str
    expected: Any
    actual: Any


@dataclass
class Report:
    differences: list[Difference]
    not_checked: list[tuple[str, str]]  # (what could not be read, why)

    @property
    def complete(self) -> bool:
        """Whether every part of the deployment was read: only then does "no difference" mean none."""
        return not self.not_checked


def _enabled(value: bool) -> str:
    return "enabled" if value else "disabled"


def check(d: Deployment, client: Callable[[str], Any]) -> Report:
    from botocore.exceptions import BotoCoreError, ClientError
    from botocore.parsers import ResponseParserError  # an endpoint answering HTML (a 500 page)

    report = Report([], [])
    checks = [("replication group", _replication_group), ("subnet group", _subnet_group),
              ("security group", _security_group), ("parameter group", _parameter_group),
              ("users", _users), ("user group", _user_group), ("IAM policies", _iam_policies),
              ("log groups", _log_groups), ("topic", _topic), ("auto scaling", _auto_scaling), ("alarms", _alarms),
              ("dashboards", _dashboards), ("global datastore", _global_datastore), ("DNS records", _records)]
    for group in d.all_groups:  # each group of the environment against its own plan
        label = f" of groups.{group.group_key}" if group.group_key else ""
        if group.global_datastore is not None:  # a Global Datastore member is read in the region the spec gives it
            group_client = functools.partial(client, region_name=group.region)
        else:
            group_client = client
        # another group's alarms share the prefix when its id extends this one's (<id>-<key>)
        elsewhere = frozenset(a.name for other in d.all_groups if other is not group for a in other.alarms)
        group_checks = [("serverless cache", _serverless_cache) if run is _replication_group else (name, run)
                        for name, run in checks if not (group.serverless and run is _subnet_group)] \
            if group.serverless else checks
        for name, run in group_checks:
            try:
                if run is _alarms:
                    report.differences.extend(_alarms(group, group.plan, group_client, elsewhere))
                    continue
                report.differences.extend(run(group, group.plan, group_client))
            except (BotoCoreError, ClientError, ResponseParserError) as error:
                report.not_checked.append((name + label, str(error)))
    return report


def _global_datastore(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    """The primary's datastore exists and its members are the spec's groups, wherever the primary is now
    (a failover-region.sh run moves it: that is an operation, not drift)."""
    gds = d.global_datastore
    if gds is None or gds.role != "primary":
        return
    elasticache = client("elasticache")
    try:
        [live] = elasticache.describe_global_replication_groups(GlobalReplicationGroupId=gds.id, ShowMemberInfo=True)[
            "GlobalReplicationGroups"]
    except elasticache.exceptions.GlobalReplicationGroupNotFoundFault:
        yield Difference("global datastore", "exists", gds.id, None)
        return
    wanted = sorted((g.replication_group_id, g.region) for g in d.all_groups if g.global_datastore is not None)
    members = sorted((m.get("ReplicationGroupId"), m.get("ReplicationGroupRegion")) for m in live.get("Members", []))
    if members != wanted:
        yield Difference("global datastore", "Members", wanted, members)


def _records(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    """Each Route 53 record is a CNAME of the endpoint it names, with the spec's TTL."""
    import jmespath  # boto3's own dependency

    records = plan.of_type("AWS::Route53::RecordSet")
    if not records:
        return
    elasticache = client("elasticache")
    if d.serverless:
        [live_cache] = elasticache.describe_serverless_caches(ServerlessCacheName=d.serverless.name)["ServerlessCaches"]
    else:
        [live_cache] = elasticache.describe_replication_groups(ReplicationGroupId=d.replication_group_id)[
            "ReplicationGroups"]
    route53 = client("route53")
    for record in records:
        zone, wanted = record_set(record)
        endpoint, field = wanted["ResourceRecords"][0]["Value"].attribute.split(".")
        path = "Endpoint" if d.serverless else ENDPOINT_PATHS[endpoint]
        address = jmespath.search(f"{path}.{field}", live_cache)
        found = [r for r in route53.list_resource_record_sets(
            HostedZoneId=zone, StartRecordName=wanted["Name"], StartRecordType="CNAME",
            MaxItems="1")["ResourceRecordSets"] if r["Name"].rstrip(".") == wanted["Name"] and r["Type"] == "CNAME"]
        label = f"DNS record {wanted['Name']}"
        if not found:
            yield Difference(label, "exists", wanted["Name"], None)
            continue
        values = [r["Value"] for r in found[0].get("ResourceRecords", [])]
        if values != [address]:
            yield Difference(label, "value", address, values[0] if len(values) == 1 else values)
        if found[0].get("TTL") != wanted["TTL"]:
            yield Difference(label, "TTL", wanted["TTL"], found[0].get("TTL"))


def _name(plan: Plan, value: Any) -> Any:
    """A reference to another resource's name, as the live API shows it: the name itself."""
    return plan.get(value.resource).name if isinstance(value, Ref) and value.attribute == "Name" else value


# CreateReplicationGroup member -> (DescribeReplicationGroups member, the live form of the planned value)
GROUP_FIELDS: dict[str, tuple[str, Callable[[Any], Any]]] = {
    "ReplicationGroupDescription": ("Description", lambda v: v),
    "Engine": ("Engine", lambda v: v),
    "CacheNodeType": ("CacheNodeType", lambda v: v),
    "ClusterMode": ("ClusterMode", lambda v: v),
    "AutomaticFailoverEnabled": ("AutomaticFailover", _enabled),
    "MultiAZEnabled": ("MultiAZ", _enabled),
    "NetworkType": ("NetworkType", lambda v: v),
    "IpDiscovery": ("IpDiscovery", lambda v: v),
    "AtRestEncryptionEnabled": ("AtRestEncryptionEnabled", lambda v: v),
    "TransitEncryptionEnabled": ("TransitEncryptionEnabled", lambda v: v),
    "TransitEncryptionMode": ("TransitEncryptionMode", lambda v: v),
    "SnapshotRetentionLimit": ("SnapshotRetentionLimit", lambda v: v),
    "SnapshotWindow": ("SnapshotWindow", lambda v: v),
    "DataTieringEnabled": ("DataTiering", _enabled),
}


def _replication_group(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    elasticache = client("elasticache")
    wanted = plan.get(GROUP).calls["CreateReplicationGroup"]
    try:
        [group] = elasticache.describe_replication_groups(ReplicationGroupId=wanted["ReplicationGroupId"])[
            "ReplicationGroups"]
    except elasticache.exceptions.ReplicationGroupNotFoundFault:
        yield Difference("replication group", "exists", wanted["ReplicationGroupId"], None)
        return
    expected = {live: form(wanted[key]) for key, (live, form) in GROUP_FIELDS.items() if key in wanted}
    expected["AuthTokenEnabled"] = "AuthToken" in wanted
    expected["UserGroupIds"] = [_name(plan, ref) for ref in wanted.get("UserGroupIds", [])]
    expected["MemberClusters"] = sorted(m.cluster_id for m in d.members)
    actual = dict(group, MemberClusters=sorted(group.get("MemberClusters", [])), UserGroupIds=group.get("UserGroupIds", []))
    if d.scaling:  # Auto Scaling moves the size: only a count outside its bounds is drift
        least, most = _node_bounds(d)
        count = len(actual["MemberClusters"])
        del expected["MemberClusters"]
        if not least <= count <= most:
            yield Difference("replication group", "MemberClusters (count)", f"{least}-{most}", count)
    for key, value in expected.items():
        if actual.get(key) != value:
            yield Difference("replication group", key, value, actual.get(key))
    wanted_logs = sorted((c["LogType"], c["DestinationType"], _name(plan, _log_target(c["DestinationDetails"])),
                          c["LogFormat"]) for c in wanted.get("LogDeliveryConfigurations", []))
    live_logs = sorted((c["LogType"], c.get("DestinationType"), _log_target(c.get("DestinationDetails", {})),
                        c["LogFormat"]) for c in group.get("LogDeliveryConfigurations", []))
    if wanted_logs != live_logs:
        yield Difference("replication group", "LogDeliveryConfigurations", wanted_logs, live_logs)


SERVERLESS_FIELDS = ("Description", "Engine", "MajorEngineVersion", "CacheUsageLimits", "KmsKeyId", "UserGroupId",
                     "SnapshotRetentionLimit", "DailySnapshotTime")


def _serverless_cache(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    from .plan import SERVERLESS

    elasticache = client("elasticache")
    wanted = plan.get(SERVERLESS).calls["CreateServerlessCache"]
    try:
        [cache] = elasticache.describe_serverless_caches(ServerlessCacheName=wanted["ServerlessCacheName"])[
            "ServerlessCaches"]
    except elasticache.exceptions.ServerlessCacheNotFoundFault:
        yield Difference("serverless cache", "exists", wanted["ServerlessCacheName"], None)
        return
    for key in SERVERLESS_FIELDS:
        expected = _name(plan, wanted.get(key))
        actual = cache.get(key)
        if key == "MajorEngineVersion":  # DescribeServerlessCaches reports it as FullEngineVersion's major too
            actual = actual or (cache.get("FullEngineVersion") or "").split(".")[0] or None
        if expected != actual and not (expected is None and actual in (None, "", 0)):
            yield Difference("serverless cache", key, expected, actual)
    if sorted(cache.get("SubnetIds", [])) != sorted(wanted["SubnetIds"]):
        yield Difference("serverless cache", "SubnetIds", sorted(wanted["SubnetIds"]), sorted(cache.get("SubnetIds", [])))


def _log_target(details: dict[str, Any]) -> Any:
    """A log delivery's log group or Firehose stream."""
    if "KinesisFirehoseDetails" in details:
        return details["KinesisFirehoseDetails"].get("DeliveryStream")
    return details.get("CloudWatchLogsDetails", {}).get("LogGroup")


def _node_bounds(d: Deployment) -> tuple[int, int]:
    """The fewest and most nodes Auto Scaling may leave the group with."""
    (fewest, replicas_least), (most, replicas_most) = d.scaling_range
    return fewest * (replicas_least + 1), most * (replicas_most + 1)


# how DescribeUsers names each authentication of a user
AUTHENTICATION = {"password": "password", "iam": "iam", "none": "no-password"}


def _acl_meaning(access_string: str) -> tuple:
    """What an access string means: its key and channel patterns as sets (their order is not
    meaningful, and AWS may write them in its own), its command rules in order (they apply left to
    right), its on/off."""
    rules = access_string.split()
    return (frozenset(r for r in rules if r in ("on", "off")), frozenset(r for r in rules if r.startswith("~")),
            frozenset(r for r in rules if r.startswith("&")), tuple(r for r in rules if r[:1] in "+-"))


def _users(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    """Each RBAC or IAM user: its name, engine, authentication and access string (by meaning: the
    command rules in order, `+@all -@dangerous` is not `-@dangerous +@all`)."""
    elasticache = client("elasticache")
    for resource in plan.of_type("AWS::ElastiCache::User"):
        wanted = resource.calls["CreateUser"]
        try:
            [user] = elasticache.describe_users(UserId=wanted["UserId"])["Users"]
        except elasticache.exceptions.UserNotFoundFault:
            yield Difference(f"user {wanted['UserId']}", "exists", True, None)
            continue
        for key in ("UserName", "Engine"):
            if str(user.get(key, "")).lower() != wanted[key].lower():
                yield Difference(f"user {wanted['UserId']}", key, wanted[key], user.get(key))
        if _acl_meaning(user.get("AccessString", "")) != _acl_meaning(wanted["AccessString"]):
            yield Difference(f"user {wanted['UserId']}", "AccessString", wanted["AccessString"], user.get("AccessString"))
        kind = AUTHENTICATION[next(u.authentication for u in d.users if u.user_id == wanted["UserId"])]
        live = user.get("Authentication", {}).get("Type")
        if live is not None and live != kind:
            yield Difference(f"user {wanted['UserId']}", "Authentication", kind, live)


def _user_group(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    if USER_GROUP not in plan.by_id:
        return
    elasticache = client("elasticache")
    wanted = plan.get(USER_GROUP).calls["CreateUserGroup"]
    try:
        [group] = elasticache.describe_user_groups(UserGroupId=wanted["UserGroupId"])["UserGroups"]
    except elasticache.exceptions.UserGroupNotFoundFault:
        yield Difference(f"user group {wanted['UserGroupId']}", "exists", True, None)
        return
    members = sorted(_name(plan, ref) for ref in wanted["UserIds"])
    if sorted(group.get("UserIds", [])) != members:
        yield Difference(f"user group {wanted['UserGroupId']}", "UserIds", members, sorted(group.get("UserIds", [])))


def _iam_policies(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    """IAM: each user's connect policy, its document compared with the plan's (the account id read
    from the live policy's own ARN)."""
    from urllib.parse import unquote

    from .plan import AccountId, Join

    wanted = plan.of_type("AWS::IAM::ManagedPolicy")
    if not wanted:
        return
    iam = client("iam")
    live = {p["PolicyName"]: p for page in iam.get_paginator("list_policies").paginate(Scope="Local")
            for p in page["Policies"]}
    for resource in wanted:
        create = resource.calls["CreatePolicy"]
        found = live.get(create["PolicyName"])
        if found is None:
            yield Difference(f"IAM policy {create['PolicyName']}", "exists", True, None)
            continue
        account = found["Arn"].split(":")[4]

        def text(value: Any) -> Any:
            if isinstance(value, Join):
                return "".join(account if isinstance(p, AccountId) else p for p in value.parts)
            if isinstance(value, dict):
                return {k: text(v) for k, v in value.items()}
            if isinstance(value, list):
                return [text(v) for v in value]
            return value

        version = iam.get_policy_version(PolicyArn=found["Arn"], VersionId=found["DefaultVersionId"])["PolicyVersion"]
        document = version["Document"]
        if isinstance(document, str):  # the API returns it URL-encoded; boto3 usually decodes it
            document = json.loads(unquote(document))
        if document != text(create["PolicyDocument"]):
            yield Difference(f"IAM policy {create['PolicyName']}", "PolicyDocument", "as generated", "changed")


def _subnet_group(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    elasticache = client("elasticache")
    wanted = plan.get(SUBNET_GROUP).calls["CreateCacheSubnetGroup"]
    try:
        [group] = elasticache.describe_cache_subnet_groups(CacheSubnetGroupName=wanted["CacheSubnetGroupName"])[
            "CacheSubnetGroups"]
    except elasticache.exceptions.CacheSubnetGroupNotFoundFault:
        yield Difference("subnet group", "exists", wanted["CacheSubnetGroupName"], None)
        return
    live = sorted(subnet["SubnetIdentifier"] for subnet in group["Subnets"])
    if sorted(wanted["SubnetIds"]) != live:
        yield Difference("subnet group", "Subnets", sorted(wanted["SubnetIds"]), live)


def _sources(permissions: list[dict[str, Any]]) -> set[tuple[str, str]]:
    """(port range, source) of every ingress rule: a security group id or a CIDR."""
    out = set()
    for permission in permissions:
        ports = f"{permission.get('FromPort')}-{permission.get('ToPort')}"
        out |= {(ports, pair["GroupId"]) for pair in permission.get("UserIdGroupPairs", [])}
        out |= {(ports, r["CidrIp"]) for r in permission.get("IpRanges", [])}
        out |= {(ports, r["CidrIpv6"]) for r in permission.get("Ipv6Ranges", [])}
    return out


def _security_group(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    if SECURITY_GROUP not in plan.by_id:  # an existing group the spec names: its rules are its owner's
        return
    group = plan.get(SECURITY_GROUP)
    create = group.calls["CreateSecurityGroup"]
    # matched by name here, not by a group-name filter, where EC2 reads * and ? as wildcards
    found = [group for page in client("ec2").get_paginator("describe_security_groups").paginate(
        Filters=[{"Name": "vpc-id", "Values": [create["VpcId"]]}]) for group in page["SecurityGroups"]
        if group["GroupName"] == create["GroupName"]]
    if not found:
        yield Difference("security group", "exists", create["GroupName"], None)
        return
    wanted = _sources(group.calls["AuthorizeSecurityGroupIngress"]["IpPermissions"])
    live = _sources(found[0].get("IpPermissions", []))
    if live != wanted:
        yield Difference("security group", "ingress", sorted(wanted), sorted(live))


def _parameter_group(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    if PARAMETER_GROUP not in plan.by_id:
        return
    modify = plan.get(PARAMETER_GROUP).calls["ModifyCacheParameterGroup"]
    elasticache = client("elasticache")
    live: dict[str, str] = {}
    for page in elasticache.get_paginator("describe_cache_parameters").paginate(
            CacheParameterGroupName=modify["CacheParameterGroupName"]):
        live |= {p["ParameterName"]: p.get("ParameterValue", "") for p in page["Parameters"]}
    for parameter in modify["ParameterNameValues"]:
        name, value = parameter["ParameterName"], parameter["ParameterValue"]
        if live.get(name) != value:
            yield Difference("parameter group", name, value, live.get(name))


def _log_groups(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    logs = client("logs")
    for group in plan.of_type("AWS::Logs::LogGroup"):
        name = group.name
        found = [g for page in logs.get_paginator("describe_log_groups").paginate(logGroupNamePrefix=name)
                 for g in page["logGroups"] if g["logGroupName"] == name]
        if not found:
            yield Difference(f"log group {name}", "exists", True, None)
            continue
        retention = group.calls["PutRetentionPolicy"]["retentionInDays"]
        if found[0].get("retentionInDays") != retention:
            yield Difference(f"log group {name}", "retentionInDays", retention, found[0].get("retentionInDays"))


def _topic(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    if TOPIC not in plan.by_id:
        return
    topic = plan.get(TOPIC)
    sns = client("sns")
    arns = [t["TopicArn"] for page in sns.get_paginator("list_topics").paginate() for t in page["Topics"]
            if t["TopicArn"].split(":")[-1] == topic.name]
    if not arns:
        yield Difference(f"topic {topic.name}", "exists", True, None)
        return
    live = sorted(s["Endpoint"] for page in sns.get_paginator("list_subscriptions_by_topic").paginate(TopicArn=arns[0])
                  for s in page["Subscriptions"] if s["Protocol"] == "email")
    wanted = sorted(s["Endpoint"] for s in topic.calls["Subscribe"])
    if live != wanted:
        yield Difference(f"topic {topic.name}", "email subscriptions", wanted, live)


ALARM_FIELDS = ("MetricName", "Namespace", "Statistic", "Dimensions", "Period", "EvaluationPeriods",
                "DatapointsToAlarm", "Threshold", "ComparisonOperator", "TreatMissingData")


def _alarms(d: Deployment, plan: Plan, client: Callable[[str], Any], elsewhere: frozenset[str] = frozenset()
            ) -> Iterator[Difference]:
    cloudwatch = client("cloudwatch")
    live = {a["AlarmName"]: a for page in cloudwatch.get_paginator("describe_alarms").paginate(
        AlarmNamePrefix=d.replication_group_id + "-") for a in page["MetricAlarms"]}
    for resource in plan.of_type("AWS::CloudWatch::Alarm"):
        wanted = resource.calls["PutMetricAlarm"]
        found = live.pop(wanted["AlarmName"], None)
        if found is None:
            yield Difference(f"alarm {wanted['AlarmName']}", "exists", True, None)
            continue
        for key in ALARM_FIELDS:
            if found.get(key) != wanted[key]:
                yield Difference(f"alarm {wanted['AlarmName']}", key, wanted[key], found.get(key))
    for name in sorted(set(live) - elsewhere):
        yield Difference(f"alarm {name}", "exists", None, "not in the spec")


def _auto_scaling(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    """Application Auto Scaling: each scalable target's bounds and its policy's target tracking;
    a target registered for the group that the spec does not declare is reported too."""
    from . import catalog

    targets = plan.of_type("AWS::ApplicationAutoScaling::ScalableTarget")
    policies = plan.of_type("AWS::ApplicationAutoScaling::ScalingPolicy")
    if not targets and not d.cluster_mode_enabled:
        return  # only a cluster-mode group can be scaled: nothing to read
    scaling = client("application-autoscaling")
    facts = catalog.auto_scaling()
    resource_id = facts["resource_id_prefix"] + d.replication_group_id
    live = {t["ScalableDimension"]: t for t in scaling.describe_scalable_targets(
        ServiceNamespace=facts["service_namespace"], ResourceIds=[resource_id])["ScalableTargets"]}
    live_policies = {p["PolicyName"]: p for p in scaling.describe_scaling_policies(
        ServiceNamespace=facts["service_namespace"], ResourceId=resource_id)["ScalingPolicies"]}
    for target in targets:
        wanted = target.calls["RegisterScalableTarget"]
        found = live.pop(wanted["ScalableDimension"], None)
        where = f"scalable target {resource_id} {wanted['ScalableDimension']}"
        if found is None:
            yield Difference(where, "exists", True, None)
            continue
        for key in ("MinCapacity", "MaxCapacity"):
            if found.get(key) != wanted[key]:
                yield Difference(where, key, wanted[key], found.get(key))
    for dimension in sorted(live):
        yield Difference(f"scalable target {resource_id} {dimension}", "exists", None, "not in the spec")
    for policy in policies:
        wanted = policy.calls["PutScalingPolicy"]
        found = live_policies.get(wanted["PolicyName"])
        if found is None:
            yield Difference(f"scaling policy {wanted['PolicyName']}", "exists", True, None)
            continue
        expected = wanted["TargetTrackingScalingPolicyConfiguration"]
        actual = found.get("TargetTrackingScalingPolicyConfiguration", {})
        for key, value in expected.items():
            if actual.get(key, False if key == "DisableScaleIn" else None) != value:
                yield Difference(f"scaling policy {wanted['PolicyName']}", key, value, actual.get(key))



def _dashboards(d: Deployment, plan: Plan, client: Callable[[str], Any]) -> Iterator[Difference]:
    cloudwatch = client("cloudwatch")
    for resource in plan.of_type("AWS::CloudWatch::Dashboard"):
        wanted = resource.calls["PutDashboard"]
        try:
            body = cloudwatch.get_dashboard(DashboardName=wanted["DashboardName"])["DashboardBody"]
        except (cloudwatch.exceptions.DashboardNotFoundError, cloudwatch.exceptions.ResourceNotFound):
            yield Difference(f"dashboard {wanted['DashboardName']}", "exists", True, None)
            continue
        if json.loads(body) != json.loads(wanted["DashboardBody"]):
            yield Difference(f"dashboard {wanted['DashboardName']}", "DashboardBody", "as generated", "changed")
