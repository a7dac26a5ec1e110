"""CG020: a broker or result backend never evicts."""

from collections.abc import Iterator

from .. import derive
from .base import Context, Finding, LintRule

SAFE = {"noeviction", "volatile-lru", "volatile-lfu", "volatile-random", "volatile-ttl"}


class NoEvictionForBroker(LintRule):
    id = "CG020"
    severity = "error"
    summary = "An evicting maxmemory-policy is not used where Celery keeps its broker or results"
    rationale = ("allkeys-* policies evict any key under memory pressure, queued task messages and unacknowledged "
                 "tasks included: tasks vanish silently. Use noeviction (or volatile-* when only cache keys "
                 "carry a TTL). The guide's allkeys-lru is right only for a pure cache.")
    source = "domain.md section 7 (correction)"

    def check(self, ctx: Context) -> Iterator[Finding]:
        policy = dict(ctx.deployment.parameters).get("maxmemory-policy", "volatile-lru")
        if derive.evicting_forbidden(ctx.deployment.spec) and policy not in SAFE:
            yield Finding(("parameters", "values", "maxmemory-policy"),
                          f"maxmemory-policy {policy} can evict queued Celery tasks and results")
