"""CG010: production has a replica to fail over to."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule


class ProductionReplica(LintRule):
    id = "CG010"
    severity = "error"
    summary = "Production has at least one replica per shard"
    rationale = "Without a replica, a node failure means downtime and the loss of everything since the last snapshot."
    source = "domain.md section 4"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.production and ctx.deployment.replicas_per_shard == 0:
            yield Finding(("topology", "replicas_per_shard"), "production without a replica")
