"""Change procedures: what to run, in which order, to take a running deployment from one spec
to the next when CloudFormation alone cannot do it safely.

`plan(old, new)` compares two resolved deployments (the spec at a git revision and the
working tree) and returns the procedures their differences need, in the order they must run:
a replacing change first (it builds a new group, which takes every other change with it),
then the engine, encryption in transit, authentication, node type, replicas and shards.
Each procedure is a list of steps in the API's own shape (operation and input, as the
resource plan holds them), with the waits between them, and with a stop before every step
that clients notice; `render.procedure` turns it into a readable plan and an AWS CLI script.
The registry is a literal list; each entry cites the AWS page it follows.

`rotation(d)` is the one procedure without a spec change: the periodic rotation of the AUTH
token or of the RBAC users' passwords, generated with the other CLI scripts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from . import catalog
from .model import Deployment
from .plan import USER_GROUP, user_resource_id, user_secret_id
from .rules.change import REPLACING

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


# --- building blocks -----------------------------------------------------------------------

def _pattern(d: Deployment) -> str:
    """What a value this deployment's spec generated looks like (its token policy)."""
    assert d.token is not None
    return d.token.pattern


def _group(d: Deployment, **members: Any) -> Call:
    return Call("elasticache", "ModifyReplicationGroup",
                {"ReplicationGroupId": d.replication_group_id, **members, "ApplyImmediately": True})


# How long a group may take to become available again (a node type change or an engine upgrade
# of a large group takes well over the AWS CLI waiter's 10 minutes).
GROUP_MINUTES = 180


def _wait_available(d: Deployment) -> Action:
    return Action("poll", Call("elasticache", "DescribeReplicationGroups", {"ReplicationGroupId": d.replication_group_id}),
                  query="ReplicationGroups[0].Status", want="available", minutes=GROUP_MINUTES)


def _modify(d: Deployment, title: str, clients: str | None, **members: Any) -> Step:
    """A modification, between two waits: a group that is still modifying refuses another one."""
    return Step(title, (_wait_available(d), Action("run", _group(d, **members)), _wait_available(d)), clients)


def _delete_user(user_id: str) -> Action:
    return Action("run", Call("elasticache", "DeleteUser", {"UserId": user_id}),
                  check=Call("elasticache", "DescribeUsers", {"UserId": user_id}), query="length(Users)", want="1")


def _delete_secret(secret_name: str) -> Action:
    """Scheduled for deletion, unless it is already (DeleteSecret refuses a secret scheduled twice)."""
    return Action("run", Call("secretsmanager", "DeleteSecret", {
        "SecretId": secret_name, "RecoveryWindowInDays": catalog.quotas("secretsmanager")["recovery_window_min_days"]}),
        check=Call("secretsmanager", "DescribeSecret", {"SecretId": secret_name}), query="DeletedDate", want="None")


def _drain(old: Deployment, new: Deployment) -> Step | None:
    """Where the roles' keys move (key prefixes change with RBAC's defaults, or in the spec), queued
    tasks under the old names are not seen by workers reading the new ones."""
    if old.key_prefixes == new.key_prefixes:
        return None
    moves = ", ".join(f"{role}: `{old.key_prefixes.get(role, '')}` -> `{new.key_prefixes.get(role, '')}`"
                      for role in sorted(set(old.key_prefixes) | set(new.key_prefixes))
                      if old.key_prefixes.get(role, "") != new.key_prefixes.get(role, ""))
    return Step(f"roll every Celery process and the application to the new configuration at once (the keys "
                f"move: {moves})", (), clients="drain first: stop the producers, let the workers empty the queues "
                "and finish their tasks, then start every process with the new .env and celeryconfig.py; tasks "
                "still queued under the old keys would not be seen, and cached entries start empty")


def _from_plan(d: Deployment, resource_id: str, operation: str) -> Call:
    resource = d.plan.get(resource_id)
    return Call(resource.service, operation, _literal_refs(d, resource.calls[operation]))


def _literal_refs(d: Deployment, value: Any) -> Any:
    """A plan input with its references to other resources' names (and secrets) made literal:
    the procedure's resources exist by name, and a secret value is piped in."""
    from .plan import Ref

    if isinstance(value, Ref):
        target = d.plan.get(value.resource)
        if value.attribute == "Name":
            return target.name
        if value.attribute == "SecretString":
            return Secret(target.name, _pattern(d))
        if (target.type, value.attribute) in CAPTURED:
            return Captured(CAPTURED[(target.type, value.attribute)])
        raise ValueError(f"{value} has no value before the resource exists")
    if isinstance(value, dict):
        return {k: _literal_refs(d, v) for k, v in value.items()}
    if isinstance(value, list):
        items = [_literal_refs(d, v) for v in value]
        if items and all(isinstance(v, Secret) for v in items):
            return Secrets(tuple(items))
        return items
    return value


# Values AWS assigns (a security group's id, a topic's ARN): captured into a shell variable by
# `_lookups` before the call that needs them.
CAPTURED = {("AWS::EC2::SecurityGroup", "GroupId"): "sg_id", ("AWS::SNS::Topic", "Arn"): "topic_arn"}


def _lookups(d: Deployment) -> tuple[Action, ...]:
    """Find the security group (by name, in the VPC) and the topic (CreateTopic returns an existing
    topic's ARN) that create.sh of the spec made."""
    from .plan import SECURITY_GROUP, TOPIC

    group = d.plan.get(SECURITY_GROUP).calls["CreateSecurityGroup"]
    out = [Action("capture", Call("ec2", "DescribeSecurityGroups",
                                  {"Filters": [{"Name": "vpc-id", "Values": [group["VpcId"]]}]}),
                  query="SecurityGroups[?GroupName=={}] | [0].GroupId", query_values=(group["GroupName"],),
                  variable="sg_id", placeholder="<security-group-id>")]
    if TOPIC in d.plan.by_id:
        out.append(Action("capture", Call("sns", "CreateTopic", {"Name": d.plan.get(TOPIC).name}),
                          query="TopicArn", variable="topic_arn", placeholder="<topic-arn>"))
    return tuple(out)


def _create_secret(d: Deployment, resource_id: str) -> Action:
    secret = d.plan.get(resource_id)
    create = {k: v for k, v in secret.calls["CreateSecret"].items() if k != "SecretString"}  # generated here
    return Action("new_secret", Call("secretsmanager", "CreateSecret", _literal_refs(d, create)),
                  check=Call("secretsmanager", "DescribeSecret", {"SecretId": secret.name}),
                  generator=Call("secretsmanager", "GetRandomPassword", dict(secret.calls["GetRandomPassword"])))


def _create_users(d: Deployment, wanted: Callable[[Any], bool] = lambda user: True) -> tuple[Action, ...]:
    """Each wanted user's secret (a generated password) and the user, waited for until active."""
    actions: list[Action] = []
    for user in filter(wanted, d.users):
        if user.credential:
            actions.append(_create_secret(d, user_secret_id(user)))
        actions.append(Action("create", _from_plan(d, user_resource_id(user), "CreateUser"),
                              check=Call("elasticache", "DescribeUsers", {"UserId": user.user_id})))
        actions.append(_poll_user(user.user_id))
    return tuple(actions)


def _poll_user(user_id: str) -> Action:
    return Action("poll", Call("elasticache", "DescribeUsers", {"UserId": user_id}), query="Users[0].Status",
                  want="active")


def _poll_user_group(group_id: str) -> Action:
    return Action("poll", Call("elasticache", "DescribeUserGroups", {"UserGroupId": group_id}),
                  query="UserGroups[0].Status", want="active")


# --- the procedures --------------------------------------------------------------------------

def replacement(old: Deployment, new: Deployment) -> Procedure | None:
    """Port, subnet group, at-rest encryption, KMS key, group id or cluster mode: a new group
    restored from a snapshot of the old one, clients switched, then the old one deleted."""
    changed = [what for _, value, what in REPLACING if value(old) != value(new)]
    if old.engine == "valkey" and new.engine == "redis":
        changed.append("engine (valkey back to redis)")
    if _transit(old) != _transit(new) and not _transit_in_place(new):
        changed.append(f"encryption in transit ({new.engine} {new.engine_version} cannot change it in place)")
    if not changed:
        return None
    snapshot = f"{old.replication_group_id}-before-replacement"
    blocked = None
    if old.replication_group_id == new.replication_group_id:
        blocked = (f"the new group needs an id of its own while the old one runs: set replication_group_id (e.g. "
                   f"{new.replication_group_id}-2) in the spec, then plan again")
    create = dict(new.plan.get("ReplicationGroup").calls["CreateReplicationGroup"])
    create = _literal_refs(new, {**create, "SnapshotName": snapshot})
    steps = [
        Step("take a manual snapshot of the old group (the new group starts from it)", (
            Action("create", Call("elasticache", "CreateSnapshot", {"ReplicationGroupId": old.replication_group_id,
                                                                     "SnapshotName": snapshot}),
                   check=Call("elasticache", "DescribeSnapshots", {"SnapshotName": snapshot})),
            Action("poll", Call("elasticache", "DescribeSnapshots", {"SnapshotName": snapshot}),
                   query="Snapshots[0].SnapshotStatus", want="available"))),
        Step("create the new group from the snapshot (`create.sh` of the new spec creates everything around it; "
             "run it with --skip replication-group first)", (
            *_lookups(new),
            Action("create", Call("elasticache", "CreateReplicationGroup", create),
                   check=Call("elasticache", "DescribeReplicationGroups",
                              {"ReplicationGroupId": new.replication_group_id})),
            _wait_available(new))),
        Step("switch the clients to the new group's endpoint (`cachegen env` writes it), then delete the old "
             "group with a final snapshot", (
            Action("run", Call("elasticache", "DeleteReplicationGroup", {
                "ReplicationGroupId": old.replication_group_id,
                "FinalSnapshotIdentifier": f"{old.replication_group_id}-final"})),
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
                Action("create", _from_plan(new, "ParameterGroup", "CreateCacheParameterGroup"),
                       check=Call("elasticache", "DescribeCacheParameterGroups",
                                  {"CacheParameterGroupName": new.parameter_group_name})),
                Action("run", _from_plan(new, "ParameterGroup", "ModifyCacheParameterGroup")))))
            members["CacheParameterGroupName"] = new.parameter_group_name
    steps.append(_modify(new, f"upgrade {old.engine} {old.engine_version} to {new.engine} {new.engine_version}",
                         "each node restarts on the new engine in turn (replicas first, then a failover): clients "
                         "reconnect; with no replica the group is unavailable for minutes", **members))
    return Procedure("engine", f"Engine {old.engine} {old.engine_version} -> {new.engine} {new.engine_version}",
                     (VALKEY_UPGRADE if valkey else ENGINE_UPGRADE, ENGINE_UPGRADE), tuple(steps),
                     "The stack update that follows finds the engine, version and parameter group as it describes "
                     "them; the old parameter group leaves the stack and is deleted by it.", blocked=blocked)


def _transit(d: Deployment) -> str:
    return d.transit_encryption_mode or ("required" if d.tls else "off")


def _transit_in_place(d: Deployment) -> bool:
    """Whether the engine changes encryption in transit on a running group (Redis OSS 7.0+, Valkey 7.2+)."""
    minimum = catalog.features()[f"transit_encryption_mode_min_{d.engine}_version"]
    return catalog.version_key(d.engine_version) >= catalog.version_key(minimum)


def transit_encryption(old: Deployment, new: Deployment) -> Procedure | None:
    """Off -> preferred -> required with the clients rolled to TLS in between (Redis OSS 7.0+,
    Valkey 7.2+); on older engines only a new group can change it."""
    before, after = _transit(old), _transit(new)
    if before == after or not _transit_in_place(new):  # an older engine: `replacement` builds a new group
        return None
    steps: list[Step] = []
    if before == "off":
        steps.append(_modify(new, "turn encryption in transit on in `preferred` mode (TLS and plain text both accepted)",
                             None, TransitEncryptionEnabled=True, TransitEncryptionMode="preferred"))
    if after == "required":
        steps.append(_modify(new, "require TLS (after every client uses rediss://: `cachegen env` writes the new URLs)",
                             "clients still connecting in plain text are refused", TransitEncryptionMode="required"))
    elif after == "preferred" and before == "required":
        steps.append(_modify(new, "accept plain text again (`preferred`)", None, TransitEncryptionMode="preferred"))
    elif after == "off":
        if before == "required":
            steps.append(_modify(new, "accept plain text (`preferred`)", None, TransitEncryptionMode="preferred"))
        steps.append(_modify(new, "turn encryption in transit off (after every client uses redis://)",
                             "clients still connecting with TLS are refused", TransitEncryptionEnabled=False))
    return Procedure("transit-encryption", f"Encryption in transit {before} -> {after}", (TLS_MIGRATION,),
                     tuple(steps), "The stack update that follows finds TransitEncryptionEnabled and "
                                   "TransitEncryptionMode as it describes them.")


def authentication(old: Deployment, new: Deployment) -> Procedure | None:
    if old.auth_mode == new.auth_mode:
        return None
    if old.auth_mode == "token" and new.auth_mode == "rbac":
        return _token_to_rbac(old, new)
    if old.auth_mode == "rbac" and new.auth_mode == "token":
        return _rbac_to_token(old, new)
    before, after = old.auth_mode or "off", new.auth_mode or "off"
    if "off" in (before, after):
        why = ("turning authentication on or off in place is not generated: move through an AUTH token "
               "(ElastiCache's ROTATE on a group without a token), or replace the group")
    else:  # between passwords (rbac) and IAM, or a token and IAM
        why = (f"{before} -> {after} is not generated: AWS's ModifyUser changes a user's authentication mode in "
               "place, but each role's clients must switch at that same moment; go through rbac, or replace the group")
    return Procedure("authentication", f"Authentication {before} -> {after}", (f"{DOCS}/auth.html", RBAC_MIGRATION),
                     (), "", blocked=why)


# The transitional default user of an AUTH -> RBAC migration: named default, the old AUTH token
# as its password, everything allowed, so clients still sending the token keep working.
MIGRATION_DEFAULT_ACCESS = "on ~* &* +@all"


def _token_to_rbac(old: Deployment, new: Deployment) -> Procedure:
    assert new.user_group_id and old.auth_secret_name
    transitional = f"{new.replication_group_id}-default-token"
    group = dict(_from_plan(new, USER_GROUP, "CreateUserGroup").input)
    final_members = list(group["UserIds"])
    defaults = [u.user_id for u in new.users if u.user_name == "default"]
    # the group starts with the transitional default user in the default user's place
    group["UserIds"] = [transitional] + [u for u in final_members if u not in defaults]
    steps = [
        Step("create the role users, each with its generated password, and the operator",
             _create_users(new, lambda user: user.user_name != "default")),
        Step("create a transitional `default` user whose password is the current AUTH token (clients that still "
             "send the token keep working)", (
            Action("create", Call("elasticache", "CreateUser", {
                "UserId": transitional, "UserName": "default", "Engine": new.engine,
                "AccessString": MIGRATION_DEFAULT_ACCESS, "Passwords": Secrets((Secret(old.auth_secret_name, _pattern(old)),))}),
                check=Call("elasticache", "DescribeUsers", {"UserId": transitional})),
            _poll_user(transitional))),
        Step("create the user group", (
            Action("create", Call("elasticache", "CreateUserGroup", group),
                   check=Call("elasticache", "DescribeUserGroups", {"UserGroupId": new.user_group_id})),
            _poll_user_group(new.user_group_id))),
        _modify(new, "attach the user group; the AUTH token stops being the group's password (DELETE strategy)",
                "a change of the group's authentication: clients sending the AUTH token now authenticate as the "
                "transitional default user and go on working",
                UserGroupIdsToAdd=[new.user_group_id], AuthTokenUpdateStrategy="DELETE"),
        *filter(None, [_drain(old, new)]),
        Step("swap the transitional default user for the switched-off one (after every client uses its role's "
             "URL: `cachegen env` writes them)", _create_users(new, lambda user: user.user_name == "default") + (
            Action("run", Call("elasticache", "ModifyUserGroup", {
                "UserGroupId": new.user_group_id, **({"UserIdsToAdd": defaults} if defaults else {}),
                "UserIdsToRemove": [transitional]}),
                check=Call("elasticache", "DescribeUserGroups", {"UserGroupId": new.user_group_id}),
                query="contains(UserGroups[0].UserIds, {})", query_values=(transitional,), want="True"),
            _poll_user_group(new.user_group_id),
            _delete_user(transitional)),
             clients="clients still sending the AUTH token are refused from now on"),
        Step("schedule the AUTH token's secret for deletion", (_delete_secret(old.auth_secret_name),)),
    ]
    return Procedure("token-to-rbac", "AUTH token -> RBAC users", (RBAC_MIGRATION,), tuple(steps),
                     "The users, the user group and their secrets now exist outside the stack: import them into it "
                     "(a change set of type IMPORT) before the next deploy.sh, which then removes AuthToken and "
                     "finds UserGroupIds as it describes them.",
                     notes=("Valkey user groups need no default user: the swap step then only removes the "
                            "transitional one.",) if new.engine == "valkey" else ())


def _rbac_to_token(old: Deployment, new: Deployment) -> Procedure:
    """While the user group is attached, a transitional `default` user holds the new AUTH token, so
    that clients can move to the token before the users go (no moment when neither works)."""
    assert old.user_group_id and new.auth_secret_name
    transitional = f"{old.replication_group_id.lower()}-default-token"
    defaults = [u.user_id for u in old.users if u.user_name == "default"]
    token = Secret(new.auth_secret_name, _pattern(new))
    steps = [
        Step("generate the AUTH token into its secret", (_create_secret(new, "AuthTokenSecret"),)),
        Step("put a transitional `default` user holding the new token in the user group, in the switched-off "
             "default user's place (clients sending the token authenticate as it; the role users still work)", (
            Action("create", Call("elasticache", "CreateUser", {
                "UserId": transitional, "UserName": "default", "Engine": old.engine,
                "AccessString": MIGRATION_DEFAULT_ACCESS, "Passwords": Secrets((token,))}),
                check=Call("elasticache", "DescribeUsers", {"UserId": transitional})),
            _poll_user(transitional),
            Action("run", Call("elasticache", "ModifyUserGroup", {
                "UserGroupId": old.user_group_id, "UserIdsToAdd": [transitional],
                **({"UserIdsToRemove": defaults} if defaults else {})}),
                check=Call("elasticache", "DescribeUserGroups", {"UserGroupId": old.user_group_id}),
                query="contains(UserGroups[0].UserIds, {})", query_values=(transitional,), want="False"),
            _poll_user_group(old.user_group_id))),
        *filter(None, [_drain(old, new)]),
        _modify(new, "detach the user group and make the AUTH token the group's own (ROTATE), after every client "
                     "sends the token (`cachegen env` writes it)",
                "clients still connecting as their role's user are refused from now on",
                RemoveUserGroups=True, AuthToken=token, AuthTokenUpdateStrategy="ROTATE"),
        _modify(new, "require the AUTH token (SET)", None, AuthToken=token, AuthTokenUpdateStrategy="SET"),
        Step("delete the user group and the users, and schedule their secrets for deletion", (
            Action("run", Call("elasticache", "DeleteUserGroup", {"UserGroupId": old.user_group_id}),
                   check=Call("elasticache", "DescribeUserGroups", {"UserGroupId": old.user_group_id}),
                   query="length(UserGroups)", want="1"),
            *[_delete_user(user_id) for user_id in [transitional, *(u.user_id for u in old.users)]],
            *[_delete_secret(u.credential.secret_name) for u in old.users if u.credential])),
    ]
    return Procedure("rbac-to-token", "RBAC users -> AUTH token", (AUTH_ROTATION, RBAC_MIGRATION), tuple(steps),
                     "Import the AUTH token's secret into the stack before the next deploy.sh; the users and user "
                     "group it still lists are gone and leave the stack with that update.")


def access(old: Deployment, new: Deployment) -> Procedure | None:
    """Users on both sides (RBAC or IAM, unchanged): access strings that change (a key prefix, a role's
    database, a newer engine's commands), users of roles turned on or off."""
    if not (old.users and new.users and old.auth_mode == new.auth_mode):
        return None
    before, after = {u.user_id: u for u in old.users}, {u.user_id: u for u in new.users}
    added = [u for user_id, u in after.items() if user_id not in before]
    removed = [u for user_id, u in before.items() if user_id not in after]
    changed = [u for user_id, u in after.items() if user_id in before and before[user_id].access_string != u.access_string]
    if not (added or removed or changed):
        return None
    steps: list[Step] = []
    if added:
        steps.append(Step(f"create the users of the roles turned on ({', '.join(u.role for u in added)}) and add "
                          f"them to the user group", _create_users(new, lambda user: user in added) + (
            Action("run", Call("elasticache", "ModifyUserGroup", {
                "UserGroupId": new.user_group_id, "UserIdsToAdd": [u.user_id for u in added]}),
                check=Call("elasticache", "DescribeUserGroups", {"UserGroupId": new.user_group_id}),
                query="contains(UserGroups[0].UserIds, {})", query_values=(added[0].user_id,), want="False"),
            _poll_user_group(new.user_group_id))))
    drain = _drain(old, new)
    if drain:
        steps.append(drain)
    if changed:
        steps.append(Step("give each user its new access string", tuple(
            action for user in changed for action in (
                Action("run", Call("elasticache", "ModifyUser", {"UserId": user.user_id,
                                                                 "AccessString": user.access_string})),
                _poll_user(user.user_id))),
            clients=None if drain else "clients of a role whose rules narrow may be refused a command"))
    if removed:
        steps.append(Step(f"take the users of the roles turned off ({', '.join(u.role for u in removed)}) out of the "
                          f"user group and delete them", (
            Action("run", Call("elasticache", "ModifyUserGroup", {
                "UserGroupId": old.user_group_id, "UserIdsToRemove": [u.user_id for u in removed]}),
                check=Call("elasticache", "DescribeUserGroups", {"UserGroupId": old.user_group_id}),
                query="contains(UserGroups[0].UserIds, {})", query_values=(removed[0].user_id,), want="True"),
            _poll_user_group(old.user_group_id),
            *[_delete_user(u.user_id) for u in removed],
            *[_delete_secret(u.credential.secret_name) for u in removed if u.credential]),
            clients=f"clients still connecting as {', '.join(u.user_name for u in removed)} are refused"))
    return Procedure("access", "Users and access strings", (RBAC_MIGRATION,), tuple(steps),
                     "The stack update that follows finds the users as it describes them (import the users created "
                     "here first).")


def node_type(old: Deployment, new: Deployment) -> Procedure | None:
    if old.node.name == new.node.name:
        return None
    return Procedure("node-type", f"Node type {old.node.name} -> {new.node.name}", (SCALING_NODE,), (
        _modify(new, f"scale to {new.node.name} (ElastiCache adds nodes of the new type, syncs them, fails over)",
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
        steps.append(_modify(new, "turn Multi-AZ and automatic failover off (AWS requires it before the last "
                                  "replica goes)", None, MultiAZEnabled=False, AutomaticFailoverEnabled=False))
    steps.append(Step(f"{'add' if grow else 'remove'} replicas: {old.replicas_per_shard} -> "
                      f"{new.replicas_per_shard} per shard", (Action("run", call), _wait_available(new)), clients))
    if grow and old.replicas_per_shard == 0 and new.automatic_failover:
        steps.append(_modify(new, "turn automatic failover and Multi-AZ on", None,
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
            _wait_available(new)), "cluster clients follow MOVED redirections while slots move; latency rises"),),
        "The stack update that follows finds NumNodeGroups as it describes it.")


# The registry, in the order procedures run: a replacement first (a new group takes every other
# change with it), the engine before encryption in transit (modes need 7.0+), encryption before
# RBAC (a user group needs TLS required), then the size of the group.
PROCEDURES: list[Callable[[Deployment, Deployment], Procedure | None]] = [
    replacement, engine, transit_encryption, authentication, access, node_type, replicas, shards,
]


def plan(old: Deployment, new: Deployment) -> list[Procedure]:
    first = replacement(old, new)
    if first is not None:
        return [first]
    return [p for p in (build(old, new) for build in PROCEDURES[1:]) if p is not None]


def rotation(d: Deployment) -> Procedure | None:
    """The periodic rotation (no spec change): the AUTH token, or each RBAC user's password.

    A new value is generated into the secret at stage AWSPENDING; the group (or user) accepts
    both values; the secret's AWSCURRENT moves to the new value and clients roll to it
    (`cachegen env`, restart); then only the new value is accepted."""
    if d.auth_mode == "token" and d.auth_secret_name:
        name = d.auth_secret_name
        steps = [
            Step("generate a new token into the secret (stage AWSPENDING)", (_generate(d, "AuthTokenSecret"),)),
            _modify(d, "accept the new token beside the current one (ROTATE)", None,
                    AuthToken=Secret(name, _pattern(d), "AWSPENDING"), AuthTokenUpdateStrategy="ROTATE"),
            _promote(name),
            _modify(d, "accept only the new token (SET), after every client uses it (`cachegen env` writes it)",
                    "clients still sending the old token are refused", AuthToken=Secret(name, _pattern(d)),
                    AuthTokenUpdateStrategy="SET"),
        ]
        return Procedure("rotate-token", "Rotate the AUTH token", (AUTH_ROTATION, SECRET_STAGES), tuple(steps),
                         "None: the stack reads the secret by reference; a stack update passes the current token "
                         "again, which the group already has.")
    if d.auth_mode == "rbac":
        steps = []
        for user in d.users:
            if not user.credential:
                continue
            name = user.credential.secret_name
            steps += [
                Step(f"{user.user_name}: generate a new password (stage AWSPENDING)",
                     (_generate(d, user_secret_id(user)),)),
                Step(f"{user.user_name}: accept the new password beside the current one", (
                    Action("run", Call("elasticache", "ModifyUser", {
                        "UserId": user.user_id, "Passwords": Secrets((Secret(name, _pattern(d)), Secret(name, _pattern(d), "AWSPENDING")))})),
                    _poll_user(user.user_id))),
                _promote(name),
                Step(f"{user.user_name}: accept only the new password (after every client of the role uses it: "
                     f"`cachegen env` writes it)", (
                    Action("run", Call("elasticache", "ModifyUser", {
                        "UserId": user.user_id, "Passwords": Secrets((Secret(name, _pattern(d)),))})),
                    _poll_user(user.user_id)), clients=f"clients still sending {user.user_name}'s old password "
                                                       f"are refused"),
            ]
        return Procedure("rotate-passwords", "Rotate the RBAC users' passwords",
                         (f"{DOCS}/Clusters.RBAC.html", SECRET_STAGES), tuple(steps),
                         "None: the users read their secrets by reference; a stack update passes the current "
                         "passwords again.")
    return None


def _generate(d: Deployment, resource_id: str) -> Action:
    """A new random value at AWSPENDING (kept if one is pending already: a re-run reuses it)."""
    secret = d.plan.get(resource_id)
    return Action("new_version", Call("secretsmanager", "PutSecretValue", {
        "SecretId": secret.name, "VersionStages": ["AWSPENDING"]}),
        check=Call("secretsmanager", "DescribeSecret", {"SecretId": secret.name}),
        generator=Call("secretsmanager", "GetRandomPassword", dict(secret.calls["GetRandomPassword"])))


def _promote(secret_name: str) -> Step:
    """AWSCURRENT moves to the pending version (the old one becomes AWSPREVIOUS), then AWSPENDING
    is taken off it. A re-run finds no pending version, or finds it current already, and skips."""
    return Step("make the new value the secret's current one (clients reading the secret get it from now on)", (
        Action("capture", Call("secretsmanager", "GetSecretValue", {"SecretId": secret_name, "VersionStage": "AWSPENDING"}),
               query="VersionId", variable="pending_version", placeholder="<version-id-at-AWSPENDING-dry-run>",
               optional=True),
        Action("capture", Call("secretsmanager", "GetSecretValue", {"SecretId": secret_name, "VersionStage": "AWSCURRENT"}),
               query="VersionId", variable="current_version", placeholder="<version-id-at-AWSCURRENT-dry-run>"),
        Action("run", Call("secretsmanager", "UpdateSecretVersionStage", {
            "SecretId": secret_name, "VersionStage": "AWSCURRENT", "MoveToVersionId": Captured("pending_version"),
            "RemoveFromVersionId": Captured("current_version")}), when=("pending_version", "current_version")),
        Action("run", Call("secretsmanager", "UpdateSecretVersionStage", {
            "SecretId": secret_name, "VersionStage": "AWSPENDING", "RemoveFromVersionId": Captured("pending_version")}),
            when=("pending_version",)),
    ))
