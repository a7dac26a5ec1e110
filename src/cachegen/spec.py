"""The spec language: what a platform team writes in `spec/<env>.yaml`.

These models are the single source of truth: validation, defaults, the committed JSON
Schema and the editor help all come from them. Defaults are the deployment guide's
recommendations for production, with its mistakes corrected (see docs/spec.md).
Cross-field rules that AWS or Celery would reject live in `cachegen.rules`.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from . import catalog

NAME = r"^[a-z]([a-z0-9-]*[a-z0-9])?$"
# A DNS name in lower case (Route 53 keeps names in lower case), of two labels or more
DNS_NAME = r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]([a-z0-9-]{0,61}[a-z0-9])?$"
WINDOW = r"^([01][0-9]|2[0-3]):[0-5][0-9]-([01][0-9]|2[0-3]):[0-5][0-9]$"
WEEKLY_WINDOW = r"^(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]-(mon|tue|wed|thu|fri|sat|sun):([01][0-9]|2[0-3]):[0-5][0-9]$"
SECURITY_GROUP_ID = r"^sg-([0-9a-f]{8}|[0-9a-f]{17})$"
# The shape of an IPv4 or IPv6 CIDR block; rule V110 checks that it is a network address.
CIDR = r"^([0-9]{1,3}(\.[0-9]{1,3}){3}|[0-9A-Fa-f:.]*:[0-9A-Fa-f:.]*)/[0-9]{1,3}$"
# An e-mail address SNS can deliver to: RFC 5322's dot-atom local part and a DNS domain name.
EMAIL = (r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
         r"@([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$")
# ElastiCache parameter names: lower-case words joined by hyphens (maxmemory-policy, tcp-keepalive).
PARAMETER_NAME = r"^[a-z][a-z0-9]*(-[a-z0-9]+)*$"
# A key prefix: no glob character (* ? [ ] \\), space or quote, so that `~<prefix>*` in an access
# string matches exactly the keys that start with it.
KEY_PREFIX = r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$"
# Parameter values are single-line printable ASCII.
PARAMETER_VALUE = r"^[\x20-\x7e]*$"
LIMITS = catalog.limits()
# Upper bounds of counts and durations that have no AWS limit of their own: no node accepts more
# connections than maxclients allows, and a year is longer than any Celery timeout in use.
MAX_CLIENTS = catalog.node_catalogue_max_clients()
YEAR = 365 * 24 * 3600
# Workload bounds: Redis's largest string (512 MB), more keys or tasks than the largest group holds,
# and a rate far above any node's.
MAX_VALUE_BYTES = 512 * 1024 * 1024
MAX_ITEMS = 10 ** 12
MAX_RATE = 1e9
# A group's key is part of its derived names (<name>-<environment>-<key>), so it stays short.
GROUP_KEY_MAX = 16


def _integral(value: object) -> object:
    """YAML `6379.0` is the integer 6379, as JSON Schema's `integer` reads it; `6379.5` stays a float."""
    return int(value) if type(value) is float and value.is_integer() else value


# An integer field: integral floats count, booleans and text do not (the models are strict).
Int = Annotated[int, BeforeValidator(_integral)]


def bounded(**constraints: int) -> object:
    """An integer type with its bounds inside (an optional field's bounds must be, or the JSON
    Schema loses them)."""
    return Annotated[int, Field(**constraints), BeforeValidator(_integral)]
AUTH_TOKEN = LIMITS["auth_token"]
AWS_TOKEN_SPECIALS = AUTH_TOKEN["allowed_special_characters"]


class Section(BaseModel):
    """Every section is strict: unknown keys are errors and YAML types are never coerced.

    Only Spec's validator is ever used, so the sections' own are not built (defer_build) and
    their default instances are made with model_construct (the defaults are literals here):
    each built validator would cost a cold process about a millisecond.
    """

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, allow_inf_nan=False, defer_build=True)


class Engine(Section):
    name: Literal["redis", "valkey"] = Field("redis", description="Redis OSS or Valkey (same protocol, lower node price).")
    version: str = Field("7.1", pattern=r"^[0-9]+\.[0-9]+(\.[0-9]+)?$",
                         description="Engine version as ElastiCache names it; quote it in YAML. The default, "
                                     "7.1, is a Redis OSS version: a Valkey spec names its own (e.g. \"8.0\"; "
                                     "`cachegen list versions --engine valkey`).",
                         examples=["7.1", "8.0"])


class Topology(Section):
    cluster_mode: Literal["disabled", "enabled"] = Field(
        "disabled", description="Disabled: one shard, a primary and replicas. Celery's Redis transport needs disabled.")
    shards: Int = Field(1, ge=1, le=LIMITS["shards_max"],
                        description="Node groups (shards); 1 when cluster mode is disabled.")
    replicas_per_shard: Int = Field(1, ge=LIMITS["replicas_per_shard"]["min"], le=LIMITS["replicas_per_shard"]["max"],
                                    description="Read replicas in each shard (AWS: 0-5).")
    multi_az: bool = Field(True, description="Spread nodes over AZs with automatic failover to a replica.")
    automatic_failover: bool | None = Field(
        None, description="Promote a replica when the primary fails; default: on when every shard has a replica "
                          "(always on in cluster mode, where AWS requires it).")
    placement: list[list[Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$")]]] | None = Field(
        None, description="Preferred availability zones, per shard: the primary's, then each replica's (AZs of "
                          "`network.subnets`); default: ElastiCache chooses.",
        examples=[[["us-east-1a", "us-east-1b"], ["us-east-1b", "us-east-1a"]]])


class Subnet(Section):
    id: str = Field(pattern=r"^subnet-([0-9a-f]{8}|[0-9a-f]{17})$", examples=["subnet-0a1b2c3d4e5f60718"])
    az: str = Field(pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9][a-z]$", description="Availability zone of the subnet.",
                    examples=["us-east-1a"])


class Network(Section):
    vpc_id: str = Field(pattern=r"^vpc-([0-9a-f]{8}|[0-9a-f]{17})$", description="The application's VPC.",
                        examples=["vpc-0123456789abcdef0"])
    subnets: list[Subnet] = Field(min_length=1, description="Private subnets for the cache subnet group.")
    allowed_security_groups: list[Annotated[str, Field(pattern=SECURITY_GROUP_ID)]] = Field(
        default_factory=list, description="Security groups of the clients (EC2 workers) allowed in on the port "
                                          "(at least one source, unless `security_group_id` names an existing group).",
        examples=[["sg-0a1b2c3d4e5f60003"]])
    security_group_id: str | None = Field(
        None, pattern=SECURITY_GROUP_ID,
        description="Use this existing security group instead of creating one: its rules are its owner's, so "
                    "allowed_security_groups and allowed_cidrs stay empty.", examples=["sg-0a1b2c3d4e5f60009"])
    allowed_cidrs: list[Annotated[str, Field(pattern=CIDR, max_length=43)]] = Field(
        default_factory=list, description="IPv4 or IPv6 CIDR blocks allowed in; prefer security groups (linted).",
        examples=[["10.0.0.0/16", "2001:db8::/56"]])
    network_type: Literal["ipv4", "dual_stack", "ipv6"] = "ipv4"
    subnet_group_name: str | None = Field(None, description="Default: <replication group id>-subnet-group.")
    security_group_name: str | None = Field(None, description="Default: <replication group id>-sg.")


class AtRestEncryption(Section):
    enabled: bool = True
    kms_key_id: str | None = Field(
        None, description="Customer-managed KMS key (ARN, key id or alias); default: the AWS-managed aws/elasticache.")


class InTransitEncryption(Section):
    enabled: bool = True
    mode: Literal["required", "preferred"] = Field(
        "required", description="`preferred` accepts plain-text clients too; only for migrating to TLS.")


class TokenGeneration(Section):
    length: Int = Field(64, ge=AUTH_TOKEN["min_length"], le=AUTH_TOKEN["max_length"],
                        description="Length of the generated AUTH token or user passwords (AWS: 16-128 printable characters).")
    special_characters: str = Field(
        AWS_TOKEN_SPECIALS, description=f"Punctuation the generated token may contain; AWS allows only {AWS_TOKEN_SPECIALS}.")


class Auth(Section):
    enabled: bool = Field(True, description="Require authentication (needs in-transit encryption).")
    mode: Literal["token", "rbac", "iam"] = Field(
        "token", description="`token`: one AUTH token every client shares. `rbac`: role-based access control, one "
                             "ElastiCache user per Celery role the spec enables (broker, result backend, cache) and "
                             "an operator, each with its own generated password and only the commands, keys and "
                             "channels its role uses; the `default` user is switched off (Redis OSS 7.0+ or Valkey). "
                             "`iam`: the same users, authenticating with short-lived IAM tokens instead of passwords; "
                             "each role's IAM policy (elasticache:Connect) is generated, for the application's roles.")
    secret_name: str | None = Field(None, description="Secrets Manager secret of the AUTH token (mode `token`); "
                                                      "default: <name>/<environment>/auth-token. With `rbac` each user's "
                                                      "password has its own secret, <name>/<environment>/users/<role>.")
    secret_kms_key_id: str | None = Field(None, description="KMS key encrypting the secret; default: aws/secretsmanager.")
    generation: TokenGeneration = TokenGeneration.model_construct()


class Security(Section):
    at_rest_encryption: AtRestEncryption = AtRestEncryption.model_construct()
    in_transit_encryption: InTransitEncryption = InTransitEncryption.model_construct()
    auth: Auth = Auth.model_construct()


class Parameters(Section):
    name: str | None = Field(None, description="Custom parameter group name; default: <replication group id>-params.")
    family: str | None = Field(None, description="Only to assert the family; it is derived from the engine version.",
                               examples=["redis7", "valkey8"])
    use_default_group: bool = Field(False, description="Use AWS's default.<family> group; `values` must then be empty.")
    values: dict[Annotated[str, Field(pattern=PARAMETER_NAME, max_length=255)],
                 Annotated[str, Field(pattern=PARAMETER_VALUE, max_length=1024)]
                 | bounded(ge=-(2 ** 63), le=2 ** 63 - 1)] = Field(
        default_factory=dict,
        description="Parameters on top of cachegen's recommended ones (maxmemory-policy noeviction, "
                    "timeout 300, tcp-keepalive 300, notify-keyspace-events \"\"); each a parameter of the engine's "
                    "family that ElastiCache lets a custom group change.")


class Backups(Section):
    retention_days: Int = Field(7, ge=LIMITS["snapshot_retention_days"]["min"], le=LIMITS["snapshot_retention_days"]["max"],
                                description="Automatic snapshots kept (0 turns backups off).")
    window: str = Field("02:00-03:00", pattern=WINDOW, description="Daily UTC window hh:mm-hh:mm, at least 60 minutes.")
    final_snapshot: bool = Field(True, description="Take a final snapshot when the group is deleted or replaced.")


class LogDelivery(Section):
    enabled: bool = True
    format: Literal["json", "text"] = "json"
    destination: Literal["cloudwatch-logs", "kinesis-firehose"] = Field(
        "cloudwatch-logs", description="CloudWatch Logs (a log group cachegen creates), or an Amazon Data Firehose "
                                       "stream the team already has (`delivery_stream`).")
    delivery_stream: str | None = Field(None, pattern=r"^[a-zA-Z0-9_.-]{1,64}$",
                                        description="The Firehose stream's name (destination kinesis-firehose).",
                                        examples=["elasticache-logs"])
    log_group: str | None = Field(None, description="Default: /aws/elasticache/<replication group id>/<slow|engine>-log.")
    retention_days: Int = Field(30, ge=1, le=3653, description="CloudWatch Logs retention (one of the values AWS accepts).")


class Logs(Section):
    slow_log: LogDelivery = LogDelivery.model_construct()
    engine_log: LogDelivery = LogDelivery.model_construct()
    kms_key_id: str | None = Field(
        None, description="Customer-managed KMS key ARN encrypting both log groups (its key policy must let "
                          "logs.<region>.amazonaws.com use it); default: CloudWatch Logs' own encryption.")


class Dns(Section):
    """A Route 53 record per endpoint, in a private hosted zone: a name of the team's that stays when
    the group is replaced (a new replication group id is a new endpoint name)."""

    zone_id: str = Field(pattern=r"^[A-Z0-9]{1,32}$", examples=["Z0123456789ABCDEFGHIJ"],
                         description="The id of the private hosted zone of the application's VPC (Z..., without "
                                     "/hostedzone/).")
    name: str = Field(pattern=DNS_NAME, max_length=253, examples=["cache.prod.internal"],
                      description="The CNAME record of the endpoint the application uses (primary or configuration): "
                                  "lower case, no trailing dot.")
    reader_name: str | None = Field(None, pattern=DNS_NAME, max_length=253, examples=["cache-ro.prod.internal"],
                                    description="The CNAME record of the reader endpoint (replicas, no cluster mode): "
                                                "lower case, no trailing dot.")
    ttl: Int = Field(60, ge=0, le=172800, description="Seconds resolvers keep the record: short, so a replacement "
                                                      "reaches clients soon.")
    use_in_urls: bool = Field(
        False, description="Put the record in the application's URLs instead of the endpoint. Without TLS only: "
                           "ElastiCache's certificate names the endpoint, and redis-py checks the name it dialled.")


class Notifications(Section):
    enabled: bool = True
    topic_name: str | None = Field(None, description="SNS topic; default: <replication group id>-alerts.")
    kms_key_id: str | None = Field(
        None, description="Customer-managed KMS key (ARN, key id or alias) encrypting the alarm topic; its key "
                          "policy must let cloudwatch.amazonaws.com use it (alarms cannot publish through the "
                          "AWS-managed aws/sns key); default: not encrypted at rest.")
    emails: list[Annotated[str, Field(pattern=EMAIL, max_length=254)]] = Field(
        default_factory=list, description="E-mail subscribers of the topic.", examples=[["oncall@example.com"]])


class AlarmOverride(Section):
    enabled: bool = True
    threshold: float | None = Field(None, ge=0, le=1e15, description="ElastiCache's metrics are never negative.")
    period_seconds: bounded(ge=60, le=86400, multiple_of=60) | None = Field(
        None,
        description="A multiple of 60: ElastiCache publishes one value a minute, so a shorter period has no data.")
    evaluation_periods: bounded(ge=1, le=1440) | None = None
    datapoints_to_alarm: bounded(ge=1, le=1440) | None = Field(None, description="At most evaluation_periods.")


class Alarms(Section):
    enabled: bool = True
    stack: Literal["main", "separate"] = Field(
        "main", description="CloudFormation: the alarms and the dashboard in the main stack, or in stacks of their own "
                            "(needed above CloudFormation's 500 resources per stack; see the README).")
    overrides: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)], AlarmOverride] = Field(
        default_factory=dict, description="Per alarm id (see Alarms below): disable an alarm or change it.")


def key_prefix_field(role: str, default: str) -> object:
    return Field(None, pattern=KEY_PREFIX, max_length=64,
                 description=f"Prefix of every key (and pub/sub channel) of the {role}: letters, digits and "
                             f"_ . : / - (no glob character, space or quote); its access rules are written around "
                             f"it. Default: none with an AUTH token, `{default}` with rbac or iam.",
                 examples=[default])


def group_field(role: str) -> object:
    return Field(None, pattern=NAME, max_length=GROUP_KEY_MAX,
                 description=f"The group that serves the {role}: a key of `groups`; default: the spec's own group.",
                 examples=["queue"])


class BrokerRole(Section):
    enabled: bool = True
    group: str | None = group_field("broker")
    db: Int = Field(0, ge=0, le=15)
    key_prefix: str | None = key_prefix_field("broker (kombu's global_keyprefix)", "broker:")
    pool_limit: Int = Field(10, ge=1, le=MAX_CLIENTS, description="Celery broker_pool_limit: connections per worker process.")


class ResultBackendRole(Section):
    enabled: bool = True
    group: str | None = group_field("result backend")
    db: Int = Field(1, ge=0, le=15)
    key_prefix: str | None = key_prefix_field("result backend (its global_keyprefix)", "results:")
    max_connections: Int = Field(10, ge=1, le=MAX_CLIENTS, description="redis_max_connections of the result backend pool.")
    result_expires: Int = Field(86400, ge=1, le=YEAR,
                                description="Seconds a stored result is kept (Celery's result_expires; its default, "
                                            "one day).")


class CacheRole(Section):
    enabled: bool = True
    group: str | None = group_field("application cache")
    db: Int = Field(2, ge=0, le=15)
    key_prefix: str | None = key_prefix_field("application cache (REDIS_KEY_PREFIX)", "cache:")
    max_connections: Int = Field(10, ge=1, le=MAX_CLIENTS, description="Connection pool size of the application cache client.")


class Workers(Section):
    count: Int = Field(2, ge=1, le=MAX_CLIENTS, description="Worker processes (celery worker instances) across all hosts.")
    concurrency: Int = Field(4, ge=1, le=4096, description="Pool processes/threads per worker (--concurrency).")
    prefetch_multiplier: Int = Field(4, ge=1, le=65535,
                                     description="Tasks each pool process reserves ahead (Celery's "
                                                 "worker_prefetch_multiplier; its default, 4).")


class Tasks(Section):
    time_limit: Int = Field(600, ge=1, le=YEAR, description="Hard time limit in seconds (task_time_limit).")
    soft_time_limit: bounded(ge=1, le=YEAR) | None = Field(None, description="task_soft_time_limit in seconds.")
    expires: bounded(ge=1, le=YEAR) | None = Field(3600, description="Default task expiry in seconds.")
    max_eta_seconds: Int = Field(0, ge=0, le=YEAR, description="Longest countdown/ETA the application schedules.")


class ResultsWorkload(Section):
    stored: bounded(ge=0, le=MAX_ITEMS) | None = Field(
        None, description="Results kept at once at the peak; default: tasks_per_second x "
                          "celery.result_backend.result_expires (every result the peak rate stores before the first "
                          "expires).")
    result_bytes: Int = Field(200, ge=2, le=MAX_VALUE_BYTES,
                              description="The JSON of what a task returns, in bytes (`\"ok\"` is 4).")


class CacheWorkload(Section):
    keys: bounded(ge=0, le=MAX_ITEMS) | None = Field(
        None, description="Keys the application's cache holds at the peak; default: writes_per_second x ttl_seconds "
                          "(the keys written within one expiry), 0 without either.")
    key_bytes: Int = Field(40, ge=1, le=MAX_VALUE_BYTES,
                           description="A key's length in bytes, without the role's key prefix.")
    value_bytes: Int = Field(1024, ge=0, le=MAX_VALUE_BYTES, description="A cached value's length in bytes.")
    ttl_seconds: bounded(ge=1, le=YEAR) | None = Field(
        None, description="The keys' expiry (each key with one costs Redis a second dict entry); default: none.")
    reads_per_second: float = Field(0, ge=0, le=MAX_RATE, description="Cache reads a second at the peak.")
    writes_per_second: float = Field(0, ge=0, le=MAX_RATE, description="Cache writes a second at the peak.")


class Workload(Section):
    """What the application asks of the cache at its peak: the capacity model (docs/capacity.md)
    computes the memory, connections and network it needs from it, and validate refuses a node
    type that cannot hold it."""

    tasks_per_second: float = Field(ge=0, le=MAX_RATE, description="Tasks published a second at the peak.")
    queued_tasks: bounded(ge=0, le=MAX_ITEMS) | None = Field(
        None, description="Tasks waiting in the queues at the peak (the backlog when workers fall behind or stop); "
                          "default: tasks_per_second x celery.tasks.expires (a backlog as old as a task may grow; "
                          "required when tasks never expire).")
    task_args_bytes: Int = Field(1024, ge=2, le=MAX_VALUE_BYTES,
                                 description="The JSON of a task's arguments (args and kwargs), in bytes.")
    results: ResultsWorkload = ResultsWorkload.model_construct()
    cache: CacheWorkload = CacheWorkload.model_construct()


class Celery(Section):
    enabled: bool = True
    broker: BrokerRole = BrokerRole.model_construct()
    result_backend: ResultBackendRole = ResultBackendRole.model_construct()
    cache: CacheRole = CacheRole.model_construct()
    workers: Workers = Workers.model_construct()
    tasks: Tasks = Tasks.model_construct()
    application_clients: Int = Field(20, ge=0, le=MAX_CLIENTS, description="Other connections: web processes, schedulers, scripts.")
    visibility_timeout: Int = Field(
        3600, ge=1, le=YEAR, description="Seconds before an unacknowledged task is redelivered; above every time limit and ETA.")
    health_check_interval: Int = Field(25, ge=1, le=YEAR, description="redis-py health checks, below the server's idle timeout.")
    socket_timeout: float = Field(5, gt=0, le=3600)
    socket_connect_timeout: float = Field(5, gt=0, le=3600)


class Reserved(Section):
    term: Literal["none", "1yr", "3yr"] = "none"
    payment: Literal["no_upfront", "partial_upfront", "all_upfront"] = "no_upfront"


class Cost(Section):
    # Upper bounds: a snapshot of the largest group AWS allows (500 nodes of ~635 GiB) and a petabyte a month.
    backup_storage_gb: float = Field(1.0, ge=0, le=1_000_000, description="Size of one snapshot in GB.")
    cross_az_traffic_gb_per_month: float = Field(10.0, ge=0, le=1_000_000,
                                                 description="Replication and client traffic across AZs.")
    reserved: Reserved = Reserved.model_construct()


class Suppression(Section):
    id: str = Field(pattern=r"^CG[0-9]{3}$", description="A lint rule id (docs/rules.md).")
    reason: str | None = Field(None, max_length=1000, description="Why the advice does not apply; required.")


class Lint(Section):
    ignore: list[Suppression] = Field(default_factory=list)


class ShardScaling(Section):
    min: bounded(ge=1, le=LIMITS["shards_max"]) = Field(description="Fewest shards Auto Scaling keeps.")
    max: bounded(ge=1, le=LIMITS["shards_max"]) = Field(description="Most shards Auto Scaling adds.")
    metric: Literal["engine_cpu", "memory", "capacity"] = Field(
        "memory", description="What the target tracks, averaged over the primaries: `engine_cpu` "
                              "(EngineCPUUtilization), `memory` (DatabaseMemoryUsageCountedForEvictPercentage) or, "
                              "with data tiering, `capacity` (DatabaseCapacityUsageCountedForEvictPercentage).")
    target: float = Field(60, ge=1, le=100, description="The metric's target value, in percent.")
    scale_in_cooldown_seconds: bounded(ge=0, le=YEAR) | None = Field(
        None, description="Seconds after a scale-in before another; default: Application Auto Scaling's.")
    scale_out_cooldown_seconds: bounded(ge=0, le=YEAR) | None = Field(
        None, description="Seconds after a scale-out before another; default: Application Auto Scaling's.")
    disable_scale_in: bool = Field(False, description="Only ever add shards (removing one moves its slots).")


class ReplicaScaling(Section):
    min: bounded(ge=LIMITS["replicas_per_shard"]["min"], le=LIMITS["replicas_per_shard"]["max"]) = Field(
        description="Fewest replicas per shard Auto Scaling keeps.")
    max: bounded(ge=LIMITS["replicas_per_shard"]["min"], le=LIMITS["replicas_per_shard"]["max"]) = Field(
        description="Most replicas per shard Auto Scaling adds.")
    target: float = Field(50, ge=1, le=100, description="Target of the replicas' average EngineCPUUtilization, in "
                                                        "percent (AWS accepts 35-70).")
    scale_in_cooldown_seconds: bounded(ge=0, le=YEAR) | None = None
    scale_out_cooldown_seconds: bounded(ge=0, le=YEAR) | None = None
    disable_scale_in: bool = False


class AutoScaling(Section):
    shards: ShardScaling | None = Field(None, description="Add and remove shards (cluster mode only).")
    replicas: ReplicaScaling | None = Field(None, description="Add and remove replicas in every shard.")


SERVERLESS = catalog.serverless()


class Serverless(Section):
    """ElastiCache Serverless instead of a replication group: no node type, shards or replicas;
    ElastiCache scales within the limits set here. For the application's cache only (Celery's
    broker and result backend need a single primary)."""

    max_data_storage_gb: bounded(ge=SERVERLESS["data_storage_gb"]["min"], le=SERVERLESS["data_storage_gb"]["max"]) \
        | None = Field(None, description="Most data the cache may hold, in GB (AWS: 1-5,000); default: no limit.")
    min_data_storage_gb: bounded(ge=SERVERLESS["data_storage_gb"]["min"], le=SERVERLESS["data_storage_gb"]["max"]) \
        | None = Field(None, description="Storage kept ready (and billed) however little is stored, in GB.")
    max_ecpu_per_second: bounded(ge=SERVERLESS["ecpu_per_second"]["min"], le=SERVERLESS["ecpu_per_second"]["max"]) \
        | None = Field(None, description="Most ElastiCache Processing Units a second (AWS: 1,000-15,000,000); "
                                         "default: no limit.")
    min_ecpu_per_second: bounded(ge=SERVERLESS["ecpu_per_second"]["min"], le=SERVERLESS["ecpu_per_second"]["max"]) \
        | None = Field(None, description="ECPUs a second kept ready, for a known peak (billed even when unused).")
    expected_data_gb: float | None = Field(
        None, ge=0, le=SERVERLESS["data_storage_gb"]["max"],
        description="Cost assumption: the data stored on average, in GB; without it the cost is unknown.")
    expected_ecpu_per_second: float | None = Field(
        None, ge=0, le=SERVERLESS["ecpu_per_second"]["max"],
        description="Cost assumption: ECPUs consumed a second on average (about one per simple command on up to "
                    "1 KB); without it the cost is unknown.")


class Group(Section):
    """Another cache resource of the environment. What it leaves out is the spec's own value,
    merged key by key as `extends` merges; the names of the spec's own group's resources are not
    inherited (each group's default to <its replication group id>-...)."""

    replication_group_id: str | None = Field(None, description="Default: <name>-<environment>-<key>.")
    description: str | None = Field(None, max_length=255, pattern=r"^[^\x00-\x1f\x7f]*$")
    global_secondary: bool = Field(
        False, description="A read-only copy of the spec's own group in another region (ElastiCache Global "
                           "Datastore): it takes the own group's engine, node type and shards, and needs its own "
                           "`region` and `network`. No Celery role may use it; promote it with its "
                           "failover-region.sh.")
    region: str | None = Field(None, pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$",
                               description="A Global Datastore secondary's region (only with global_secondary).")
    network: Network | None = Field(
        None, description="The group's own VPC, subnets and sources (a secondary's, in its region), replacing the "
                          "spec's as a whole; default: the spec's own.")
    kms_key_id: str | None = Field(
        None, description="A Global Datastore secondary's customer-managed key for encryption at rest, in its "
                          "region (KMS keys are regional); default: the AWS-managed key.")
    engine: Engine | None = None
    port: bounded(ge=1024, le=65535) | None = None
    topology: Topology | None = None
    node_type: str | None = Field(None, pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$")
    parameters: Parameters | None = None
    backups: Backups | None = None
    maintenance_window: str | None = Field(None, pattern=WEEKLY_WINDOW)
    logs: Logs | None = None
    alarms: Alarms | None = None
    auto_scaling: AutoScaling | None = None
    serverless: Serverless | None = Field(None, description="Make this group an ElastiCache Serverless cache.")
    dns: Dns | None = Field(None, description="Route 53 records of this group's endpoints (not inherited: names "
                                              "of its own).")
    cost: Cost | None = None


class Spec(Section):
    """One ElastiCache deployment (replication group) for one environment."""

    model_config = ConfigDict(title="cachegen spec", extra="forbid", strict=True, frozen=True, allow_inf_nan=False)

    extends: str | None = Field(None, description="A base spec to inherit from, relative to this file.")
    abstract: bool = Field(False, description="Only a base for other specs: never built, required keys may be missing.")
    preset: Literal["development", "production", "high-performance"] | None = Field(
        None, description="Start from one of cachegen's profiles (see `cachegen list presets`); anything the spec sets wins.")
    name: str = Field(pattern=NAME, max_length=30, description="Application name, the stem of every derived name.",
                      examples=["ai-job-matching"])
    environment: str = Field(pattern=NAME, max_length=20,
                             description="Environment; artifacts go to out/<environment>/. A spec is production "
                                         "(the stricter lint rules apply) when it is named prod, production, prd or "
                                         "live, uses the production or high-performance preset, or is protected; "
                                         "other names (staging, preprod) are not.",
                             examples=["prod"])
    description: str = Field("Redis for Celery and caching", max_length=255, pattern=r"^[^\x00-\x1f\x7f]*$",
                             description="The replication group's description: one line, no control characters.")
    region: str = Field("us-east-1", pattern=r"^[a-z]{2}(-[a-z]+)+-[0-9]$")
    protected: bool = Field(False, description="Refuse teardown scripts for this environment.")
    replication_group_id: str | None = Field(None, description="Default: <name>-<environment>.")
    engine: Engine = Engine.model_construct()
    port: bounded(ge=1024, le=65535) | None = Field(
        None, description="The port the endpoints listen on; default: the engine's default port (6379).")
    topology: Topology = Topology.model_construct()
    node_type: str = Field("cache.t4g.small", pattern=r"^cache\.[a-z0-9]+\.[a-z0-9]+$", examples=["cache.t4g.small"])
    network: Network
    security: Security = Security.model_construct()
    parameters: Parameters = Parameters.model_construct()
    backups: Backups = Backups.model_construct()
    maintenance_window: str = Field("sun:03:00-sun:04:00", pattern=WEEKLY_WINDOW,
                                    description="Weekly UTC window ddd:hh:mm-ddd:hh:mm, at least 60 minutes.")
    logs: Logs = Logs.model_construct()
    notifications: Notifications = Notifications.model_construct()
    alarms: Alarms = Alarms.model_construct()
    auto_scaling: AutoScaling | None = Field(
        None, description="Application Auto Scaling of the spec's own group (cluster mode, and no Celery broker "
                          "or result backend on it).")
    serverless: Serverless | None = Field(
        None, description="Make the spec's own group an ElastiCache Serverless cache (it may then serve only the "
                          "application's cache).")
    dns: Dns | None = Field(None, description="Route 53 records (CNAME, private zone) of the spec's own group's "
                                              "endpoints.")
    groups: dict[Annotated[str, Field(pattern=NAME, max_length=GROUP_KEY_MAX)], Group] = Field(
        default_factory=dict,
        description="More cache resources beside the spec's own group, each serving the Celery roles that name "
                    "it (`celery.<role>.group`): e.g. a cluster-mode cache group beside a non-cluster broker group.")
    celery: Celery = Celery.model_construct()
    workload: Workload | None = Field(
        None, description="The application's peak workload: queued tasks, results, cache keys and rates. With it "
                          "cachegen sizes the node (validate refuses one that cannot hold the peak under noeviction; "
                          "`cachegen explain` shows the computation; the cost report names the cheapest node that "
                          "fits). Without it the capacity is unknown.")
    cost: Cost = Cost.model_construct()
    peak_hours: list[Annotated[str, Field(pattern=WINDOW)]] = Field(
        default_factory=list, description="Daily UTC windows of peak traffic (hh:mm-hh:mm); backups should avoid them.",
        examples=[["08:00-20:00"]])
    tags: dict[Annotated[str, Field(min_length=1, max_length=128)], Annotated[str, Field(min_length=1, max_length=256)]] = Field(
        default_factory=dict, description="Added to every resource, beside Application, Environment and ManagedBy.")
    lint: Lint = Lint.model_construct()
