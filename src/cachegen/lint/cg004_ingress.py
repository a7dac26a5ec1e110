"""CG004: ingress comes from security groups, never from the whole internet."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule

OPEN = {"0.0.0.0/0", "::/0"}


class IngressFromSecurityGroups(LintRule):
    id = "CG004"
    severity = "error"
    summary = "Ingress only from the application's security groups (no 0.0.0.0/0)"
    rationale = ("The cache port should admit the EC2 workers' security group only; a CIDR admits whatever "
                 "holds an address in it, and 0.0.0.0/0 admits everything that can route to the subnet.")
    source = "domain.md section 5"

    def check(self, ctx: Context) -> Iterator[Finding]:
        for index, cidr in enumerate(ctx.deployment.spec.network.allowed_cidrs):
            if cidr in OPEN:
                yield Finding(("network", "allowed_cidrs", index), f"ingress from {cidr}: open to every address")
