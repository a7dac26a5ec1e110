"""CG003: clients must authenticate."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule


class Authentication(LintRule):
    id = "CG003"
    severity = "warning"
    summary = "An AUTH token is required"
    rationale = "Without AUTH (or RBAC), anything that reaches the port can read and flush every queue."
    source = "domain.md section 6; https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/auth.html"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if not ctx.deployment.spec.security.auth.enabled:
            yield Finding(("security", "auth", "enabled"), "no AUTH token: any client in the security group gets in")
