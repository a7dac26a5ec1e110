"""ElastiCache Serverless: only the application's cache, over TLS, with users or IAM, within
AWS's limits."""

from __future__ import annotations

from collections.abc import Iterator

from .. import catalog
from ..groups import GroupView
from ..resolve import serves
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
API = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateServerlessCache.html"


@rule(RULES, "V920", "A serverless cache serves only the application's cache, never Celery's broker or result backend",
      "https://github.com/celery/celery/issues/9019", stage="spec",
      rationale="A serverless cache speaks only Redis Cluster: kombu's Redis transport and Celery's Redis result "
                "backend send multi-key commands across hash slots and fail with CROSSSLOT.")
def cache_role_only(ctx: Context) -> Iterator[Finding]:
    if ctx.spec.serverless is None:
        return
    for role in sorted(serves(ctx.spec) & {"broker", "result_backend"}):
        yield Finding(("serverless",), f"the Celery {role.replace('_', ' ')} cannot run on a serverless cache: it is "
                                       "Redis Cluster only, and kombu and Celery's Redis backend fail there with "
                                       "CROSSSLOT", expected="only celery.cache on this group",
                      suggestion=f"serve the {role.replace('_', ' ')} from a group without cluster mode "
                                 f"(`celery.{role}.group`) and the cache from this one")


@rule(RULES, "V921", "A serverless cache needs TLS, and users (RBAC or IAM) instead of an AUTH token", API,
      stage="spec",
      rationale="ElastiCache encrypts a serverless cache's connections always, and CreateServerlessCache takes a "
                "user group but no AUTH token: a spec with TLS off, or with a token, would get what it did not say.")
def tls_and_users(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    if spec.serverless is None:
        return
    if not spec.security.in_transit_encryption.enabled:
        yield Finding(("security", "in_transit_encryption", "enabled"),
                      "a serverless cache always encrypts in transit: its clients must use TLS",
                      expected="in_transit_encryption.enabled: true")
    if spec.security.auth.enabled and spec.security.auth.mode == "token":
        yield Finding(("security", "auth", "mode"), "a serverless cache takes no AUTH token",
                      expected="security.auth.mode: rbac or iam (a user per role), or auth.enabled: false",
                      suggestion="`security: {auth: {mode: rbac}}`: each role gets its own user and password")


@rule(RULES, "V922", "A serverless cache has database 0 only", API, stage="spec",
      rationale="A serverless cache is Redis Cluster, which has one database; SELECT fails.")
def database_zero(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    if spec.serverless is not None and "cache" in serves(spec) and spec.celery.cache.db != 0:
        yield Finding(("celery", "cache", "db"), f"database {spec.celery.cache.db} does not exist on a serverless cache",
                      expected="db: 0")


@rule(RULES, "V923", "A serverless cache's minimum limits and expected use are at most its maximum ones, and it has "
                     "no Auto Scaling", "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Scaling-serverless.html",
      stage="spec")
def limits(ctx: Context) -> Iterator[Finding]:
    serverless = ctx.spec.serverless
    if serverless is None:
        return
    for what in ("data_storage_gb", "ecpu_per_second"):
        low, high = getattr(serverless, f"min_{what}"), getattr(serverless, f"max_{what}")
        if low is not None and high is not None and low > high:
            yield Finding(("serverless", f"min_{what}"), f"min_{what} {low} is above max_{what} {high}",
                          expected=f"min_{what} <= max_{what}")
        expected = getattr(serverless, f"expected_{'data_gb' if what == 'data_storage_gb' else what}")
        if expected is not None and high is not None and expected > high:  # the cost would price what AWS refuses
            yield Finding(("serverless", f"expected_{'data_gb' if what == 'data_storage_gb' else what}"),
                          f"the use the spec expects ({expected:g}) is above max_{what} {high}: ElastiCache would "
                          f"{'evict or refuse writes' if what == 'data_storage_gb' else 'throttle requests'} first",
                          expected=f"at most max_{what}, or a higher max_{what}")
    if ctx.spec.auto_scaling is not None:
        yield Finding(("auto_scaling",), "a serverless cache scales itself: Auto Scaling is for replication groups",
                      expected="no auto_scaling beside serverless (its limits bound the scaling)")


@rule(RULES, "V924", "A serverless cache runs Redis OSS 7 or Valkey 7 or 8",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html", stage="spec")
def major_version(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    if spec.serverless is None:
        return
    offered = catalog.serverless()["major_versions"].get(spec.engine.name, [])
    major = spec.engine.version.split(".")[0]
    if major not in offered:
        yield Finding(("engine", "version"), f"ElastiCache Serverless offers {spec.engine.name} "
                                             f"{', '.join(offered)}, not {spec.engine.version}",
                      expected=f"a {spec.engine.name} {' or '.join(offered)}.x version")


# A replication group's settings a serverless cache has no counterpart for
NOT_SERVERLESS = ("node_type", "topology", "parameters", "maintenance_window", "logs", "port")


@rule(RULES, "CG040", "A serverless cache ignores node, topology, parameter, maintenance and log settings", API,
      blocking=False, severity="warning",
      rationale="CreateServerlessCache takes none of them: ElastiCache sizes, patches and configures the cache "
                "itself and delivers no logs, so a value written for it has no effect.")
def ignored_settings(ctx: Context) -> Iterator[Finding]:
    if ctx.spec.serverless is None:
        return
    merged = ctx.merged
    if isinstance(merged, GroupView) and merged.group_key is not None:
        written = sorted({path[:1] for path in merged.from_group if path and path[0] in NOT_SERVERLESS})
    else:  # the spec's own serverless cache: what its own file writes
        written = [(key,) for key in NOT_SERVERLESS
                   if (key,) in merged.nodes and merged.nodes[(key,)].value.file == merged.display_name]
    for path in written:
        yield Finding(path, f"`{path[0]}` has no effect on a serverless cache", expected="remove it")
