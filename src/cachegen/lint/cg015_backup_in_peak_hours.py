"""CG015: backups run outside the declared peak hours."""

from collections.abc import Iterator

from ..rules.schedule import daily_window, overlaps
from .base import Context, Finding, LintRule


class BackupOutsidePeak(LintRule):
    id = "CG015"
    severity = "warning"
    summary = "The backup window does not overlap the spec's peak hours"
    rationale = "A snapshot forks the engine and adds latency; the guide puts it in the lowest-traffic hour."
    source = "domain.md section 7 (backups, maintenance window)"

    def check(self, ctx: Context) -> Iterator[Finding]:
        spec = ctx.deployment.spec
        if spec.backups.retention_days == 0:
            return
        backup = daily_window(spec.backups.window)
        for peak in spec.peak_hours:
            if overlaps(backup, daily_window(peak), 24 * 60):
                yield Finding(("backups", "window"), f"the backup window {spec.backups.window} falls in peak hours {peak}")
