"""CG024: the Celery connection budget fits the node."""

from collections.abc import Iterator

from .base import Context, Finding, LintRule

BUFFER_BYTES = 20 * 1024  # a conservative floor of client buffer memory per idle connection


class ConnectionBudget(LintRule):
    id = "CG024"
    severity = "warning"
    summary = "Workers x concurrency x pools + other clients stay below maxclients and the node's memory"
    rationale = ("Every pooled connection counts against maxclients (65,000, fewer on small nodes) and holds "
                 "client buffers in the node's memory; a budget near either limit fails under load.")
    source = "domain.md sections 10 and 12"

    def check(self, ctx: Context) -> Iterator[Finding]:
        d = ctx.deployment
        if not d.spec.celery.enabled:
            return
        if d.connection_budget > d.max_clients * 0.8:
            yield Finding(("celery", "workers"), f"up to {d.connection_budget} connections against maxclients "
                                                 f"{d.max_clients} of {d.node.name}")
        memory = d.connection_budget * BUFFER_BYTES
        if memory > d.node.memory_gib * 1024 ** 3 * 0.1:
            yield Finding(("celery", "workers"), f"{d.connection_budget} connections hold about "
                                                 f"{memory // 1024 ** 2} MiB of buffers: over 10% of {d.node.name}")
