"""Names AWS will accept: the replication group id and every derived or given resource name."""

from __future__ import annotations

import re
from collections.abc import Iterator

from .. import catalog
from ..diagnostics import SpecPath
from ..resolve import (log_group_name, member_cluster_ids, parameter_group_name, replication_group_id,
                       secret_name, security_group_name, subnet_group_name, topic_name)
from ..render.escape import CLI_PARAMETER_FILE_PREFIXES
from ..spec import Spec
from .base import Context, Finding, Rule, rule

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
    names = (
        ("ec2", "security_group_name", security_group_name(spec), spec.network.security_group_name,
         ("network", "security_group_name"), "security group name"),
        ("sns", "topic_name", topic_name(spec), spec.notifications.topic_name, ("notifications", "topic_name"),
         "SNS topic name"),
        ("secretsmanager", "secret_name", secret_name(spec), spec.security.auth.secret_name,
         ("security", "auth", "secret_name"), "secret name"),
        *(("logs", "log_group_name", log_group_name(spec, log_type), getattr(spec.logs, key).log_group,
           ("logs", key, "log_group"), "log group name")
          for log_type, key in (("slow-log", "slow_log"), ("engine-log", "engine_log"))),
    )
    for service, kind, value, explicit, path, what in names:
        constraint = catalog.quotas(service)[kind]
        prefix = constraint.get("forbidden_prefix")
        if not re.fullmatch(constraint["pattern"], value) or (prefix and value.lower().startswith(prefix)):
            yield Finding(_where(spec, explicit, path), f"{what} `{value}` is not valid",
                          expected=constraint["expected"])


@rule(RULES, "V405", "The description and security group name do not start with file://, fileb://, http:// or https://",
      "https://docs.aws.amazon.com/cli/v1/userguide/cli-usage-parameters-file.html", stage="spec",
      rationale="The AWS CLI replaces an argument that starts with one of these by the contents of the file or "
                "(version 1) the web page it names, and offers no way to pass it as written: create.sh would "
                "send another text to AWS than the stack does, or read a local file such as "
                "file://~/.aws/credentials into the group's description.")
def cli_parameter_files(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    for path, value in ((("description",), spec.description),
                        (("network", "security_group_name"), spec.network.security_group_name)):
        if value is not None and value.startswith(CLI_PARAMETER_FILE_PREFIXES):
            prefix = next(p for p in CLI_PARAMETER_FILE_PREFIXES if value.startswith(p))
            yield Finding(path, f"the AWS CLI would read `{value}` as the contents of the "
                                f"{'web page' if prefix.startswith('http') else 'file'} it names, not as text",
                          expected=f"text that does not start with {', '.join(CLI_PARAMETER_FILE_PREFIXES)}",
                          suggestion=f"put a word before the link, e.g. `Runbook: {value}`"
                          if prefix.startswith("http") else None)
