"""AWS CLI scripts: out/<env>/cli/{create,delete,failover-test}.sh, rendered from the plan.

Every aws command is built here from an API input of the plan: each member becomes the
AWS CLI's option (`CacheSubnetGroupName` -> `--cache-subnet-group-name`), each value one
shell word (structures as JSON, never the CLI's shorthand, whose commas and brackets a
security-group name may hold), each JMESPath literal through `escape.jmespath`. The
templates lay out the control flow (existence checks, idempotency, --dry-run, --skip) and
receive only `Shell` text. The AUTH token travels on a pipe, never on a command line.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .. import catalog, templates
from ..model import Deployment
from ..plan import (ENDPOINT_PATHS, GLOBAL_GROUP, GROUP, NAME_MEMBER, PARAMETER_GROUP, SECRET, SECURITY_GROUP, SERVERLESS, SUBNET_GROUP,
                    TOPIC, USER_GROUP,
                    AccountId, Join, Plan, Ref, Resource, record_set, user_resource_id, user_secret_id)
from .escape import CLI_PARAMETER_FILE_PREFIXES, Shell, comment, jmespath, shell_value, shell_word

@dataclass(frozen=True)
class ParameterFile:
    """A value the AWS CLI reads from a file (`--option=file://PATH`): cachegen's own, never the spec's."""

    path: str


# The token comes on a pipe, never on the command line.
FROM_STDIN = ParameterFile("/dev/stdin")


@dataclass(frozen=True)
class ShellVar:
    """A value only known when the script runs (an id AWS assigns), held in a shell variable. Inside
    a JSON structure it is spliced in as a JSON string or number (`json`): the script checks the
    value's form before the call (an endpoint's name, digits), so it needs no JSON escaping."""

    name: str
    json: str = "string"


SECURITY_GROUP_ID = ShellVar("sg_id")
TOPIC_ARN = ShellVar("topic_arn")
GROUP_ID = ShellVar("GROUP_ID")
ENDPOINT = ShellVar("endpoint")  # an endpoint's name, read once the cache is available (a DNS record's value)
RECORD_VALUE, RECORD_TTL = ShellVar("record_value"), ShellVar("record_ttl", json="number")  # a live record's


@dataclass(frozen=True)
class Option:
    """A script option beyond --dry-run and --skip: a flag, or one taking a value."""

    variable: str
    flag: str
    help: str
    takes_value: bool = True
    metavar: str = "VALUE"
    default: str | None = None  # for options with a value
    default_variable: str | None = None  # an environment variable that supplies the default


NO_WAIT = Option("no_wait", "--no-wait", "return without waiting for the replication group", takes_value=False)
YES = Option("confirmed", "--yes", "confirm the deletion", takes_value=False)


# --- values and options --------------------------------------------------------------------

# Options the AWS CLI renames (awscli/customizations/argrename.py): the plain name would clash
# with one of its own (`--endpoint` would be read as `--endpoint-url`).
RENAMED = {("sns", "Subscribe", "Endpoint"): "--notification-endpoint"}


@lru_cache(maxsize=512)
def option_name(api_name: str) -> str:
    """The AWS CLI's option for an API member: `MultiAZEnabled` -> `--multi-az-enabled`."""
    return "--" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", api_name).lower()


# (type, attribute) -> what stands for that value in a script
def _reference(plan: Plan, ref: Ref) -> Any:
    target = plan.get(ref.resource)
    if ref.attribute == "Name":
        return target.name  # every name is fixed by the spec
    if target.type in ("AWS::ElastiCache::ReplicationGroup", "AWS::ElastiCache::ServerlessCache") and \
            ref.attribute.endswith(".Address"):
        return ENDPOINT
    return {
        ("AWS::EC2::SecurityGroup", "GroupId"): SECURITY_GROUP_ID,
        ("AWS::SNS::Topic", "Arn"): TOPIC_ARN,
        ("AWS::SecretsManager::Secret", "SecretString"): FROM_STDIN,
        ("AWS::SecretsManager::Secret", "GeneratedPassword"): FROM_STDIN,
    }[(target.type, ref.attribute)]


_COMPACT_JSON = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False)
# Where a structure holds a run-time value (the account id of an ARN, an endpoint's name), the JSON
# text holds this marker; the shell word is the JSON text around it with "$variable" in its place,
# outside the quoted text. A spec value cannot hold the marker's NUL bytes.
ACCOUNT = ShellVar("ACCOUNT_ID")


def _marker(variable: ShellVar) -> str:
    return f"\x00{variable.name}\x00"


def _json(plan: Plan | None, value: Any) -> Shell:
    """A structure as compact JSON in one shell word, each reference inside it replaced by the
    name it stands for, or by its shell variable when its value is known only when the script runs,
    and an ARN's account by "$ACCOUNT_ID"; TypeError for a value that cannot be a JSON value (a file)."""
    try:
        return shell_word(_COMPACT_JSON.encode(value))  # most structures hold no reference
    except TypeError:
        pass
    variables: dict[str, ShellVar] = {}

    def reference(item: Any) -> Any:
        if type(item) is Ref and plan is not None:
            item = _reference(plan, item)  # a name (as it is) or a run-time value (below)
            if type(item) is str:
                return item
        if type(item) is ShellVar:
            variables[item.name] = item
            return _marker(item)
        if type(item) is Join and all(type(p) is str or type(p) is AccountId for p in item.parts):
            variables[ACCOUNT.name] = ACCOUNT
            return "".join(_marker(ACCOUNT) if type(p) is AccountId else p for p in item.parts)
        raise TypeError(f"{item!r} has no JSON form")

    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=reference)
    words = [text]
    for variable in variables.values():  # split only where cachegen put a marker
        escaped = json.dumps(_marker(variable))  # the marker as a JSON string, quotes included
        token = escaped if variable.json == "number" else escaped[1:-1]  # a number: its quotes go too
        words = [piece for word in words for piece in _split_keep(word, token, variable)]
    return Shell("".join(w if isinstance(w, Shell) else (shell_word(w) if w else "''") for w in words))


def _split_keep(word: Any, token: str, variable: ShellVar) -> list[Any]:
    """`word` (JSON text) cut at each `token`, "$variable" between the pieces; a piece already cut is kept."""
    if isinstance(word, Shell):
        return [word]
    pieces = word.split(token)
    out: list[Any] = [pieces[0]]
    for piece in pieces[1:]:
        out += [Shell(f'"${variable.name}"'), piece]
    return out


def _word(value: Any) -> Shell:
    if isinstance(value, ShellVar):
        return Shell(f'"${value.name}"')
    return shell_word(value)


@lru_cache(maxsize=1024)
def _option(operation: tuple[str, str] | None, member: str) -> str:
    return (operation and RENAMED.get((*operation, member))) or option_name(member)


def cli_args(plan: Plan | None, call: dict[str, Any], operation: tuple[str, str] | None = None) -> list[Shell]:
    """API input -> AWS CLI options, one `--option=value` per member, each value one shell word.

    Always `--option=value`: a value that starts with `-` (an e-mail address, a log group
    name) would otherwise be read as an option. Lists and structures are written as JSON. A
    string the CLI would replace by a file's or URL's contents cannot be passed as written: rule
    V405 keeps such values out of the spec, and meeting one here is a bug."""
    out = []
    for key, value in call.items():
        option = _option(operation, key)
        kind = type(value)
        if kind is Ref and plan is not None:
            value = _reference(plan, value)
            kind = type(value)
        elif kind is list and len(value) == 1 and type(value[0]) is Ref and plan is not None:
            value = [_reference(plan, value[0])]
        if kind is str:
            if value.startswith(CLI_PARAMETER_FILE_PREFIXES):
                raise ValueError(f"{key}: the AWS CLI would read this value as a file or URL")
            out.append(Shell(f"{option}={shell_word(value)}"))
        elif kind is int or kind is float:
            out.append(Shell(f"{option}={shell_word(value)}"))
        elif kind is bool:
            out.append(Shell(option if value else "--no-" + option[2:]))
        elif kind is ParameterFile:
            out.append(Shell(f"{option}={shell_word('file://' + value.path)}"))
        elif kind is list and len(value) == 1 and type(value[0]) is ShellVar:
            out.append(Shell(f"{option}={_word(value[0])}"))
        elif kind is list and len(value) == 1 and type(value[0]) is ParameterFile:
            # a secret in a list (a user's Passwords): the whole list, as JSON, comes from the file
            out.append(Shell(f"{option}={shell_word('file://' + value[0].path)}"))
        elif kind is list or kind is dict:
            try:
                out.append(Shell(f"{option}={_json(plan, value)}"))
            except TypeError:  # a ShellVar: its value exists only when the script runs
                raise ValueError(f"{key}: a run-time value inside a structure") from None
        else:
            if isinstance(value, str) and value.startswith(CLI_PARAMETER_FILE_PREFIXES):
                raise ValueError(f"{key}: the AWS CLI would read this value as a file or URL")
            out.append(Shell(f"{option}={_word(value)}"))
    return out


def query(expression: str, output: str = "text") -> Shell:
    return Shell(f"--query={shell_word(expression)} --output={output}")


def args(**members: Any) -> list[Shell]:
    """Options from API member names given as keywords: args(SecretId=name)."""
    return cli_args(None, members)


def command(service: str, operation: str, args: list[Shell]) -> list[Shell]:
    """`service operation --option value ...`, as the lines of one command."""
    return [Shell(f"{service} {operation}"), *args]


def operation_name(api_operation: str) -> str:
    return option_name(api_operation)[2:]


def call(plan: Plan, resource: Resource, api_operation: str, data: dict[str, Any] | None = None,
         extra: list[Shell] | None = None) -> list[Shell]:
    payload = resource.calls[api_operation] if data is None else data
    return command(resource.service, operation_name(api_operation),
                   cli_args(plan, payload, (resource.service, api_operation)) + (extra or []))


# --- what each script needs --------------------------------------------------------------

def _security_group(plan: Plan, d: Deployment) -> dict[str, Any] | None:
    if SECURITY_GROUP not in plan.by_id:  # an existing group the spec names: not this script's
        return None
    sg = plan.get(SECURITY_GROUP)
    create = sg.calls["CreateSecurityGroup"]
    # The name is matched by JMESPath, not by a group-name filter: EC2 reads * and ? in filter
    # values as wildcards, and a security group's name may hold a *.
    find = command("ec2", "describe-security-groups", cli_args(plan, {"Filters": [
        {"Name": "vpc-id", "Values": [create["VpcId"]]}]}) + [
        query(jmespath("SecurityGroups[?GroupName=={}] | [0].GroupId", create["GroupName"]))])
    port = f"`{d.ingress.port}`"
    allowed = command("ec2", "describe-security-groups", [*args(GroupIds=[SECURITY_GROUP_ID]), query(
        f"SecurityGroups[0].IpPermissions[?FromPort=={port} && ToPort=={port}]"
        ".[UserIdGroupPairs[].GroupId, IpRanges[].CidrIp, Ipv6Ranges[].CidrIpv6][][]")])
    sources = []
    for permission in sg.calls["AuthorizeSecurityGroupIngress"]["IpPermissions"]:
        [source] = [s.get("GroupId") or s.get("CidrIp") or s.get("CidrIpv6")
                    for key in ("UserIdGroupPairs", "IpRanges", "Ipv6Ranges") for s in permission.get(key, [])]
        sources.append({
            "word": shell_word(source),
            "log": shell_word(f"allowed port {d.ingress.port} from {source}"),
            "authorize": call(plan, sg, "AuthorizeSecurityGroupIngress",
                              {"GroupId": Ref(SECURITY_GROUP, "GroupId"), "IpPermissions": [permission]}),
        })
    return {"name": shell_word(create["GroupName"]), "find": find,
            "create": call(plan, sg, "CreateSecurityGroup", extra=[query("GroupId")]),
            "allowed": allowed, "sources": sources,
            "delete": command("ec2", "delete-security-group", args(GroupId=SECURITY_GROUP_ID))}


def _named(plan: Plan, resource_id: str, describe: str, delete: str) -> dict[str, Any]:
    """The describe call that tells whether a named resource exists, and the one deleting it."""
    resource = plan.get(resource_id)
    name_arg = args(**{NAME_MEMBER[resource.type]: resource.name})
    return {"name": shell_word(resource.name),
            "exists": command(resource.service, describe, name_arg),
            "delete": command(resource.service, delete, name_arg)}


def _subnet_group(plan: Plan) -> dict[str, Any] | None:
    if SUBNET_GROUP not in plan.by_id:  # a serverless cache takes its subnets directly
        return None
    out = _named(plan, SUBNET_GROUP, "describe-cache-subnet-groups", "delete-cache-subnet-group")
    out["create"] = call(plan, plan.get(SUBNET_GROUP), "CreateCacheSubnetGroup")
    return out


def _parameter_group(plan: Plan) -> dict[str, Any] | None:
    if PARAMETER_GROUP not in plan.by_id:
        return None
    group = plan.get(PARAMETER_GROUP)
    out = _named(plan, PARAMETER_GROUP, "describe-cache-parameter-groups", "delete-cache-parameter-group")
    modify = group.calls["ModifyCacheParameterGroup"]
    values = modify["ParameterNameValues"]
    out["create"] = call(plan, group, "CreateCacheParameterGroup")
    out["family"] = comment(group.calls["CreateCacheParameterGroup"]["CacheParameterGroupFamily"])
    per_call = catalog.quotas("elasticache")["parameters_per_modify"]
    out["modify"] = [call(plan, group, "ModifyCacheParameterGroup",
                          {**modify, "ParameterNameValues": values[i:i + per_call]})
                     for i in range(0, len(values), per_call)]
    return out


def _secret(plan: Plan, d: Deployment, resource_id: str = SECRET) -> dict[str, Any] | None:
    if resource_id not in plan.by_id:
        return None
    secret = plan.get(resource_id)
    assert d.token is not None
    name = secret.name
    return {
        "name": shell_word(name),
        "exists": command("secretsmanager", "describe-secret", args(SecretId=name)),
        "generate": call(plan, secret, "GetRandomPassword", extra=[query("RandomPassword")]),
        "create": call(plan, secret, "CreateSecret"),
        "read": command("secretsmanager", "get-secret-value",
                        [*args(SecretId=name), query("SecretString")]),
        "pattern": shell_word(d.token.pattern),
        "delete": command("secretsmanager", "delete-secret",
                          args(SecretId=name,
                               RecoveryWindowInDays=catalog.quotas("secretsmanager")["recovery_window_min_days"])),
    }


def _users(plan: Plan, d: Deployment) -> dict[str, Any] | None:
    """RBAC: each user's secret and user, then the user group; each waited for until active
    (a user group takes only active users, a replication group only an active user group)."""
    if USER_GROUP not in plan.by_id:
        return None
    users = []
    for user in d.users:
        resource = plan.get(user_resource_id(user))
        [user_id] = args(UserId=user.user_id)
        users.append({
            "id": shell_word(user.user_id),
            "secret": _secret(plan, d, user_secret_id(user)) if user.credential else None,
            "exists": command("elasticache", "describe-users", [user_id]),
            "create": call(plan, resource, "CreateUser"),
            "status": command("elasticache", "describe-users", [user_id, query("Users[0].Status")]),
            # an existing user gets the access string of the spec (create.sh converges on a re-run)
            "modify": command("elasticache", "modify-user", [user_id, *args(AccessString=user.access_string)]),
            "delete": command("elasticache", "delete-user", [user_id]),
        })
    group = plan.get(USER_GROUP)
    [group_id] = args(UserGroupId=group.name)
    policies = [{
        "name": shell_word(policy.name),
        "find": command("iam", "list-policies", [*args(Scope="Local"), query(jmespath(
            "Policies[?PolicyName=={}] | [0].Arn", policy.name))]),
        "create": call(plan, policy, "CreatePolicy"),
    } for policy in plan.of_type("AWS::IAM::ManagedPolicy")]
    return {
        "policies": policies,
        "account": command("sts", "get-caller-identity", [query("Account")]),
        "delete_policy": command("iam", "delete-policy", [Shell('--policy-arn="$policy_arn"')]),
        "users": users,
        "group": {
            "name": shell_word(group.name),
            "exists": command("elasticache", "describe-user-groups", [group_id]),
            "create": call(plan, group, "CreateUserGroup"),
            "status": command("elasticache", "describe-user-groups", [group_id, query("UserGroups[0].Status")]),
            "delete": command("elasticache", "delete-user-group", [group_id]),
        },
    }


def _topic(plan: Plan) -> dict[str, Any] | None:
    if TOPIC not in plan.by_id:
        return None
    topic = plan.get(TOPIC)
    name = topic.name
    return {
        "name": shell_word(name),
        "create": call(plan, topic, "CreateTopic", extra=[query("TopicArn")]),
        # CreateTopic with the name alone returns the existing topic's ARN (it is idempotent)
        "arn": command("sns", "create-topic", [*args(Name=name), query("TopicArn")]),
        "find": command("sns", "list-topics", [query(jmespath("Topics[?ends_with(TopicArn, {})] | [0].TopicArn",
                                                                 ":" + name))]),
        "subscriptions": [{
            "endpoint": shell_word(subscribe["Endpoint"]),
            "log": shell_word(f"subscribed {subscribe['Endpoint']} (confirm the e-mail AWS sends)"),
            "count": command("sns", "list-subscriptions-by-topic", [*args(TopicArn=TOPIC_ARN), query(
                jmespath("length(Subscriptions[?Endpoint=={}])", subscribe["Endpoint"]))]),
            "subscribe": call(plan, topic, "Subscribe", subscribe),
        } for subscribe in topic.calls["Subscribe"]],
        "delete": command("sns", "delete-topic", args(TopicArn=TOPIC_ARN)),
    }


def _log_groups(plan: Plan) -> list[dict[str, Any]]:
    out = []
    for group in plan.of_type("AWS::Logs::LogGroup"):
        name = group.name
        out.append({
            "name": shell_word(name),
            "count": command("logs", "describe-log-groups", [*args(logGroupNamePrefix=name), query(
                jmespath("length(logGroups[?logGroupName=={}])", name))]),
            "create": call(plan, group, "CreateLogGroup"),
            "retention": call(plan, group, "PutRetentionPolicy"),
            "delete": command("logs", "delete-log-group", args(logGroupName=name)),
        })
    return out


def _endpoint_query(attribute: str) -> str:
    """describe-replication-groups' answer for an endpoint attribute such as PrimaryEndPoint.Address."""
    endpoint, field = attribute.split(".")
    return f"ReplicationGroups[0].{ENDPOINT_PATHS[endpoint]}.{field}"


def _serverless(plan: Plan, d: Deployment) -> dict[str, Any]:
    """The serverless cache, in the shape the scripts use for a replication group: no AWS CLI
    waiter exists for it, so the scripts poll its status (`poll`)."""
    cache = plan.get(SERVERLESS)
    [name] = args(ServerlessCacheName=cache.name)
    endpoints = [{"variable": shell_word(variable), "placeholder": shell_word(f"<{variable.lower().replace('_', '-')}>"),
                  "describe": command("elasticache", "describe-serverless-caches",
                                      [name, query(f"ServerlessCaches[0].Endpoint.{field}")])}
                 for variable, field in (("SERVERLESS_ENDPOINT", "Address"), ("PORT", "Port"))]
    return {
        "step": Shell("serverless-cache"),
        "exists": command("elasticache", "describe-serverless-caches", [name]),
        "create": call(plan, cache, "CreateServerlessCache"),
        "poll": command("elasticache", "describe-serverless-caches", [name, query("ServerlessCaches[0].Status")]),
        "delete": command("elasticache", "delete-serverless-cache", [name]),
        "summary": shell_word(f"serverless cache {cache.name} ({d.engine} {d.serverless.major_engine_version})"),
        "final_snapshot": shell_word(d.final_snapshot_name) if d.final_snapshot_name else None,
        "final_snapshot_option": Shell("--final-snapshot-name"), "endpoints": endpoints,
    }


def _replication_group(plan: Plan, d: Deployment) -> dict[str, Any]:
    if d.serverless:
        return _serverless(plan, d)
    group = plan.get(GROUP)
    [describe] = args(ReplicationGroupId=GROUP_ID)
    endpoints = []
    for output in plan.outputs:
        if isinstance(output.value, Ref) and output.value.resource == GROUP:
            variable = {"PrimaryEndpoint": f"{d.endpoint_kind.upper()}_ENDPOINT", "ReaderEndpoint": "READER_ENDPOINT",
                        "Port": "PORT"}[output.name]
            endpoints.append({"variable": shell_word(variable),
                              "placeholder": shell_word(f"<{variable.lower().replace('_', '-')}>"),
                              "describe": command("elasticache", "describe-replication-groups",
                                                  [describe, query(_endpoint_query(output.value.attribute))])})
    return {
        "step": Shell("replication-group"), "poll": None,
        "exists": command("elasticache", "describe-replication-groups", [describe]),
        "create": call(plan, group, "CreateReplicationGroup"),
        "wait": command("elasticache", "wait replication-group-available", [describe]),
        "wait_deleted": command("elasticache", "wait replication-group-deleted", [describe]),
        "delete": command("elasticache", "delete-replication-group", [describe]),
        "summary": shell_word(f"replication group {d.replication_group_id} ({d.node_count} x {d.node.name}, "
                              f"{d.engine} {d.engine_version})"),
        "final_snapshot": shell_word(d.final_snapshot_name) if d.final_snapshot_name else None,
        "final_snapshot_option": Shell("--final-snapshot-identifier"), "endpoints": endpoints,
    }


def _monitoring(plan: Plan) -> dict[str, Any]:
    alarms = plan.of_type("AWS::CloudWatch::Alarm")
    dashboards = plan.of_type("AWS::CloudWatch::Dashboard")
    names = [a.name for a in alarms]
    per_call = catalog.quotas("cloudwatch")["delete_alarms_max_names"]
    return {
        "alarms": [call(plan, alarm, "PutMetricAlarm") for alarm in alarms],
        "dashboards": [call(plan, dashboard, "PutDashboard") for dashboard in dashboards],
        "delete_alarms": [command("cloudwatch", "delete-alarms", args(AlarmNames=names[i:i + per_call]))
                          for i in range(0, len(names), per_call)],
        "delete_dashboards": [command("cloudwatch", "delete-dashboards", args(DashboardNames=[d.name for d in dashboards]))]
        if dashboards else [],
        "count": len(alarms),
    }


def _scaling(plan: Plan) -> list[dict[str, Any]]:
    out = []
    for target in plan.of_type("AWS::ApplicationAutoScaling::ScalableTarget"):
        register = target.calls["RegisterScalableTarget"]
        [policy] = [p for p in plan.of_type("AWS::ApplicationAutoScaling::ScalingPolicy") if target.id in p.depends_on]
        key = {k: register[k] for k in ("ServiceNamespace", "ResourceId", "ScalableDimension")}
        bounds = f"{register['MinCapacity']}-{register['MaxCapacity']}"
        out.append({
            "log": shell_word(f"auto scaling {register['ScalableDimension']}: {bounds}, "
                              f"{policy.calls['PutScalingPolicy']['PolicyName']}"),
            "log_deleted": shell_word(f"deregistered {register['ScalableDimension']}"),
            "register": call(plan, target, "RegisterScalableTarget"),
            "policy": call(plan, policy, "PutScalingPolicy"),
            "count": command("application-autoscaling", "describe-scalable-targets", [
                *args(ServiceNamespace=key["ServiceNamespace"], ResourceIds=[key["ResourceId"]],
                      ScalableDimension=key["ScalableDimension"]), query("length(ScalableTargets)")]),
            "deregister": command("application-autoscaling", "deregister-scalable-target", args(**key)),
        })
    return out


def _global_datastore(plan: Plan, d: Deployment) -> dict[str, Any] | None:
    """A Global Datastore member's calls: the primary creates and deletes the datastore, a secondary
    leaves it before it is deleted; any member can be promoted to primary (failover-region.sh). Every
    call goes to the script's own region, which is up when the other is not."""
    gds = d.global_datastore
    if gds is None:
        return None
    [describe] = args(GlobalReplicationGroupId=gds.id)
    find = [describe, Shell("--show-member-info")]
    members = command("elasticache", "describe-global-replication-groups", [
        *find, query(jmespath("length(GlobalReplicationGroups[0].Members[?ReplicationGroupId == {}])",
                              d.replication_group_id))])
    return {
        "id": shell_word(gds.id), "primary": gds.role == "primary",
        "log": shell_word(f"global datastore {gds.id} ({gds.role} in {d.region})"),
        "exists": command("elasticache", "describe-global-replication-groups", [describe]),
        "create": call(plan, plan.get(GLOBAL_GROUP), "CreateGlobalReplicationGroup") if gds.role == "primary" else None,
        "status": command("elasticache", "describe-global-replication-groups",
                          [describe, query("GlobalReplicationGroups[0].Status")]),
        "delete": command("elasticache", "delete-global-replication-group",
                          args(GlobalReplicationGroupId=gds.id, RetainPrimaryReplicationGroup=True)),
        "is_member": members,
        "disassociate": command("elasticache", "disassociate-global-replication-group", args(
            GlobalReplicationGroupId=gds.id, ReplicationGroupId=d.replication_group_id,
            ReplicationGroupRegion=d.region)),
        "role": command("elasticache", "describe-global-replication-groups", [*find, query(jmespath(
            "GlobalReplicationGroups[0].Members[?ReplicationGroupId == {}] | [0].Role", d.replication_group_id))]),
        "failover": command("elasticache", "failover-global-replication-group", args(
            GlobalReplicationGroupId=gds.id, PrimaryRegion=d.region, PrimaryReplicationGroupId=d.replication_group_id)),
        "settled": Shell(" | ".join(shell_word(status) for status in catalog.global_datastore()["settled_statuses"])),
    }


# What `create.sh --dry-run` reads for an endpoint: of the form a real one has
ENDPOINT_PLACEHOLDER = "endpoint.placeholder.invalid"


def _records(plan: Plan, d: Deployment) -> list[dict[str, Any]]:
    """Each Route 53 record: UPSERT it once its endpoint exists; DELETE it (with the live record's
    value and TTL, which a deletion must repeat) before the group goes."""
    out = []
    for record in plan.of_type("AWS::Route53::RecordSet"):
        zone_id, planned = record_set(record)
        [value] = planned["ResourceRecords"]
        if d.serverless:
            [name] = args(ServerlessCacheName=d.serverless.name)
            describe = command("elasticache", "describe-serverless-caches",
                               [name, query(f"ServerlessCaches[0].{value['Value'].attribute}")])
        else:
            [name] = args(ReplicationGroupId=GROUP_ID)
            describe = command("elasticache", "describe-replication-groups",
                               [name, query(_endpoint_query(value["Value"].attribute))])
        zone = args(HostedZoneId=zone_id)
        live = {**planned, "TTL": RECORD_TTL, "ResourceRecords": [{"Value": RECORD_VALUE}]}
        out.append({
            "name": shell_word(record.name),
            "describe": describe,
            "upsert": call(plan, record, "ChangeResourceRecordSets", extra=[query("ChangeInfo.Id")]),
            "live": command("route53", "list-resource-record-sets", [*zone, query(jmespath(
                "ResourceRecordSets[?Name == {} && Type == 'CNAME'] | [0].[ResourceRecords[0].Value, TTL]",
                record.name + "."))]),
            "delete": command("route53", "change-resource-record-sets", [*zone, Shell(
                f"--change-batch={_json(plan, {'Changes': [{'Action': 'DELETE', 'ResourceRecordSet': live}]})}"),
                query("ChangeInfo.Id")]),
        })
    return out


def _other_groups(d: Deployment, script: str) -> list[dict[str, Any]]:
    """The spec's own group's scripts run each other group's (cli/<key>/<script>)."""
    return [{"step": shell_word(f"group-{g.group_key}"), "script": shell_word(f"{g.group_key}/{script}"),
             "log": shell_word(f"group {g.group_key}: {g.group_key}/{script}")} for g in d.other_groups]


def emit(d: Deployment, plan: Plan) -> dict[str, str]:
    context = {
        "sg": _security_group(plan, d),
        "subnet_group": _subnet_group(plan),
        "parameter_group": _parameter_group(plan),
        "secret": _secret(plan, d),
        "rbac": _users(plan, d),
        "topic": _topic(plan),
        "log_groups": _log_groups(plan),
        "group": _replication_group(plan, d),
        "monitoring": _monitoring(plan),
        "scaling": _scaling(plan),
        "global_datastore": _global_datastore(plan, d),
        "records": _records(plan, d),
        "endpoint_placeholder": shell_word(ENDPOINT_PLACEHOLDER),
    }
    cache_step = "serverless-cache" if d.serverless else "replication-group"
    create_steps = [*(["security-group"] if context["sg"] else []), *(["subnet-group"] if context["subnet_group"] else []),
                    "parameter-group",
                    *(["users", "user-group"] if context["rbac"] else ["secret"]),
                    *(["iam-policies"] if context["rbac"] and context["rbac"]["policies"] else []),
                    "topic", "log-groups", cache_step, *(["global-datastore"] if context["global_datastore"] else []),
                    *(["dns"] if context["records"] else []),
                    *(["auto-scaling"] if context["scaling"] else []),
                    "alarms", *(f"group-{g.group_key}" for g in d.other_groups)]
    shards = [f"{s:04d}" for s in range(1, d.shards + 1)]
    return {
        "create.sh": render_script("create.sh", d, "cli/create.sh.j2", create_steps, [
            "Creates the ElastiCache deployment in dependency order: security group, subnet group,",
            "parameter group, " + ("the users (each password generated into its own secret) and their user"
                                   if context["rbac"] else "AUTH token secret, SNS topic, log groups, replication group; waits until"),
            *(["group, SNS topic, log groups, replication group; waits until"] if context["rbac"] else []),
            "it is available, puts the CloudWatch alarms and dashboards and prints the endpoints. Safe",
            "to re-run: each step checks whether its resource exists, so a second run picks up where a",
            "failed one stopped.",
            *(["Then runs each other group's create.sh (" + ", ".join(f"{g.group_key}/create.sh" for g in d.other_groups)
               + ")."] if d.other_groups else []),
        ], options=[NO_WAIT], other_groups=_other_groups(d, "create.sh"), **context),
        "delete.sh": render_script("delete.sh", d, "cli/delete.sh.j2", list(reversed(create_steps)), [
            "Tears the deployment down in reverse order"
            + (", keeping a final snapshot." if d.final_snapshot_name else "."),
            "Refuses without --yes, and always for a protected environment.",
            *(["Runs each other group's delete.sh first."] if d.other_groups else []),
        ], options=[YES, NO_WAIT], other_groups=_other_groups(d, "delete.sh"), forward_yes=True, dry_run_finds=True,
            **context),
        **_rotation(d),
        **({} if d.serverless else {  # a serverless cache has no nodes to fail over
            "failover-test.sh": render_script("failover-test.sh", d, "cli/failover-test.sh.j2", shards, [
                "Failover drill: promotes a replica in every shard with `test-failover`, waits, and",
                "reports each shard's new primary.",
            ], shards=[shell_word(s) for s in shards], group=context["group"])}),
        **({"failover-region.sh": render_script("failover-region.sh", d, "cli/failover-region.sh.j2", ["failover"], [
            f"Makes {d.replication_group_id} ({d.region}) the primary of Global Datastore {d.global_datastore.id}:",
            "the current primary becomes a secondary (FailoverGlobalReplicationGroup). ElastiCache",
            "never does this on its own. Refuses without --yes (writes fail while it runs). Waits",
            "until the datastore is available again and prints this group's endpoint and the secrets",
            "of its credentials, which the application needs from then on.",
        ], options=[Option("confirmed", "--yes", "confirm the failover", takes_value=False)], group=context["group"],
            global_datastore=context["global_datastore"],
            credentials=[shell_word(c.secret_name) for c in d.credentials])} if d.global_datastore else {}),
    }


def _rotation(d: Deployment) -> dict[str, str]:
    """rotate-credentials.sh: the periodic rotation of the AUTH token or the users' passwords."""
    from ..procedures import rotation
    from .procedure import script

    procedure = rotation(d)
    if procedure is None:
        return {}
    return {"rotate-credentials.sh": script(d, [procedure], f"{procedure.title}: run it periodically (no spec change).",
                                            name="rotate-credentials.sh",
                                            regenerate="change the spec and run `cachegen build`")}


def render_script(script: str, d: Deployment, template: str, steps: list[str], purpose: list[str],
                  options: list[Option] | None = None, regenerate: str = "change the spec and run `cachegen build`",
                  **context: Any) -> str:
    """Any of the generated scripts: the shared header, option parsing and helpers, then its body."""
    options = options or []
    context.setdefault("dry_run_finds", False)  # only delete.sh's dry run assumes its resources exist
    return templates.render(
        template, script=comment(script), spec_file=comment(d.spec_file), environment=comment(d.environment),
        regenerate=comment(regenerate),
        purpose=[comment(line) for line in purpose], steps=comment(", ".join(steps)),
        usage_options=comment("".join(f" [{o.flag}{' ' + o.metavar if o.takes_value else ''}]" for o in options)),
        options=[{"variable": Shell(o.variable), "flag": Shell(o.flag), "takes_value": o.takes_value,
                  "help": comment(f"{o.flag + (' ' + o.metavar if o.takes_value else ''):<18} {o.help}"
                                  + (f" (default: {o.default})" if o.default else "")
                                  + (f" (default: ${o.default_variable})" if o.default_variable else "")),
                  "default": shell_value(o.default) if o.default is not None else None,
                  "default_variable": Shell(o.default_variable) if o.default_variable else None}
                 for o in options],
        region=shell_value(d.region), region_comment=comment(d.region), region_fixed=d.global_datastore is not None,
        group_id=shell_value(d.replication_group_id),
        environment_word=shell_word(d.environment), spec_word=shell_word(d.spec_file),
        protected=d.protected, no_replica=d.replicas_per_shard == 0, **context)
