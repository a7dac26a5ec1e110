"""Global Datastore: the spec's own group replicated, read-only, to secondaries in up to two other
regions, each member on a node type, engine and network AWS supports for it."""

from __future__ import annotations

from collections.abc import Iterator

from .. import catalog
from ..groups import assignment
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
PREREQUISITES = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Getting-Started.html"
CLI = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-CLI.html"


@rule(RULES, "V940", "A Global Datastore has at most two secondaries, each in a region of its own with a network "
                     "of its own", PREREQUISITES, stage="spec", scope="environment",
      rationale="AWS replicates a primary to up to two other regions; a VPC, its subnets and security groups exist "
                "in one region only; the datastore's ID starts with a prefix AWS gives per region, which cachegen "
                "must know to name it.")
def secondaries(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    facts = catalog.global_datastore()
    prefixes = facts["id_prefixes"]
    members = [(key, group) for key, group in spec.groups.items() if group.global_secondary]
    for key, group in spec.groups.items():
        if not group.global_secondary:
            for field in ("region", "kms_key_id"):
                if getattr(group, field) is not None:
                    yield Finding(("groups", key, field), f"`{field}` is only for a Global Datastore secondary",
                                  expected="global_secondary: true, or no `" + field + "` (a group runs in the spec's "
                                           "region)")
    if not members:
        return
    if spec.serverless is not None:
        yield Finding(("serverless",), "a serverless cache cannot be a Global Datastore's primary",
                      expected="a replication group for the spec's own group (no `serverless`)")
    if spec.region not in prefixes:
        yield Finding(("region",), f"cachegen does not know the ID prefix AWS gives a Global Datastore in "
                                   f"{spec.region}", expected=f"a primary region of: {', '.join(sorted(prefixes))}")
    regions: dict[str, str] = {}
    for index, (key, group) in enumerate(members):
        if index >= facts["max_secondaries"]:
            yield Finding(("groups", key, "global_secondary"),
                          f"a Global Datastore has at most {facts['max_secondaries']} secondary regions",
                          expected=f"at most {facts['max_secondaries']} groups with global_secondary: true")
        if group.region is None:
            yield Finding(("groups", key), f"the secondary groups.{key} has no `region`", at_key=True,
                          expected=f"region: another region than {spec.region}")
        elif group.region == spec.region:
            yield Finding(("groups", key, "region"), f"the secondary is in the primary's region {spec.region}",
                          expected="another region (a copy in the same region is a replica: "
                                   "topology.replicas_per_shard)")
        elif group.region in regions:
            yield Finding(("groups", key, "region"), f"groups.{regions[group.region]} is already the secondary in "
                                                     f"{group.region}", expected="one secondary per region")
        elif group.region not in catalog.regions():
            yield Finding(("groups", key, "region"), f"ElastiCache has no region {group.region}",
                          expected="a region of `cachegen list regions`")
        if group.region is not None:
            regions.setdefault(group.region, key)
        if group.network is None:
            yield Finding(("groups", key), f"the secondary groups.{key} has no `network`", at_key=True,
                          expected="network: {vpc_id, subnets, allowed_security_groups} of a VPC in its region "
                                   "(the spec's VPC is in another region)")
        if group.serverless is not None:
            yield Finding(("groups", key, "serverless"), "a serverless cache cannot join a Global Datastore",
                          expected="no `serverless` on a secondary")


@rule(RULES, "V941", "A Global Datastore's members run a node type, engine version and network AWS supports for one, "
                     "without Auto Scaling", PREREQUISITES,
      rationale="Global Datastores run on M5, M6g, M7g, R5, R6g, R6gd, R7g and C7gn nodes of size large and above, "
                "Redis OSS 5.0.6 or later or Valkey, over IPv4; Application Auto Scaling does not act on their "
                "members.")
def member_qualifies(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.global_datastore is None or d.serverless is not None:
        return
    facts = catalog.global_datastore()
    family, size = d.node.name.split(".")[1:]
    if family not in facts["node_families"] or size.startswith(("micro", "small", "medium")):
        yield Finding(("node_type",), f"{d.node.name} cannot be a Global Datastore member",
                      expected=f"size {facts['smallest_size']} or larger of: "
                               f"{', '.join(f'cache.{f}' for f in facts['node_families'])}",
                      suggestion="cache.r7g.large" if family.startswith(("t", "r")) else "cache.m7g.large")
    least = facts["min_engine_versions"][d.engine]
    if catalog.version_key(d.engine_version) < catalog.version_key(least):
        yield Finding(("engine", "version"), f"{d.engine} {d.engine_version} cannot be a Global Datastore member",
                      expected=f"{d.engine} {least} or later")
    if d.network_type not in facts["network_types"]:
        yield Finding(("network", "network_type"), f"a Global Datastore does not run over {d.network_type}",
                      expected=" or ".join(facts["network_types"]))
    if d.scaling:
        yield Finding(("auto_scaling",), "Application Auto Scaling does not act on a Global Datastore's members",
                      expected="no auto_scaling (scale the datastore with modify-global-replication-group)")


@rule(RULES, "V942", "A Global Datastore secondary has the primary's node type, engine, version, shards and "
                     "parameters", CLI, scope="environment",
      rationale="A secondary takes the primary's node type, engine version, shard count and parameter group "
                "(create-replication-group refuses them beside --global-replication-group-id); a spec saying "
                "otherwise describes a group AWS would not build. (It takes the primary's Multi-AZ and automatic "
                "failover too, which need a replica: V101 and V102 check that on the secondary's own topology.)")
def same_as_primary(ctx: Context) -> Iterator[Finding]:
    primary = ctx.deployment
    for d in primary.other_groups:
        if not d.global_secondary:
            continue
        key = d.group_key
        checks = (
            (("node_type",), "node type", primary.node.name, d.node.name),
            (("engine", "name"), "engine", primary.engine, d.engine),
            (("engine", "version"), "engine version", primary.engine_version, d.engine_version),
            (("topology", "cluster_mode"), "cluster mode", primary.cluster_mode_enabled, d.cluster_mode_enabled),
            (("topology", "shards"), "shard count", primary.shards, d.shards),
            (("parameters",), "parameters", primary.effective_parameters, d.effective_parameters),
        )
        for path, what, wanted, found in checks:
            if wanted != found:
                shown = (lambda v: "enabled" if v is True else "disabled" if v is False else v) \
                    if what == "cluster mode" else (lambda v: "its own" if what == "parameters" else v)
                yield Finding(("groups", key, *path), f"the secondary's {what} is {shown(found)}, the primary's "
                                                      f"{shown(wanted)}",
                              expected=f"the primary's {what}: leave it out of groups.{key}")


@rule(RULES, "V943", "No Celery role uses a Global Datastore secondary", PREREQUISITES, stage="spec",
      scope="environment",
      rationale="A secondary accepts reads only until it is promoted, and every Celery role writes: the broker "
                "pushes and pops queues (LPUSH, BRPOP), the result backend stores results, the cache sets keys; "
                "each would fail with READONLY.")
def no_role_on_secondary(ctx: Context) -> Iterator[Finding]:
    for role, key in assignment(ctx.spec).items():
        group = ctx.spec.groups.get(key) if key else None
        if group is not None and group.global_secondary:
            yield Finding(("celery", role, "group"), f"groups.{key} is a Global Datastore secondary: read-only, "
                                                     f"and the {role.replace('_', ' ')} writes",
                          expected="a group that takes writes (the spec's own group is the primary)",
                          suggestion=f"leave out celery.{role}.group; after a failover, point the application at "
                                     f"the promoted group (cli/{key}/failover-region.sh prints its endpoint)")


@rule(RULES, "V944", "A Global Datastore secondary of a primary with a customer-managed key names a key in its own "
                     "region", "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Redis-Global-Datastores-Console.html",
      scope="environment",
      rationale="KMS keys are regional; a secondary given no key is encrypted with the AWS-managed key, so the "
                "copy in the other region would not be under the key the spec chose.")
def secondary_key(ctx: Context) -> Iterator[Finding]:
    primary = ctx.deployment
    if not primary.kms_key_id:
        return
    for d in primary.other_groups:
        if d.global_secondary and not d.kms_key_id:
            yield Finding(("groups", d.group_key), f"groups.{d.group_key} has no KMS key of its own", at_key=True,
                          expected=f"kms_key_id: a customer-managed key in {d.region}")
