"""Replication topology: what CreateReplicationGroup accepts."""

from __future__ import annotations

from collections.abc import Iterator

from .. import derive
from ..spec import Spec
from .base import Finding, Rule, rule

RULES: list[Rule] = []
API = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html"
MULTI_AZ = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html"


@rule(RULES, "V101", "Multi-AZ needs automatic failover", MULTI_AZ)
def multi_az_needs_failover(spec: Spec) -> Iterator[Finding]:
    if spec.topology.multi_az and not derive.automatic_failover(spec):
        yield Finding(("topology", "automatic_failover"),
                      "Multi-AZ is on but automatic failover is off; AWS requires automatic failover for Multi-AZ",
                      expected="automatic_failover: true (or multi_az: false)")


@rule(RULES, "V102", "Multi-AZ needs at least one replica in every shard", MULTI_AZ)
def multi_az_needs_replica(spec: Spec) -> Iterator[Finding]:
    if spec.topology.multi_az and spec.topology.replicas_per_shard < 1:
        yield Finding(("topology", "replicas_per_shard"),
                      "Multi-AZ is on but shards have no replica to fail over to",
                      expected="replicas_per_shard >= 1 (or multi_az: false)")


@rule(RULES, "V103", "Multi-AZ needs subnets in at least two availability zones", MULTI_AZ)
def multi_az_needs_two_azs(spec: Spec) -> Iterator[Finding]:
    azs = derive.subnet_azs(spec)
    if spec.topology.multi_az and len(azs) < 2:
        yield Finding(("network", "subnets"),
                      f"Multi-AZ is on but every subnet is in {', '.join(azs)}",
                      expected="subnets in at least two different AZs, e.g. us-east-1a and us-east-1b")


@rule(RULES, "V104", "Automatic failover needs at least two nodes per shard", API)
def failover_needs_replica(spec: Spec) -> Iterator[Finding]:
    if spec.topology.automatic_failover and spec.topology.replicas_per_shard < 1:
        yield Finding(("topology", "automatic_failover"),
                      "automatic failover needs a replica to promote; AWS rejects it with a single node per shard",
                      expected="replicas_per_shard >= 1, or automatic_failover: false")


@rule(RULES, "V105", "Cluster mode enabled requires automatic failover", API)
def cluster_mode_needs_failover(spec: Spec) -> Iterator[Finding]:
    if derive.cluster_mode_enabled(spec) and spec.topology.automatic_failover is False:
        yield Finding(("topology", "automatic_failover"),
                      "AWS requires automatic failover on a cluster-mode-enabled replication group",
                      expected="automatic_failover: true")


@rule(RULES, "V106", "Cluster mode disabled means exactly one shard", API)
def disabled_means_one_shard(spec: Spec) -> Iterator[Finding]:
    if not derive.cluster_mode_enabled(spec) and spec.topology.shards != 1:
        yield Finding(("topology", "shards"),
                      f"{spec.topology.shards} shards need cluster mode; with cluster mode disabled there is one",
                      expected="shards: 1, or cluster_mode: enabled",
                      suggestion="Celery's Redis transport does not support cluster mode: scale up the node instead")


@rule(RULES, "V107", "Subnets are unique and lie in the spec's region",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/SubnetGroups.html")
def subnets_in_region(spec: Spec) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, subnet in enumerate(spec.network.subnets):
        if not subnet.az.startswith(spec.region) or not subnet.az[len(spec.region):].isalpha():
            yield Finding(("network", "subnets", index, "az"),
                          f"availability zone {subnet.az} is not in the region {spec.region}",
                          expected=f"an AZ of {spec.region}, e.g. {spec.region}a")
        if subnet.id in seen:
            yield Finding(("network", "subnets", index, "id"), f"subnet {subnet.id} is listed more than once")
        seen.add(subnet.id)


@rule(RULES, "V108", "Application security groups are listed once",
      "https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-rules.html")
def unique_security_groups(spec: Spec) -> Iterator[Finding]:
    seen: set[str] = set()
    for index, group in enumerate(spec.network.allowed_security_groups):
        if group in seen:
            yield Finding(("network", "allowed_security_groups", index),
                          f"security group {group} is listed more than once (AWS rejects duplicate rules)")
        seen.add(group)


@rule(RULES, "V109", "A replication group has at most 500 nodes (250 shards before Redis 5.0.6)",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Shards.html")
def node_limits(spec: Spec) -> Iterator[Finding]:
    from .. import catalog

    limits = catalog.limits()
    nodes = derive.shards(spec) * derive.nodes_per_shard(spec)
    if nodes > limits["nodes_per_cluster_max"]:
        yield Finding(("topology", "shards"), f"{nodes} nodes; AWS allows at most {limits['nodes_per_cluster_max']}")
    old = spec.engine.name == "redis" and catalog.version_key(spec.engine.version) < (5, 0, 6)
    if old and derive.shards(spec) > limits["shards_max_below_redis_5_0_6"]:
        yield Finding(("topology", "shards"), f"Redis {spec.engine.version} allows at most "
                                              f"{limits['shards_max_below_redis_5_0_6']} shards")
