"""The parts procedures are made of: API calls, actions, steps, and the helpers that build
the common ones (a modification between two waits, a user created and waited for, a drain)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .. import catalog
from ..model import Deployment
from ..plan import user_resource_id, user_secret_id

DOCS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg"
AUTH_ROTATION = f"{DOCS}/auth.html"
RBAC_MIGRATION = f"{DOCS}/Clusters.RBAC.html"
TLS_MIGRATION = f"{DOCS}/in-transit-encryption-enable-existing.html"
ENGINE_UPGRADE = f"{DOCS}/VersionManagement.HowTo.html"
VALKEY_UPGRADE = f"{DOCS}/VersionManagement.HowTo.cross-engine-upgrade.html"
SCALING_NODE = f"{DOCS}/Scaling.RedisReplGrps.ScaleUp.html"
REPLICAS = f"{DOCS}/increase-decrease-replica-count.html"
RESHARDING = f"{DOCS}/scaling-redis-cluster-mode-enabled.html"
RESTORE = f"{DOCS}/backups-restoring.html"
SECRET_STAGES = "https://docs.aws.amazon.com/secretsmanager/latest/userguide/whats-in-a-secret.html#term_version"


@dataclass(frozen=True)
class Secret:
    """A value read at run time from a Secrets Manager secret (a version stage of it) and piped
    to the AWS CLI: never on a command line, never in a file."""

    secret_name: str
    pattern: str  # a regex every valid value matches (the policy of the spec that generated it)
    stage: str = "AWSCURRENT"


@dataclass(frozen=True)
class Secrets:
    """Several secret values as one JSON list (a user's Passwords: up to two during a rotation)."""

    values: tuple[Secret, ...]


@dataclass(frozen=True)
class Captured:
    """A value a previous action printed, held in a shell variable (a secret's version id)."""

    name: str


@dataclass(frozen=True)
class Call:
    service: str  # elasticache, secretsmanager, ...
    operation: str  # the API operation: ModifyReplicationGroup
    input: dict[str, Any]  # its input, in the API's shape; a Secret/Secrets value is piped in


@dataclass(frozen=True)
class Action:
    """One thing a step does.

    run:         the call; with a `check`, only while the check's `query` prints `want` (a re-run
                 skips what is done: a user already deleted, a group already swapped)
    create:      the call, unless `check` (a describe call) finds the resource
    new_secret:  the call (CreateSecret) with a value from `generator`, unless `check` finds the secret
    new_version: the call (PutSecretValue at AWSPENDING) with a value from `generator`, unless `check`
                 finds a pending value (a re-run reuses it)
    capture:     the call's output (its `query`) into the shell variable `variable`
    wait:        an AWS CLI waiter (`call.operation` names it, e.g. replication-group-available)
    poll:        the call with `query` until it prints `want`, for `minutes` at most (a waiter of
                 the AWS CLI gives up after 10 minutes; an engine upgrade takes longer)
    """

    kind: str
    call: Call
    check: Call | None = None
    generator: Call | None = None
    query: str | None = None  # JMESPath; {} stands for each of query_values, as a JMESPath literal
    query_values: tuple[str, ...] = ()
    want: str | None = None
    variable: str | None = None
    placeholder: str | None = None  # what a capture prints with --dry-run (valid where it is used)
    minutes: int = 10
    optional: bool = False  # capture: a call that fails leaves the variable empty (a re-run finds nothing pending)
    when: tuple[str, ...] = ()  # run: only if the first variable is set and differs from the others


@dataclass(frozen=True)
class Step:
    title: str
    actions: tuple[Action, ...]
    clients: str | None = None  # what clients notice; the script stops before the step and says it


@dataclass(frozen=True)
class Procedure:
    id: str
    title: str
    sources: tuple[str, ...]  # the AWS pages the procedure follows
    steps: tuple[Step, ...]
    cloudformation: str  # what the stack update after it does
    blocked: str | None = None  # why it cannot run as the specs stand (the plan says what to change)
    notes: tuple[str, ...] = field(default=())


# --- building blocks -------------------------------------------------------------------------

def pattern_of(d: Deployment) -> str:
    """What a value this deployment's spec generated looks like (its token policy)."""
    assert d.token is not None
    return d.token.pattern


def group_call(d: Deployment, **members: Any) -> Call:
    return Call("elasticache", "ModifyReplicationGroup",
                {"ReplicationGroupId": d.replication_group_id, **members, "ApplyImmediately": True})


# How long a group may take to become available again (a node type change or an engine upgrade
# of a large group takes well over the AWS CLI waiter's 10 minutes).
GROUP_MINUTES = 180


def wait_available(d: Deployment) -> Action:
    return Action("poll", Call("elasticache", "DescribeReplicationGroups", {"ReplicationGroupId": d.replication_group_id}),
                  query="ReplicationGroups[0].Status", want="available", minutes=GROUP_MINUTES)


def modify(d: Deployment, title: str, clients: str | None, **members: Any) -> Step:
    """A modification, between two waits: a group that is still modifying refuses another one."""
    return Step(title, (wait_available(d), Action("run", group_call(d, **members)), wait_available(d)), clients)


def delete_user(user_id: str) -> Action:
    return Action("run", Call("elasticache", "DeleteUser", {"UserId": user_id}),
                  check=Call("elasticache", "DescribeUsers", {"UserId": user_id}), query="length(Users)", want="1")


def delete_secret(secret_name: str) -> Action:
    """Scheduled for deletion, unless it is already (DeleteSecret refuses a secret scheduled twice)."""
    return Action("run", Call("secretsmanager", "DeleteSecret", {
        "SecretId": secret_name, "RecoveryWindowInDays": catalog.quotas("secretsmanager")["recovery_window_min_days"]}),
        check=Call("secretsmanager", "DescribeSecret", {"SecretId": secret_name}), query="DeletedDate", want="None")


def drain(old: Deployment, new: Deployment) -> Step | None:
    """Where the roles' keys move (key prefixes change with RBAC's defaults, or in the spec), queued
    tasks under the old names are not seen by workers reading the new ones."""
    if old.key_prefixes == new.key_prefixes:
        return None
    moves = ", ".join(f"{role}: {old.key_prefixes.get(role) or '(none)'} -> {new.key_prefixes.get(role) or '(none)'}"
                      for role in sorted(set(old.key_prefixes) | set(new.key_prefixes))
                      if old.key_prefixes.get(role, "") != new.key_prefixes.get(role, ""))
    return Step(f"roll every Celery process and the application to the new configuration at once (the keys "
                f"move: {moves})", (), clients="drain first: stop the producers, let the workers empty the queues "
                "and finish their tasks, then start every process with the new .env and celeryconfig.py; tasks "
                "still queued under the old keys would not be seen, and cached entries start empty")


def from_plan(d: Deployment, resource_id: str, operation: str) -> Call:
    resource = d.plan.get(resource_id)
    return Call(resource.service, operation, literal_refs(d, resource.calls[operation]))


def literal_refs(d: Deployment, value: Any) -> Any:
    """A plan input with its references to other resources' names (and secrets) made literal:
    the procedure's resources exist by name, and a secret value is piped in."""
    from ..plan import Ref

    if isinstance(value, Ref):
        target = d.plan.get(value.resource)
        if value.attribute == "Name":
            return target.name
        if value.attribute == "SecretString":
            return Secret(target.name, pattern_of(d))
        if (target.type, value.attribute) in CAPTURED:
            return Captured(CAPTURED[(target.type, value.attribute)])
        raise ValueError(f"{value} has no value before the resource exists")
    if isinstance(value, dict):
        return {k: literal_refs(d, v) for k, v in value.items()}
    if isinstance(value, list):
        items = [literal_refs(d, v) for v in value]
        if items and all(isinstance(v, Secret) for v in items):
            return Secrets(tuple(items))
        return items
    return value


# Values AWS assigns (a security group's id, a topic's ARN): captured into a shell variable by
# `_lookups` before the call that needs them.
CAPTURED = {("AWS::EC2::SecurityGroup", "GroupId"): "sg_id", ("AWS::SNS::Topic", "Arn"): "topic_arn"}


def lookups(d: Deployment) -> tuple[Action, ...]:
    """Find the security group (by name, in the VPC; none for an existing group the spec names) and the
    topic (CreateTopic returns an existing topic's ARN) that create.sh of the spec made."""
    from ..plan import SECURITY_GROUP, TOPIC

    out = []
    if SECURITY_GROUP in d.plan.by_id:  # an existing security group is named in the plan by its id
        group = d.plan.get(SECURITY_GROUP).calls["CreateSecurityGroup"]
        out.append(Action("capture", Call("ec2", "DescribeSecurityGroups",
                                          {"Filters": [{"Name": "vpc-id", "Values": [group["VpcId"]]}]}),
                          query="SecurityGroups[?GroupName=={}] | [0].GroupId", query_values=(group["GroupName"],),
                          variable="sg_id", placeholder="<security-group-id>"))
    if TOPIC in d.plan.by_id:
        out.append(Action("capture", Call("sns", "CreateTopic", {"Name": d.plan.get(TOPIC).name}),
                          query="TopicArn", variable="topic_arn", placeholder="<topic-arn>"))
    return tuple(out)


def create_secret(d: Deployment, resource_id: str) -> Action:
    secret = d.plan.get(resource_id)
    create = {k: v for k, v in secret.calls["CreateSecret"].items() if k != "SecretString"}  # generated here
    return Action("new_secret", Call("secretsmanager", "CreateSecret", literal_refs(d, create)),
                  check=Call("secretsmanager", "DescribeSecret", {"SecretId": secret.name}),
                  generator=Call("secretsmanager", "GetRandomPassword", dict(secret.calls["GetRandomPassword"])))


def create_users(d: Deployment, wanted: Callable[[Any], bool] = lambda user: True) -> tuple[Action, ...]:
    """Each wanted user's secret (a generated password) and the user, waited for until active."""
    actions: list[Action] = []
    for user in filter(wanted, d.users):
        if user.credential:
            actions.append(create_secret(d, user_secret_id(user)))
        actions.append(Action("create", from_plan(d, user_resource_id(user), "CreateUser"),
                              check=Call("elasticache", "DescribeUsers", {"UserId": user.user_id})))
        actions.append(poll_user(user.user_id))
    return tuple(actions)


def poll_user(user_id: str) -> Action:
    return Action("poll", Call("elasticache", "DescribeUsers", {"UserId": user_id}), query="Users[0].Status",
                  want="active")


def poll_user_group(group_id: str) -> Action:
    return Action("poll", Call("elasticache", "DescribeUserGroups", {"UserGroupId": group_id}),
                  query="UserGroups[0].Status", want="active")




def transit_mode(d: Deployment) -> str:
    return d.transit_encryption_mode or ("required" if d.tls else "off")


def transit_in_place(d: Deployment) -> bool:
    """Whether the engine changes encryption in transit on a running group (Redis OSS 7.0+, Valkey 7.2+)."""
    minimum = catalog.features()[f"transit_encryption_mode_min_{d.engine}_version"]
    return catalog.version_key(d.engine_version) >= catalog.version_key(minimum)
