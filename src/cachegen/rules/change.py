"""Change safety: what a change against the last committed spec does to the running group."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
REPLICATION_GROUP = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/aws-resource-elasticache-replicationgroup.html"

# What CloudFormation cannot change in place on AWS::ElastiCache::ReplicationGroup
# ("Update requires: Replacement" in the resource reference).
REPLACING = [
    (("port",), lambda d: d.port, "port"),
    (("network", "subnet_group_name"), lambda d: d.subnet_group_name, "subnet group"),
    (("security", "at_rest_encryption", "enabled"), lambda d: d.at_rest_encryption, "encryption at rest"),
    (("security", "at_rest_encryption", "kms_key_id"), lambda d: d.kms_key_id, "KMS key"),
    (("replication_group_id",), lambda d: d.replication_group_id, "replication group id"),
    (("topology", "cluster_mode"), lambda d: d.cluster_mode_enabled, "cluster mode"),
]


@rule(RULES, "CG030", "No change that makes CloudFormation replace the replication group", REPLICATION_GROUP,
      blocking=False, severity="error",
      rationale="Port, subnet group, at-rest encryption, KMS key, the group id and cluster mode cannot change in "
                "place: CloudFormation creates a new, empty group and deletes the old one (a final snapshot at "
                "best). Migrate deliberately, then suppress with a reason.")
def replacement_change(ctx: Context) -> Iterator[Finding]:
    previous, d = ctx.previous, ctx.deployment
    if previous is None:
        return
    for path, value, what in REPLACING:
        before, after = value(previous), value(d)
        if before != after:
            yield Finding(path, f"{what} changes from {before} to {after}: the group is replaced, its data lost")
    if previous.engine == "valkey" and d.engine == "redis":
        yield Finding(("engine", "name"), "valkey back to redis is not an in-place change: the group is replaced")


@rule(RULES, "CG031", "An engine upgrade across parameter families gets a new parameter group",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html", blocking=False,
      severity="warning",
      rationale="A parameter group belongs to one family (redis6.x, redis7, valkey8...): an upgrade across families "
                "needs a new group, created before the upgrade, with the custom values carried over.")
def parameter_family_change(ctx: Context) -> Iterator[Finding]:
    previous, d = ctx.previous, ctx.deployment
    if previous is None or previous.engine_family == d.engine_family:
        return
    yield Finding(("engine", "version"), f"parameter family changes from {previous.engine_family} to "
                                         f"{d.engine_family}: a new parameter group is needed")


@rule(RULES, "CG033", "A change of how clients connect (authentication, TLS) follows a procedure, never a plain stack update",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html", blocking=False, severity="error",
      rationale="Moving between an AUTH token and RBAC users, or turning authentication on or off, changes what "
                "every client must send: applied at once, clients still holding the old credentials are locked "
                "out. AWS's migration keeps both working while the clients roll (ROTATE, then SET or DELETE).")
def authentication_change(ctx: Context) -> Iterator[Finding]:
    previous, d = ctx.previous, ctx.deployment
    if previous is None:
        return
    if previous.auth_mode != d.auth_mode:
        before, after = previous.auth_mode or "no authentication", d.auth_mode or "no authentication"
        yield Finding(("security", "auth", "mode" if previous.auth and d.auth else "enabled"),
                      f"authentication changes from {before} to {after}: clients with the old credentials are locked "
                      f"out unless the change follows its migration procedure (`cachegen plan`)")
    if previous.users and d.users and previous.key_prefixes != d.key_prefixes:
        yield Finding(("celery",), "the roles' key prefixes change: the users' rules move with them and tasks still "
                                   "queued under the old keys are stranded unless the queues drain first "
                                   "(`cachegen plan`)")
    plain_before = not previous.tls or previous.transit_encryption_mode == "preferred"
    if plain_before and d.tls and d.transit_encryption_mode != "preferred":
        yield Finding(("security", "in_transit_encryption"),
                      "encryption in transit becomes required while plain-text clients may still connect: go through "
                      "`preferred` and roll the clients first (`cachegen plan`)")
