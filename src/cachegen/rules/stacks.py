"""CloudFormation's limits on the stacks cachegen generates."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
QUOTAS = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"


@rule(RULES, "V801", "Every generated CloudFormation stack has at most 500 resources and a template of at most 1 MB",
      QUOTAS)
def stack_limits(ctx: Context) -> Iterator[Finding]:
    from ..render.cloudformation import RESOURCES_MAX, TEMPLATE_S3_MAX_BYTES, stack_bytes_at_most

    d, plan = ctx.deployment, ctx.plan
    for stack in plan.stacks:
        where = ("alarms", "stack") if stack.name == "main" and not d.alarms_in_own_stacks else ("topology", "shards")
        hint = ("set `alarms.stack: separate`: the alarms and dashboards then go to stacks of their own"
                if where == ("alarms", "stack") else "fewer nodes or fewer tags")
        if len(stack.resources) > RESOURCES_MAX:
            yield Finding(where, f"{stack.file} would hold {len(stack.resources)} resources "
                                 f"({d.node_count} nodes, {len(d.alarms)} alarms); CloudFormation allows {RESOURCES_MAX}",
                          expected=f"at most {RESOURCES_MAX} resources per stack", suggestion=hint)
            continue
        size = stack_bytes_at_most(plan, stack)
        if size > TEMPLATE_S3_MAX_BYTES:
            yield Finding(where, f"{stack.file} would be about {size:,} bytes; CloudFormation takes templates of at most "
                                 f"{TEMPLATE_S3_MAX_BYTES:,} bytes", expected="a smaller template", suggestion=hint)
