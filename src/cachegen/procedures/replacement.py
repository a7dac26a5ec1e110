"""A change CloudFormation would make by replacing the group: a new group from a snapshot instead."""

from __future__ import annotations


from ..model import Deployment
from ..rules.change import REPLACING
from .steps import (
    Action, Call, GROUP_MINUTES, Procedure, RESTORE, Step, literal_refs, lookups, transit_in_place,
    transit_mode, wait_available)


def replacement(old: Deployment, new: Deployment) -> Procedure | None:
    """Port, subnet group, at-rest encryption, KMS key, group id or cluster mode: a new group
    restored from a snapshot of the old one, clients switched, then the old one deleted."""
    changed = [what for _, value, what in REPLACING if value(old) != value(new)]
    if old.engine == "valkey" and new.engine == "redis":
        changed.append("engine (valkey back to redis)")
    if transit_mode(old) != transit_mode(new) and not transit_in_place(new):
        changed.append(f"encryption in transit ({new.engine} {new.engine_version} cannot change it in place)")
    if not changed:
        return None
    snapshot = f"{old.replication_group_id}-before-replacement"
    blocked = None
    if old.replication_group_id == new.replication_group_id:
        blocked = (f"the new group needs an id of its own while the old one runs: set replication_group_id (e.g. "
                   f"{new.replication_group_id}-2) in the spec, then plan again")
    create = dict(new.plan.get("ReplicationGroup").calls["CreateReplicationGroup"])
    create = literal_refs(new, {**create, "SnapshotName": snapshot})
    steps = [
        Step("take a manual snapshot of the old group (the new group starts from it)", (
            Action("create", Call("elasticache", "CreateSnapshot", {"ReplicationGroupId": old.replication_group_id,
                                                                     "SnapshotName": snapshot}),
                   check=Call("elasticache", "DescribeSnapshots", {"SnapshotName": snapshot})),
            Action("poll", Call("elasticache", "DescribeSnapshots", {"SnapshotName": snapshot}),
                   query="Snapshots[0].SnapshotStatus", want="available", minutes=GROUP_MINUTES))),
        Step("create the new group from the snapshot (create.sh of the new spec creates everything around it; "
             "run it with --skip replication-group first)", (
            *lookups(new),
            Action("create", Call("elasticache", "CreateReplicationGroup", create),
                   check=Call("elasticache", "DescribeReplicationGroups",
                              {"ReplicationGroupId": new.replication_group_id})),
            wait_available(new))),
        Step("switch the clients to the new group's endpoint (cachegen env writes it), then delete the old "
             "group with a final snapshot", (
            Action("run", Call("elasticache", "DeleteReplicationGroup", {
                "ReplicationGroupId": old.replication_group_id,
                "FinalSnapshotIdentifier": f"{old.replication_group_id}-final"}),
                check=Call("elasticache", "DescribeReplicationGroups", {"ReplicationGroupId": old.replication_group_id}),
                query="ReplicationGroups[0].Status", want="available"),
            Action("wait", Call("elasticache", "replication-group-deleted",
                                {"ReplicationGroupId": old.replication_group_id}))),
             clients=f"writes made to {old.replication_group_id} after the snapshot are not in the new group: stop "
                     f"the producers (or accept the loss) before the switch; clients still on the old endpoint "
                     f"fail once it is deleted"),
    ]
    return Procedure("replacement", f"Replace the group ({', '.join(changed)} cannot change in place)",
                     (RESTORE, "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/"
                               "aws-resource-elasticache-replicationgroup.html"),
                     tuple(steps),
                     "A new stack for the new group (deploy.sh with --stack-name of its own), or import the new group "
                     "into the stack; the old stack is deleted with the old group retained out of it. Never update "
                     "the old stack in place: CloudFormation would replace the group with an empty one.",
                     blocked=blocked)
