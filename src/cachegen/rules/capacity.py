"""The workload against the node type: memory under noeviction, connections, bandwidth, a
serverless cache's limits (the capacity model, src/cachegen/capacity.py; docs/capacity.md)."""

from __future__ import annotations

from collections.abc import Iterator

from .. import catalog, resolve
from ..capacity import GB, WARN_SHARE, Demand, Fit, size
from ..diagnostics import SpecPath
from ..groups import group_key
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
RESERVED = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/redis-memory-management.html"
PARAMS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html"
TYPES = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html"
EXPIRES = "https://docs.celeryq.dev/en/stable/userguide/calling.html#expiration"
SERVERLESS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Scaling-serverless.html"


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
            f"{fit.reserved_by})")


def room(fit: Fit) -> str:
    return f"{size(fit.usable_bytes)} of data, {fit.memory_share:.0%} used"


def part_key(ctx: Context, part: str) -> SpecPath:
    """The spec key that sets a memory part: the workload's own figure, or the setting its
    default derives from (a node that holds nothing: the reserved memory's parameter)."""
    d, workload = ctx.deployment, ctx.spec.workload
    assert workload is not None and d.fit is not None
    if d.fit.usable_bytes == 0:
        running = dict(d.effective_parameters)
        return ("parameters", "values",
                "reserved-memory-percent" if "reserved-memory-percent" in running else "reserved-memory")
    if part == "queue":
        return ("workload", "queued_tasks") if workload.queued_tasks is not None else ("workload", "tasks_per_second")
    if part == "results":
        return ("workload", "results", "stored") if workload.results.stored is not None else \
            ("celery", "result_backend", "result_expires")
    if part == "cache":
        return ("workload", "cache", "keys") if workload.cache.keys is not None else \
            ("workload", "cache", "writes_per_second")
    return ("celery", "workers") if part in ("reserved tasks", "clients") else ("node_type",)


def node_type_key(ctx: Context) -> str:
    key = group_key(ctx.merged)
    return "node_type" if key is None else f"groups.{key}.node_type"


def better_node(ctx: Context) -> tuple[Fit, str] | None:
    """A node type that holds the demand, and why it is the one: the smallest of the group's
    family with a quarter free (what lint asks), else the smallest of any family with it, else
    the smallest that holds it at all."""
    d = ctx.deployment
    fits = sorted(resolve.node_fits(d, d.engine), key=lambda f: f.maxmemory_bytes)
    family = [f for f in fits if catalog.node_types()[f.node_type]["family"] == d.node.family]
    for among, why in ((family, f"the smallest {d.node.family} type that holds it with a quarter free"),
                       (fits, "the smallest type that holds it with a quarter free")):
        chosen = next((f for f in among if f.comfortable), None)
        if chosen is not None:
            return chosen, why
    chosen = next((f for f in fits if f.fits), None)
    return None if chosen is None else (chosen, "the smallest type that holds it")


@rule(RULES, "V960", "The node type holds the workload's peak in memory where a full node refuses writes", RESERVED,
      rationale="With noeviction (required where Celery keeps its broker or results) a full node refuses every "
                "write: producers' apply_async fails. The data may take maxmemory less the reserved memory "
                "(reserved-memory-percent, 25 by default), which snapshots and replica syncs need.")
def memory_fits(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.demand is None or d.fit is None or d.fit.holds_memory or not memory_bound(ctx):
        return
    largest = max(d.demand.parts, key=lambda p: p.bytes)
    better = better_node(ctx)
    policy = dict(d.effective_parameters).get("maxmemory-policy")
    lost = "new tasks fail" if "broker" in d.roles else "cache writes fail" if d.roles == {"cache"} \
        else "results fail to store"
    full = f"a full node refuses writes ({lost})" if policy == "noeviction" else \
        "a full node evicts queued tasks or results"
    yield Finding(part_key(ctx, largest.name),
                  f"the workload's peak needs {breakdown(d.demand, d.fit, d.shards)}; {holds(d.fit)}. With "
                  f"maxmemory-policy {policy} {full}. The {largest.name}: {largest.how}",
                  expected=f"a node type that holds {size(d.fit.needed_bytes)}, or a smaller peak",
                  suggestion=None if better is None else
                  f"{node_type_key(ctx)}: {better[0].node_type} ({better[1]}: {room(better[0])})")


@rule(RULES, "V961", "The application's connections stay within the node type's maxclients", PARAMS,
      rationale="maxclients cannot be changed on ElastiCache (65,000, less on some small types); beyond it the "
                "server refuses new connections.")
def connections_fit(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.demand is None or d.fit is None or d.fit.holds_connections:
        return
    yield Finding(("celery", "workers"),
                  f"the application holds {d.demand.connections:,} connections at steady state "
                  f"({d.demand.connections_how}), above maxclients {d.fit.max_clients:,} of {d.node.name}",
                  expected=f"at most {d.fit.max_clients:,} connections",
                  suggestion="fewer workers or pool processes, or the roles spread over groups (celery.<role>.group)")


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
    if d.demand is None or d.fit is None or d.fit.memory_share <= WARN_SHARE:
        return
    if not d.fit.holds_memory and memory_bound(ctx):
        return  # V960 refuses it
    policy = dict(d.effective_parameters).get("maxmemory-policy")
    beyond = "" if d.fit.holds_memory else f": maxmemory-policy {policy} evicts keys to make room"
    yield Finding(("node_type",), f"the workload's peak takes {d.fit.memory_share:.0%} of {d.node.name}'s usable "
                                  f"memory ({breakdown(d.demand, d.fit, d.shards)}; {holds(d.fit)}){beyond}",
                  expected=f"at most {WARN_SHARE:.0%}")


@rule(RULES, "CG043", "The workload's peak traffic stays within 75% of the node's baseline bandwidth", TYPES,
      blocking=False, severity="warning",
      rationale="Above its baseline a node spends burst credits (burstable types) or is throttled "
                "(NetworkBandwidthOutAllowanceExceeded); replication shares the same link.")
def bandwidth_headroom(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.demand is None or d.fit is None or d.fit.bandwidth_share <= WARN_SHARE:
        return
    yield Finding(busiest_traffic(ctx),
                  f"the workload's peak moves {d.fit.network_bytes_per_second / 1e6:,.2f} MB/s through each primary "
                  f"({d.demand.network_how}): {d.fit.bandwidth_share:.0%} of {d.node.name}'s baseline "
                  f"{d.fit.baseline_bytes_per_second / 1e6:,.0f} MB/s", expected=f"at most {WARN_SHARE:.0%}")


def busiest_traffic(ctx: Context) -> SpecPath:
    """The workload figure behind most of a group's traffic: its tasks, or its cache's reads or writes."""
    d, workload = ctx.deployment, ctx.spec.workload
    assert d.demand is not None and workload is not None
    cache = workload.cache
    cache_bytes = (cache.reads_per_second + cache.writes_per_second) * d.demand.cache_item_bytes
    task_bytes = d.demand.bytes_in_per_second + d.demand.bytes_out_per_second - cache_bytes
    if "cache" not in d.roles or task_bytes >= cache_bytes:
        return ("workload", "tasks_per_second")
    return ("workload", "cache", "reads_per_second" if cache.reads_per_second >= cache.writes_per_second
            else "writes_per_second")


@rule(RULES, "CG044", "A serverless cache's limits hold the workload's peak", SERVERLESS, blocking=False,
      severity="warning",
      rationale="At its data storage maximum a serverless cache evicts keys with a TTL, then refuses writes; at its "
                "ECPU maximum it throttles requests.")
def serverless_limits(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    cache = d.serverless
    if d.demand is None or cache is None:
        return
    data_gb = d.demand.data_bytes / GB
    if cache.max_data_storage_gb is not None and data_gb > cache.max_data_storage_gb:
        yield Finding(("serverless", "max_data_storage_gb"),
                      f"the workload's peak stores {data_gb:,.2f} GB, above the cache's maximum "
                      f"{cache.max_data_storage_gb} GB", expected=f"at least {data_gb:,.2f}")
    ecpus = d.demand.ecpus_per_second(catalog.serverless()["ecpu_per_kb_transferred"])
    if cache.max_ecpu_per_second is not None and ecpus > cache.max_ecpu_per_second:
        yield Finding(("serverless", "max_ecpu_per_second"),
                      f"the workload's cache reads and writes take about {ecpus:,.0f} ECPUs a second, above the "
                      f"cache's maximum {cache.max_ecpu_per_second:,}", expected=f"at least {ecpus:,.0f}")
