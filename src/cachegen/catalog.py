"""Facts about AWS and cachegen's presets, read from the data files in `cachegen/data/`.

Each data file names its source and the date it was taken; code never hard-codes them.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import yaml

from . import usercache

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


DATA_DIR = Path(__file__).with_name("data")


def _parse(source: bytes) -> dict[str, Any]:
    return yaml.load(source.decode("utf-8"), Loader=_Loader)  # noqa: S506 - our own data file, safe loader


@cache
def _load(name: str) -> dict[str, Any]:
    """A data file, parsed once per process; the parse is kept per user between runs, keyed by
    the file's bytes (YAML parsing is most of a cold start's reading of the facts)."""
    source = (DATA_DIR / name).read_bytes()
    return usercache.parsed(source, lambda: _parse(source))


DATA_FILES = ("access.yaml", "alarms.yaml", "auto_scaling.yaml", "capacity.yaml", "engines.yaml", "global_datastore.yaml", "node_types.yaml",
              "parameters.yaml", "presets.yaml", "pricing.yaml", "quotas.yaml", "regions.yaml", "serverless.yaml")


def data_file(name: str) -> dict[str, Any]:
    """A whole data file, read anew: for the generated list of sources (docs/data-sources.md),
    which walks every key to find them and so must not count as reading the facts."""
    return _parse((DATA_DIR / name).read_bytes())


# The sizes of an ElastiCache node type's name, smallest first ("cache.<family>.<size>").
NODE_SIZES = ("micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge",
              "16xlarge", "24xlarge", "48xlarge")


def size_rank(node_type: str) -> int:
    """Where a node type's size comes among NODE_SIZES (an unknown size last)."""
    size = node_type.rsplit(".", 1)[-1]
    return NODE_SIZES.index(size) if size in NODE_SIZES else len(NODE_SIZES)


def node_types() -> dict[str, dict[str, Any]]:
    return _load("node_types.yaml")["node_types"]


def node_catalogue_max_clients() -> int:
    return _load("node_types.yaml")["max_clients"]


def max_clients(node: dict[str, Any]) -> int:
    """A node type's maxclients: its own exception, else the catalogue's default."""
    return node.get("max_clients", node_catalogue_max_clients())


def alarm_namespace() -> str:
    return _load("alarms.yaml")["namespace"]


def engines() -> dict[str, dict[str, Any]]:
    return _load("engines.yaml")["engines"]


def families() -> dict[str, dict[str, Any]]:
    return _load("engines.yaml")["families"]


def integer_parameters() -> dict[str, dict[str, Any]]:
    return _load("engines.yaml")["integer_parameters"]


def parameter_lineage() -> list[str]:
    return _load("parameters.yaml")["lineage"]


@cache
def family_parameters(family: str) -> dict[str, dict[str, Any]]:
    """The parameters a custom group of `family` has, by name: whether ElastiCache lets it be
    changed (`fixed`), the engine version that first has it within the family (`since`) and
    whether redis.conf knows it (`redis_conf`)."""
    lineage = parameter_lineage()
    if family not in lineage:
        return {}
    at = lineage.index(family)

    def within(span: list[str] | None) -> bool:
        return span is not None and lineage.index(span[0]) <= at <= lineage.index(span[1])

    known = {}
    for name, info in _load("parameters.yaml")["parameters"].items():
        fixed, since, redis_conf = info.get("fixed"), info.get("since"), info.get("redis_conf", True)
        if within(info["in"]):
            known[name] = {"fixed": within(fixed), "since": since, "redis_conf": redis_conf}
    return known


def limits() -> dict[str, Any]:
    return _load("engines.yaml")["limits"]


def features() -> dict[str, Any]:
    return _load("engines.yaml")["features"]


def access_rules() -> dict[str, Any]:
    """The Redis ACL rules of each Celery role (RBAC), with the source of every command."""
    return _load("access.yaml")


def auto_scaling() -> dict[str, Any]:
    """What Application Auto Scaling supports for ElastiCache: engines, node types, dimensions, metrics."""
    return _load("auto_scaling.yaml")


def capacity() -> dict[str, Any]:
    """What ElastiCache sets aside of a node's memory (the capacity model's AWS facts)."""
    return _load("capacity.yaml")


def serverless() -> dict[str, Any]:
    """What ElastiCache Serverless accepts (limits, engine versions) and how cachegen watches it."""
    return _load("serverless.yaml")


def global_datastore() -> dict[str, Any]:
    """What a Global Datastore requires of its members, and the ID prefix AWS gives it per region."""
    return _load("global_datastore.yaml")


def presets() -> dict[str, dict[str, Any]]:
    return _load("presets.yaml")["presets"]


def recommended_parameters() -> dict[str, Any]:
    return _load("presets.yaml")["recommended_parameters"]


def pricing() -> dict[str, Any]:
    return _load("pricing.yaml")


def quotas(service: str) -> dict[str, Any]:
    """The quotas and name rules of one AWS service (cloudformation, cloudwatch, ec2, ...) cachegen stays within."""
    return _load("quotas.yaml")[service]


def regions() -> dict[str, dict[str, Any]]:
    return _load("regions.yaml")["regions"]


def alarm_references() -> dict[str, str]:
    return _load("alarms.yaml")["references"]


def alarms() -> dict[str, dict[str, Any]]:
    return _load("alarms.yaml")["alarms"]


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split(".") if part.isdigit())


def node_refusal(info: dict[str, Any], engine: str, version: str) -> str | None:
    """Why a node type of the catalogue does not run this engine and version, or None when it
    does (Redis OSS versions have a minimum per node type; every Valkey version runs on every type)."""
    if engine not in info.get("engines", ["redis", "valkey"]):
        return f"is not offered for {engine}"
    if engine == "redis" and "min_redis_version" in info and \
            version_key(version) < version_key(info["min_redis_version"]):
        return f"needs Redis {info['min_redis_version']} or later (spec: {version})"
    return None


def node_runs(info: dict[str, Any], engine: str, version: str) -> bool:
    return node_refusal(info, engine, version) is None
