"""CG013: deleting production keeps a final snapshot."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule


class ProductionFinalSnapshot(LintRule):
    id = "CG013"
    severity = "warning"
    summary = "Production takes a final snapshot on deletion"
    rationale = "A deleted stack or a teardown script otherwise destroys the data for good."
    source = "domain.md section 7 (backups)"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.production and not ctx.deployment.spec.backups.final_snapshot:
            yield Finding(("backups", "final_snapshot"), "production without a final snapshot")
