"""CG014: the subnet group spans two availability zones."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule


class SubnetsInTwoAzs(LintRule):
    id = "CG014"
    severity = "warning"
    summary = "The subnet group has subnets in at least two AZs"
    rationale = "With one AZ, replicas cannot be placed elsewhere and Multi-AZ cannot be turned on later."
    source = "domain.md section 5"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if len(ctx.deployment.availability_zones) < 2:
            yield Finding(("network", "subnets"), f"every subnet is in {ctx.deployment.availability_zones[0]}")
