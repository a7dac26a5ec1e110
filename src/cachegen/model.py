"""The resolved model: every decision an artifact needs, made once.

`resolve` turns a validated Spec into a Deployment: defaults applied, every name, count,
URL shape, tag set and alarm derived. The resource plan, the renderers, the rules and the
commands read these fields; none of them derives anything again. (`spec` stays for the
commands that show settings with their origins: `explain` and `diff`.)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Literal

from .spec import Celery, Cost, Spec

if TYPE_CHECKING:
    from .capacity import Demand, Fit
    from .plan import Plan

Service = Literal["elasticache", "ec2", "logs", "sns", "secretsmanager", "cloudwatch", "iam", "application-autoscaling"]
# the services whose resources cachegen tags (an IAM managed policy takes no tags in CloudFormation)
SERVICES: tuple[Service, ...] = ("elasticache", "ec2", "logs", "sns", "secretsmanager", "cloudwatch")
# The AUTH token's stand-in in .env.example and redis.conf (the app scripts look for it too).
TOKEN_PLACEHOLDER = "__REDIS_PASSWORD__"


def placeholder_prefix(group_key: str | None) -> str:
    """What another group's placeholders start with, after `__`: its key as a name (CACHE_); "" for
    the spec's own group."""
    return f"{group_key.upper().replace('-', '_')}_" if group_key else ""


def token_placeholder(group_key: str | None) -> str:
    """The AUTH token's stand-in; another group's token carries its key: __CACHE_REDIS_PASSWORD__."""
    return f"__{placeholder_prefix(group_key)}REDIS_PASSWORD__"


@dataclass(frozen=True)
class NodeType:
    name: str
    family: str
    vcpu: int
    memory_gib: float
    network_performance: str
    maxmemory_bytes: int  # what ElastiCache sets maxmemory to
    data_tiering: bool = False  # r6gd: memory plus local SSD; the group must set DataTieringEnabled
    ssd_gib: float | None = None


@dataclass(frozen=True)
class Member:
    """One member cache cluster (node) of the replication group, as ElastiCache names it."""

    cluster_id: str
    shard: int  # 1-based node group
    initial_role: str  # "primary" | "replica"


@dataclass(frozen=True)
class Subnet:
    id: str
    az: str


@dataclass(frozen=True)
class Ingress:
    """Who may connect: one rule per source, on the cache's port only."""

    port: int
    security_groups: tuple[str, ...]
    ipv4_cidrs: tuple[str, ...]
    ipv6_cidrs: tuple[str, ...]
    description: str  # the rule description EC2 shows, the same on every rule


@dataclass(frozen=True)
class TokenPolicy:
    """How the AUTH token is generated and what a valid one looks like."""

    length: int
    special_characters: str  # the punctuation the generated token may contain
    excluded_punctuation: str  # the punctuation Secrets Manager must not generate
    pattern: str  # a regex every token AWS accepts matches (an older secret may have another length)


@dataclass(frozen=True)
class LogDestination:
    log_type: str  # "slow-log" | "engine-log"
    log_group: str  # CloudWatch Logs; unused with a Firehose stream
    format: str
    retention_days: int
    delivery_stream: str | None = None  # Amazon Data Firehose: the stream the log goes to instead

    @property
    def to_firehose(self) -> bool:
        return self.delivery_stream is not None


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
    dimensions: tuple[tuple[str, str], ...] = ()  # a serverless cache's; empty: the member node's


@dataclass(frozen=True)
class Credential:
    """A password (or the AUTH token) kept in Secrets Manager, and the stand-in for it in the
    committed files (.env.example, redis.conf) that `cachegen env` or a test fills in."""

    secret_name: str
    placeholder: str  # e.g. __REDIS_PASSWORD__


@dataclass(frozen=True)
class User:
    """An ElastiCache user (RBAC): who it is, what it may do, where its password lives."""

    role: str  # broker | result_backend | cache | operator | default
    user_id: str  # unique in the account and region
    user_name: str  # what a client sends in AUTH / the URL
    access_string: str  # Redis ACL rules, derived from the role (cachegen.access)
    credential: Credential | None  # its password's secret; None: IAM, or the switched-off default user
    purpose: str  # what it is for, in words
    authentication: Literal["password", "iam", "none"] = "password"  # none: the default user, switched off
    credential_provider: str | None = None  # IAM: the class in app/elasticache_iam.py that makes its tokens


@dataclass(frozen=True)
class Url:
    """One URL the application reads from its environment, and the database it points at."""

    variable: str  # REDIS_URL | CELERY_BROKER_URL | CELERY_RESULT_BACKEND
    db: int
    purpose: str  # what it is for, in words
    user: str | None = None  # the RBAC or IAM user name in the URL; None: the AUTH token alone (or no auth)
    credential: Credential | None = None  # the password in the URL; None: no auth, or IAM
    credential_provider: str | None = None  # IAM: module.Class of the user's token provider
    query: str = ""  # what the URL ends with: ?ssl_cert_reqs=required, and with IAM the provider
    user_in_url: bool = True  # IAM's REDIS_URL names no user: redis-py refuses one beside a provider
    role: str | None = None  # the Celery role the URL serves (REDIS_URL: the role whose database it points at)
    group: str | None = None  # the key of the group whose endpoint it points at (None: the spec's own group)


@dataclass(frozen=True)
class Scaling:
    """Application Auto Scaling of one dimension of a cluster-mode group: a scalable target and
    its target-tracking policy."""

    dimension: str  # the scalable dimension, e.g. elasticache:replication-group:NodeGroups
    what: str  # shards | replicas
    min_capacity: int
    max_capacity: int
    metric: str  # the predefined metric, e.g. ElastiCacheDatabaseMemoryUsageCountedForEvictPercentage
    target: float
    scale_in_cooldown: int | None
    scale_out_cooldown: int | None
    disable_scale_in: bool


@dataclass(frozen=True)
class ServerlessCache:
    """An ElastiCache Serverless cache: its name, engine major version, limits and the spec's
    assumptions about its use (for the cost)."""

    name: str
    major_engine_version: str
    max_data_storage_gb: int | None
    min_data_storage_gb: int | None
    max_ecpu_per_second: int | None
    min_ecpu_per_second: int | None
    daily_snapshot_time: str | None  # hh:mm UTC; None when backups are off
    expected_data_gb: float | None
    expected_ecpu_per_second: float | None


@dataclass(frozen=True)
class DnsRecords:
    """Route 53 CNAME records of a group's endpoints, in a private hosted zone."""

    zone_id: str
    name: str  # the endpoint the application uses
    reader_name: str | None  # the reader endpoint's
    ttl: int
    use_in_urls: bool  # the application's URLs name the record (no TLS), not the endpoint


@dataclass(frozen=True)
class GlobalDatastore:
    """The Global Datastore a replication group belongs to, and the group's role in it."""

    id: str  # the region's prefix, "-", the suffix: what secondaries and failover name
    suffix: str  # what CreateGlobalReplicationGroup is given: the primary's replication group id
    primary_region: str
    primary_group_id: str
    role: Literal["primary", "secondary"]


@dataclass(frozen=True)
class SourceFile:
    name: str  # relative to the spec's directory
    sha256: str


@dataclass(frozen=True)
class Keepalive:
    idle: int  # seconds of silence before the first probe
    interval: int  # seconds between probes
    count: int  # unanswered probes before the connection is dropped


@dataclass(frozen=True, eq=False)  # compared by identity: two deployments are never "equal"
class Deployment:
    spec: Spec  # the validated spec, for `explain` and `diff` only
    spec_file: str  # the spec's file name, stable across machines
    sources: tuple[SourceFile, ...]
    preset: str | None

    # identity
    name: str
    environment: str
    description: str
    region: str
    partition: str  # aws, aws-cn, aws-us-gov: the first part of every ARN
    production: bool  # protected, named like production, or built from a production preset
    protected: bool

    # engine and topology
    engine: str
    engine_version: str
    engine_family: str  # parameter group family, e.g. redis7
    auto_minor_version_upgrade: bool  # the engine takes minor upgrades in the maintenance window (Redis OSS 6.0+)
    port: int
    replication_group_id: str
    cluster_mode_enabled: bool
    shards: int
    replicas_per_shard: int
    nodes_per_shard: int
    node_count: int
    automatic_failover: bool
    multi_az: bool
    members: tuple[Member, ...]
    placement: tuple[tuple[str, ...], ...]  # per shard: the primary's preferred AZ, then each replica's; () AWS's choice
    node: NodeType
    max_clients: int  # the node type's maxclients

    # network
    vpc_id: str
    subnets: tuple[Subnet, ...]
    availability_zones: tuple[str, ...]
    network_type: str
    ingress: Ingress
    existing_security_group: str | None  # an existing group's id: cachegen creates none and adds no rule

    # security
    tls: bool
    transit_encryption_mode: str | None  # None: no TLS, or an engine without modes
    at_rest_encryption: bool
    kms_key_id: str | None
    auth: bool
    auth_mode: Literal["token", "rbac", "iam"] | None  # None: no authentication
    auth_secret_name: str | None  # the AUTH token's secret (mode token)
    secret_kms_key_id: str | None
    token: TokenPolicy | None  # how the AUTH token or each user's password is generated
    users: tuple[User, ...]  # RBAC: the default user (switched off), one per role, the operator
    user_group_id: str | None  # RBAC: the user group attached to the replication group
    key_prefixes: dict[str, str]  # Celery role -> the prefix of its keys and channels (none: no prefix)

    # resources around the group
    subnet_group_name: str
    security_group_name: str
    parameter_group_name: str
    uses_default_parameter_group: bool
    parameters: tuple[tuple[str, str], ...]  # the custom group's values, sorted by name
    effective_parameters: tuple[tuple[str, str], ...]  # what the engine runs with: the family's defaults under them
    elasticache_only_parameters: frozenset[str]  # effective ones a local redis.conf leaves out (no such directive)
    evicting_forbidden: bool  # the group holds Celery's broker or result backend
    backup_retention_days: int
    backup_window: str | None  # None when backups are off
    final_snapshot_name: str | None
    maintenance_window: str
    log_destinations: tuple[LogDestination, ...]
    log_kms_key_id: str | None  # customer-managed key of the log groups; None: CloudWatch Logs' own
    topic_name: str | None
    topic_kms_key_id: str | None  # customer-managed key of the alarm topic; None: unencrypted at rest
    suppression_reasons: tuple[tuple[str, str], ...]  # (lint rule id, the spec's reason) of lint.ignore
    emails: tuple[str, ...]
    tags: dict[Service, tuple[tuple[str, str], ...]]  # per AWS service, sorted by key
    alarms: tuple[Alarm, ...]
    alarms_in_own_stacks: bool  # CloudFormation: alarms in stacks of their own, beside the main stack

    # the application
    celery: Celery | None  # None when the spec turns Celery off
    roles: frozenset[str]  # the Celery roles the group serves: broker, result_backend, cache
    urls: tuple[Url, ...]  # REDIS_URL first (the cache's database, else the broker's, else 0)
    endpoint_kind: Literal["primary", "configuration", "serverless"]
    reader_endpoint: bool  # a reader endpoint exists (replicas, cluster mode disabled)
    url_scheme: str  # redis | rediss
    url_query: str  # what every URL ends with, e.g. ?ssl_cert_reqs=required
    connection_budget: int  # connections the spec's Celery application can hold
    demand: Demand | None  # the spec's workload on this group (capacity.py); None: none stated, or no Celery role
    fit: Fit | None  # how the node type holds the demand; None: no demand, or a serverless cache (no node)
    client_keepalive: Keepalive  # TCP keepalive probes of the application's connections
    server_idle_timeout: int  # seconds the engine keeps an idle client (the `timeout` parameter); 0: never
    cost: Cost  # the spec's cost assumptions (snapshot size, cross-AZ traffic, reservation)

    # the environment's groups
    group_key: str | None = None  # None: the spec's own group; else its key under `groups`
    other_groups: tuple[Deployment, ...] = ()  # the spec's own group holds the environment's other groups
    scaling: tuple[Scaling, ...] = ()  # Application Auto Scaling of the group's shards and/or replicas
    serverless: ServerlessCache | None = None  # an ElastiCache Serverless cache instead of a replication group
    global_datastore: GlobalDatastore | None = None  # a member of a Global Datastore (cross-region replication)
    dns: DnsRecords | None = None  # Route 53 records of the endpoints

    @cached_property
    def plan(self) -> Plan:
        """The AWS resources of this deployment (built once: the stack limits rule and the
        renderers read the same plan)."""
        from .plan import build

        return build(self)

    @property
    def credentials(self) -> tuple[Credential, ...]:
        """Every secret a client needs: the AUTH token's, or each RBAC user's (in the order of users)."""
        if self.users:
            return tuple(u.credential for u in self.users if u.credential)
        if self.auth_secret_name:
            return (Credential(self.auth_secret_name, token_placeholder(self.group_key)),)
        return ()

    @property
    def peak_bytes_per_node(self) -> int | None:
        """The memory the workload's peak takes on each node (None without a workload here)."""
        return None if self.demand is None else self.demand.per_node_bytes(self.shards)

    @property
    def scaling_range(self) -> tuple[tuple[int, int], tuple[int, int]]:
        """(shards, replicas per shard) at Auto Scaling's least and at its most: each scaled
        dimension at its bound, the other as specified."""
        bounds = {s.what: (s.min_capacity, s.max_capacity) for s in self.scaling}
        shards = bounds.get("shards", (self.shards, self.shards))
        replicas = bounds.get("replicas", (self.replicas_per_shard, self.replicas_per_shard))
        return (shards[0], replicas[0]), (shards[1], replicas[1])

    @property
    def global_secondary(self) -> bool:
        """A Global Datastore's secondary: read-only, and given its engine, node type and shards by the primary."""
        return self.global_datastore is not None and self.global_datastore.role == "secondary"

    @property
    def folder(self) -> str:
        """Where a group's own files go inside each artifact family: "" for the spec's own, "<key>/"."""
        return f"{self.group_key}/" if self.group_key else ""

    @property
    def all_groups(self) -> tuple[Deployment, ...]:
        """Every group of the environment, the spec's own first (of another group: itself)."""
        return (self, *self.other_groups)

    def group(self, key: str | None) -> Deployment:
        """The group with this key (None: the spec's own)."""
        return next(g for g in self.all_groups if g.group_key == key)

    @property
    def own_urls(self) -> tuple[Url, ...]:
        """The URLs that point at this group's endpoint (its stack's outputs)."""
        return tuple(url for url in self.urls if url.group == self.group_key)

    @property
    def app_db(self) -> int:
        """REDIS_DB: the database of REDIS_URL."""
        return self.urls[0].db

    @property
    def app_key_prefix(self) -> str | None:
        """REDIS_KEY_PREFIX: the prefix of the keys REDIS_URL's role may use."""
        url = self.urls[0]
        return self.group(url.group).key_prefixes.get(url.role) if url.role else None
