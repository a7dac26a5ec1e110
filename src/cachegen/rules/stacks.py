"""CloudFormation's limits on the stacks cachegen generates."""

from __future__ import annotations

import json
from collections.abc import Iterator

from .. import catalog
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
QUOTAS = "https://docs.aws.amazon.com/AWSCloudFormation/latest/UserGuide/cloudformation-limits.html"
# A cheap bound of a template's size, so that `validate` writes no YAML for a stack far from the
# limit: YAML_PER_JSON_BYTE bytes per byte of the resources' API inputs as compact JSON,
# RESOURCE_BYTES more per resource (type, policies, intrinsic functions) and DOCUMENT_BYTES for the
# comments, the description and the outputs. The property tests check it on every generated stack.
YAML_PER_JSON_BYTE = 4
RESOURCE_BYTES = 512
DOCUMENT_BYTES = 16_384


def size_bound(plan, stack) -> int:
    return DOCUMENT_BYTES + sum(
        YAML_PER_JSON_BYTE * len(json.dumps(plan.get(rid).calls, default=repr, ensure_ascii=False).encode("utf-8"))
        + RESOURCE_BYTES for rid in stack.resources)


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
        if size_bound(plan, stack) <= largest:
            continue
        from ..render.cloudformation import stack_bytes  # the real size, only near the limit

        size = stack_bytes(plan, stack)
        if size > largest:
            yield Finding(where, f"{stack.file} would be {size:,} bytes; CloudFormation takes templates of at "
                                 f"most {largest:,} bytes", expected="a smaller template", suggestion=hint)
