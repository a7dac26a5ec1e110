"""Replication topology: what CreateReplicationGroup accepts."""

from __future__ import annotations

from collections.abc import Iterator

from .. import catalog
from ..resolve import automatic_failover, cluster_mode_enabled, shards
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
API = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html"
MULTI_AZ = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoFailover.html"


@rule(RULES, "V101", "Multi-AZ needs automatic failover", MULTI_AZ, stage="spec")
def multi_az_needs_failover(ctx: Context) -> Iterator[Finding]:
    if ctx.spec.topology.multi_az and not automatic_failover(ctx.spec):
        yield Finding(("topology", "automatic_failover"),
                      "Multi-AZ is on but automatic failover is off; AWS requires automatic failover for Multi-AZ",
                      expected="automatic_failover: true (or multi_az: false)")


@rule(RULES, "V102", "Multi-AZ needs at least one replica in every shard", MULTI_AZ, stage="spec")
def multi_az_needs_replica(ctx: Context) -> Iterator[Finding]:
    if ctx.spec.topology.multi_az and ctx.spec.topology.replicas_per_shard < 1:
        yield Finding(("topology", "replicas_per_shard"),
                      "Multi-AZ is on but shards have no replica to fail over to",
                      expected="replicas_per_shard >= 1 (or multi_az: false)")


@rule(RULES, "V103", "Multi-AZ needs subnets in at least two availability zones", MULTI_AZ, stage="spec")
def multi_az_needs_two_azs(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    azs = sorted({subnet.az for subnet in spec.network.subnets})
    if spec.topology.multi_az and len(azs) < 2:
        yield Finding(("network", "subnets"),
                      f"Multi-AZ is on but every subnet is in {', '.join(azs)}",
                      expected=f"subnets in at least two different AZs, e.g. {spec.region}a and {spec.region}b")


@rule(RULES, "V104", "Automatic failover needs a replica in every shard (cluster mode disabled)", API, stage="spec")
def failover_needs_replica(ctx: Context) -> Iterator[Finding]:
    topology = ctx.spec.topology
    if not cluster_mode_enabled(ctx.spec) and topology.automatic_failover and topology.replicas_per_shard < 1:
        yield Finding(("topology", "automatic_failover"),
                      "automatic failover needs a replica to promote; AWS rejects it with a single node",
                      expected="replicas_per_shard >= 1, or automatic_failover: false")


@rule(RULES, "V105", "Cluster mode enabled requires automatic failover (with or without replicas)", API, stage="spec")
def cluster_mode_needs_failover(ctx: Context) -> Iterator[Finding]:
    if cluster_mode_enabled(ctx.spec) and ctx.spec.topology.automatic_failover is False:
        yield Finding(("topology", "automatic_failover"),
                      "AWS requires automatic failover on a cluster-mode-enabled replication group",
                      expected="automatic_failover: true, or leave it out (cachegen turns it on in cluster mode)")


@rule(RULES, "V106", "Cluster mode disabled means exactly one shard", API, stage="spec")
def disabled_means_one_shard(ctx: Context) -> Iterator[Finding]:
    if not cluster_mode_enabled(ctx.spec) and ctx.spec.topology.shards != 1:
        yield Finding(("topology", "shards"),
                      f"{ctx.spec.topology.shards} shards need cluster mode; with cluster mode disabled there is one",
                      expected="shards: 1, or cluster_mode: enabled",
                      suggestion="Celery's Redis transport does not support cluster mode: scale up the node instead")


@rule(RULES, "V109", "A replication group has at most 500 nodes (250 shards before Redis OSS 5.0.6)",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Shards.html", stage="spec")
def node_limits(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    limits = catalog.limits()
    nodes = shards(spec) * (spec.topology.replicas_per_shard + 1)
    if nodes > limits["nodes_per_cluster_max"]:
        yield Finding(("topology", "shards"), f"{nodes} nodes; AWS allows at most {limits['nodes_per_cluster_max']}",
                      expected=f"shards x (replicas_per_shard + 1) <= {limits['nodes_per_cluster_max']}")
    old = spec.engine.name == "redis" and catalog.version_key(spec.engine.version) < (5, 0, 6)
    if old and shards(spec) > limits["shards_max_below_redis_5_0_6"]:
        yield Finding(("topology", "shards"), f"Redis OSS {spec.engine.version} allows at most "
                                              f"{limits['shards_max_below_redis_5_0_6']} shards")


# --- advice ------------------------------------------------------------------------------

@rule(RULES, "CG010", "Production has at least one replica per shard",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Replication.html", blocking=False, severity="error",
      rationale="Without a replica, a node failure means downtime and the loss of everything since the last snapshot.")
def production_replica(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.production and d.replicas_per_shard == 0 and not d.serverless:  # a serverless cache replicates itself
        yield Finding(("topology", "replicas_per_shard"), "production without a replica")


@rule(RULES, "CG011", "Production has Multi-AZ with automatic failover", MULTI_AZ, blocking=False, severity="error",
      rationale="An AZ outage takes a single-AZ group down; Multi-AZ promotes a replica in another AZ.")
def production_multi_az(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.production and d.replicas_per_shard > 0 and not d.multi_az:
        yield Finding(("topology", "multi_az"), "production without Multi-AZ")


@rule(RULES, "CG016", "More nodes than AWS's default quota need a quota increase first",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Shards.html", blocking=False, severity="warning",
      rationale="A cluster has at most 90 nodes by default; above that, CreateReplicationGroup fails until a "
                "service-quota increase (up to 500) has been granted.")
def default_node_quota(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    quota = catalog.limits()["nodes_per_cluster_default_quota"]
    if d.node_count > quota:
        yield Finding(("topology", "shards"), f"{d.node_count} nodes: above the default quota of {quota} per cluster; "
                                              "request an increase of 'Nodes per cluster' first")


@rule(RULES, "V111", "Placement names every shard's nodes, each in an AZ of the spec's subnets", API, stage="spec",
      rationale="CreateReplicationGroup takes one preferred AZ per node (PreferredCacheClusterAZs, or per shard "
                "NodeGroupConfiguration); a node can only be placed where the subnet group has a subnet.")
def placement(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    wanted = spec.topology.placement
    if wanted is None or spec.serverless is not None:
        return
    azs = sorted({subnet.az for subnet in spec.network.subnets})
    count = shards(spec)
    if len(wanted) != count:
        yield Finding(("topology", "placement"), f"placement lists {len(wanted)} shard(s), the group has {count}",
                      expected=f"{count} list(s), one per shard")
        return
    for index, shard in enumerate(wanted):
        if len(shard) != spec.topology.replicas_per_shard + 1:
            yield Finding(("topology", "placement", index),
                          f"shard {index + 1} has {spec.topology.replicas_per_shard + 1} node(s), placement lists "
                          f"{len(shard)}", expected="the primary's AZ, then one per replica")
        for position, az in enumerate(shard):
            if az not in azs:
                yield Finding(("topology", "placement", index, position), f"{az} has none of the spec's subnets",
                              expected=f"one of {', '.join(azs)}")
