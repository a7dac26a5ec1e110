"""Change procedures: what to run, in which order, to take a running deployment from one spec
to the next when CloudFormation alone cannot do it safely.

`plan(old, new)` compares two resolved deployments (the spec at a git revision and the
working tree) and returns the procedures their differences need, in the order they must run:
a replacing change first (it builds a new group, which takes every other change with it),
then the engine, encryption in transit, authentication, users and access strings, node type,
replicas and shards (one module per kind of change).
Each procedure is a list of steps in the API's own shape (operation and input, as the
resource plan holds them), with the waits between them, and with a stop before every step
that clients notice; `render.procedure` turns it into a readable plan and an AWS CLI script.
The registry is a literal list; each entry cites the AWS page it follows.

`rotation(d)` is the one procedure without a spec change: the periodic rotation of the AUTH
token or of the RBAC users' passwords, generated with the other CLI scripts.
"""

from __future__ import annotations

import dataclasses

from collections.abc import Callable

from ..model import Deployment
from .authentication import access, authentication
from .encryption import transit_encryption
from .engine import engine
from .global_datastore import member_plan
from .replacement import replacement
from .rotation import rotation
from .size import node_type, replicas, shards
from .steps import Action, Call, Captured, Procedure, Secret, Secrets, Step

__all__ = ["PROCEDURES", "Action", "Call", "Captured", "Procedure", "Secret", "Secrets", "Step", "plan", "rotation"]

# The registry, in the order procedures run: a replacement first (a new group takes every other
# change with it), the engine before encryption in transit (modes need 7.0+), encryption before
# RBAC (a user group needs TLS required), then users and access, then the size of the group.
PROCEDURES: list[Callable[[Deployment, Deployment], Procedure | None]] = [
    replacement, engine, transit_encryption, authentication, access, node_type, replicas, shards,
]


def plan(old: Deployment, new: Deployment) -> list[Procedure]:
    """The procedures of every group the two revisions share (a group new in `new` is created by
    deploy.sh or create.sh; one gone from it is left to its own delete.sh: neither needs an order)."""
    out: list[Procedure] = []
    for group in new.all_groups:
        before = next((g for g in old.all_groups if g.group_key == group.group_key), None)
        if before is not None:  # another group's procedures say which group they change
            out += [dataclasses.replace(p, title=f"groups.{group.group_key}: {p.title}") if group.group_key else p
                    for p in _group_plan(before, group)]
    return out


SERVERLESS_DOCS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/WhatIs.deployment.html"


def _group_plan(old: Deployment, new: Deployment) -> list[Procedure]:
    if old.serverless or new.serverless:
        return _serverless_plan(old, new)
    first = replacement(old, new)
    if first is not None:
        return [first]
    # Auto Scaling owns the size of a dimension it scales: the spec's count is only where it started
    scaled = {s.what for s in new.scaling}
    return member_plan(old, new, [p for p in (build(old, new) for build in PROCEDURES[1:])
                                  if p is not None and p.id not in scaled])


def _serverless_plan(old: Deployment, new: Deployment) -> list[Procedure]:
    """A serverless cache changes its limits, description and snapshots in place (a stack update);
    moving between a serverless cache and a replication group is a new cache beside the old one."""
    if bool(old.serverless) == bool(new.serverless) and old.replication_group_id == new.replication_group_id:
        return []
    kinds = {True: "a serverless cache", False: "a replication group"}
    return [Procedure(
        "serverless-move", f"{kinds[bool(old.serverless)].capitalize()} -> {kinds[bool(new.serverless)]}",
        (SERVERLESS_DOCS,), (), "The stack update would delete the old cache and create the new one, empty.",
        blocked=(f"{old.replication_group_id} and {new.replication_group_id} are different kinds of cache (or names): "
                 "give the new one a replication_group_id of its own, deploy it beside the old one, move the "
                 "application's cache to it (cachegen env), then remove the old one from the spec"))]
