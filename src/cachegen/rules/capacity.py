"""The workload against the node type: memory under noeviction, connections, bandwidth
(the capacity model, src/cachegen/capacity.py; docs/capacity.md)."""

from __future__ import annotations

from collections.abc import Iterator

from .. import catalog
from ..capacity import WARN_SHARE, Demand, Fit, size
from ..diagnostics import SpecPath
from ..resolve import node_fit
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
RESERVED = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/redis-memory-management.html"
EVICTION = "https://redis.io/docs/latest/develop/reference/eviction/"
PARAMS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html"
TYPES = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html"
EXPIRES = "https://docs.celeryq.dev/en/stable/userguide/calling.html#expiration"
# The workload key that states each memory part: where an error about the part points.
PART_KEYS: dict[str, SpecPath] = {
    "queue": ("workload", "queued_tasks"),
    "reserved tasks": ("celery", "workers"),
    "results": ("workload", "results"),
    "cache": ("workload", "cache"),
    "clients": ("celery", "workers"),
    "server": ("node_type",),
}


def memory_bound(ctx: Context) -> bool:
    """A full node refuses writes (noeviction), or an eviction would lose tasks or results."""
    d = ctx.deployment
    return d.evicting_forbidden or dict(d.effective_parameters).get("maxmemory-policy") == "noeviction"


def breakdown(demand: Demand, fit: Fit, shards: int) -> str:
    parts = ", ".join(f"{p.name} {size(p.bytes)}" for p in demand.parts if p.bytes)
    spread = f" (the data over {shards} shards)" if shards > 1 else ""
    return f"{size(fit.needed_bytes)} per node{spread}: {parts}"


def holds(fit: Fit) -> str:
    return (f"{fit.node_type} holds {size(fit.usable_bytes)} of data (maxmemory {size(fit.maxmemory_bytes)} less "
            f"reserved-memory-percent {fit.reserved_percent:g})")


def room(fit: Fit) -> str:
    return f"{size(fit.usable_bytes)} of data, {fit.memory_share:.0%} used"


def smallest_fitting(ctx: Context) -> Fit | None:
    """The smallest node type of the group's family and engine that holds the demand."""
    d = ctx.deployment
    assert d.demand is not None
    types = catalog.node_types()
    fits = [node_fit(d.demand, name, dict(d.effective_parameters), d.shards) for name, info in types.items()
            if info["family"] == d.node.family and d.engine in info["engines"]]
    fitting = [f for f in fits if f.fits]
    return min(fitting, key=lambda f: f.maxmemory_bytes, default=None)


@rule(RULES, "V960", "The node type holds the workload's peak in memory where a full node refuses writes", RESERVED,
      rationale="With noeviction (required where Celery keeps its broker or results) a full node refuses every "
                "write: producers' apply_async fails. The data may take maxmemory less the reserved memory "
                "(reserved-memory-percent, 25 by default), which snapshots and replica syncs need.")
def memory_fits(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.demand is None or d.fit is None or d.fit.holds_memory or not memory_bound(ctx):
        return
    largest = max(d.demand.parts, key=lambda p: p.bytes)
    better = smallest_fitting(ctx)
    policy = dict(d.effective_parameters).get("maxmemory-policy")
    full = "a full node refuses writes (new tasks fail)" if policy == "noeviction" else \
        "a full node evicts queued tasks or results"
    yield Finding(PART_KEYS[largest.name],
                  f"the workload's peak needs {breakdown(d.demand, d.fit, d.shards)}; {holds(d.fit)}. With "
                  f"maxmemory-policy {policy} {full}. The {largest.name}: {largest.how}",
                  expected=f"a node type that holds {size(d.fit.needed_bytes)}, or a smaller peak",
                  suggestion=None if better is None else
                  f"node_type: {better.node_type} (the smallest {d.node.family} type that holds it: {room(better)})")


@rule(RULES, "V961", "The application's connections stay within the node type's maxclients", PARAMS,
      rationale="maxclients cannot be changed on ElastiCache (65,000; 20,000 on micro types); beyond it the "
                "server refuses new connections.")
def connections_fit(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.demand is None or d.fit is None or d.fit.holds_connections:
        return
    yield Finding(("celery", "workers"),
                  f"the application holds {d.demand.connections:,} connections at steady state "
                  f"({d.demand.connections_how}), above maxclients {d.fit.max_clients:,} of {d.node.name}",
                  expected=f"at most {d.fit.max_clients:,} connections")


@rule(RULES, "V962", "A workload on the broker states its peak queue when tasks never expire", EXPIRES, stage="spec",
      rationale="Without celery.tasks.expires the queue's default (tasks_per_second x expires) has no bound.")
def queue_stated(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    workload = spec.workload
    if (workload is not None and workload.queued_tasks is None and spec.celery.enabled
            and spec.celery.broker.enabled and spec.celery.tasks.expires is None):
        yield Finding(("workload",), "workload.queued_tasks is needed: celery.tasks.expires is not set, so no "
                                     "backlog bounds the queue", expected="workload.queued_tasks: <tasks>")


@rule(RULES, "CG042", "The workload's peak leaves a quarter of the node's usable memory free", RESERVED,
      blocking=False, severity="warning",
      rationale="Above 75% of usable memory a burst, a slow worker or a replica's resync fills the node; under "
                "noeviction that refuses writes, with an evicting policy it drops keys.")
def memory_headroom(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.demand is None or d.fit is None or not d.fit.holds_memory or d.fit.memory_share <= WARN_SHARE:
        return
    yield Finding(("node_type",), f"the workload's peak takes {d.fit.memory_share:.0%} of {d.node.name}'s usable "
                                  f"memory ({breakdown(d.demand, d.fit, d.shards)}; {holds(d.fit)})",
                  expected=f"at most {WARN_SHARE:.0%}")


@rule(RULES, "CG043", "The workload's peak traffic stays within 75% of the node's baseline bandwidth", TYPES,
      blocking=False, severity="warning",
      rationale="Above its baseline a node spends burst credits (burstable types) or is throttled "
                "(NetworkBandwidthOutAllowanceExceeded); replication shares the same link.")
def bandwidth_headroom(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.demand is None or d.fit is None or d.fit.bandwidth_share <= WARN_SHARE:
        return
    yield Finding(("workload", "tasks_per_second"),
                  f"the workload's peak moves {d.fit.network_bytes_per_second / 1e6:,.2f} MB/s through each primary "
                  f"({d.demand.network_how}): {d.fit.bandwidth_share:.0%} of {d.node.name}'s baseline "
                  f"{d.fit.baseline_bytes_per_second / 1e6:,.0f} MB/s", expected=f"at most {WARN_SHARE:.0%}")
