"""What Celery (kombu, redis-py) would get wrong on this deployment."""

from __future__ import annotations

from collections.abc import Iterator

from .. import derive
from ..spec import Spec
from .base import Finding, Rule, rule

RULES: list[Rule] = []
KOMBU = "https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html"
CLUSTER = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Replication.Redis-RedisCluster.html"


@rule(RULES, "V601", "Celery's Redis broker does not support cluster mode", KOMBU)
def broker_not_clustered(spec: Spec) -> Iterator[Finding]:
    if spec.celery.enabled and spec.celery.broker.enabled and derive.cluster_mode_enabled(spec):
        yield Finding(("topology", "cluster_mode"),
                      "the Celery broker role needs cluster mode disabled: kombu's Redis transport does not "
                      "speak Redis Cluster (MOVED errors, multi-key commands across slots)",
                      expected="cluster_mode: disabled, or celery.broker.enabled: false",
                      suggestion="scale up the node type, or move the broker to its own cluster-mode-disabled group")


@rule(RULES, "V602", "Cluster mode has only database 0", CLUSTER)
def cluster_single_db(spec: Spec) -> Iterator[Finding]:
    if not (spec.celery.enabled and derive.cluster_mode_enabled(spec)):
        return
    for role in ("broker", "result_backend", "cache"):
        settings = getattr(spec.celery, role)
        if settings.enabled and settings.db != 0:
            yield Finding(("celery", role, "db"), f"database {settings.db} does not exist in cluster mode",
                          expected="db: 0")


@rule(RULES, "V603", "The broker's visibility timeout exceeds every task time limit and ETA",
      "https://docs.celeryq.dev/en/stable/getting-started/backends-and-brokers/redis.html#visibility-timeout")
def visibility_timeout(spec: Spec) -> Iterator[Finding]:
    celery = spec.celery
    if not (celery.enabled and celery.broker.enabled):
        return
    longest = max(celery.tasks.time_limit, celery.tasks.soft_time_limit or 0, celery.tasks.max_eta_seconds)
    if celery.visibility_timeout <= longest:
        yield Finding(("celery", "visibility_timeout"),
                      f"visibility_timeout {celery.visibility_timeout} s is not above the longest task time limit "
                      f"or ETA ({longest} s): Redis would hand a task still running (or waiting) to a second worker",
                      expected=f"visibility_timeout > {longest}")


@rule(RULES, "V604", "Client health checks run more often than the server's idle timeout closes connections",
      "https://redis.io/docs/latest/develop/clients/redis-py/produsage/#health-checks")
def health_check_below_timeout(spec: Spec) -> Iterator[Finding]:
    if not spec.celery.enabled or spec.parameters.use_default_group:
        return
    timeout_text = derive.parameters(spec).get("timeout", "0")
    if not timeout_text.isdigit():
        return  # V504 reports a timeout that is not a number
    timeout = int(timeout_text)
    if timeout > 0 and spec.celery.health_check_interval >= timeout:
        yield Finding(("celery", "health_check_interval"),
                      f"health_check_interval {spec.celery.health_check_interval} s is not below the server's idle "
                      f"timeout ({timeout} s): pooled connections die between checks and the next command fails",
                      expected=f"health_check_interval < {timeout}")
