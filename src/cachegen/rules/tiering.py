"""Data tiering (r6gd nodes): the eviction policies it supports."""

from __future__ import annotations

from collections.abc import Iterator

from .. import catalog
from ..resolve import effective_parameters, parameter_family
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
DATA_TIERING = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/data-tiering.html"


@rule(RULES, "V930", "A data tiering node (r6gd) runs an LRU or LFU eviction policy, or noeviction", DATA_TIERING,
      stage="spec",
      rationale="Data tiering moves the least recently used values to SSD; AWS supports it only with volatile-lru, "
                "allkeys-lru, volatile-lfu, allkeys-lfu and noeviction.")
def tiering_policy(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    node = catalog.node_types().get(spec.node_type, {})
    family = parameter_family(spec)
    if not node.get("data_tiering") or family is None or spec.serverless is not None:
        return
    allowed = catalog.features()["data_tiering_policies"]
    policy = effective_parameters(spec, family).get("maxmemory-policy")
    if policy not in allowed:
        yield Finding(("parameters", "values", "maxmemory-policy"),
                      f"maxmemory-policy {policy} is not supported on a data tiering node ({spec.node_type})",
                      expected=" | ".join(allowed))
