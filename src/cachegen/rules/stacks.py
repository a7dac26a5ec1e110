"""CloudFormation's limits on the stacks cachegen generates."""

from __future__ import annotations

from collections.abc import Iterator

from .. import catalog
from ..plan import DOCUMENT_BYTES, resources_size_bound
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
QUOTAS = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"


def stack_size_bound(plan, stack) -> int:
    """Upper bound of the stack's template size: no YAML is written for a stack far from the limit."""
    return DOCUMENT_BYTES + resources_size_bound([plan.get(rid).calls for rid in stack.resources])


@rule(RULES, "V801", "Every generated CloudFormation stack has at most 500 resources and a template of at most 1 MB",
      QUOTAS)
def stack_limits(ctx: Context) -> Iterator[Finding]:
    d, plan = ctx.deployment, ctx.plan
    quotas = catalog.quotas("cloudformation")
    most, largest = quotas["resources_per_stack"], quotas["template_s3_max_bytes"]
    for stack in plan.stacks:
        where = ("alarms", "stack") if stack.name == "main" and not d.alarms_in_own_stacks else ("topology", "shards")
        hint = ("set `alarms.stack: separate`: the alarms and dashboards then go to stacks of their own"
                if where == ("alarms", "stack") else "fewer nodes or fewer tags")
        if len(stack.resources) > most:
            yield Finding(where, f"{stack.file} would hold {len(stack.resources)} resources "
                                 f"({d.node_count} nodes, {len(d.alarms)} alarms); CloudFormation allows {most}",
                          expected=f"at most {most} resources per stack", suggestion=hint)
            continue
        if stack_size_bound(plan, stack) <= largest:
            continue
        from ..render.cloudformation import stack_bytes  # the real size, only near the limit

        size = stack_bytes(plan, stack)
        if size > largest:
            yield Finding(where, f"{stack.file} would be {size:,} bytes; CloudFormation takes templates of at "
                                 f"most {largest:,} bytes", expected="a smaller template", suggestion=hint)
