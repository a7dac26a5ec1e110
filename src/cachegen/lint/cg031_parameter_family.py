"""CG031: a parameter family change needs a new parameter group."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule


class ParameterFamilyChange(LintRule):
    id = "CG031"
    severity = "warning"
    summary = "An engine upgrade across parameter families gets a new parameter group"
    rationale = ("A parameter group belongs to one family (redis6.x, redis7, valkey8…): an upgrade across "
                 "families needs a new group, created before the upgrade, with the custom values carried over.")
    source = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html"

    def check(self, ctx: Context) -> Iterator[Finding]:
        if ctx.previous is None or ctx.previous.engine_family == ctx.deployment.engine_family:
            return
        yield Finding(("engine", "version"), f"parameter family changes from {ctx.previous.engine_family} to "
                                             f"{ctx.deployment.engine_family}: a new parameter group is needed")
