"""Names AWS will accept: the replication group id and every derived or given resource name."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import catalog
from ..diagnostics import SpecPath
from ..resolve import (log_group_name, member_cluster_ids, parameter_group_name, replication_group_id,
                       secret_name, security_group_name, subnet_group_name, topic_name)
from ..spec import Spec
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
API = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html"
# EC2 security group names (CreateSecurityGroup): up to 255 of these, not starting with sg-.
SECURITY_GROUP_NAME = re.compile(r"[A-Za-z0-9 ._\-:/()#,@\[\]+=&;{}!$*]{1,255}")


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
    return _id_problem(replication_group_id(spec), catalog.limits()["replication_group_id"]["max_length"]) is None


@rule(RULES, "V401", "Replication group id: 1-40 characters, letter first, no `--`, no trailing `-`", API,
      stage="spec")
def replication_group_id_rule(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    limits = catalog.limits()
    group_id = replication_group_id(spec)
    problem = _id_problem(group_id, limits["replication_group_id"]["max_length"])
    if problem:
        yield Finding(_where(spec, spec.replication_group_id, ("replication_group_id",)),
                      f"replication group id `{group_id}` {problem}",
                      expected="1-40 letters, digits or hyphens, starting with a letter",
                      suggestion=None if spec.replication_group_id else
                      "set `replication_group_id` to a shorter id; it defaults to <name>-<environment>")
        return
    longest = max(member_cluster_ids(group_id, True, 1, 1)[0], member_cluster_ids(group_id, False, 1, 1)[0], key=len)
    if len(longest) > limits["cache_cluster_id_max_length"]:  # cannot happen within 40 characters; kept honest
        yield Finding(_where(spec, spec.replication_group_id, ("replication_group_id",)),
                      f"member cluster ids such as {longest} would exceed {limits['cache_cluster_id_max_length']} "
                      "characters")


@rule(RULES, "V402", "Parameter and subnet group names follow ElastiCache's identifier rules",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateCacheParameterGroup.html",
      stage="spec")
def group_names(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    limits = catalog.limits()
    checks = [
        (parameter_group_name(spec), spec.parameters.name, ("parameters", "name"), "parameter group name",
         limits["parameter_group_name"]["max_length"]),
        (subnet_group_name(spec), spec.network.subnet_group_name, ("network", "subnet_group_name"),
         "subnet group name", limits["subnet_group_name"]["max_length"]),
    ]
    for value, explicit, path, what, max_length in checks:
        if explicit is None and not _group_id_valid(spec):
            continue
        problem = _id_problem(value, max_length)
        if problem:
            yield Finding(_where(spec, explicit, path), f"{what} `{value}` {problem}")


@rule(RULES, "V403", "Security group, topic, log group and secret names fit their services' rules",
      "https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_CreateSecurityGroup.html", stage="spec")
def other_names(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    if not _group_id_valid(spec):
        return
    sg = security_group_name(spec)
    if sg.lower().startswith("sg-") or not SECURITY_GROUP_NAME.fullmatch(sg):
        yield Finding(_where(spec, spec.network.security_group_name, ("network", "security_group_name")),
                      f"security group name `{sg}` is not valid",
                      expected="1-255 of a-z A-Z 0-9, spaces and ._-:/()#,@[]+=&;{}!$*, not starting with sg-")
    topic = topic_name(spec)
    if not re.fullmatch(r"[A-Za-z0-9_-]{1,256}", topic):
        yield Finding(_where(spec, spec.notifications.topic_name, ("notifications", "topic_name")),
                      f"SNS topic name `{topic}` is not valid", expected="1-256 letters, digits, hyphens or underscores")
    secret = secret_name(spec)
    if not re.fullmatch(r"[A-Za-z0-9/_+=.@-]{1,512}", secret):
        yield Finding(_where(spec, spec.security.auth.secret_name, ("security", "auth", "secret_name")),
                      f"secret name `{secret}` is not valid", expected="1-512 of A-Z a-z 0-9 / _ + = . @ -")
    for log_type, key in (("slow-log", "slow_log"), ("engine-log", "engine_log")):
        group = log_group_name(spec, log_type)
        explicit = getattr(spec.logs, key).log_group
        if not re.fullmatch(r"[.\-_/#A-Za-z0-9]{1,512}", group):
            yield Finding(_where(spec, explicit, ("logs", key, "log_group")), f"log group name `{group}` is not valid",
                          expected="1-512 of A-Z a-z 0-9 . - _ / #")
