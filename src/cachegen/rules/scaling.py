"""Application Auto Scaling of a cluster-mode group: AWS's preconditions."""

from __future__ import annotations

from collections.abc import Iterator

from .. import catalog
from ..resolve import cluster_mode_enabled
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
PREREQUISITES = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoScaling.html"
SHARD_POLICIES = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/AutoScaling-Scaling-Policies-Target.html"
REPLICA_POLICIES = ("https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/"
                    "AutoScaling-Scaling-Policies-Replicas-Replicas.html")


def _policies(ctx: Context) -> Iterator[tuple[str, object]]:
    scaling = ctx.spec.auto_scaling
    if scaling is None:
        return
    for what in ("shards", "replicas"):
        policy = getattr(scaling, what)
        if policy is not None:
            yield what, policy


@rule(RULES, "V910", "Auto Scaling needs cluster mode enabled", PREREQUISITES, stage="spec",
      rationale="Application Auto Scaling adds and removes shards or replicas of cluster-mode (enabled) groups only.")
def needs_cluster_mode(ctx: Context) -> Iterator[Finding]:
    if ctx.spec.auto_scaling is not None and not cluster_mode_enabled(ctx.spec):
        yield Finding(("auto_scaling",), "Auto Scaling works only on a cluster-mode group",
                      expected="topology.cluster_mode: enabled (a group that serves no Celery broker or result "
                               "backend), or no auto_scaling",
                      suggestion="serve the cache from a cluster-mode group of its own (`groups:`) and scale that")


@rule(RULES, "V911", "Auto Scaling needs Redis OSS 6.0+ (7.0.7+ with data tiering) or Valkey 7.2+, on large, "
                     "xlarge or 2xlarge nodes of the R7g, R6g, R6gd, R5, M7g, M6g, M5 or C7gn families", PREREQUISITES,
      stage="spec")
def supported_engine_and_node(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    if spec.auto_scaling is None:
        return
    facts = catalog.auto_scaling()
    tiering = catalog.node_types().get(spec.node_type, {}).get("data_tiering", False)
    minimum = facts["data_tiering_min_engine_versions" if tiering else "min_engine_versions"][spec.engine.name]
    if catalog.version_key(spec.engine.version) < catalog.version_key(minimum):
        yield Finding(("engine", "version"), f"Auto Scaling needs {spec.engine.name} {minimum} or later"
                                             f"{' on data tiering nodes' if tiering else ''}, not {spec.engine.version}",
                      expected=f"engine.version >= {minimum}")
    _, family, size = spec.node_type.split(".")
    if family not in facts["node_families"] or size not in facts["node_sizes"]:
        yield Finding(("node_type",), f"Auto Scaling does not support {spec.node_type}",
                      expected=f"a {', '.join(facts['node_sizes'])} node of the "
                               f"{', '.join(facts['node_families'])} families, e.g. cache.r7g.large")


@rule(RULES, "V912", "Auto Scaling's minimum is at most its maximum, and the group starts between them",
      "https://docs.aws.amazon.com/autoscaling/application/APIReference/API_RegisterScalableTarget.html", stage="spec")
def bounds(ctx: Context) -> Iterator[Finding]:
    topology = ctx.spec.topology
    for what, policy in _policies(ctx):
        start = topology.shards if what == "shards" else topology.replicas_per_shard
        where = ("topology", "shards" if what == "shards" else "replicas_per_shard")
        if policy.min > policy.max:
            yield Finding(("auto_scaling", what, "min"), f"{what}: min {policy.min} is above max {policy.max}",
                          expected="min <= max")
        elif what == "replicas" and policy.min == 0 and topology.multi_az:
            yield Finding(("auto_scaling", "replicas", "min"), "Auto Scaling could remove the last replica of a "
                                                               "Multi-AZ group, which Multi-AZ needs",
                          expected="replicas.min >= 1, or topology.multi_az: false")
        elif not policy.min <= start <= policy.max:
            yield Finding(where, f"the group starts with {start} {what if what == 'shards' else 'replicas per shard'}, "
                                 f"outside Auto Scaling's {policy.min}-{policy.max}",
                          expected=f"{policy.min} <= {'.'.join(where)} <= {policy.max}")


@rule(RULES, "V913", "The replicas' CPU target is between 35 and 70 percent", REPLICA_POLICIES, stage="spec")
def replica_target(ctx: Context) -> Iterator[Finding]:
    bounds_ = catalog.auto_scaling()["dimensions"]["replicas"]["target"]
    for what, policy in _policies(ctx):
        if what == "replicas" and not bounds_["min"] <= policy.target <= bounds_["max"]:
            yield Finding(("auto_scaling", "replicas", "target"),
                          f"AWS accepts a replica CPU target of {bounds_['min']}-{bounds_['max']} percent, "
                          f"not {policy.target:g}", expected=f"{bounds_['min']} <= target <= {bounds_['max']}")


@rule(RULES, "V914", "The shards' `capacity` metric is for data tiering nodes, `memory` for the others",
      SHARD_POLICIES, stage="spec",
      rationale="A data tiering node keeps its memory full and spills to SSD, so AWS tracks its capacity "
                "(DatabaseCapacityUsageCountedForEvictPercentage); other nodes have no such metric.")
def metric_fits_node(ctx: Context) -> Iterator[Finding]:
    facts = catalog.auto_scaling()
    tiering, metrics = facts["data_tiering_families"], facts["dimensions"]["shards"]["metrics"]
    family = ctx.spec.node_type.split(".")[1]
    for what, policy in _policies(ctx):
        if what != "shards":
            continue
        if policy.metric == "capacity" and family not in tiering:
            yield Finding(("auto_scaling", "shards", "metric"),
                          f"`capacity` ({metrics['capacity']}) is tracked on data tiering nodes only "
                          f"({', '.join(tiering)}), not {ctx.spec.node_type}", expected="memory or engine_cpu")
        elif policy.metric == "memory" and family in tiering:
            yield Finding(("auto_scaling", "shards", "metric"),
                          f"a data tiering node ({ctx.spec.node_type}) is tracked by `capacity`, not `memory` "
                          f"({metrics['memory']})", expected="capacity or engine_cpu")
