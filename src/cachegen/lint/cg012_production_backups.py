"""CG012: production keeps backups."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule


class ProductionBackups(LintRule):
    id = "CG012"
    severity = "error"
    summary = "Production keeps automatic backups (the guide: 7 days)"
    rationale = "Without snapshots there is nothing to restore after an operator error or a lost group."
    source = "domain.md section 7 (backups)"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.production and ctx.deployment.spec.backups.retention_days == 0:
            yield Finding(("backups", "retention_days"), "production without automatic backups")
