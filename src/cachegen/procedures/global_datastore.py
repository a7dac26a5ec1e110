"""A Global Datastore's members change size and engine together, through the datastore: AWS
rejects ModifyReplicationGroup's node type or engine version, and a reshard, on one member
("Cluster ... is part of a global cluster"). The primary's plan carries the change for every
member; a secondary's plan has none of its own."""

from __future__ import annotations

import dataclasses

from ..model import Deployment
from .steps import Action, Call, GROUP_MINUTES, Procedure, Step

MODIFY = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_ModifyGlobalReplicationGroup.html"
SHARDS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_IncreaseNodeGroupsInGlobalReplicationGroup.html"
# procedures of one member that change every member: they run through the datastore, once
THROUGH_DATASTORE = ("node-type", "engine", "shards")
# what cachegen does not generate yet, per procedure: (what changes, the calls that change it)
NOT_GENERATED = {
    "engine": ("engine version", "modify-global-replication-group --engine-version with the new family parameter group"),
    "shards": ("shard count", "increase- or decrease-node-groups-in-global-replication-group"),
}


def member_plan(old: Deployment, new: Deployment, procedures: list[Procedure]) -> list[Procedure]:
    """`procedures` of one group, as a Global Datastore member must run them."""
    gds = new.global_datastore
    if gds is None or old.global_datastore is None:  # joining or leaving: create.sh or delete.sh does it
        return procedures
    out = []
    for procedure in procedures:
        if procedure.id not in THROUGH_DATASTORE:
            out.append(procedure)
        elif gds.role == "secondary":
            continue  # the primary's plan changes this member too
        elif procedure.id == "node-type":
            out.append(_node_type(new, procedure))
        else:
            what, calls = NOT_GENERATED[procedure.id]
            out.append(dataclasses.replace(procedure, steps=(), blocked=(
                f"{new.replication_group_id} is the primary of Global Datastore {gds.id}: its {what} changes for "
                f"every member at once ({calls}), which cachegen does not generate yet: run it for the datastore, "
                "then `cachegen drift` and deploy")))
    return out


def _node_type(d: Deployment, procedure: Procedure) -> Procedure:
    gds = d.global_datastore
    assert gds is not None
    describe = Call("elasticache", "DescribeGlobalReplicationGroups", {"GlobalReplicationGroupId": gds.id})
    return dataclasses.replace(procedure, sources=(MODIFY, *procedure.sources), steps=(
        Step(f"scale every member of Global Datastore {gds.id} to {d.node.name} (the secondaries first, then the "
             "primary)", (
            Action("run", Call("elasticache", "ModifyGlobalReplicationGroup", {
                "GlobalReplicationGroupId": gds.id, "CacheNodeType": d.node.name, "ApplyImmediately": True})),
            Action("poll", describe, query="GlobalReplicationGroups[0].Status", want="available",
                   minutes=GROUP_MINUTES)),
            "a failover in each member at the end: connections drop once and reconnect; writes pause for seconds"),),
        cloudformation="The stack updates that follow find CacheNodeType as they describe it, in every member.")
