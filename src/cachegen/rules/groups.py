"""Several groups in one environment: each role served by a group that exists, no two
groups claiming one name."""

from __future__ import annotations

from collections.abc import Iterator

from ..diagnostics import did_you_mean
from ..groups import assignment
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
NAMES = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html"


@rule(RULES, "V901", "A Celery role's `group` names a group of `groups`",
      "https://docs.celeryq.dev/en/stable/userguide/configuration.html#broker-url", stage="spec", scope="environment",
      rationale="Each role's URL points at the endpoint of the group that serves it; a group the spec does not "
                "declare has no endpoint.")
def role_groups_exist(ctx: Context) -> Iterator[Finding]:
    declared = sorted(ctx.spec.groups)
    for role, key in assignment(ctx.spec).items():
        if key is not None and key not in ctx.spec.groups:
            yield Finding(("celery", role, "group"), f"no group `{key}` in `groups`",
                          expected=f"one of: {', '.join(declared)}" if declared else
                          "a key of `groups` (the spec declares none: leave `group` out for the spec's own group)",
                          suggestion=did_you_mean(key, declared))


# (what, the model's attribute) of every name a group's resources take in the account and region
GROUP_NAMES = (("replication group id", "replication_group_id"), ("subnet group", "subnet_group_name"),
               ("security group", "security_group_name"), ("parameter group", "parameter_group_name"),
               ("SNS topic", "topic_name"), ("AUTH token secret", "auth_secret_name"),
               ("user group", "user_group_id"))


@rule(RULES, "V902", "No two groups of the environment name one resource alike", NAMES, scope="environment",
      rationale="Replication group ids, subnet, security and parameter group names, topics, secrets and log groups "
                "are unique per account and region: the second group's create call would fail, or (a stack) two "
                "stacks would fight over one resource.")
def names_apart(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if not d.other_groups:
        return
    seen: dict[tuple[str, str], str] = {}
    for group in d.all_groups:
        names = [(what, getattr(group, attribute)) for what, attribute in GROUP_NAMES]
        if group.uses_default_parameter_group:  # AWS's default group is shared by design
            names = [(what, name) for what, name in names if what != "parameter group"]
        if group.existing_security_group:  # an existing group may serve every group
            names = [(what, name) for what, name in names if what != "security group"]
        names += [("log group", log.log_group) for log in group.log_destinations if not log.to_firehose]
        names += [("ElastiCache user", user.user_id) for user in group.users]
        if group.dns is not None:  # a record name is the zone's, in every region
            names += [("Route 53 record", f"{group.dns.zone_id}/{name}")
                      for name in (group.dns.name, group.dns.reader_name) if name]
        label = f"groups.{group.group_key}" if group.group_key else "the spec's own group"
        for what, name in names:
            if name is None:
                continue
            region = "global" if what == "Route 53 record" else group.region  # a secondary's region is its own
            first = seen.setdefault((region, what, name.lower()), label)
            if first != label:
                if what == "Route 53 record":  # a name the spec always gives: no default derives it
                    field = "reader_name" if group.dns and name.endswith("/" + (group.dns.reader_name or "")) \
                        else "name"
                    path = (*(("groups", group.group_key) if group.group_key else ()), "dns", field)
                    yield Finding(path, f"{label} and {first} both name a {what} `{name}`",
                                  expected="a record name of its own in the zone")
                    continue
                path = ("groups", group.group_key) if group.group_key else ("replication_group_id",)
                yield Finding(path, f"{label} and {first} both name a {what} `{name}`",
                              expected="names of their own: a different replication_group_id, or leave the "
                                       "explicit name out so that it derives from the group's id")
                if what == "replication group id":
                    break  # the group's other names derive from its id: one finding says it




@rule(RULES, "CG041", "Every group serves a Celery role", "https://docs.celeryq.dev/en/stable/userguide/configuration.html",
      blocking=False, severity="warning", scope="environment",
      rationale="A group no role names is billed and watched but nothing connects to it: usually a misspelt or "
                "forgotten `celery.<role>.group`.")
def groups_used(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    if not spec.groups or not spec.celery.enabled:
        return
    used = set(assignment(spec).values())
    for key, group in spec.groups.items():
        if key not in used and not group.global_secondary:  # a secondary serves no role: it waits for a failover
            yield Finding(("groups", key), f"no Celery role uses groups.{key}", at_key=True,
                          expected=f"celery.<role>.group: {key} for the role it is for, or no groups.{key}")
    if None not in used:
        yield Finding(("celery",), "no Celery role uses the spec's own group", at_key=True,
                      expected="a role left on the spec's own group (no `group`), or that group's settings moved "
                               "into a group of `groups`")
