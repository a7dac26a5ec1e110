"""The resource plan: every AWS resource of a deployment, once, in its API's own shape.

Each resource holds the inputs of the API calls that create it (CreateCacheSubnetGroup,
AuthorizeSecurityGroupIngress, PutMetricAlarm, ...), with the member names and shapes of
the AWS API. A value another resource provides (a security group id, a topic ARN, the
AUTH token) is a `Ref`, never a string: each renderer turns it into its own form
(`!GetAtt` in CloudFormation, a shell variable in the CLI scripts) and drift reads the
live value. The CloudFormation stacks, the CLI scripts and `cachegen drift` all render or
compare this one plan, so they cannot disagree.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from . import catalog
from .model import Alarm, Credential, Deployment, Scaling, Service, User

# A cheap upper bound of a CloudFormation template's size, from the API inputs the plan holds:
# YAML_PER_JSON_BYTE bytes of YAML per byte of a resource's input as compact JSON (quoting,
# indentation, a JSON dashboard body escaped in a YAML string), RESOURCE_BYTES more per resource
# (type, policies, intrinsic functions) and DOCUMENT_BYTES for the comments, the description and
# the outputs. Alarm stacks are cut by it; rule V801 writes YAML only for a stack it puts near
# the limit. The property tests check it against every stack of every generated spec.
YAML_PER_JSON_BYTE = 4
RESOURCE_BYTES = 512
DOCUMENT_BYTES = 16_384


def _stand_in(value: Any) -> str:
    """A reference's text in the size bound: its repr (a Ref's written out, the commonest, as
    the dataclass would write it without the dataclass's recursion guard)."""
    if type(value) is Ref:
        return f"Ref(resource={value.resource!r}, attribute={value.attribute!r})"
    return repr(value)


# No cycle check: the plan is a tree cachegen builds.
_ENCODER = json.JSONEncoder(default=_stand_in, ensure_ascii=False, check_circular=False)


def _json_bytes(value: Any) -> int:
    return len(_ENCODER.encode(value).encode("utf-8"))


def resource_size_bound(calls: dict[str, Any]) -> int:
    """Upper bound of the bytes a resource with these API inputs takes in a template."""
    return YAML_PER_JSON_BYTE * _json_bytes(calls) + RESOURCE_BYTES


def resources_size_bound(inputs: list[dict[str, Any]]) -> int:
    """resource_size_bound summed over resources, encoded at once: the list's brackets and
    commas only add to the bound."""
    return YAML_PER_JSON_BYTE * _json_bytes(inputs) + RESOURCE_BYTES * len(inputs)


# One row of dashboard widgets per member node; a replica adds its replication lag.
DASHBOARD_WIDGETS = [
    ("CPU", ["CPUUtilization", "EngineCPUUtilization"]),
    ("Memory", ["DatabaseMemoryUsagePercentage"]),
    ("Network", ["NetworkBytesIn", "NetworkBytesOut"]),
    ("Commands", ["GetTypeCmds", "SetTypeCmds"]),
    ("Connections", ["CurrConnections"]),
    ("Evictions", ["Evictions"]),
]
REPLICA_WIDGETS = [("Replication lag", ["ReplicationLag"])]
SUMMED_METRICS = {"Evictions", "GetTypeCmds", "SetTypeCmds"}


@dataclass(frozen=True)
class Ref:
    """An attribute of another resource of the plan: its name, id, ARN, endpoint or secret value."""

    resource: str  # the other resource's logical id
    attribute: str  # Name, GroupId, Arn, SecretString, PrimaryEndPoint.Address, ...


@dataclass(frozen=True)
class AccountId:
    """The AWS account the stack or script runs in (an ARN's account part): `${AWS::AccountId}` in
    CloudFormation, a shell variable the CLI script reads with sts get-caller-identity."""


ACCOUNT_ID = AccountId()


@dataclass(frozen=True)
class Join:
    """Text made of literal parts and references, e.g. a URL around the endpoint address."""

    parts: tuple[str | Ref | AccountId, ...]


@dataclass(frozen=True)
class Resource:
    id: str  # logical id, also the CloudFormation resource name
    type: str  # the CloudFormation type, e.g. AWS::ElastiCache::SubnetGroup
    service: Service
    calls: dict[str, Any]  # API operation -> its input (a list: one call per input)
    stack: str = "main"
    depends_on: tuple[str, ...] = ()
    final_snapshot: bool = False  # replication group: deleting or replacing it keeps a snapshot
    # (checkov check id, why the spec's choice is deliberate): a policy scanner's finding that the
    # stack answers in the resource's Metadata, instead of every team suppressing it by hand
    scanner_skips: tuple[tuple[str, str], ...] = ()

    @property
    def name(self) -> str:
        """The resource's own name: what a CLI call or a describe call uses to find it."""
        member = NAME_MEMBER[self.type]
        value: Any = self.calls[CREATE[self.type]]
        for part in (member if isinstance(member, tuple) else (member,)):  # a path into a nested input
            value = value[part]
        return value


@dataclass(frozen=True)
class Output:
    name: str
    description: str
    value: Ref | Join
    export: bool = True


@dataclass(frozen=True)
class Stack:
    name: str  # "main", "alarms", "alarms-01", ...
    file: str  # under cloudformation/
    description: str
    resources: tuple[str, ...]


@dataclass(frozen=True)
class Plan:
    resources: tuple[Resource, ...]
    outputs: tuple[Output, ...]
    stacks: tuple[Stack, ...]
    by_id: dict[str, Resource] = field(default_factory=dict, compare=False)
    rendered: dict[str, str] = field(default_factory=dict, compare=False, repr=False)  # a renderer's memo

    def __post_init__(self) -> None:
        self.by_id.update((r.id, r) for r in self.resources)

    def get(self, resource_id: str) -> Resource:
        return self.by_id[resource_id]

    def of_type(self, resource_type: str) -> list[Resource]:
        return [r for r in self.resources if r.type == resource_type]


# The call that creates each type, and the member of its input that names the resource.
CREATE = {
    "AWS::ElastiCache::SubnetGroup": "CreateCacheSubnetGroup",
    "AWS::EC2::SecurityGroup": "CreateSecurityGroup",
    "AWS::ElastiCache::ParameterGroup": "CreateCacheParameterGroup",
    "AWS::SecretsManager::Secret": "CreateSecret",
    "AWS::SNS::Topic": "CreateTopic",
    "AWS::Logs::LogGroup": "CreateLogGroup",
    "AWS::ElastiCache::ReplicationGroup": "CreateReplicationGroup",
    "AWS::CloudWatch::Alarm": "PutMetricAlarm",
    "AWS::CloudWatch::Dashboard": "PutDashboard",
    "AWS::ElastiCache::User": "CreateUser",
    "AWS::ElastiCache::UserGroup": "CreateUserGroup",
    "AWS::IAM::ManagedPolicy": "CreatePolicy",
    "AWS::ApplicationAutoScaling::ScalableTarget": "RegisterScalableTarget",
    "AWS::ApplicationAutoScaling::ScalingPolicy": "PutScalingPolicy",
    "AWS::ElastiCache::ServerlessCache": "CreateServerlessCache",
    "AWS::ElastiCache::GlobalReplicationGroup": "CreateGlobalReplicationGroup",
    "AWS::Route53::RecordSet": "ChangeResourceRecordSets",
}
NAME_MEMBER: dict[str, str | tuple[str | int, ...]] = {
    "AWS::ElastiCache::SubnetGroup": "CacheSubnetGroupName",
    "AWS::EC2::SecurityGroup": "GroupName",
    "AWS::ElastiCache::ParameterGroup": "CacheParameterGroupName",
    "AWS::SecretsManager::Secret": "Name",
    "AWS::SNS::Topic": "Name",
    "AWS::Logs::LogGroup": "logGroupName",
    "AWS::ElastiCache::ReplicationGroup": "ReplicationGroupId",
    "AWS::CloudWatch::Alarm": "AlarmName",
    "AWS::CloudWatch::Dashboard": "DashboardName",
    "AWS::ElastiCache::User": "UserId",
    "AWS::ElastiCache::UserGroup": "UserGroupId",
    "AWS::IAM::ManagedPolicy": "PolicyName",
    "AWS::ApplicationAutoScaling::ScalableTarget": "ScalableDimension",  # one target per dimension of the group
    "AWS::ApplicationAutoScaling::ScalingPolicy": "PolicyName",
    "AWS::ElastiCache::ServerlessCache": "ServerlessCacheName",
    "AWS::ElastiCache::GlobalReplicationGroup": "GlobalReplicationGroupIdSuffix",
    "AWS::Route53::RecordSet": ("ChangeBatch", "Changes", 0, "ResourceRecordSet", "Name"),
}

GROUP = "ReplicationGroup"
SERVERLESS = "ServerlessCache"
SUBNET_GROUP = "SubnetGroup"
SECURITY_GROUP = "SecurityGroup"
PARAMETER_GROUP = "ParameterGroup"
SECRET = "AuthTokenSecret"
TOPIC = "AlertsTopic"
LOG_GROUPS = {"slow-log": "SlowLogGroup", "engine-log": "EngineLogGroup"}
USER_GROUP = "UserGroup"
GLOBAL_GROUP = "GlobalReplicationGroup"
RECORDS = {"endpoint": "EndpointRecord", "reader": "ReaderEndpointRecord"}


def _camel(word: str) -> str:
    return "".join(part.capitalize() for part in word.split("_"))


def scalable_target_id(scaling: Scaling) -> str:
    """ShardsScalableTarget, ReplicasScalableTarget."""
    return f"{scaling.what.capitalize()}ScalableTarget"


def scaling_policy_id(scaling: Scaling) -> str:
    return f"{scaling.what.capitalize()}ScalingPolicy"


def user_resource_id(user: User) -> str:
    """BrokerUser, ResultBackendUser, ..., DefaultUser."""
    return f"{_camel(user.role)}User"


def user_secret_id(user: User) -> str:
    return f"{_camel(user.role)}UserSecret"


def iam_policy_id(user: User) -> str:
    return f"{_camel(user.role)}ConnectPolicy"


def _tag_list(d: Deployment, service: Service) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in d.tags[service]]


def build(d: Deployment) -> Plan:
    # a serverless cache takes its subnets and has no parameter group
    resources = [] if d.serverless else [subnet_group(d)]
    if not d.existing_security_group:
        resources.append(security_group(d))
    # a Global Datastore's secondary runs the parameter group ElastiCache makes from the primary's
    if not d.uses_default_parameter_group and not d.serverless and not d.global_secondary:
        resources.append(parameter_group(d))
    if d.auth_secret_name:
        resources.append(secret(d, SECRET, Credential(d.auth_secret_name, ""), f"AUTH token of {d.replication_group_id}"))
    for user in d.users:
        if user.credential:
            resources.append(secret(d, user_secret_id(user), user.credential,
                                    f"Password of {user.user_name} ({user.purpose}) on {d.replication_group_id}"))
    resources.extend(elasticache_user(d, user) for user in d.users)
    if d.user_group_id:
        resources.append(user_group(d))
    resources.extend(connect_policy(d, user) for user in d.users if user.authentication == "iam")
    resources.extend(log_group(d, log) for log in d.log_destinations if not log.to_firehose)
    if d.topic_name:
        resources.append(topic(d))
    resources.append(serverless_cache(d) if d.serverless else replication_group(d))
    if d.global_datastore is not None and d.global_datastore.role == "primary":
        resources.append(global_replication_group(d))
    resources.extend(dns_records(d))
    for scaling in d.scaling:
        resources += [scalable_target(d, scaling), scaling_policy(d, scaling)]
    stacks = [Stack("main", "stack.yaml", f"cachegen: {d.name} {d.environment} - {d.description}",
                    tuple(r.id for r in resources))]
    monitoring, monitoring_stacks = _monitoring(d)
    resources.extend(monitoring)
    if monitoring_stacks and not d.alarms_in_own_stacks:
        stacks = [Stack("main", "stack.yaml", stacks[0].description,
                        stacks[0].resources + tuple(r.id for r in monitoring))]
    else:
        stacks.extend(monitoring_stacks)
    return Plan(tuple(resources), outputs(d), tuple(stacks))


def subnet_group(d: Deployment) -> Resource:
    return Resource(SUBNET_GROUP, "AWS::ElastiCache::SubnetGroup", "elasticache", {
        "CreateCacheSubnetGroup": {
            "CacheSubnetGroupName": d.subnet_group_name,
            "CacheSubnetGroupDescription": f"Private subnets of {d.replication_group_id} "
                                           f"({', '.join(f'{s.id} in {s.az}' for s in d.subnets)})",
            "SubnetIds": [s.id for s in d.subnets],
            "Tags": _tag_list(d, "elasticache"),
        }})


def security_group_ids(d: Deployment) -> list[Any]:
    """The group's security group: an existing one the spec names, or the one the plan creates."""
    return [d.existing_security_group] if d.existing_security_group else [Ref(SECURITY_GROUP, "GroupId")]


def _ip_permission(d: Deployment, source: dict[str, Any]) -> dict[str, Any]:
    return {"IpProtocol": "tcp", "FromPort": d.ingress.port, "ToPort": d.ingress.port, **source}


def security_group(d: Deployment) -> Resource:
    """One ingress permission per source: the CLI script can add each one idempotently."""
    ingress = d.ingress
    permissions = [_ip_permission(d, {"UserIdGroupPairs": [{"GroupId": g, "Description": ingress.description}]})
                   for g in ingress.security_groups]
    permissions += [_ip_permission(d, {"IpRanges": [{"CidrIp": c, "Description": ingress.description}]})
                    for c in ingress.ipv4_cidrs]
    permissions += [_ip_permission(d, {"Ipv6Ranges": [{"CidrIpv6": c, "Description": ingress.description}]})
                    for c in ingress.ipv6_cidrs]
    return Resource(SECURITY_GROUP, "AWS::EC2::SecurityGroup", "ec2", {
        "CreateSecurityGroup": {
            "GroupName": d.security_group_name,
            "Description": f"{d.replication_group_id}: port {ingress.port} from the application only",
            "VpcId": d.vpc_id,
            "TagSpecifications": [{"ResourceType": "security-group", "Tags": _tag_list(d, "ec2")}],
        },
        "AuthorizeSecurityGroupIngress": {
            "GroupId": Ref(SECURITY_GROUP, "GroupId"),
            "IpPermissions": permissions,
        },
    })


def parameter_group(d: Deployment) -> Resource:
    return Resource(PARAMETER_GROUP, "AWS::ElastiCache::ParameterGroup", "elasticache", {
        "CreateCacheParameterGroup": {
            "CacheParameterGroupName": d.parameter_group_name,
            "CacheParameterGroupFamily": d.engine_family,
            "Description": f"Parameters of {d.replication_group_id}",
            "Tags": _tag_list(d, "elasticache"),
        },
        "ModifyCacheParameterGroup": {
            "CacheParameterGroupName": d.parameter_group_name,
            "ParameterNameValues": [{"ParameterName": name, "ParameterValue": value} for name, value in d.parameters],
        },
    })


def secret(d: Deployment, resource_id: str, credential: Credential, what: str) -> Resource:
    """The AUTH token or a user's password, generated by Secrets Manager: GetRandomPassword's
    input is also CloudFormation's GenerateSecretString."""
    token = d.token
    assert token is not None
    generation: dict[str, Any] = {"PasswordLength": token.length}
    if token.special_characters:
        generation["ExcludeCharacters"] = token.excluded_punctuation
    else:  # RequireEachIncludedType would then ask for punctuation it cannot use
        generation["ExcludePunctuation"] = True
    generation.update({"IncludeSpace": False, "RequireEachIncludedType": True})
    create: dict[str, Any] = {
        "Name": credential.secret_name,
        "Description": f"{what} (generated; never written to a file)",
    }
    if d.secret_kms_key_id:
        create["KmsKeyId"] = d.secret_kms_key_id
    create["SecretString"] = Ref(resource_id, "GeneratedPassword")
    create["Tags"] = _tag_list(d, "secretsmanager")
    skips = () if d.secret_kms_key_id else (
        ("CKV_AWS_149", "The spec keeps Secrets Manager's AWS-managed key (aws/secretsmanager); "
                        "security.auth.secret_kms_key_id names a customer-managed one."),)
    return Resource(resource_id, "AWS::SecretsManager::Secret", "secretsmanager",
                    {"GetRandomPassword": generation, "CreateSecret": create}, scanner_skips=skips)


def elasticache_user(d: Deployment, user: User) -> Resource:
    """CreateUser: a password from the user's own secret, or (the default user, switched off) none."""
    create: dict[str, Any] = {"UserId": user.user_id, "UserName": user.user_name, "Engine": d.engine,
                              "AccessString": user.access_string}
    if user.authentication == "iam":
        create["AuthenticationMode"] = {"Type": "iam"}
    elif user.credential:
        create["Passwords"] = [Ref(user_secret_id(user), "SecretString")]
    else:
        create["NoPasswordRequired"] = True
    create["Tags"] = _tag_list(d, "elasticache")
    return Resource(user_resource_id(user), "AWS::ElastiCache::User", "elasticache", {"CreateUser": create})


def _arn(d: Deployment, resource: str) -> Join:
    return Join((f"arn:{d.partition}:elasticache:{d.region}:", ACCOUNT_ID, f":{resource}"))


def connect_policy(d: Deployment, user: User) -> Resource:
    """IAM: the managed policy that lets a principal connect as this user (elasticache:Connect on
    the replication group and the user), for the application's roles to attach."""
    return Resource(iam_policy_id(user), "AWS::IAM::ManagedPolicy", "iam", {"CreatePolicy": {
        "PolicyName": f"{user.user_id}-connect",
        "Description": f"Connect to {d.replication_group_id} as {user.user_name} ({user.purpose}) with IAM",
        "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
            "Effect": "Allow", "Action": "elasticache:Connect",
            # ElastiCache keeps the group's id in lower case, and IAM matches an ARN as written
            "Resource": [_arn(d, f"{'serverlesscache' if d.serverless else 'replicationgroup'}:"
                                 f"{d.replication_group_id.lower()}"), _arn(d, f"user:{user.user_id}")]}]},
    }})


def user_group(d: Deployment) -> Resource:
    return Resource(USER_GROUP, "AWS::ElastiCache::UserGroup", "elasticache", {"CreateUserGroup": {
        "UserGroupId": d.user_group_id,
        "Engine": d.engine,
        "UserIds": [Ref(user_resource_id(user), "Name") for user in d.users],
        "Tags": _tag_list(d, "elasticache"),
    }})


def log_group(d: Deployment, log) -> Resource:
    create: dict[str, Any] = {"logGroupName": log.log_group}
    if d.log_kms_key_id:
        create["kmsKeyId"] = d.log_kms_key_id
    create["tags"] = dict(d.tags["logs"])
    skips = () if d.log_kms_key_id else (
        ("CKV_AWS_158", "The spec keeps CloudWatch Logs' own encryption of the slow and engine logs; "
                        "logs.kms_key_id names a customer-managed key."),)
    return Resource(LOG_GROUPS[log.log_type], "AWS::Logs::LogGroup", "logs", {
        "CreateLogGroup": create,
        "PutRetentionPolicy": {"logGroupName": log.log_group, "retentionInDays": log.retention_days},
    }, scanner_skips=skips)


def topic(d: Deployment) -> Resource:
    create: dict[str, Any] = {"Name": d.topic_name}
    if d.topic_kms_key_id:
        create["Attributes"] = {"KmsMasterKeyId": d.topic_kms_key_id}
    create["Tags"] = _tag_list(d, "sns")
    skips = () if d.topic_kms_key_id else (
        ("CKV_AWS_26", "Alarm notifications hold no data; CloudWatch alarms cannot publish through the "
                       "AWS-managed aws/sns key, and notifications.kms_key_id names a customer-managed one."),)
    return Resource(TOPIC, "AWS::SNS::Topic", "sns", {
        "CreateTopic": create,
        "Subscribe": [{"TopicArn": Ref(TOPIC, "Arn"), "Protocol": "email", "Endpoint": email} for email in d.emails],
    }, scanner_skips=skips)


def replication_group(d: Deployment) -> Resource:
    out: dict[str, Any] = {
        "ReplicationGroupId": d.replication_group_id,
        "ReplicationGroupDescription": d.description,
        "Engine": d.engine,
        "EngineVersion": d.engine_version,
        "CacheNodeType": d.node.name,
        "Port": d.port,
        "ClusterMode": "enabled" if d.cluster_mode_enabled else "disabled",
    }
    if d.cluster_mode_enabled:
        out["NumNodeGroups"] = d.shards
        out["ReplicasPerNodeGroup"] = d.replicas_per_shard
        if d.placement:  # each shard's preferred AZs
            out["NodeGroupConfiguration"] = [
                {"NodeGroupId": f"{shard:04d}", "PrimaryAvailabilityZone": azs[0],
                 "ReplicaAvailabilityZones": list(azs[1:]), "ReplicaCount": d.replicas_per_shard}
                for shard, azs in enumerate(d.placement, start=1)]
    else:
        out["NumCacheClusters"] = d.nodes_per_shard
        if d.placement:  # the primary's, then each replica's
            out["PreferredCacheClusterAZs"] = list(d.placement[0])
    out["AutomaticFailoverEnabled"] = d.automatic_failover
    out["MultiAZEnabled"] = d.multi_az
    if d.node.data_tiering:  # AWS requires it on r6gd nodes, and takes it nowhere else
        out["DataTieringEnabled"] = True
    out["NetworkType"] = d.network_type
    if d.network_type == "ipv6":
        out["IpDiscovery"] = "ipv6"
    out["CacheSubnetGroupName"] = Ref(SUBNET_GROUP, "Name")
    out["SecurityGroupIds"] = security_group_ids(d)
    out["CacheParameterGroupName"] = d.parameter_group_name if d.uses_default_parameter_group \
        else Ref(PARAMETER_GROUP, "Name")
    out["AtRestEncryptionEnabled"] = d.at_rest_encryption
    if d.kms_key_id:
        out["KmsKeyId"] = d.kms_key_id
    out["TransitEncryptionEnabled"] = d.tls
    if d.transit_encryption_mode:
        out["TransitEncryptionMode"] = d.transit_encryption_mode
    if d.auth_secret_name:
        out["AuthToken"] = Ref(SECRET, "SecretString")
    if d.user_group_id:
        out["UserGroupIds"] = [Ref(USER_GROUP, "Name")]
    out["SnapshotRetentionLimit"] = d.backup_retention_days
    if d.backup_window:
        out["SnapshotWindow"] = d.backup_window
    out["PreferredMaintenanceWindow"] = d.maintenance_window
    if d.auto_minor_version_upgrade:
        out["AutoMinorVersionUpgrade"] = True
    if d.topic_name:
        out["NotificationTopicArn"] = Ref(TOPIC, "Arn")
    if d.log_destinations:
        out["LogDeliveryConfigurations"] = [
            {
                "DestinationType": "kinesis-firehose",
                "DestinationDetails": {"KinesisFirehoseDetails": {"DeliveryStream": log.delivery_stream}},
                "LogFormat": log.format,
                "LogType": log.log_type,
            } if log.to_firehose else {
                "DestinationType": "cloudwatch-logs",
                "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": Ref(LOG_GROUPS[log.log_type], "Name")}},
                "LogFormat": log.format,
                "LogType": log.log_type,
            }
            for log in d.log_destinations
        ]
    out["Tags"] = _tag_list(d, "elasticache")
    if d.global_secondary:  # it joins the Global Datastore, which gives it what the primary has
        assert d.global_datastore is not None
        inherited = set(catalog.global_datastore()["inherited_members"])
        out = {"GlobalReplicationGroupId": d.global_datastore.id,
               **{member: value for member, value in out.items() if member not in inherited}}
    return Resource(GROUP, "AWS::ElastiCache::ReplicationGroup", "elasticache", {"CreateReplicationGroup": out},
                    final_snapshot=d.final_snapshot_name is not None, scanner_skips=_group_skips(d))


def global_replication_group(d: Deployment) -> Resource:
    """CreateGlobalReplicationGroup: the spec's own group becomes a Global Datastore's primary; the
    secondaries join it from their own regions (their replication groups name its ID)."""
    assert d.global_datastore is not None
    return Resource(GLOBAL_GROUP, "AWS::ElastiCache::GlobalReplicationGroup", "elasticache", {
        "CreateGlobalReplicationGroup": {
            "GlobalReplicationGroupIdSuffix": d.global_datastore.suffix,
            "GlobalReplicationGroupDescription": d.description,
            "PrimaryReplicationGroupId": Ref(GROUP, "Name"),
        }}, depends_on=(GROUP,))


def dns_records(d: Deployment) -> list[Resource]:
    """ChangeResourceRecordSets (UPSERT): a CNAME of the endpoint the application uses, and of the
    reader endpoint when the spec names one, in the spec's private hosted zone."""
    if d.dns is None:
        return []
    cache = cache_resource(d)
    records = [(RECORDS["endpoint"], d.dns.name, f"{endpoint_attribute(d)}.Address")]
    if d.dns.reader_name:
        records.append((RECORDS["reader"], d.dns.reader_name, "ReaderEndPoint.Address"))
    return [Resource(record_id, "AWS::Route53::RecordSet", "route53", {"ChangeResourceRecordSets": {
        "HostedZoneId": d.dns.zone_id,
        "ChangeBatch": {"Changes": [{"Action": "UPSERT", "ResourceRecordSet": {
            "Name": name, "Type": "CNAME", "TTL": d.dns.ttl, "ResourceRecords": [{"Value": Ref(cache, attribute)}]}}]},
    }}, depends_on=(cache,)) for record_id, name, attribute in records]


def record_set(r: Resource) -> tuple[str, dict[str, Any]]:
    """(hosted zone id, the record) of a Route 53 record's change: the one shape every reader unpacks."""
    change = r.calls["ChangeResourceRecordSets"]
    [entry] = change["ChangeBatch"]["Changes"]
    return change["HostedZoneId"], entry["ResourceRecordSet"]


def serverless_cache(d: Deployment) -> Resource:
    """CreateServerlessCache: the subnets and security group directly, the limits the spec sets,
    its users' group (no AUTH token exists for a serverless cache)."""
    cache = d.serverless
    assert cache is not None
    out: dict[str, Any] = {"ServerlessCacheName": cache.name, "Description": d.description, "Engine": d.engine,
                           "MajorEngineVersion": cache.major_engine_version}
    limits: dict[str, Any] = {}
    if cache.max_data_storage_gb is not None or cache.min_data_storage_gb is not None:
        limits["DataStorage"] = {**({"Maximum": cache.max_data_storage_gb} if cache.max_data_storage_gb else {}),
                                 **({"Minimum": cache.min_data_storage_gb} if cache.min_data_storage_gb else {}),
                                 "Unit": "GB"}
    if cache.max_ecpu_per_second is not None or cache.min_ecpu_per_second is not None:
        limits["ECPUPerSecond"] = {**({"Maximum": cache.max_ecpu_per_second} if cache.max_ecpu_per_second else {}),
                                   **({"Minimum": cache.min_ecpu_per_second} if cache.min_ecpu_per_second else {})}
    if limits:
        out["CacheUsageLimits"] = limits
    if d.kms_key_id:
        out["KmsKeyId"] = d.kms_key_id
    out["SecurityGroupIds"] = security_group_ids(d)
    if d.user_group_id:
        out["UserGroupId"] = Ref(USER_GROUP, "Name")
    out["SubnetIds"] = [s.id for s in d.subnets]
    out["SnapshotRetentionLimit"] = d.backup_retention_days
    if cache.daily_snapshot_time:
        out["DailySnapshotTime"] = cache.daily_snapshot_time
    out["Tags"] = _tag_list(d, "elasticache")
    calls: dict[str, Any] = {"CreateServerlessCache": out}
    if d.final_snapshot_name:  # DeleteServerlessCache's, taken when the cache is deleted
        calls["DeleteServerlessCache"] = {"ServerlessCacheName": cache.name, "FinalSnapshotName": d.final_snapshot_name}
    return Resource(SERVERLESS, "AWS::ElastiCache::ServerlessCache", "elasticache", calls,
                    final_snapshot=d.final_snapshot_name is not None)


def _scaling_resource_id(d: Deployment) -> str:
    return catalog.auto_scaling()["resource_id_prefix"] + d.replication_group_id


def scalable_target(d: Deployment, scaling: Scaling) -> Resource:
    """RegisterScalableTarget: the group's shards or replicas, within the spec's bounds. No role is
    named: Application Auto Scaling uses its service-linked role for ElastiCache."""
    return Resource(scalable_target_id(scaling), "AWS::ApplicationAutoScaling::ScalableTarget", "application-autoscaling",
                    {"RegisterScalableTarget": {
                        "ServiceNamespace": catalog.auto_scaling()["service_namespace"],
                        "ResourceId": _scaling_resource_id(d),
                        "ScalableDimension": scaling.dimension,
                        "MinCapacity": scaling.min_capacity,
                        "MaxCapacity": scaling.max_capacity,
                    }}, depends_on=(GROUP,))


def scaling_policy(d: Deployment, scaling: Scaling) -> Resource:
    """PutScalingPolicy: target tracking on the predefined metric."""
    configuration: dict[str, Any] = {
        "TargetValue": scaling.target,
        "PredefinedMetricSpecification": {"PredefinedMetricType": scaling.metric},
    }
    if scaling.scale_out_cooldown is not None:
        configuration["ScaleOutCooldown"] = scaling.scale_out_cooldown
    if scaling.scale_in_cooldown is not None:
        configuration["ScaleInCooldown"] = scaling.scale_in_cooldown
    configuration["DisableScaleIn"] = scaling.disable_scale_in
    return Resource(scaling_policy_id(scaling), "AWS::ApplicationAutoScaling::ScalingPolicy", "application-autoscaling",
                    {"PutScalingPolicy": {
                        "PolicyName": f"{d.replication_group_id}-{scaling.what}",
                        "ServiceNamespace": catalog.auto_scaling()["service_namespace"],
                        "ResourceId": _scaling_resource_id(d),
                        "ScalableDimension": scaling.dimension,
                        "PolicyType": "TargetTrackingScaling",
                        "TargetTrackingScalingPolicyConfiguration": configuration,
                    }}, depends_on=(scalable_target_id(scaling),))


# checkov's replication-group checks, the cachegen lint rule that asks the same, and what the
# spec turned off: a spec that turns it off and says why in its lint suppression gets that reason
GROUP_CHECKS = (("CKV_AWS_29", "CG001", "at_rest_encryption", "encryption at rest is off"),
                ("CKV_AWS_30", "CG002", "tls", "encryption in transit is off"),
                ("CKV_AWS_31", "CG003", "auth", "AUTH is off (security.auth.enabled: false)"))


def _group_skips(d: Deployment) -> tuple[tuple[str, str], ...]:
    reasons = dict(d.suppression_reasons)
    skips = [(check, f"The spec's choice: {what}. " + reasons.get(rule, f"cachegen lint {rule} reports it."))
             for check, rule, field, what in GROUP_CHECKS if not getattr(d, field)]
    if d.user_group_id:  # checkov's check knows AuthToken only
        skips.append(("CKV_AWS_31", f"Clients authenticate as RBAC users (UserGroupIds: {d.user_group_id}), each with "
                                    "its own generated password and access string, instead of a shared AUTH token."))
    if d.global_secondary:  # the encryption settings it takes from the primary are not in its template
        skipped = {check for check, _ in skips}
        inherited = {"CKV_AWS_29": "encryption at rest", "CKV_AWS_30": "encryption in transit",
                     "CKV_AWS_31": "encryption in transit, which this check wants beside the AuthToken the group sets"}
        skips += [(check, f"A Global Datastore secondary takes the primary's {inherited[check]} (on): "
                          "create-replication-group refuses the setting beside GlobalReplicationGroupId.")
                  for check, _, field, _ in GROUP_CHECKS if getattr(d, field) and check not in skipped]
    return tuple(skips)


def alarm_resource_id(d: Deployment, alarm: Alarm) -> str:
    """A logical id from the alarm id and the member's number: AlarmCpuUtilization0001002."""
    member_number = alarm.member[len(d.replication_group_id) + 1:].replace("-", "")
    return "Alarm" + "".join(part.capitalize() for part in alarm.alarm_id.split("_")) + member_number


def put_metric_alarm(d: Deployment, alarm: Alarm) -> dict[str, Any]:
    """PutMetricAlarm's input, in the API's own shape and names."""
    actions = [Ref(TOPIC, "Arn")] if d.topic_name else []
    request: dict[str, Any] = {
        "AlarmName": alarm.name,
        "AlarmDescription": f"{alarm.reason} Threshold: {alarm.threshold_reason}. Runbook: {alarm.runbook}"[:1024],
        "ActionsEnabled": bool(actions),
    }
    if actions:
        request["OKActions"] = actions
        request["AlarmActions"] = actions
    request.update({
        "MetricName": alarm.metric,
        "Namespace": catalog.alarm_namespace(),
        "Statistic": alarm.statistic,
        "Dimensions": [{"Name": name, "Value": value} for name, value in alarm.dimensions] or [
            {"Name": "CacheClusterId", "Value": alarm.member}, {"Name": "CacheNodeId", "Value": "0001"}],
        "Period": alarm.period,
        "Unit": alarm.unit,
        "EvaluationPeriods": alarm.evaluation_periods,
        "DatapointsToAlarm": alarm.datapoints_to_alarm,
        "Threshold": alarm.threshold,
        "ComparisonOperator": alarm.comparison,
        "TreatMissingData": alarm.treat_missing_data,
        "Tags": _tag_list(d, "cloudwatch"),
    })
    return request


def dashboard_body(d: Deployment, members: list) -> dict[str, Any]:
    namespace = catalog.alarm_namespace()
    widgets: list[dict[str, Any]] = []
    y = 0
    for member in members:
        rows = DASHBOARD_WIDGETS + (REPLICA_WIDGETS if member.initial_role == "replica" else [])
        width = 24 // len(rows)
        for x, (title, metrics) in enumerate(rows):
            widgets.append({
                "type": "metric",
                "x": x * width, "y": y, "width": width, "height": 6,
                "properties": {
                    "title": f"{member.cluster_id}: {title}",
                    "region": d.region,
                    "view": "timeSeries",
                    "stat": "Sum" if metrics[0] in SUMMED_METRICS else "Average",
                    "period": 300,
                    "metrics": [[namespace, metric, "CacheClusterId", member.cluster_id, "CacheNodeId", "0001"]
                                for metric in metrics],
                },
            })
        y += 6
    return {"widgets": widgets}


def _dashboard_size(member) -> tuple[int, int]:
    """(widgets, metrics) one member adds to a dashboard."""
    rows = DASHBOARD_WIDGETS + (REPLICA_WIDGETS if member.initial_role == "replica" else [])
    return len(rows), sum(len(m) for _, m in rows)


def _partitions(d: Deployment, alarm_inputs: list[tuple[Alarm, dict[str, Any]]]) -> list[list[int]]:
    """Shards grouped so that each group's dashboard stays within CloudWatch's widget and metric
    quotas and, with alarms in stacks of their own, each group's alarms and dashboard fit one
    stack: CloudFormation's resource count and (by resource_size_bound) template size."""
    dashboards, stacks = catalog.quotas("cloudwatch"), catalog.quotas("cloudformation")
    own_stacks = d.alarms_in_own_stacks
    shard_of = {m.cluster_id: m.shard for m in d.members}
    # per shard: [widgets, metrics, alarms, bytes]
    sizes = {shard: [0, 0, 0, 0] for shard in range(1, d.shards + 1)}
    for member in d.members:
        widgets, metrics = _dashboard_size(member)
        size = sizes[member.shard]
        size[0] += widgets
        size[1] += metrics
        if own_stacks:  # the member's share of the dashboard body
            size[3] += resource_size_bound(dashboard_body(d, [member])) - RESOURCE_BYTES
    if own_stacks:
        for alarm, call in alarm_inputs:
            size = sizes[shard_of[alarm.member]]
            size[2] += 1
            size[3] += resource_size_bound({"PutMetricAlarm": call})
    limits = (dashboards["dashboard_widgets_max"], dashboards["dashboard_metrics_max"],
              stacks["resources_per_stack"] - 1,  # one resource is the dashboard
              stacks["template_s3_max_bytes"] - DOCUMENT_BYTES - RESOURCE_BYTES)
    groups: list[list[int]] = [[]]
    total = [0, 0, 0, 0]
    for shard, size in sizes.items():
        grown = [a + b for a, b in zip(total, size)]
        if groups[-1] and any(value > limit for value, limit in zip(grown, limits)):
            groups.append([])
            grown = size
        groups[-1].append(shard)
        total = grown
    return groups


def _monitoring(d: Deployment) -> tuple[list[Resource], list[Stack]]:
    """Alarms and dashboards, a dashboard per group of shards (see _partitions); with alarms in
    stacks of their own, a stack per group. Rule V801 keeps the main stack within its limits."""
    if not d.alarms:
        return [], []
    if d.serverless:
        return _serverless_monitoring(d)
    alarm_inputs = [(alarm, put_metric_alarm(d, alarm)) for alarm in d.alarms]
    groups = _partitions(d, alarm_inputs)
    resources: list[Resource] = []
    stacks: list[Stack] = []
    numbered = len(groups) > 1
    for index, shards in enumerate(groups, start=1):
        suffix = f"-{index:02d}" if numbered else ""
        stack = f"alarms{suffix}" if d.alarms_in_own_stacks else "main"
        members = [m for m in d.members if m.shard in shards]
        names = {m.cluster_id for m in members}
        ids = []
        for alarm, call in alarm_inputs:
            if alarm.member in names:
                resource_id = alarm_resource_id(d, alarm)
                resources.append(Resource(resource_id, "AWS::CloudWatch::Alarm", "cloudwatch",
                                          {"PutMetricAlarm": call}, stack=stack,
                                          depends_on=(GROUP,) if stack == "main" else ()))
                ids.append(resource_id)
        dashboard_id = f"Dashboard{suffix.replace('-', '')}"
        resources.append(Resource(dashboard_id, "AWS::CloudWatch::Dashboard", "cloudwatch", {
            "PutDashboard": {"DashboardName": d.replication_group_id + suffix,
                             "DashboardBody": json.dumps(dashboard_body(d, members), separators=(",", ":"))},
        }, stack=stack))
        ids.append(dashboard_id)
        shard_text = (f"shard {shards[0]:04d}" if len(shards) == 1 else f"shards {shards[0]:04d}-{shards[-1]:04d}")
        stacks.append(Stack(stack, f"{stack}.yaml",
                            f"cachegen: {d.name} {d.environment} - CloudWatch alarms and dashboard of "
                            f"{d.replication_group_id}" + (f", {shard_text}" if d.cluster_mode_enabled else ""),
                            tuple(ids)))
    return resources, stacks


SERVERLESS_WIDGETS = [("Data stored", ["BytesUsedForCache"]), ("ECPUs", ["ElastiCacheProcessingUnits"]),
                      ("Throttled", ["ThrottledCmds"]), ("Connections", ["CurrConnections"])]


def _serverless_monitoring(d: Deployment) -> tuple[list[Resource], list[Stack]]:
    """A serverless cache's alarms and a dashboard of its metrics, per cache (no members)."""
    stack = "alarms" if d.alarms_in_own_stacks else "main"
    depends = (SERVERLESS,) if stack == "main" else ()
    resources = [Resource("Alarm" + _camel(alarm.alarm_id), "AWS::CloudWatch::Alarm", "cloudwatch",
                          {"PutMetricAlarm": put_metric_alarm(d, alarm)}, stack=stack, depends_on=depends)
                 for alarm in d.alarms]
    namespace, (dimension, name) = catalog.alarm_namespace(), d.alarms[0].dimensions[0]
    width = 24 // len(SERVERLESS_WIDGETS)
    body = {"widgets": [{"type": "metric", "x": x * width, "y": 0, "width": width, "height": 6, "properties": {
        "title": f"{name}: {title}", "region": d.region, "view": "timeSeries",
        "stat": "Average" if metrics[0] in ("BytesUsedForCache", "CurrConnections") else "Sum", "period": 300,
        "metrics": [[namespace, metric, dimension, name] for metric in metrics]}}
        for x, (title, metrics) in enumerate(SERVERLESS_WIDGETS)]}
    resources.append(Resource("Dashboard", "AWS::CloudWatch::Dashboard", "cloudwatch", {
        "PutDashboard": {"DashboardName": d.replication_group_id,
                         "DashboardBody": json.dumps(body, separators=(",", ":"))}}, stack=stack))
    stacks = [Stack(stack, f"{stack}.yaml", f"cachegen: {d.name} {d.environment} - CloudWatch alarms and dashboard of "
                                            f"{d.replication_group_id}", tuple(r.id for r in resources))]
    return resources, stacks


# Where DescribeReplicationGroups reports each endpoint attribute CloudFormation gives a group
# (a JMESPath expression on one replication group): the CLI scripts and `cachegen env` read it there.
ENDPOINT_PATHS = {
    "PrimaryEndPoint": "NodeGroups[0].PrimaryEndpoint",
    "ReaderEndPoint": "NodeGroups[0].ReaderEndpoint",
    "ConfigurationEndPoint": "ConfigurationEndpoint",
}


def endpoint_attribute(d: Deployment) -> str:
    """The group's attribute holding the endpoint the application connects to."""
    return {"configuration": "ConfigurationEndPoint", "serverless": "Endpoint"}.get(d.endpoint_kind, "PrimaryEndPoint")


def cache_resource(d: Deployment) -> str:
    """The logical id of the group's cache: its replication group, or its serverless cache."""
    return SERVERLESS if d.serverless else GROUP


def sns_topic_arn(partition: str, region: str, account: str, topic_name: str) -> str:
    """A topic's ARN follows from its name: alarms need no reference to the topic resource."""
    return f"arn:{partition}:sns:{region}:{account}:{topic_name}"


def outputs(d: Deployment) -> tuple[Output, ...]:
    endpoint = endpoint_attribute(d)
    cache = cache_resource(d)
    address, port = Ref(cache, f"{endpoint}.Address"), Ref(cache, f"{endpoint}.Port")
    out = [Output("PrimaryEndpoint", f"The {d.endpoint_kind} endpoint's address", address)]
    if d.reader_endpoint:
        out.append(Output("ReaderEndpoint", "Reader endpoint (spreads reads over the replicas)",
                          Ref(GROUP, "ReaderEndPoint.Address")))
    out.append(Output("Port", "Port of the endpoints", port))
    for url in d.own_urls:
        credentials, note = f"{url.user}@" if url.user and url.user_in_url else "", ""
        if url.credential_provider:
            note = f" (user {url.user} authenticates with IAM tokens: {url.credential_provider} makes them)"
        if url.credential:
            variable = url.credential.placeholder.strip("_")
            credentials = f"{url.user or ''}:${{{variable}}}@"
            note = (f" ({variable}: the password of user {url.user}, percent-encoded)" if url.user
                    else f" ({variable}: the AUTH token, percent-encoded)")
        host = d.dns.name if d.dns is not None and d.dns.use_in_urls else address  # the record, when URLs name it
        out.append(Output(
            _camel(url.variable.lower()), f"{url.variable}: {url.purpose}{note}",
            Join((f"{d.url_scheme}://{credentials}", host, ":", port, f"/{url.db}{url.query}")), export=False))
    if d.auth_secret_name:
        out.append(Output("AuthTokenSecretArn", "Secrets Manager secret holding the AUTH token", Ref(SECRET, "Arn")))
    for user in d.users:
        if user.authentication == "iam":
            out.append(Output(f"{iam_policy_id(user)}Arn", f"IAM policy to attach to the roles that connect as "
                              f"{user.user_name} ({user.purpose})", Ref(iam_policy_id(user), "Arn")))
        if user.credential:
            out.append(Output(f"{user_secret_id(user)}Arn", f"Secrets Manager secret holding the password of "
                              f"{user.user_name} ({user.purpose})", Ref(user_secret_id(user), "Arn")))
    if d.user_group_id:
        out.append(Output("UserGroupId", "User group of the replication group (RBAC)", Ref(USER_GROUP, "Name")))
    if not d.existing_security_group:
        out.append(Output("SecurityGroupId", "Security group of the cache", Ref(SECURITY_GROUP, "GroupId")))
    if d.global_datastore is not None and d.global_datastore.role == "primary":
        out.append(Output("GlobalReplicationGroupId", "The Global Datastore the secondaries join",
                          Ref(GLOBAL_GROUP, "GlobalReplicationGroupId")))
    return tuple(out)
