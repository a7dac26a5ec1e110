"""Several cache resources in one environment: each group seen as a spec of its own.

A spec describes its own replication group at the top level and may declare more under
`groups:`; each Celery role names the group that serves it (`celery.<role>.group`, default
the spec's own). Every group is validated, resolved and planned exactly as a one-group spec
is, from its *view*: the spec's document with

  * the group's own keys merged over the top level's, key by key (as `extends` merges);
  * the names of the top-level group's resources left out (a group's default to its own
    replication group id), so two groups never claim one name, and likewise its Auto Scaling,
    serverless settings and shard placement (NOT_INHERITED);
  * only the Celery roles it serves enabled (a Global Datastore secondary: the primary's, which it
    serves after a failover);
  * `groups` itself gone.

A view keeps each value's position, so an error points at the line that set it, and
`real_path` names that value's path in the spec the user wrote (`groups.cache.topology...`).
A spec without `groups` is its own only view: nothing is copied.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

from .access import ROLES
from .diagnostics import Location, SpecPath
from .inherit import MergedSpec, merge
from .loader import NodeInfo
from .spec import Spec

# Values that belong to the top-level group's own resources (its names, its scaling, its shards'
# placement): a group has its own or none.
NOT_INHERITED: tuple[SpecPath, ...] = (
    ("replication_group_id",), ("network", "subnet_group_name"), ("network", "security_group_name"),
    ("parameters", "name"), ("logs", "slow_log", "log_group"), ("logs", "engine_log", "log_group"),
    ("security", "auth", "secret_name"), ("notifications", "topic_name"), ("auto_scaling",), ("serverless",),
    ("topology", "placement"),  # a list per shard of this group's own
    ("dns",),  # records of this group's own endpoints
)
# What names a resource of the spec's own region (KMS keys, a Firehose stream): a Global Datastore
# secondary, in another region, has its own or none.
REGIONAL: tuple[SpecPath, ...] = (
    ("security", "at_rest_encryption", "kms_key_id"), ("security", "auth", "secret_kms_key_id"),
    ("logs", "kms_key_id"), ("notifications", "kms_key_id"),
    ("logs", "slow_log", "delivery_stream"), ("logs", "engine_log", "delivery_stream"),
)
# Group keys that say what the group is rather than override a value of the spec's
GROUP_ONLY = ("global_secondary", "kms_key_id")


@dataclass
class GroupView(MergedSpec):
    """The document one group of the spec is built from (see the module doc)."""

    group_key: str | None = None  # None: the spec's own group
    # Global Datastore: "primary" (the spec's own group, when a group is its secondary) or
    # "secondary", and the primary's (region, replication group id)
    global_role: str | None = None
    global_primary: tuple[str, str] | None = None
    from_group: frozenset[SpecPath] = field(default_factory=frozenset)  # view paths the group's section set
    group_node: NodeInfo | None = None  # where `groups.<key>` is written

    def location(self, path: SpecPath, prefer_key: bool = False) -> Location:
        """Where `path` is written; a value no file sets, of a group, is blamed on the group's key."""
        if self.group_node is not None and not any(path[:end] in self.nodes for end in range(len(path), 0, -1)):
            return self.group_node.key or self.group_node.value
        return super().location(path, prefer_key)

    def real_path(self, path: SpecPath) -> SpecPath:
        """`path` of the view as the user's spec spells it: under `groups.<key>` when the group's
        section sets it (or, for a default, when the group's section is the nearest one that could)."""
        if self.group_key is None:
            return path
        for end in range(len(path), 0, -1):
            if path[:end] in self.nodes:
                return ("groups", self.group_key, *path) if path[:end] in self.from_group else path
        return ("groups", self.group_key, *path)


def assignment(spec: Spec) -> dict[str, str | None]:
    """Celery role -> the key of the group that serves it (None: the spec's own group), for the
    roles the spec enables."""
    celery = spec.celery
    if not celery.enabled:
        return {}
    return {role: getattr(celery, role).group for role in ROLES if getattr(celery, role).enabled}


def views(spec: Spec, merged: MergedSpec) -> list[tuple[Spec, MergedSpec]]:
    """(spec, document) of each group: the spec's own first, then `groups` in the spec's order.
    A view's Spec is validated again from its document (its parts were all validated in place)."""
    if not spec.groups:
        return [(spec, merged)]
    from .resolve import replication_group_id  # resolve reads the views: imported when one is made

    served = assignment(spec)
    primary = (spec.region, replication_group_id(spec))
    secondaries = any(group.global_secondary for group in spec.groups.values())
    out = []
    for key in (None, *spec.groups):
        # a Global Datastore secondary stands by for the primary's roles: its users, URLs and alarms
        # are theirs, ready for a failover (V943: no role names it)
        standby = key is not None and spec.groups[key].global_secondary
        view = _view(merged, key, {role for role, group in served.items() if group == (None if standby else key)})
        if key is None and secondaries:
            view.global_role = "primary"
        elif key is not None and spec.groups[key].global_secondary:
            view.global_role, view.global_primary = "secondary", primary
        out.append((Spec.model_validate(view.data), view))
    return out


def _view(merged: MergedSpec, key: str | None, roles: set[str]) -> GroupView:
    data = copy.deepcopy(merged.data)
    group_data = dict(data.pop("groups", {}).get(key, {}) or {}) if key else {}
    nodes = {path: info for path, info in merged.nodes.items() if not path or path[0] != "groups"}
    prefix = ("groups", key)
    group_nodes = {path[2:]: info for path, info in merged.nodes.items() if path[:2] == prefix and len(path) > 2}
    secondary = bool(group_data.get("global_secondary"))
    kms_key_id = group_data.get("kms_key_id")
    # a value the spec must have (its network) has no default: `null` in a group keeps the spec's
    required_nulls = tuple(k for k, v in group_data.items() if v is None and k in Spec.model_fields
                           and Spec.model_fields[k].is_required())
    for name in GROUP_ONLY + required_nulls:
        group_data.pop(name, None)
        group_nodes = {path: info for path, info in group_nodes.items() if path[0] != name}
    if key is not None:
        # a group's network replaces the spec's as a whole (its own VPC or subnets)
        own_network = isinstance(group_data.get("network"), dict)  # `network: null` keeps the spec's
        dropped = NOT_INHERITED + (REGIONAL if secondary else ()) + ((("network",),) if own_network else ())
        for name in dropped:
            _drop(data, name)
            nodes = {path: info for path, info in nodes.items() if path[:len(name)] != name}
    if secondary and kms_key_id is not None:
        group_data.setdefault("security", {}).setdefault("at_rest_encryption", {})["kms_key_id"] = kms_key_id
        written = merged.nodes.get((*prefix, "kms_key_id"))
        if written is not None:
            group_nodes[("security", "at_rest_encryption", "kms_key_id")] = written
    data, nodes = merge(data, nodes, group_data, group_nodes)
    _drop_nulls(data, copy.deepcopy(group_data))  # `null` in a group means the model's default, as in `extends`
    if key is not None and "replication_group_id" not in data:  # every name of the group derives from it
        data["replication_group_id"] = f"{data.get('name')}-{data.get('environment')}-{key}"
    celery = data.setdefault("celery", {})
    if isinstance(celery, dict) and celery.get("enabled", True) is not False:
        for role in ROLES:
            section = celery.setdefault(role, {})
            section["enabled"] = role in roles and section.get("enabled", True) is not False
            section.pop("group", None)
    return GroupView(path=merged.path, display_name=merged.display_name, data=data, nodes=nodes,
                     sources=merged.sources, preset=merged.preset, abstract=merged.abstract,
                     documents=merged.documents, group_key=key, from_group=frozenset(group_nodes),
                     group_node=merged.nodes.get(prefix) if key else None)


def _drop_nulls(data: dict[str, Any], over: dict[str, Any]) -> None:
    """Remove the keys `over` sets to null (the merge keeps a null where the base had no value)."""
    for key, value in over.items():
        if value is None:
            data.pop(key, None)
        elif isinstance(value, dict) and isinstance(data.get(key), dict):
            _drop_nulls(data[key], value)


def _drop(data: dict[str, Any], path: SpecPath) -> None:
    for part in path[:-1]:
        data = data.get(part)  # type: ignore[assignment]
        if not isinstance(data, dict):
            return
    data.pop(path[-1], None)


def real_path(merged: MergedSpec, path: SpecPath) -> SpecPath:
    """A path of `merged` (a view or the spec itself) as the user's spec spells it."""
    return merged.real_path(path) if isinstance(merged, GroupView) else path


def group_key(merged: MergedSpec) -> str | None:
    """The key of the group `merged` is the view of (None: the spec's own group, or no groups)."""
    return merged.group_key if isinstance(merged, GroupView) else None


def global_role(merged: MergedSpec) -> str | None:
    """"primary" or "secondary" when `merged` is the view of a Global Datastore's member."""
    return merged.global_role if isinstance(merged, GroupView) else None
