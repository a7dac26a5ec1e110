"""The resolved model: the one representation every emitter reads.

All defaults are applied (in `spec`), every name and count is derived (here), so an
emitter never re-derives anything: it formats what it finds.
"""

from __future__ import annotations

from dataclasses import dataclass

from .spec import Spec


@dataclass(frozen=True)
class NodeType:
    name: str
    family: str
    vcpu: int
    memory_gib: float
    network_performance: str


@dataclass(frozen=True)
class Member:
    """One member cache cluster (node) of the replication group, as ElastiCache names it."""

    cluster_id: str
    shard: int  # 1-based node group
    index: int  # 1-based position in the shard; 1 is the initial primary
    initial_role: str  # "primary" | "replica"


@dataclass(frozen=True)
class LogDestination:
    log_type: str  # "slow-log" | "engine-log"
    log_group: str
    format: str
    retention_days: int


@dataclass(frozen=True)
class Alarm:
    """One CloudWatch alarm on one member node, everything resolved."""

    alarm_id: str  # catalogue id, e.g. cpu_utilization
    name: str
    member: str  # CacheClusterId
    metric: str
    unit: str
    statistic: str
    period: int
    evaluation_periods: int
    datapoints_to_alarm: int
    comparison: str
    threshold: float
    treat_missing_data: str
    threshold_reason: str  # how the threshold was reached
    reason: str
    runbook: str
    source: str


@dataclass(frozen=True)
class SourceFile:
    name: str  # relative to the spec's directory
    sha256: str


@dataclass(frozen=True)
class Deployment:
    spec: Spec
    spec_file: str  # the spec's file name, stable across machines
    sources: tuple[SourceFile, ...]
    preset: str | None

    replication_group_id: str
    cluster_mode_enabled: bool
    shards: int
    replicas_per_shard: int
    nodes_per_shard: int
    node_count: int
    automatic_failover: bool
    multi_az: bool
    members: tuple[Member, ...]
    node: NodeType
    engine_family: str  # parameter group family, e.g. redis7
    availability_zones: tuple[str, ...]
    transit_encryption_mode: str | None  # None: no TLS, or an engine without modes

    subnet_group_name: str
    security_group_name: str
    parameter_group_name: str
    uses_default_parameter_group: bool
    parameters: tuple[tuple[str, str], ...]  # the custom group's values, sorted by name
    auth_secret_name: str | None
    log_destinations: tuple[LogDestination, ...]
    topic_name: str | None
    final_snapshot_name: str | None
    tags: tuple[tuple[str, str], ...]  # sorted by key
    alarms: tuple[Alarm, ...]
    max_clients: int  # the node type's maxclients
    connection_budget: int  # connections the spec's Celery application can hold

    @property
    def environment(self) -> str:
        return self.spec.environment

    @property
    def tls(self) -> bool:
        return self.spec.security.in_transit_encryption.enabled

    @property
    def auth(self) -> bool:
        return self.spec.security.auth.enabled

    @property
    def url_scheme(self) -> str:
        return "rediss" if self.tls else "redis"
