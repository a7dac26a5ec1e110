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
