"""Engine upgrades, across parameter families and from Redis OSS to Valkey."""

from __future__ import annotations

from typing import Any

from ..model import Deployment
from .steps import Action, Call, ENGINE_UPGRADE, Procedure, Step, VALKEY_UPGRADE, from_plan, modify


def engine(old: Deployment, new: Deployment) -> Procedure | None:
    """An upgrade to another engine version or from Redis OSS to Valkey; across parameter
    families the new family's group is created (with the custom values) before the upgrade."""
    if (old.engine, old.engine_version) == (new.engine, new.engine_version):
        return None
    valkey = old.engine != new.engine
    steps: list[Step] = []
    members: dict[str, Any] = {"EngineVersion": new.engine_version}
    if valkey:
        members = {"Engine": new.engine, **members}
    blocked = None
    if old.engine_family != new.engine_family:
        if new.uses_default_parameter_group:
            members["CacheParameterGroupName"] = new.parameter_group_name
        elif new.parameter_group_name == old.parameter_group_name:
            blocked = (f"a parameter group belongs to one family: the {new.engine_family} group needs a name other than "
                       f"{old.parameter_group_name} while the old group is in use: set parameters.name (e.g. "
                       f"{old.parameter_group_name}-{new.engine_family.replace('.', '')}) in the spec, then plan again")
        else:
            steps.append(Step(f"create the {new.engine_family} parameter group with the spec's values", (
                Action("create", from_plan(new, "ParameterGroup", "CreateCacheParameterGroup"),
                       check=Call("elasticache", "DescribeCacheParameterGroups",
                                  {"CacheParameterGroupName": new.parameter_group_name})),
                Action("run", from_plan(new, "ParameterGroup", "ModifyCacheParameterGroup")))))
            members["CacheParameterGroupName"] = new.parameter_group_name
    steps.append(modify(new, f"upgrade {old.engine} {old.engine_version} to {new.engine} {new.engine_version}",
                         "each node restarts on the new engine in turn (replicas first, then a failover): clients "
                         "reconnect; with no replica the group is unavailable for minutes", **members))
    return Procedure("engine", f"Engine {old.engine} {old.engine_version} -> {new.engine} {new.engine_version}",
                     (VALKEY_UPGRADE if valkey else ENGINE_UPGRADE, ENGINE_UPGRADE), tuple(steps),
                     "The stack update that follows finds the engine, version and parameter group as it describes "
                     "them; the old parameter group leaves the stack and is deleted by it.", blocked=blocked)
