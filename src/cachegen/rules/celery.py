"""What Celery (kombu, redis-py) would get wrong on this deployment."""

from __future__ import annotations

from collections.abc import Iterator

from ..capacity import BUSY_CLIENT_BYTES
from ..resolve import cluster_mode_enabled, effective_parameters, parameter_family, serves
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
KOMBU = "https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html"
BACKEND = "https://docs.celeryq.dev/en/stable/userguide/configuration.html#redis-backend-settings"
CLUSTER = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Replication.Redis-RedisCluster.html"


@rule(RULES, "V601", "Celery's Redis broker does not support cluster mode", KOMBU, stage="spec")
def broker_not_clustered(ctx: Context) -> Iterator[Finding]:
    if "broker" in serves(ctx.spec) and cluster_mode_enabled(ctx.spec):
        yield Finding(("topology", "cluster_mode"),
                      "the Celery broker role needs cluster mode disabled: kombu's Redis transport does not "
                      "speak Redis Cluster (MOVED errors, multi-key commands across slots)",
                      expected="cluster_mode: disabled, or celery.broker.enabled: false",
                      suggestion="scale up the node type, or move the broker to its own cluster-mode-disabled group")


@rule(RULES, "V605", "Celery's Redis result backend does not support cluster mode", BACKEND, stage="spec")
def result_backend_not_clustered(ctx: Context) -> Iterator[Finding]:
    if "result_backend" in serves(ctx.spec) and cluster_mode_enabled(ctx.spec):
        yield Finding(("topology", "cluster_mode"),
                      "the Celery result backend role needs cluster mode disabled: Celery's Redis backend uses a "
                      "single-node client (MOVED errors for keys on other shards, chords across slots)",
                      expected="cluster_mode: disabled, or celery.result_backend.enabled: false",
                      suggestion="keep results on a cluster-mode-disabled group")


@rule(RULES, "V602", "Cluster mode has only database 0", CLUSTER, stage="spec")
def cluster_single_db(ctx: Context) -> Iterator[Finding]:
    if not cluster_mode_enabled(ctx.spec):
        return
    for role in sorted(serves(ctx.spec)):
        settings = getattr(ctx.spec.celery, role)
        if settings.db != 0:
            yield Finding(("celery", role, "db"), f"database {settings.db} does not exist in cluster mode",
                          expected="db: 0")


@rule(RULES, "V603", "The broker's visibility timeout exceeds every task time limit and ETA",
      "https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#visibility-timeout",
      stage="spec")
def visibility_timeout(ctx: Context) -> Iterator[Finding]:
    celery = ctx.spec.celery
    if "broker" not in serves(ctx.spec):
        return
    longest = max(celery.tasks.time_limit, celery.tasks.soft_time_limit or 0, celery.tasks.max_eta_seconds)
    if celery.visibility_timeout <= longest:
        yield Finding(("celery", "visibility_timeout"),
                      f"visibility_timeout {celery.visibility_timeout} s is not above the longest task time limit "
                      f"or ETA ({longest} s): Redis would hand a task still running (or waiting) to a second worker",
                      expected=f"visibility_timeout > {longest}")


@rule(RULES, "V604", "Client health checks run more often than the server's idle timeout closes connections",
      "https://redis.io/docs/latest/develop/clients/redis-py/produsage/#health-checks", stage="spec")
def health_check_below_timeout(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    family = parameter_family(spec)
    if not serves(spec) or family is None:
        return  # V502 reports an engine version without a family
    timeout_text = effective_parameters(spec, family).get("timeout", "0")
    if not timeout_text.isascii() or not timeout_text.isdigit():
        return  # V504 reports a timeout that is not a number
    timeout = int(timeout_text)
    if timeout > 0 and spec.celery.health_check_interval >= timeout:
        yield Finding(("celery", "health_check_interval"),
                      f"health_check_interval {spec.celery.health_check_interval} s is not below the server's idle "
                      f"timeout ({timeout} s): pooled connections die between checks and the next command fails",
                      expected=f"health_check_interval < {timeout}")


# --- advice ------------------------------------------------------------------------------

# Policies that evict only keys with a TTL: Celery's queues and unacknowledged messages have none.
SAFE_POLICIES = {"noeviction", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}


@rule(RULES, "CG020", "An evicting maxmemory-policy is not used where Celery keeps its broker or results",
      "https://redis.io/docs/latest/develop/reference/eviction/", blocking=False, severity="error",
      rationale="allkeys-* policies evict any key under memory pressure, queued task messages and unacknowledged "
                "tasks included: tasks vanish silently. Use noeviction (or volatile-* when only cache keys carry a "
                "TTL). allkeys-lru, often recommended for ElastiCache, is right only for a pure cache.")
def no_eviction_for_broker(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    policy = dict(d.effective_parameters).get("maxmemory-policy")
    if d.evicting_forbidden and policy is not None and policy not in SAFE_POLICIES:
        yield Finding(("parameters", "values", "maxmemory-policy"),
                      f"maxmemory-policy {policy} can evict queued Celery tasks and results")


@rule(RULES, "CG024", "Workers x concurrency x pools + other clients stay below maxclients and the node's memory",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html", blocking=False,
      severity="warning",
      rationale="Every pooled connection counts against maxclients (65,000, fewer on small nodes) and holds client "
                "buffers in the node's memory; a budget near either limit fails under load.")
def connection_budget(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if not d.roles:
        return
    if d.connection_budget > d.max_clients * 0.8:
        yield Finding(("celery", "workers"), f"up to {d.connection_budget} connections against maxclients "
                                             f"{d.max_clients} of {d.node.name}")
    memory = d.connection_budget * BUSY_CLIENT_BYTES  # every pool full and busy: the capacity model's figure
    if memory > d.node.memory_gib * 1024 ** 3 * 0.1:
        yield Finding(("celery", "workers"), f"{d.connection_budget} connections hold about "
                                             f"{memory // 1024 ** 2} MiB of buffers: over 10% of {d.node.name}")
