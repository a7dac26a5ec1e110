"""The group's size: node type, replicas, shards."""

from __future__ import annotations

from typing import Any

from ..model import Deployment
from .steps import Action, Call, Procedure, REPLICAS, RESHARDING, SCALING_NODE, Step, modify, wait_available


def node_type(old: Deployment, new: Deployment) -> Procedure | None:
    if old.node.name == new.node.name:
        return None
    return Procedure("node-type", f"Node type {old.node.name} -> {new.node.name}", (SCALING_NODE,), (
        modify(new, f"scale to {new.node.name} (ElastiCache adds nodes of the new type, syncs them, fails over)",
                "a failover at the end: connections drop once and reconnect; writes pause for seconds",
                CacheNodeType=new.node.name),),
        "The stack update that follows finds CacheNodeType as it describes it.")


def replicas(old: Deployment, new: Deployment) -> Procedure | None:
    if old.replicas_per_shard == new.replicas_per_shard or old.shards != new.shards:
        return None
    grow = new.replicas_per_shard > old.replicas_per_shard
    operation = "IncreaseReplicaCount" if grow else "DecreaseReplicaCount"
    call = Call("elasticache", operation, {"ReplicationGroupId": new.replication_group_id,
                                           "NewReplicaCount": new.replicas_per_shard, "ApplyImmediately": True})
    clients = None if grow else "connections to the removed replicas (reader endpoint) drop and reconnect"
    steps = []
    if not grow and new.replicas_per_shard == 0 and old.automatic_failover:
        steps.append(modify(new, "turn Multi-AZ and automatic failover off (AWS requires it before the last "
                                  "replica goes)", None, MultiAZEnabled=False, AutomaticFailoverEnabled=False))
    steps.append(Step(f"{'add' if grow else 'remove'} replicas: {old.replicas_per_shard} -> "
                      f"{new.replicas_per_shard} per shard", (Action("run", call), wait_available(new)), clients))
    if grow and old.replicas_per_shard == 0 and new.automatic_failover:
        steps.append(modify(new, "turn automatic failover and Multi-AZ on", None,
                             AutomaticFailoverEnabled=True, MultiAZEnabled=new.multi_az))
    return Procedure("replicas", f"Replicas per shard {old.replicas_per_shard} -> {new.replicas_per_shard}",
                     (REPLICAS,), tuple(steps),
                     "The stack update that follows finds the member count as it describes it.")


def shards(old: Deployment, new: Deployment) -> Procedure | None:
    if old.shards == new.shards or not (old.cluster_mode_enabled and new.cluster_mode_enabled):
        return None
    members: dict[str, Any] = {"ReplicationGroupId": new.replication_group_id, "NodeGroupCount": new.shards,
                               "ApplyImmediately": True}
    if new.shards < old.shards:  # the shards to remove: the last ones
        members["NodeGroupsToRemove"] = [f"{shard:04d}" for shard in range(new.shards + 1, old.shards + 1)]
    return Procedure("shards", f"Shards {old.shards} -> {new.shards}", (RESHARDING,), (
        Step(f"reshard online to {new.shards} shards (slots move between shards)", (
            Action("run", Call("elasticache", "ModifyReplicationGroupShardConfiguration", members)),
            wait_available(new)), "cluster clients follow MOVED redirections while slots move; latency rises"),),
        "The stack update that follows finds NumNodeGroups as it describes it.")

