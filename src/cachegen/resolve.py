"""Spec (validated, defaults applied) -> Deployment: every derived value, decided once.

Names, counts, the endpoint a client uses, the database each URL points at, the tags
each AWS service gets, the alarms with their thresholds: all of it is computed here and
nowhere else. `resolve` needs the catalogue entries the spec names (node type, engine
version); the rules that check them (V501, V502) run before it.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import string

from . import access, capacity, catalog
from .groups import global_role as view_global_role
from .groups import group_key as view_group_key
from .inherit import MergedSpec
from .model import (
    SERVICES,
    Alarm,
    Credential,
    Deployment,
    DnsRecords,
    GlobalDatastore,
    Ingress,
    Keepalive,
    LogDestination,
    Member,
    NodeType,
    Scaling,
    ServerlessCache,
    SourceFile,
    Subnet,
    TokenPolicy,
    Url,
    User,
    token_placeholder,
)
from .spec import Spec

# Environments that count as production even without `protected: true` or a production preset.
PRODUCTION_NAMES = frozenset({"prod", "production", "prd", "live"})
PRODUCTION_PRESETS = frozenset({"production", "high-performance"})
# Tags cachegen puts on every resource, under the spec's own.
MANAGED_BY = "cachegen"
TLS_QUERY = "?ssl_cert_reqs=required"


class Unresolvable(Exception):
    """The catalogue lacks what the spec names; the rules have said so."""


def replication_group_id(spec: Spec, group_key: str | None = None) -> str:
    """The spec's own group: <name>-<environment>; another group: <name>-<environment>-<key>."""
    return spec.replication_group_id or "-".join(p for p in (spec.name, spec.environment, group_key) if p)


def secrets_prefix(spec: Spec, group_key: str | None = None) -> str:
    """Where a group's secrets live in Secrets Manager: <name>/<environment>[/<key>]."""
    return "/".join(p for p in (spec.name, spec.environment, group_key) if p)


def cluster_mode_enabled(spec: Spec) -> bool:
    return spec.topology.cluster_mode == "enabled"


def shards(spec: Spec) -> int:
    return spec.topology.shards if cluster_mode_enabled(spec) else 1


def automatic_failover(spec: Spec) -> bool:
    """Always on in cluster mode (AWS requires it); else as set, else on when every shard has a replica."""
    if cluster_mode_enabled(spec):
        return True
    if spec.topology.automatic_failover is not None:
        return spec.topology.automatic_failover
    return spec.topology.replicas_per_shard >= 1


def parameter_family(spec: Spec) -> str | None:
    version = catalog.engines().get(spec.engine.name, {}).get("versions", {}).get(spec.engine.version)
    return version["family"] if version else None


def subnet_group_name(spec: Spec) -> str:
    return spec.network.subnet_group_name or f"{replication_group_id(spec)}-subnet-group"


def security_group_name(spec: Spec) -> str:
    return spec.network.security_group_name or f"{replication_group_id(spec)}-sg"


def parameter_group_name(spec: Spec) -> str:
    return spec.parameters.name or f"{replication_group_id(spec)}-params"


def secret_name(spec: Spec, group_key: str | None = None) -> str:
    return spec.security.auth.secret_name or f"{secrets_prefix(spec, group_key)}/auth-token"


def log_group_name(spec: Spec, log_type: str) -> str:
    delivery = spec.logs.slow_log if log_type == "slow-log" else spec.logs.engine_log
    return delivery.log_group or f"/aws/elasticache/{replication_group_id(spec)}/{log_type}"


def topic_name(spec: Spec) -> str:
    return spec.notifications.topic_name or f"{replication_group_id(spec)}-alerts"


def member_cluster_ids(group_id: str, cluster_mode: bool, shard_count: int, nodes_per_shard: int) -> list[str]:
    """ElastiCache's names for the member clusters: `<id>-001`… or, in cluster mode, `<id>-0001-001`…"""
    if cluster_mode:
        return [f"{group_id}-{shard:04d}-{node:03d}" for shard in range(1, shard_count + 1)
                for node in range(1, nodes_per_shard + 1)]
    return [f"{group_id}-{node:03d}" for node in range(1, nodes_per_shard + 1)]


def parameters(spec: Spec) -> dict[str, str]:
    """The custom parameter group's values: cachegen's recommendations under the spec's own."""
    values = {**catalog.recommended_parameters(), **spec.parameters.values}
    if cluster_mode_enabled(spec):
        values["cluster-enabled"] = "yes"
    return {name: str(value) for name, value in sorted(values.items())}


def effective_parameters(spec: Spec, family: str) -> dict[str, str]:
    """The values the engine runs with: the family's defaults (all of them in AWS's default
    group) under the custom group's values."""
    defaults = {name: str(value) for name, value in catalog.families()[family].get("defaults", {}).items()}
    return defaults if spec.parameters.use_default_group else {**defaults, **parameters(spec)}


def transit_encryption_mode(spec: Spec) -> str | None:
    """TransitEncryptionMode exists from Redis OSS 7.0 and Valkey 7.2; older engines take no mode."""
    if not spec.security.in_transit_encryption.enabled:
        return None
    features = catalog.features()
    minimum = features[f"transit_encryption_mode_min_{spec.engine.name}_version"]
    if catalog.version_key(spec.engine.version) < catalog.version_key(minimum):
        return None
    return spec.security.in_transit_encryption.mode


def serves(spec: Spec) -> frozenset[str]:
    """The Celery roles the group serves."""
    celery = spec.celery
    if not celery.enabled:
        return frozenset()
    return frozenset(role for role in ("broker", "result_backend", "cache") if getattr(celery, role).enabled)


def evicting_forbidden(spec: Spec) -> bool:
    """The group holds Celery's broker or result backend: an eviction loses tasks or results."""
    return bool(serves(spec) & {"broker", "result_backend"})


def connection_budget(spec: Spec) -> int:
    """The most connections the spec's Celery application can hold at once (every pool full)."""
    return capacity.connection_ceiling(spec.celery, serves(spec))


def reserved_memory(running: dict[str, str], maxmemory_bytes: int) -> tuple[float, str]:
    """The share of maxmemory ElastiCache keeps from the data, and what sets it:
    reserved-memory-percent, else the older reserved-memory in bytes (an account's groups have one
    or the other; with both, the percentage is taken), else AWS's default (25)."""
    percent = running.get("reserved-memory-percent")
    if percent is not None and percent.isascii() and percent.isdigit():  # V504 bounds it to 0-100
        return min(100.0, float(percent)), f"reserved-memory-percent {percent}"
    reserved = running.get("reserved-memory")
    if reserved is not None and reserved.isascii() and reserved.isdigit():
        return min(100.0, 100 * int(reserved) / maxmemory_bytes), f"reserved-memory {int(reserved):,} bytes"
    default = catalog.capacity()["reserved_memory_percent"]
    return float(default), f"reserved-memory-percent {default}"


def workload_demand(spec: Spec, roles: frozenset[str], prefixes: dict[str, str]) -> capacity.Demand | None:
    """The workload's demand on this group; None when the spec states no workload or the group
    serves no Celery role."""
    if spec.workload is None or not roles:
        return None
    return capacity.demand(spec.workload, spec.celery, roles, prefixes, spec.topology.replicas_per_shard)


def node_fit(demand: capacity.Demand, node_type: str, running: dict[str, str], shards: int) -> capacity.Fit:
    """How `node_type` holds the demand, with the group's reserved memory."""
    node = catalog.node_types()[node_type]
    return capacity.fit(demand, node_type, node, catalog.max_clients(node),
                        reserved_memory(running, node["maxmemory_bytes"]), shards)


def node_fits(d: Deployment, engine: str) -> list[capacity.Fit]:
    """How every node type offered for `engine` (at the group's version, else the engine's
    newest) holds the group's demand, at its shards and with its parameters."""
    assert d.demand is not None
    versions = catalog.engines()[engine]["versions"]
    version = d.engine_version if engine == d.engine else max(versions, key=catalog.version_key)
    running = dict(d.effective_parameters)
    return [node_fit(d.demand, name, running, d.shards) for name, info in catalog.node_types().items()
            if catalog.node_runs(info, engine, version)]


def production(spec: Spec, preset: str | None) -> bool:
    return spec.protected or spec.environment in PRODUCTION_NAMES or preset in PRODUCTION_PRESETS


def with_users(spec: Spec) -> bool:
    """Clients connect as users of their own (RBAC with passwords, or IAM)."""
    return spec.security.auth.enabled and spec.security.auth.mode in ("rbac", "iam")


# IAM: the module the application imports its token providers from (app/elasticache_iam.py)
IAM_MODULE = "elasticache_iam"


def key_prefixes(spec: Spec) -> dict[str, str]:
    """Each served role's key prefix: the spec's, else with RBAC the role's default (the access
    rules need one to tell the roles' keys apart), else none."""
    out = {}
    for role in sorted(serves(spec)):
        prefix = getattr(spec.celery, role).key_prefix
        if prefix is None and with_users(spec):
            prefix = access.default_prefix(role)
        if prefix:
            out[role] = access.effective_prefix(role, prefix)
    return out


def users(spec: Spec, group_id: str, prefixes: dict[str, str], group_key: str | None = None,
          standby: bool = False) -> tuple[User, ...]:
    """RBAC: the switched-off default user, one user per Celery role served, and the operator.

    Ids from the group's id in lower case: ElastiCache stores user ids (and group ids) in lower
    case, CloudFormation's schema takes only lower case, and an IAM ARN is matched as written."""
    if not with_users(spec):
        return ()
    group_id = group_id.lower()
    out = []
    if spec.engine.name == "redis":  # AWS requires a user named default in a Redis OSS user group, not in Valkey's
        out.append(User("default", f"{group_id}-default", "default", access.default_user_access(), None,
                        "ElastiCache's default user, switched off: a client must name its user", authentication="none"))
    iam = spec.security.auth.mode == "iam"
    for role in (*[r for r in access.ROLES if r in serves(spec)], "operator"):
        short = access.short_name(role)
        db = getattr(spec.celery, role).db if role in access.ROLES else None
        # IAM: the user name must equal the user id; the token comes from the provider class
        out.append(User(
            role, f"{group_id}-{short}", f"{group_id}-{short}",
            access.access_string(role, prefixes.get(role, ""), db, spec.engine.name, spec.engine.version),
            None if iam else Credential(f"{secrets_prefix(spec, group_key)}/users/{short}",
                                        access.password_placeholder(role, group_key)),
            access.purpose(role), authentication="iam" if iam else "password",
            credential_provider=f"{IAM_MODULE}.{provider_class(role, group_key, standby)}" if iam else None))
    return tuple(out)


def provider_class(role: str, group_key: str | None, standby: bool = False) -> str:
    """BrokerCredentials, ...; another group's operator carries the group's key (CacheOperatorCredentials):
    an application role has one group in the environment, every group has an operator. A Global
    Datastore secondary's users (`standby`) all carry it: they stand by for the primary's roles."""
    words = role.split("_")
    if group_key and (role == "operator" or standby):
        words = [*group_key.split("-"), *words]
    return "".join(word.capitalize() for word in words) + "Credentials"


def urls(spec: Spec, group_users: tuple[User, ...] = (), group_key: str | None = None) -> tuple[Url, ...]:
    """REDIS_URL (the application's database: the cache's, else the broker's, else 0; with users,
    else the result backend's), then one URL per Celery role that Celery reads from the
    environment. Each URL carries the credential of the role it serves: the AUTH token, or with
    RBAC the role's own user (REDIS_URL the user of the role whose database it points at; rule
    V206 makes sure there is one, so the application is never handed the operator)."""
    roles, celery = serves(spec), spec.celery
    app_role = next((role for role in ("cache", "broker") if role in roles), None)
    if app_role is None and group_users and "result_backend" in roles:  # never the operator's user
        app_role = "result_backend"
    app_db = getattr(celery, app_role).db if app_role else 0
    by_role = {u.role: u for u in group_users}
    token = Credential(secret_name(spec, group_key), token_placeholder(group_key)) if spec.security.auth.enabled \
        else None

    base_query = TLS_QUERY if spec.security.in_transit_encryption.enabled else ""

    def url(variable: str, role: str | None, db: int, purpose: str) -> Url:
        user = by_role.get(role or "operator")
        if user is None:
            return Url(variable, db, purpose, None, token, query=base_query, role=role, group=group_key)
        provider = user.credential_provider
        if provider and variable != "REDIS_URL":
            # IAM: kombu and Celery read the provider from the URL (and drop the user name it shows).
            # REDIS_URL has neither: redis-py's from_url takes no provider and refuses a user beside
            # one (REDIS_CREDENTIAL_PROVIDER and REDIS_USERNAME say them).
            return Url(variable, db, purpose, user.user_name, None, provider,
                       query=base_query + ("&" if base_query else "?") + f"credential_provider={provider}", role=role,
                       group=group_key)
        return Url(variable, db, purpose, user.user_name, user.credential, provider, query=base_query,
                   user_in_url=provider is None, role=role, group=group_key)

    out = [url("REDIS_URL", app_role, app_db, "the application's cache" if "cache" in roles else "the application")]
    if "broker" in roles:
        out.append(url("CELERY_BROKER_URL", "broker", celery.broker.db, "the Celery broker"))
    if "result_backend" in roles:
        out.append(url("CELERY_RESULT_BACKEND", "result_backend", celery.result_backend.db, "the Celery result backend"))
    return tuple(out)


def port(spec: Spec) -> int:
    return spec.port or catalog.engines()[spec.engine.name]["default_port"]


def ingress(spec: Spec) -> Ingress:
    networks = [ipaddress.ip_network(cidr, strict=False) for cidr in spec.network.allowed_cidrs]
    return Ingress(
        port=port(spec),
        security_groups=tuple(spec.network.allowed_security_groups),
        ipv4_cidrs=tuple(str(n) for n in networks if n.version == 4),
        ipv6_cidrs=tuple(str(n) for n in networks if n.version == 6),
        description=f"{spec.engine.name} clients of {replication_group_id(spec)}",
    )


def token_policy(spec: Spec) -> TokenPolicy | None:
    if not spec.security.auth.enabled:
        return None
    limits = catalog.limits()["auth_token"]
    specials = spec.security.auth.generation.special_characters  # a subset of AWS's (rule V202)
    ordered = "".join(sorted(set(specials) - {"-"})) + ("-" if "-" in specials else "")  # `-` last: literal
    return TokenPolicy(
        length=spec.security.auth.generation.length,
        special_characters=specials,
        excluded_punctuation="".join(c for c in string.punctuation if c not in specials),
        pattern=f"^[A-Za-z0-9{ordered}]{{{limits['min_length']},{limits['max_length']}}}$",
    )


def tags(spec: Spec) -> dict:
    base = {"Application": spec.name, "Environment": spec.environment, "ManagedBy": MANAGED_BY}
    merged = tuple(sorted({**base, **spec.tags}.items()))
    return {service: merged for service in SERVICES}


def resolve(spec: Spec, merged: MergedSpec) -> Deployment:
    node = catalog.node_types().get(spec.node_type)
    family = parameter_family(spec)
    region = catalog.regions().get(spec.region)
    if node is None or family is None or region is None:
        raise Unresolvable(f"{spec.node_type}, {spec.engine.name} {spec.engine.version} in {spec.region}")
    group_id = replication_group_id(spec)
    cluster_mode = cluster_mode_enabled(spec)
    shard_count = shards(spec)
    per_shard = spec.topology.replicas_per_shard + 1
    members = tuple(
        Member(cluster_id, shard=i // per_shard + 1,
               initial_role="primary" if i % per_shard == 0 else "replica")
        for i, cluster_id in enumerate(member_cluster_ids(group_id, cluster_mode, shard_count, per_shard)))
    use_default = spec.parameters.use_default_group
    default_group = f"default.{family}" + (".cluster.on" if cluster_mode else "")
    logs = tuple(
        LogDestination(log_type, log_group_name(spec, log_type), delivery.format, delivery.retention_days,
                       delivery.delivery_stream if delivery.destination == "kinesis-firehose" else None)
        for log_type, delivery in (("slow-log", spec.logs.slow_log), ("engine-log", spec.logs.engine_log))
        if delivery.enabled)
    max_clients = catalog.max_clients(node)
    running = effective_parameters(spec, family)
    known = catalog.family_parameters(family)
    security = spec.security
    roles = serves(spec)
    prefixes = key_prefixes(spec)
    key = view_group_key(merged)
    standby = view_global_role(merged) == "secondary"  # a Global Datastore secondary: the primary's roles, on hold
    group_users = users(spec, group_id, prefixes, key, standby=standby)
    demand = workload_demand(spec, roles, prefixes)
    fit = None if demand is None or spec.serverless else node_fit(demand, spec.node_type, running, shard_count)
    deployment = Deployment(
        spec=spec,
        spec_file=merged.path.name,
        sources=tuple(SourceFile(s.name, s.sha256) for s in merged.sources),
        preset=merged.preset,
        name=spec.name,
        environment=spec.environment,
        description=spec.description,
        region=spec.region,
        partition=region["partition"],
        production=production(spec, merged.preset),
        protected=spec.protected,
        engine=spec.engine.name,
        engine_version=spec.engine.version,
        engine_family=family,
        auto_minor_version_upgrade=spec.engine.name != "redis" or catalog.version_key(spec.engine.version) >=
        catalog.version_key(catalog.features()["auto_minor_version_upgrade_min_redis_version"]),
        port=port(spec),
        replication_group_id=group_id,
        cluster_mode_enabled=cluster_mode,
        shards=shard_count,
        replicas_per_shard=spec.topology.replicas_per_shard,
        nodes_per_shard=per_shard,
        node_count=shard_count * per_shard,
        automatic_failover=automatic_failover(spec),
        multi_az=spec.topology.multi_az,
        members=members,
        placement=tuple(tuple(shard) for shard in spec.topology.placement or ()),
        node=NodeType(spec.node_type, node["family"], node["vcpu"], node["memory_gib"], _network(node),
                      node["maxmemory_bytes"], node.get("data_tiering", False), node.get("ssd_gib")),
        max_clients=max_clients,
        vpc_id=spec.network.vpc_id,
        subnets=tuple(Subnet(s.id, s.az) for s in spec.network.subnets),
        availability_zones=tuple(sorted({subnet.az for subnet in spec.network.subnets})),
        network_type=spec.network.network_type,
        ingress=ingress(spec),
        existing_security_group=spec.network.security_group_id,
        tls=security.in_transit_encryption.enabled,
        transit_encryption_mode=transit_encryption_mode(spec),
        at_rest_encryption=security.at_rest_encryption.enabled,
        kms_key_id=security.at_rest_encryption.kms_key_id,
        auth=security.auth.enabled,
        auth_mode=security.auth.mode if security.auth.enabled else None,
        auth_secret_name=secret_name(spec, key) if security.auth.enabled and not with_users(spec) else None,
        secret_kms_key_id=security.auth.secret_kms_key_id if security.auth.enabled else None,
        token=token_policy(spec),
        users=group_users,
        user_group_id=f"{group_id.lower()}-users" if group_users else None,
        key_prefixes=prefixes,
        subnet_group_name=subnet_group_name(spec),
        security_group_name=security_group_name(spec),
        parameter_group_name=default_group if use_default else parameter_group_name(spec),
        uses_default_parameter_group=use_default,
        parameters=() if use_default else tuple(parameters(spec).items()),
        effective_parameters=tuple(sorted(running.items())),
        elasticache_only_parameters=frozenset(name for name in running
                                              if not known.get(name, {}).get("redis_conf", True)),
        evicting_forbidden=evicting_forbidden(spec),
        backup_retention_days=spec.backups.retention_days,
        backup_window=spec.backups.window if spec.backups.retention_days > 0 else None,
        final_snapshot_name=f"{group_id}-final" if spec.backups.final_snapshot else None,
        maintenance_window=spec.maintenance_window,
        log_destinations=logs,
        log_kms_key_id=spec.logs.kms_key_id if any(not log.to_firehose for log in logs) else None,
        topic_name=topic_name(spec) if spec.notifications.enabled else None,
        topic_kms_key_id=spec.notifications.kms_key_id if spec.notifications.enabled else None,
        suppression_reasons=tuple((s.id, s.reason) for s in spec.lint.ignore if s.reason),
        emails=tuple(spec.notifications.emails) if spec.notifications.enabled else (),
        tags=tags(spec),
        alarms=resolve_alarms(spec, group_id, members, node, max_clients, global_secondary=standby, fit=fit),
        alarms_in_own_stacks=spec.alarms.stack == "separate",
        celery=spec.celery if roles else None,
        # probes well inside the engine's tcp-keepalive (300 s) and any NAT or load balancer idle timeout
        client_keepalive=Keepalive(idle=60, interval=10, count=3),
        server_idle_timeout=int(running.get("timeout", "0")),
        roles=roles,
        urls=urls(spec, group_users, key),
        endpoint_kind="configuration" if cluster_mode else "primary",
        reader_endpoint=not cluster_mode and spec.topology.replicas_per_shard > 0,
        url_scheme="rediss" if security.in_transit_encryption.enabled else "redis",
        url_query=TLS_QUERY if security.in_transit_encryption.enabled else "",
        connection_budget=connection_budget(spec),
        demand=demand,
        fit=fit,
        cost=spec.cost,
        group_key=key,
        scaling=scaling(spec),
        global_datastore=global_datastore(spec, merged),
        dns=DnsRecords(spec.dns.zone_id, spec.dns.name, spec.dns.reader_name, spec.dns.ttl, spec.dns.use_in_urls)
        if spec.dns else None,
    )
    return as_serverless(deployment, spec) if spec.serverless else deployment


def global_datastore(spec: Spec, merged: MergedSpec) -> GlobalDatastore | None:
    """The Global Datastore of a primary or secondary group's view; its ID is the primary region's
    prefix and the primary's replication group id (rule V940 knows the prefix before this runs)."""
    role = view_global_role(merged)
    if role is None:
        return None
    region, group_id = merged.global_primary if role == "secondary" else (spec.region, replication_group_id(spec))
    prefix = catalog.global_datastore()["id_prefixes"][region]
    return GlobalDatastore(f"{prefix}-{group_id}", group_id, region, group_id, role)


def as_serverless(d: Deployment, spec: Spec) -> Deployment:
    """A serverless cache: no members, subnet or parameter group, logs or auto scaling; clients
    speak Redis Cluster over TLS to one endpoint; its own alarms."""
    limits = spec.serverless
    assert limits is not None
    cache = ServerlessCache(
        d.replication_group_id, spec.engine.version.split(".")[0], limits.max_data_storage_gb,
        limits.min_data_storage_gb, limits.max_ecpu_per_second, limits.min_ecpu_per_second,
        spec.backups.window[:5] if spec.backups.retention_days > 0 else None,
        limits.expected_data_gb, limits.expected_ecpu_per_second)
    return dataclasses.replace(
        d, serverless=cache, members=(), placement=(), shards=1, replicas_per_shard=0, nodes_per_shard=0, node_count=0,
        cluster_mode_enabled=True, automatic_failover=True, multi_az=True, log_destinations=(), log_kms_key_id=None,
        endpoint_kind="serverless", reader_endpoint=False, scaling=(), parameters=(), effective_parameters=(),
        alarms=serverless_alarms(spec, cache))


def serverless_alarms(spec: Spec, cache: ServerlessCache) -> tuple[Alarm, ...]:
    """Alarms on the limits the spec sets (a share of each) and on throttling, per cache."""
    if not spec.alarms.enabled:
        return ()
    facts = catalog.serverless()
    dimensions = ((facts["metric_dimension"], cache.name),)
    out = []
    for alarm_id, entry in facts["alarms"].items():
        override = spec.alarms.overrides.get(f"serverless_{alarm_id}")
        if override is not None and not override.enabled:
            continue
        period = _pick(override, "period_seconds", 60)
        if alarm_id == "data_storage":
            if cache.max_data_storage_gb is None:
                continue
            threshold = entry["share_of_limit"] * cache.max_data_storage_gb * 10 ** 9
            how = f"{entry['share_of_limit']:.0%} of {cache.max_data_storage_gb} GB"
        elif alarm_id == "ecpu":
            if cache.max_ecpu_per_second is None:
                continue
            threshold = entry["share_of_limit"] * cache.max_ecpu_per_second * period
            how = f"{entry['share_of_limit']:.0%} of {cache.max_ecpu_per_second} ECPUs/s over {period} s"
        else:
            threshold, how = float(entry["threshold"]), "any throttled request"
        if override is not None and override.threshold is not None:
            threshold, how = override.threshold, "set in the spec"
        out.append(Alarm(
            alarm_id=f"serverless_{alarm_id}", name=f"{cache.name}-{alarm_id.replace('_', '-')}", member=cache.name,
            metric=entry["metric"], unit=entry["unit"], statistic=entry["statistic"], period=period,
            evaluation_periods=_pick(override, "evaluation_periods", 5),
            datapoints_to_alarm=_pick(override, "datapoints_to_alarm", 3),
            comparison="GreaterThanThreshold", threshold=float(threshold), treat_missing_data="notBreaching",
            threshold_reason=how, reason=entry["reason"], runbook=entry["runbook"],
            source=facts["source"][3], dimensions=dimensions))
    return tuple(out)


def scaling(spec: Spec) -> tuple[Scaling, ...]:
    """The scalable targets and their target-tracking policies (rules V9xx check AWS's preconditions)."""
    if spec.auto_scaling is None:
        return ()
    facts = catalog.auto_scaling()["dimensions"]
    out = []
    for what in ("shards", "replicas"):
        policy = getattr(spec.auto_scaling, what)
        if policy is None:
            continue
        metric = getattr(policy, "metric", "engine_cpu")
        out.append(Scaling(facts[what]["dimension"], what, policy.min, policy.max, facts[what]["metrics"][metric],
                           policy.target, policy.scale_in_cooldown_seconds, policy.scale_out_cooldown_seconds,
                           policy.disable_scale_in))
    return tuple(out)


# Each role's URL comes from the group that serves it; REDIS_URL from the group serving the
# application's cache, else the broker's (as within one group, see urls).
APP_URL_ROLES = ("cache", "broker", "result_backend")


def environment(groups: list[Deployment], spec: Spec) -> Deployment:
    """The spec's own group, holding the environment's other groups and the application's URLs:
    each one from the group that serves its role. Its `spec` is the whole spec (`groups` included)."""
    own, others = groups[0], groups[1:]
    if not others:
        return own
    serving = [group for group in groups if not group.global_secondary]  # a secondary's URLs are for a failover
    redis_urls = {group.urls[0].role: group.urls[0] for group in serving if group.urls[0].role}
    app = next((redis_urls[role] for role in APP_URL_ROLES if role in redis_urls), own.urls[0])
    served = [url for group in serving for url in group.urls[1:]]
    order = {"CELERY_BROKER_URL": 0, "CELERY_RESULT_BACKEND": 1}
    return dataclasses.replace(own, urls=(app, *sorted(served, key=lambda url: order[url.variable])),
                               other_groups=tuple(others), spec=spec)


# alarms.yaml's applies_to -> the members it means (besides "all")
MEMBER_ROLES = {"replicas": "replica", "primaries": "primary"}


def resolve_alarms(spec: Spec, group_id: str, members: tuple[Member, ...], node: dict, max_clients: int,
                   global_secondary: bool = False, fit: capacity.Fit | None = None) -> tuple[Alarm, ...]:
    """The catalogue's alarms that apply to this deployment, one per member node each,
    with thresholds from the node catalogue and the spec's overrides."""
    if not spec.alarms.enabled:
        return ()
    family = parameter_family(spec)
    noeviction = family is not None and effective_parameters(spec, family).get("maxmemory-policy") == "noeviction"
    conditions = {"always": True, "celery": bool(serves(spec)), "evicting_forbidden": evicting_forbidden(spec),
                  "memory_bound": evicting_forbidden(spec) or noeviction, "global_secondary": global_secondary,
                  "workload": fit is not None and fit.holds_memory}
    out = []
    for alarm_id, entry in catalog.alarms().items():
        override = spec.alarms.overrides.get(alarm_id)
        if not conditions[entry["when"]] or (override is not None and not override.enabled):
            continue
        period = _pick(override, "period_seconds", entry["period"])
        threshold, how = _threshold(entry["threshold"], period, spec, node, max_clients, fit)
        if override is not None and override.threshold is not None:
            threshold, how = override.threshold, "set in the spec"
        for member in members:
            if entry["applies_to"] != "all" and member.initial_role != MEMBER_ROLES[entry["applies_to"]]:
                continue
            out.append(Alarm(
                alarm_id=alarm_id,
                name=f"{member.cluster_id}-{alarm_id.replace('_', '-')}",
                member=member.cluster_id,
                metric=entry.get("data_tiering_metric", entry["metric"]) if node.get("data_tiering") else entry["metric"],
                unit=entry["unit"],
                statistic=entry["statistic"],
                period=period,
                evaluation_periods=_pick(override, "evaluation_periods", entry["evaluation_periods"]),
                datapoints_to_alarm=_pick(override, "datapoints_to_alarm", entry["datapoints_to_alarm"]),
                comparison=entry["comparison"],
                threshold=threshold,
                treat_missing_data=entry["treat_missing_data"],
                threshold_reason=how,
                reason=entry["reason"],
                runbook=entry["runbook"],
                source=entry["source"],
            ))
    return tuple(out)


def _pick(override, field: str, default: int) -> int:
    value = getattr(override, field) if override is not None else None
    return default if value is None else value


def _threshold(rule: dict, period: int, spec: Spec, node: dict, max_clients: int,
               fit: capacity.Fit | None) -> tuple[float, str]:
    [(kind, value)] = rule.items()
    if kind == "fixed":
        return float(value), "catalogue default"
    if kind == "per_vcpu":
        return round(value / node["vcpu"], 2), f"{value}% / {node['vcpu']} vCPUs"
    if kind == "max_clients_percent":
        return float(max_clients * value // 100), f"{value}% of maxclients {max_clients}"
    if kind == "celery_budget":
        budget = connection_budget(spec)
        return float(budget * value // 100), f"{value}% of the Celery connection budget {budget}"
    if kind == "workload_peak_percent":
        assert fit is not None  # the alarm's condition
        share = math.ceil(fit.memory_share * value * 10) / 10  # at most 100: the alarm is on a group that holds it
        return share, f"{value}% of the workload's peak, {fit.memory_share:.1%} of the usable memory"
    if kind == "baseline_bandwidth_percent":
        gbps = node["baseline_bandwidth_gbps"]
        return float(int(gbps * 1e9 / 8 * period * value / 100)), \
            f"{value}% of {gbps} Gbps baseline over {period} s"
    raise ValueError(f"unknown threshold rule {kind}")


def _network(node: dict) -> str:
    """AWS prints "Up to N Gigabit" only for burstable types; every type has bandwidth figures."""
    burst = f", bursts to {node['burst_bandwidth_gbps']} Gbps" if "burst_bandwidth_gbps" in node else ""
    figures = f"{node['baseline_bandwidth_gbps']} Gbps baseline{burst}"
    return f"{node['network_performance']} ({figures})" if "network_performance" in node else figures
