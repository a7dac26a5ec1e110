"""Backup and maintenance windows: AWS's formats, lengths and the no-overlap rule."""

from __future__ import annotations

from collections.abc import Iterator

from .. import catalog
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
API = "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_CreateReplicationGroup.html"
DAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
WEEK = 7 * 24 * 60


def _minutes(hhmm: str) -> int:
    hours, minutes = hhmm.split(":")
    return int(hours) * 60 + int(minutes)


def daily_window(text: str) -> tuple[int, int]:
    """`02:00-03:00` -> (start, length) in minutes; a window may cross midnight."""
    start, end = (_minutes(part) for part in text.split("-"))
    return start, (end - start) % (24 * 60)


def weekly_window(text: str) -> tuple[int, int]:
    """`sun:03:00-sun:04:00` -> (start minute of the week, length)."""
    start_text, end_text = text.split("-")
    start = DAYS.index(start_text[:3]) * 24 * 60 + _minutes(start_text[4:])
    end = DAYS.index(end_text[:3]) * 24 * 60 + _minutes(end_text[4:])
    return start, (end - start) % WEEK


def overlaps(a: tuple[int, int], b: tuple[int, int], period: int) -> bool:
    """Whether two windows (start, length) on a circle of `period` minutes share a minute."""
    return (b[0] - a[0]) % period < a[1] or (a[0] - b[0]) % period < b[1]


@rule(RULES, "V301", "Windows last at least the AWS minimum (maintenance at most 24 hours)", API, stage="spec")
def window_lengths(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    minimum = catalog.limits()["window_min_minutes"]
    _, backup_length = daily_window(spec.backups.window)
    if spec.backups.retention_days > 0 and backup_length < minimum:
        yield Finding(("backups", "window"), f"the backup window lasts {backup_length} minutes",
                      expected=f"at least {minimum} minutes, e.g. 02:00-03:00")
    _, maintenance_length = weekly_window(spec.maintenance_window)
    if maintenance_length < minimum or maintenance_length > 24 * 60:
        yield Finding(("maintenance_window",), f"the maintenance window lasts {maintenance_length} minutes",
                      expected=f"{minimum} minutes to 24 hours, e.g. sun:03:00-sun:04:00")


@rule(RULES, "V302", "Backup and maintenance windows do not overlap", API, stage="spec")
def windows_apart(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    if spec.backups.retention_days == 0:
        return
    start, length = daily_window(spec.backups.window)
    maintenance = weekly_window(spec.maintenance_window)
    for day in range(7):
        if overlaps((day * 24 * 60 + start, length), maintenance, WEEK):
            # blame the window the user wrote, in this spec if it has one (the other may be a default)
            yield Finding(ctx.merged.most_likely_edited(("backups", "window"), ("maintenance_window",)),
                          f"the backup window {spec.backups.window} overlaps the maintenance window "
                          f"{spec.maintenance_window} on {DAYS[day]}",
                          expected="windows that do not overlap, e.g. 02:00-03:00 and sun:03:00-sun:04:00")
            return


# --- advice ------------------------------------------------------------------------------

@rule(RULES, "CG012", "Production keeps automatic backups",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups-automatic.html", blocking=False,
      severity="error", rationale="Without snapshots there is nothing to restore after an operator error or a lost group.")
def production_backups(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.production and d.backup_retention_days == 0:
        yield Finding(("backups", "retention_days"), "production without automatic backups")


@rule(RULES, "CG013", "Production takes a final snapshot on deletion",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/APIReference/API_DeleteReplicationGroup.html",
      blocking=False, severity="warning",
      rationale="A deleted stack or a teardown script otherwise destroys the data for good.")
def production_final_snapshot(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    if d.production and d.final_snapshot_name is None:
        yield Finding(("backups", "final_snapshot"), "production without a final snapshot")


@rule(RULES, "CG015", "The backup window does not overlap the spec's peak hours",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/backups.html", blocking=False, severity="warning",
      rationale="A snapshot forks the engine and adds latency: take it in the lowest-traffic hour.")
def backup_outside_peak(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    if spec.backups.retention_days == 0:
        return
    backup = daily_window(spec.backups.window)
    for index, peak in enumerate(spec.peak_hours):
        if overlaps(backup, daily_window(peak), 24 * 60):
            yield Finding(("backups", "window"), f"the backup window {spec.backups.window} falls in peak hours {peak}")
