"""`cachegen explain SPEC`: the resolved model, each value with where it came from."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import capacity
from ..capacity import size
from ..compiler import compile_spec
from ..diagnostics import SpecPath, format_path
from ..inherit import MergedSpec
from ..model import Deployment
from ..spec import Celery, Workload

# Spec keys left empty on purpose: the resolver derives them (attribute of Deployment).
DERIVED_FIELDS: dict[SpecPath, str] = {
    ("replication_group_id",): "replication_group_id",
    ("topology", "automatic_failover"): "automatic_failover",
    ("network", "subnet_group_name"): "subnet_group_name",
    ("network", "security_group_name"): "security_group_name",
    ("parameters", "name"): "parameter_group_name",
    ("parameters", "family"): "engine_family",
    ("security", "auth", "secret_name"): "auth_secret_name",
    ("notifications", "topic_name"): "topic_name",
}

# Workload figures whose default the capacity model computes from others
WORKLOAD_DEFAULTS: dict[SpecPath, Callable[[Workload, Celery], int]] = {
    ("workload", "queued_tasks"): capacity.queued_tasks,
    ("workload", "results", "stored"): capacity.results_stored,
    ("workload", "cache", "keys"): lambda workload, _: capacity.cache_keys(workload.cache),
}


def rows(merged: MergedSpec, deployment: Deployment) -> list[tuple[str, Any, str]]:
    out: list[tuple[str, Any, str]] = []
    logs = {log.log_type: log.log_group for log in deployment.log_destinations}
    for path, value in _leaves(deployment.spec.model_dump(mode="json")):
        origin = merged.origin(path) or "default"
        if path[:1] == ("groups",) and value is None and origin == "default":
            continue  # a group's unset key takes the spec's value: groups.<key>.derived shows what it resolves to
        if value is None and path in DERIVED_FIELDS:
            value, origin = getattr(deployment, DERIVED_FIELDS[path]), "derived"
        elif value is None and path[:1] == ("logs",) and path[-1] == "log_group":
            value, origin = logs.get(path[1].replace("_", "-")), "derived"
        elif path[:1] == ("celery",) and path[-1] == "key_prefix" and len(path) == 3:
            # the prefix the role's clients really use: RBAC's default, or Celery's normalised form
            resolved = deployment.key_prefixes.get(path[1])
            if resolved != value:
                value, origin = resolved, "derived"
        elif value is None and path in WORKLOAD_DEFAULTS and deployment.spec.workload is not None:
            value, origin = WORKLOAD_DEFAULTS[path](deployment.spec.workload, deployment.spec.celery), "derived"
        out.append((format_path(path), value, origin))
    for group in deployment.all_groups:
        prefix = f"groups.{group.group_key}.derived" if group.group_key else "derived"
        out.extend((f"{prefix}.{name}", value, "derived") for name, value in _derived(group).items())
    # each URL at its group's endpoint (HOST, or HOST(<key>) for another group's)
    out.append(("derived.urls", {
        url.variable: f"{deployment.group(url.group).url_scheme}://HOST{f'({url.group})' if url.group else ''}:"
                      f"{deployment.group(url.group).port}/{url.db}{url.query}" for url in deployment.urls},
        "derived"))
    return out


def _capacity(d: Deployment) -> dict[str, Any]:
    """The capacity model's computation for one group (docs/capacity.md)."""
    if not d.roles:
        return {}
    if d.demand is None:
        return {"capacity": "unknown: the spec states no workload"}
    demand, fit = d.demand, d.fit
    shown: dict[str, Any] = {"memory": {p.name: f"{size(p.bytes)}: {p.how}" for p in demand.parts},
                             "connections": f"{demand.connections:,}: {demand.connections_how}",
                             "connection_ceiling": f"{d.connection_budget:,}: every pool full"}
    if fit is not None:
        shown |= {"needed_per_node_bytes": fit.needed_bytes, "usable_per_node_bytes": fit.usable_bytes,
                  "needed_per_node": size(fit.needed_bytes),
                  "usable_per_node": f"{size(fit.usable_bytes)}: maxmemory {size(fit.maxmemory_bytes)} of "
                                     f"{fit.node_type} less {fit.reserved_by}",
                  "memory_used": f"{fit.memory_share:.1%}" if fit.usable_bytes else "all: the node holds no data",
                  "connections_used": f"{fit.connection_share:.2%} of maxclients {fit.max_clients:,}",
                  "network": f"{fit.network_bytes_per_second / 1e6:,.3f} MB/s per primary, {fit.bandwidth_share:.1%} "
                             f"of the {fit.baseline_bytes_per_second / 1e6:,.0f} MB/s baseline: {demand.network_how}"}
    return {"capacity": shown}


def _derived(deployment: Deployment) -> dict[str, Any]:
    """What one group's model derives."""
    return {**_group(deployment), **_capacity(deployment)}


def _group(deployment: Deployment) -> dict[str, Any]:
    if deployment.serverless:
        cache = deployment.serverless
        return {"serverless_cache": cache.name, "engine": f"{deployment.engine} {cache.major_engine_version}",
                "limits": {"max_data_storage_gb": cache.max_data_storage_gb,
                           "max_ecpu_per_second": cache.max_ecpu_per_second},
                "daily_snapshot_time": cache.daily_snapshot_time, "roles": sorted(deployment.roles),
                "endpoint": deployment.endpoint_kind, "tags": dict(deployment.tags["elasticache"]),
                "alarms": len(deployment.alarms)}
    return {
        "replication_group_id": deployment.replication_group_id,
        "node_count": deployment.node_count,
        "members": [m.cluster_id for m in deployment.members],
        "node": f"{deployment.node.vcpu} vCPU, {deployment.node.memory_gib} GiB, "
                f"{deployment.node.network_performance}",
        # a Global Datastore secondary runs the group ElastiCache makes from the primary's
        "parameter_group": "the primary's (made by ElastiCache)" if deployment.global_secondary
        else deployment.parameter_group_name,
        "parameters": dict(deployment.parameters),
        "availability_zones": list(deployment.availability_zones),
        "final_snapshot_name": deployment.final_snapshot_name,
        "tags": dict(deployment.tags["elasticache"]),
        "production": deployment.production,
        "roles": sorted(deployment.roles),
        "endpoint": deployment.endpoint_kind,
        "eviction_forbidden": deployment.evicting_forbidden,
        "ingress": {"security_groups": list(deployment.ingress.security_groups),
                    "ipv4": list(deployment.ingress.ipv4_cidrs), "ipv6": list(deployment.ingress.ipv6_cidrs)},
        "alarms": len(deployment.alarms),
        **({"auto_scaling": {s.what: f"{s.min_capacity}-{s.max_capacity}, {s.metric} at {s.target:g}"
                             for s in deployment.scaling}} if deployment.scaling else {}),
        **({"global_datastore": {"id": deployment.global_datastore.id, "role": deployment.global_datastore.role,
                                 "primary_region": deployment.global_datastore.primary_region}}
           if deployment.global_datastore else {}),
        **({"dns": {"zone_id": deployment.dns.zone_id, "records": [n for n in (deployment.dns.name,
                                                                             deployment.dns.reader_name) if n],
                    "in_urls": deployment.dns.use_in_urls}} if deployment.dns else {}),
    }


def _leaves(value: Any, prefix: SpecPath = ()) -> list[tuple[SpecPath, Any]]:
    """Every setting with its path. A list of plain values is one setting (so a diff reads
    `emails: [] -> ["a@example.com"]`); a list of mappings is one setting per key of each item."""
    if isinstance(value, dict) and value:
        return [leaf for key, item in value.items() for leaf in _leaves(item, prefix + (key,))]
    if isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        return [leaf for index, item in enumerate(value) for leaf in _leaves(item, prefix + (index,))]
    return [(prefix, value)]


def run(path: Path, output_format: str = "text") -> int:
    merged, deployment = compile_spec(path)
    if deployment is None:
        print(f"{path}: abstract spec (a base for others): nothing to resolve", file=sys.stderr)
        if output_format == "json":
            print("[]")
        return 0
    table = rows(merged, deployment)
    if output_format == "json":
        print(json.dumps([{"path": p, "value": v, "origin": o} for p, v, o in table], indent=2))
        return 0
    width = max(len(p) for p, _, _ in table)
    for p, v, o in table:
        shown = json.dumps(v, ensure_ascii=False)
        print(f"{p.ljust(width)}  {shown}  # {o}")
    return 0
