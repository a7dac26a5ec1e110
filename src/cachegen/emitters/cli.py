"""AWS CLI scripts: out/<env>/cli/{create,delete,failover-test}.sh.

The console walk-through of the deployment guide, done by script and made idempotent.
Every spec-derived value reaches the shell through `shlex.quote` (the `q` filter, or
`cli_args`), and the AUTH token travels on a pipe, never on a command line.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass
from typing import Any

from .. import templates
from ..model import Deployment
from . import alarms, replication_group
from .cloudformation import token_character_rules

MAX_PARAMETERS_PER_CALL = 20  # ModifyCacheParameterGroup accepts at most 20 parameters


@dataclass(frozen=True)
class ShellVar:
    """A value only known when the script runs (an id AWS assigns), held in a shell variable."""

    name: str


SECURITY_GROUP_ID = ShellVar("sg_id")
TOPIC_ARN = ShellVar("topic_arn")
# awscli reads `file://` parameters itself: the token comes on a pipe, never on the command line.
FROM_STDIN = "file:///dev/stdin"
NO_WAIT = ("no_wait", "--no-wait", "return without waiting for the replication group")
YES = ("confirmed", "--yes", "confirm the deletion")


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)


def emit(d: Deployment) -> dict[str, str]:
    common = _common(d)
    create_steps = ["security-group", "subnet-group", "parameter-group", "secret", "topic", "log-groups",
                    "replication-group", "alarms"]
    return {
        "create.sh": _render("create.sh", d, common, create_steps, [
            "Creates the ElastiCache deployment in dependency order: security group, subnet group,",
            "parameter group, AUTH token secret, SNS topic, log groups, replication group; waits until",
            "it is available, puts the CloudWatch alarms and prints the endpoints. Safe to re-run: each step checks",
            "whether its resource exists, so a second run picks up where a failed one stopped.",
        ], extra_flags=[NO_WAIT]),
        "delete.sh": _render("delete.sh", d, common, list(reversed(create_steps)), [
            "Tears the deployment down in reverse order"
            + (", keeping a final snapshot." if d.final_snapshot_name else "."),
            "Refuses without --yes, and always for a protected environment.",
        ], extra_flags=[YES, NO_WAIT]),
        "failover-test.sh": _render("failover-test.sh", d, common, [f"{s:04d}" for s in range(1, d.shards + 1)], [
            "Failover drill: promotes a replica in every shard with `test-failover`, waits, and",
            "reports each shard's new primary.",
        ], shards=[f"{s:04d}" for s in range(1, d.shards + 1)]),
    }


def _render(name: str, d: Deployment, common: dict[str, Any], steps: list[str], purpose: list[str],
            extra_flags: list[tuple[str, str, str]] | None = None, **extra: Any) -> str:
    return templates.render(f"cli/{name}.j2", d=d, script=name, steps=steps, purpose=purpose,
                            extra_flags=extra_flags or [], **common, **extra)


def _common(d: Deployment) -> dict[str, Any]:
    tag_list = [{"Key": key, "Value": value} for key, value in d.tags]
    port = d.spec.port
    ingress = [{"id": group, "permissions": _json([{
        "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
        "UserIdGroupPairs": [{"GroupId": group, "Description": f"{d.spec.engine.name} clients"}]}])}
        for group in d.spec.network.allowed_security_groups]
    ingress += [{"id": cidr, "permissions": _json([{
        "IpProtocol": "tcp", "FromPort": port, "ToPort": port,
        "IpRanges": [{"CidrIp": cidr, "Description": f"{d.spec.engine.name} clients"}]}])}
        for cidr in d.spec.network.allowed_cidrs]
    parameters = [{"ParameterName": name, "ParameterValue": value} for name, value in d.parameters]
    return {
        "tags": _json(tag_list),
        "log_tags": _json(dict(d.tags)),
        "ec2_tags": _json([{"ResourceType": "security-group", "Tags": tag_list}]),
        "sg_description": f"{d.replication_group_id}: port {port} from the application only",
        "subnet_group_description": f"Private subnets of {d.replication_group_id}",
        "parameter_group_description": f"Parameters of {d.replication_group_id}",
        "ingress": ingress,
        "parameter_chunks": [_json(parameters[i:i + MAX_PARAMETERS_PER_CALL])
                             for i in range(0, len(parameters), MAX_PARAMETERS_PER_CALL)],
        "token_options": _token_options(d),
        "token_pattern": _token_pattern(d),
        "secret_args": _secret_args(d, tag_list) if d.auth_secret_name else [],
        "group_args": replication_group_args(d),
        "alarm_args": [cli_args(alarms.put_metric_alarm_input(d, alarm, [TOPIC_ARN] if d.topic_name else []))
                       for alarm in d.alarms],
        "alarm_names": [alarm.name for alarm in d.alarms],
    }


def _token_options(d: Deployment) -> str:
    quote = shlex.quote
    rules = token_character_rules(d.spec.security.auth.generation.special_characters)
    options = []
    if "ExcludeCharacters" in rules:
        options.append(f"--exclude-characters {quote(rules['ExcludeCharacters'])}")
    if rules.get("ExcludePunctuation"):
        options.append("--exclude-punctuation")
    options.append("--no-include-space")
    options.append("--require-each-included-type")
    return " ".join(options)


def _token_pattern(d: Deployment) -> str:
    """What a valid AUTH token looks like (the secret may predate this spec: any AWS length)."""
    specials = d.spec.security.auth.generation.special_characters  # a subset of !&#$^<>- (rule V202)
    ordered = "".join(sorted(set(specials) - {"-"})) + ("-" if "-" in specials else "")  # `-` last: literal
    return f"^[A-Za-z0-9{ordered}]{{16,128}}$"


def _secret_args(d: Deployment, tags: list[dict[str, str]]) -> list[str]:
    secret: dict[str, Any] = {
        "Name": d.auth_secret_name,
        "Description": f"AUTH token of {d.replication_group_id} (generated; never written to a file)",
        "Tags": tags,
    }
    if d.spec.security.auth.secret_kms_key_id:
        secret["KmsKeyId"] = d.spec.security.auth.secret_kms_key_id
    return cli_args({**secret, "SecretString": FROM_STDIN})


def replication_group_args(d: Deployment) -> list[str]:
    """create-replication-group's options: every setting of the resolved model."""
    settings = replication_group.settings(d, replication_group.Links(
        subnet_group=d.subnet_group_name,
        security_group_ids=[SECURITY_GROUP_ID],
        parameter_group=d.parameter_group_name,
        auth_token=FROM_STDIN,
        topic_arn=TOPIC_ARN,
        log_group=lambda log: log.log_group,
    ))
    return cli_args(settings)


def option_name(api_name: str) -> str:
    """The AWS CLI's option for an API member: `MultiAZEnabled` -> `--multi-az-enabled`."""
    return "--" + re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "-", api_name).lower()


def _word(value: Any) -> str:
    if isinstance(value, ShellVar):
        return f'"${value.name}"'
    return shlex.quote(str(value))


def cli_args(settings: dict[str, Any]) -> list[str]:
    """API input -> AWS CLI options, one `--option value` per entry, each value one shell word."""
    out = []
    for key, value in settings.items():
        option = option_name(key)
        if isinstance(value, bool):
            out.append(option if value else "--no-" + option[2:])
        elif isinstance(value, list) and all(isinstance(v, (str, ShellVar)) for v in value):
            out.append(" ".join([option, *map(_word, value)]))
        elif isinstance(value, (list, dict)):
            out.append(f"{option} {shlex.quote(_json(value))}")
        else:
            out.append(f"{option} {_word(value)}")
    return out
