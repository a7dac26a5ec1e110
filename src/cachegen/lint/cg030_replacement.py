"""CG030: a change that replaces the replication group (and loses its data)."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule

# What CloudFormation cannot change in place on AWS::ElastiCache::ReplicationGroup
# ("Update requires: Replacement" in the resource reference).
REPLACING = [
    (("port",), lambda d: d.spec.port, "port"),
    (("network", "subnet_group_name"), lambda d: d.subnet_group_name, "subnet group"),
    (("security", "at_rest_encryption", "enabled"), lambda d: d.spec.security.at_rest_encryption.enabled,
     "encryption at rest"),
    (("security", "at_rest_encryption", "kms_key_id"), lambda d: d.spec.security.at_rest_encryption.kms_key_id,
     "KMS key"),
    (("replication_group_id",), lambda d: d.replication_group_id, "replication group id"),
    (("topology", "cluster_mode"), lambda d: d.cluster_mode_enabled, "cluster mode"),
]


class ReplacementChange(LintRule):
    id = "CG030"
    severity = "error"
    summary = "No change that makes CloudFormation replace the replication group"
    rationale = ("Port, subnet group, at-rest encryption, KMS key, the group id and cluster mode cannot change "
                 "in place: CloudFormation creates a new, empty group and deletes the old one (a final snapshot "
                 "at best). Migrate deliberately, then suppress with a reason.")
    source = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticache-replicationgroup.html"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.previous is None:
            return
        for path, value, what in REPLACING:
            before, after = value(ctx.previous), value(ctx.deployment)
            if before != after:
                yield Finding(path, f"{what} changes from {before} to {after}: the group is replaced, its data lost")
        if ctx.previous.spec.engine.name == "valkey" and ctx.deployment.spec.engine.name == "redis":
            yield Finding(("engine", "name"), "valkey back to redis is not an in-place change: the group is replaced")
