"""Every value cachegen derives from a spec, in one place: rules check them, the resolver stores them."""

from __future__ import annotations

from . import catalog
from .spec import Spec


def replication_group_id(spec: Spec) -> str:
    return spec.replication_group_id or f"{spec.name}-{spec.environment}"


def subnet_group_name(spec: Spec) -> str:
    return spec.network.subnet_group_name or f"{replication_group_id(spec)}-subnet-group"


def security_group_name(spec: Spec) -> str:
    return spec.network.security_group_name or f"{replication_group_id(spec)}-sg"


def parameter_group_name(spec: Spec) -> str:
    return spec.parameters.name or f"{replication_group_id(spec)}-params"


def secret_name(spec: Spec) -> str:
    return spec.security.auth.secret_name or f"{spec.name}/{spec.environment}/auth-token"


def log_group_name(spec: Spec, log_type: str) -> str:
    delivery = spec.logs.slow_log if log_type == "slow-log" else spec.logs.engine_log
    return delivery.log_group or f"/aws/elasticache/{replication_group_id(spec)}/{log_type}"


def topic_name(spec: Spec) -> str:
    return spec.notifications.topic_name or f"{replication_group_id(spec)}-alerts"


def final_snapshot_name(spec: Spec) -> str:
    return f"{replication_group_id(spec)}-final"


def member_cluster_ids(group_id: str, cluster_mode_enabled: bool, shards: int, nodes_per_shard: int) -> list[str]:
    """ElastiCache's names for the member clusters: `<id>-001`… or, in cluster mode, `<id>-0001-001`…"""
    if cluster_mode_enabled:
        return [f"{group_id}-{shard:04d}-{node:03d}" for shard in range(1, shards + 1)
                for node in range(1, nodes_per_shard + 1)]
    return [f"{group_id}-{node:03d}" for node in range(1, nodes_per_shard + 1)]


def cluster_mode_enabled(spec: Spec) -> bool:
    return spec.topology.cluster_mode == "enabled"


def shards(spec: Spec) -> int:
    return spec.topology.shards if cluster_mode_enabled(spec) else 1


def nodes_per_shard(spec: Spec) -> int:
    return spec.topology.replicas_per_shard + 1


def automatic_failover(spec: Spec) -> bool:
    """Explicit setting, else on whenever every shard has a replica to promote."""
    if spec.topology.automatic_failover is not None:
        return spec.topology.automatic_failover
    return spec.topology.replicas_per_shard >= 1


def subnet_azs(spec: Spec) -> list[str]:
    return sorted({subnet.az for subnet in spec.network.subnets})


def parameter_family(spec: Spec) -> str | None:
    version = catalog.engines().get(spec.engine.name, {}).get("versions", {}).get(spec.engine.version)
    return version["family"] if version else None


def parameters(spec: Spec) -> dict[str, str]:
    """The custom parameter group's values: cachegen's recommendations under the spec's own."""
    values = {**catalog.recommended_parameters(), **spec.parameters.values}
    if cluster_mode_enabled(spec):
        values["cluster-enabled"] = "yes"
    return {name: str(value) for name, value in sorted(values.items())}


def transit_encryption_mode(spec: Spec) -> str | None:
    """TransitEncryptionMode exists from Redis 7.0 (and on every Valkey); older engines take no mode."""
    if not spec.security.in_transit_encryption.enabled:
        return None
    minimum = catalog.features()["transit_encryption_mode_min_redis_version"]
    if spec.engine.name == "redis" and catalog.version_key(spec.engine.version) < catalog.version_key(minimum):
        return None
    return spec.security.in_transit_encryption.mode


def connection_budget(spec: Spec) -> int:
    """The most connections the spec's Celery application can hold at once: each worker
    process's broker pool and result backend pool, plus the other application clients."""
    celery = spec.celery
    processes = celery.workers.count * celery.workers.concurrency
    per_process = (celery.broker.pool_limit if celery.broker.enabled else 0) + \
        (celery.result_backend.max_connections if celery.result_backend.enabled else 0)
    per_worker = celery.cache.max_connections if celery.cache.enabled else 0
    return processes * per_process + celery.workers.count * per_worker + celery.application_clients


def evicting_forbidden(spec: Spec) -> bool:
    """The group holds Celery's broker or result backend: an eviction loses tasks or results."""
    celery = spec.celery
    return celery.enabled and (celery.broker.enabled or celery.result_backend.enabled)
