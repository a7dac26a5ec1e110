"""Spec (validated, defaults applied) -> Deployment (every derived value computed once)."""

from __future__ import annotations

from . import catalog, derive
from .inherit import MergedSpec
from .model import Alarm, Deployment, LogDestination, Member, NodeType, SourceFile
from .spec import Spec


def resolve(spec: Spec, merged: MergedSpec) -> Deployment:
    group_id = derive.replication_group_id(spec)
    cluster_mode = derive.cluster_mode_enabled(spec)
    shards = derive.shards(spec)
    per_shard = derive.nodes_per_shard(spec)
    member_ids = derive.member_cluster_ids(group_id, cluster_mode, shards, per_shard)
    members = tuple(
        Member(cluster_id, shard=i // per_shard + 1, index=i % per_shard + 1,
               initial_role="primary" if i % per_shard == 0 else "replica")
        for i, cluster_id in enumerate(member_ids))
    node = catalog.node_types()[spec.node_type]
    family = derive.parameter_family(spec)
    assert family is not None, "rules guarantee a known engine version"
    use_default = spec.parameters.use_default_group
    default_group = f"default.{family}" + (".cluster.on" if cluster_mode else "")
    logs = tuple(
        LogDestination(log_type, derive.log_group_name(spec, log_type), delivery.format, delivery.retention_days)
        for log_type, delivery in (("slow-log", spec.logs.slow_log), ("engine-log", spec.logs.engine_log))
        if delivery.enabled)
    tags = {"Application": spec.name, "Environment": spec.environment, "ManagedBy": "cachegen", **spec.tags}
    max_clients = node.get("max_clients", catalog.node_catalogue_max_clients())
    return Deployment(
        spec=spec,
        spec_file=merged.path.name,
        sources=tuple(SourceFile(s.name, s.sha256) for s in merged.sources),
        preset=merged.preset,
        replication_group_id=group_id,
        cluster_mode_enabled=cluster_mode,
        shards=shards,
        replicas_per_shard=spec.topology.replicas_per_shard,
        nodes_per_shard=per_shard,
        node_count=shards * per_shard,
        automatic_failover=derive.automatic_failover(spec),
        multi_az=spec.topology.multi_az,
        members=members,
        node=NodeType(spec.node_type, node["family"], node["vcpu"], node["memory_gib"], _network(node)),
        engine_family=family,
        availability_zones=tuple(derive.subnet_azs(spec)),
        transit_encryption_mode=derive.transit_encryption_mode(spec),
        subnet_group_name=derive.subnet_group_name(spec),
        security_group_name=derive.security_group_name(spec),
        parameter_group_name=default_group if use_default else derive.parameter_group_name(spec),
        uses_default_parameter_group=use_default,
        parameters=() if use_default else tuple(derive.parameters(spec).items()),
        auth_secret_name=derive.secret_name(spec) if spec.security.auth.enabled else None,
        log_destinations=logs,
        topic_name=derive.topic_name(spec) if spec.notifications.enabled else None,
        final_snapshot_name=derive.final_snapshot_name(spec) if spec.backups.final_snapshot else None,
        tags=tuple(sorted(tags.items())),
        alarms=resolve_alarms(spec, group_id, members, node, max_clients),
        max_clients=max_clients,
        connection_budget=derive.connection_budget(spec),
    )


def resolve_alarms(spec: Spec, group_id: str, members: tuple[Member, ...], node: dict, max_clients: int
                   ) -> tuple[Alarm, ...]:
    """The catalogue's alarms that apply to this deployment, one per member node each,
    with thresholds from the node catalogue and the spec's overrides."""
    if not spec.alarms.enabled:
        return ()
    conditions = {"always": True, "celery": spec.celery.enabled,
                  "evicting_forbidden": derive.evicting_forbidden(spec)}
    out = []
    for alarm_id, entry in catalog.alarms().items():
        override = spec.alarms.overrides.get(alarm_id)
        if not conditions[entry["when"]] or (override is not None and not override.enabled):
            continue
        period = _pick(override, "period_seconds", entry["period"])
        threshold, how = _threshold(entry["threshold"], period, spec, node, max_clients)
        if override is not None and override.threshold is not None:
            threshold, how = override.threshold, "set in the spec"
        for member in members:
            if entry["applies_to"] == "replicas" and member.initial_role != "replica":
                continue
            out.append(Alarm(
                alarm_id=alarm_id,
                name=f"{member.cluster_id}-{alarm_id.replace('_', '-')}",
                member=member.cluster_id,
                metric=entry["metric"],
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


def _threshold(rule: dict, period: int, spec: Spec, node: dict, max_clients: int) -> tuple[float, str]:
    [(kind, value)] = rule.items()
    if kind == "fixed":
        return float(value), "catalogue default"
    if kind == "per_vcpu":
        return round(value / node["vcpu"], 2), f"{value}% / {node['vcpu']} vCPUs"
    if kind == "max_clients_percent":
        return float(max_clients * value // 100), f"{value}% of maxclients {max_clients}"
    if kind == "celery_budget":
        budget = derive.connection_budget(spec)
        return float(budget * value // 100), f"{value}% of the Celery connection budget {budget}"
    if kind == "baseline_bandwidth_percent":
        gbps = node["baseline_bandwidth_gbps"]
        return float(int(gbps * 1e9 / 8 * period * value / 100)), \
            f"{value}% of {gbps} Gbps baseline over {period} s"
    raise ValueError(f"unknown threshold rule {kind}")


def _network(node: dict) -> str:
    """AWS prints "Up to N Gigabit" only for burstable types; the others have bandwidth figures."""
    if "network_performance" in node:
        return node["network_performance"]
    burst = f", bursts to {node['burst_bandwidth_gbps']} Gbps" if "burst_bandwidth_gbps" in node else ""
    return f"{node['baseline_bandwidth_gbps']} Gbps baseline{burst}"
