"""The replication group's settings, once, in CreateReplicationGroup's shape.

CloudFormation's AWS::ElastiCache::ReplicationGroup properties carry the same names as
the API's input, so both emitters build from this one function; they differ only in
how they point at the other resources (`Links`): CloudFormation with !Ref/!GetAtt, the
CLI scripts with names and run-time placeholders.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..model import Deployment, LogDestination


@dataclass(frozen=True)
class Links:
    subnet_group: Any
    security_group_ids: list[Any]
    parameter_group: Any
    auth_token: Any
    topic_arn: Any
    log_group: Callable[[LogDestination], Any]


def settings(d: Deployment, links: Links) -> dict[str, Any]:
    spec = d.spec
    out: dict[str, Any] = {
        "ReplicationGroupId": d.replication_group_id,
        "ReplicationGroupDescription": spec.description,
        "Engine": spec.engine.name,
        "EngineVersion": spec.engine.version,
        "CacheNodeType": d.node.name,
        "Port": spec.port,
        "ClusterMode": "enabled" if d.cluster_mode_enabled else "disabled",
    }
    if d.cluster_mode_enabled:
        out["NumNodeGroups"] = d.shards
        out["ReplicasPerNodeGroup"] = d.replicas_per_shard
    else:
        out["NumCacheClusters"] = d.nodes_per_shard
    out["AutomaticFailoverEnabled"] = d.automatic_failover
    out["MultiAZEnabled"] = d.multi_az
    out["NetworkType"] = spec.network.network_type
    out["CacheSubnetGroupName"] = links.subnet_group
    out["SecurityGroupIds"] = links.security_group_ids
    out["CacheParameterGroupName"] = links.parameter_group
    at_rest = spec.security.at_rest_encryption
    out["AtRestEncryptionEnabled"] = at_rest.enabled
    if at_rest.kms_key_id:
        out["KmsKeyId"] = at_rest.kms_key_id
    out["TransitEncryptionEnabled"] = d.tls
    if d.transit_encryption_mode:
        out["TransitEncryptionMode"] = d.transit_encryption_mode
    if d.auth_secret_name:
        out["AuthToken"] = links.auth_token
    out["SnapshotRetentionLimit"] = spec.backups.retention_days
    if spec.backups.retention_days > 0:
        out["SnapshotWindow"] = spec.backups.window
    out["PreferredMaintenanceWindow"] = spec.maintenance_window
    out["AutoMinorVersionUpgrade"] = True
    if d.topic_name:
        out["NotificationTopicArn"] = links.topic_arn
    if d.log_destinations:
        out["LogDeliveryConfigurations"] = [
            {
                "DestinationType": "cloudwatch-logs",
                "DestinationDetails": {"CloudWatchLogsDetails": {"LogGroup": links.log_group(log)}},
                "LogFormat": log.format,
                "LogType": log.log_type,
            }
            for log in d.log_destinations
        ]
    out["Tags"] = [{"Key": key, "Value": value} for key, value in d.tags]
    return out
