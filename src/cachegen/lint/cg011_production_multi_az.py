"""CG011: production spans availability zones."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule


class ProductionMultiAz(LintRule):
    id = "CG011"
    severity = "error"
    summary = "Production has Multi-AZ with automatic failover"
    rationale = "An AZ outage takes a single-AZ group down; Multi-AZ promotes a replica in another AZ."
    source = "domain.md section 4"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.production and ctx.deployment.replicas_per_shard > 0 and not ctx.deployment.multi_az:
            yield Finding(("topology", "multi_az"), "production without Multi-AZ")
