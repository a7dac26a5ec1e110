"""Cross-field validation rules: what AWS would reject at deploy time, or Celery get wrong.

Each rule has a stable id, a one-line summary and the source of the limit it enforces.
The registry is a literal list: adding a rule is adding a line here.
"""

from __future__ import annotations

from ..diagnostics import Diagnostic, SpecError
from ..inherit import MergedSpec
from ..spec import Spec
from . import catalogue, celery, names, schedule, security, topology
from .base import Finding, Rule

REGISTRY: list[Rule] = [
    *topology.RULES,
    *security.RULES,
    *schedule.RULES,
    *names.RULES,
    *catalogue.RULES,
    *celery.RULES,
]

__all__ = ["REGISTRY", "Finding", "Rule", "check"]


def check(spec: Spec, merged: MergedSpec) -> None:
    """Run every rule; raise SpecError with all the errors found."""
    diagnostics: list[Diagnostic] = []
    for rule in REGISTRY:
        for finding in rule.check(spec):
            diagnostics.append(Diagnostic(
                finding.message, merged.location(finding.path), finding.path, expected=finding.expected,
                suggestion=finding.suggestion, code=rule.id, notes=(f"source: {rule.source}",)))
    if diagnostics:
        diagnostics.sort(key=lambda d: (d.location.line, d.location.column) if d.location else (0, 0))
        raise SpecError(diagnostics)
