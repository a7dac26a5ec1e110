"""Names AWS will accept: the replication group id and every derived or given resource name."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import derive
from ..diagnostics import SpecPath
from ..spec import Spec
from .base import Finding, Rule, rule

RULES: list[Rule] = []
API = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html"


def _id_problem(value: str, max_length: int) -> str | None:
    """ElastiCache identifiers: 1-N letters, digits or hyphens; a letter first; no `--`; no trailing `-`."""
    if not 1 <= len(value) <= max_length:
        return f"is {len(value)} characters long (at most {max_length})"
    if not re.fullmatch(r"[A-Za-z0-9-]+", value):
        return "may contain only letters, digits and hyphens"
    if not value[0].isalpha():
        return "must start with a letter"
    if "--" in value:
        return "must not contain two consecutive hyphens"
    if value.endswith("-"):
        return "must not end with a hyphen"
    return None


def _where(spec: Spec, explicit: str | None, own: SpecPath) -> SpecPath:
    """Blame the key that set the name, else the key it was derived from."""
    if explicit is not None:
        return own
    return ("replication_group_id",) if spec.replication_group_id else ("name",)


def _group_id_valid(spec: Spec) -> bool:
    """Names derived from an invalid group id are not reported again (V401 says it once)."""
    return _id_problem(derive.replication_group_id(spec), 40) is None


@rule(RULES, "V401", "Replication group id: 1-40 characters, letter first, no `--`, no trailing `-`", API)
def replication_group_id(spec: Spec) -> Iterator[Finding]:
    group_id = derive.replication_group_id(spec)
    problem = _id_problem(group_id, 40)
    if problem:
        yield Finding(_where(spec, spec.replication_group_id, ("replication_group_id",)),
                      f"replication group id `{group_id}` {problem}",
                      expected="1-40 letters, digits or hyphens, starting with a letter",
                      suggestion=None if spec.replication_group_id else
                      "set `replication_group_id` to a shorter id; it defaults to <name>-<environment>")


@rule(RULES, "V402", "Parameter and subnet group names follow ElastiCache's identifier rules",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html")
def group_names(spec: Spec) -> Iterator[Finding]:
    checks = [
        (derive.parameter_group_name(spec), spec.parameters.name, ("parameters", "name"), "parameter group name"),
        (derive.subnet_group_name(spec), spec.network.subnet_group_name, ("network", "subnet_group_name"),
         "subnet group name"),
    ]
    for value, explicit, path, what in checks:
        if explicit is None and not _group_id_valid(spec):
            continue
        problem = _id_problem(value, 255)
        if problem:
            yield Finding(_where(spec, explicit, path), f"{what} `{value}` {problem}")


@rule(RULES, "V403", "Security group, topic, log group and secret names fit their services' rules",
      "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-ec2-securitygroup.html")
def other_names(spec: Spec) -> Iterator[Finding]:
    if not _group_id_valid(spec):
        return
    sg = derive.security_group_name(spec)
    if len(sg) > 255 or sg.lower().startswith("sg-") or not re.fullmatch(r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]+", sg):
        yield Finding(_where(spec, spec.network.security_group_name, ("network", "security_group_name")),
                      f"security group name `{sg}` is not valid", expected="up to 255 characters, not starting with sg-")
    topic = derive.topic_name(spec)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", topic):
        yield Finding(_where(spec, spec.notifications.topic_name, ("notifications", "topic_name")),
                      f"SNS topic name `{topic}` is not valid", expected="1-256 letters, digits, hyphens or underscores")
    secret = derive.secret_name(spec)
    if not re.fullmatch(r"[A-Za-z0-9/_+=.@-]{1,512}", secret):
        yield Finding(_where(spec, spec.security.auth.secret_name, ("security", "auth", "secret_name")),
                      f"secret name `{secret}` is not valid", expected="1-512 of A-Z a-z 0-9 / _ + = . @ -")
    for log_type, key in (("slow-log", "slow_log"), ("engine-log", "engine_log")):
        group = derive.log_group_name(spec, log_type)
        explicit = getattr(spec.logs, key).log_group
        if not re.fullmatch(r"[.\-_/#A-Za-z0-9]{1,512}", group):
            yield Finding(_where(spec, explicit, ("logs", key, "log_group")), f"log group name `{group}` is not valid",
                          expected="1-512 of A-Z a-z 0-9 . - _ / #")


@rule(RULES, "V404", "Tags: at most 50, keys 1-128 and values 0-256 characters, no `aws:` prefix",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Tagging-Resources.html")
def tags(spec: Spec) -> Iterator[Finding]:
    if len(spec.tags) > 50:
        yield Finding(("tags",), f"{len(spec.tags)} tags; AWS allows 50 per resource")
    for key, value in spec.tags.items():
        if not 1 <= len(key) <= 128 or key.lower().startswith("aws:"):
            yield Finding(("tags", key), f"tag key `{key}` is not allowed",
                          expected="1-128 characters, not starting with aws:")
        if len(value) > 256:
            yield Finding(("tags", key), f"tag value is {len(value)} characters (at most 256)")
