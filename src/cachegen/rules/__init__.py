"""The rules: one system for `cachegen validate` and `cachegen lint`.

Each rule has a stable id, a one-line summary, the public source of the fact it enforces
and a check over the spec (stage "spec") or the resolved model (stage "model"). Blocking
rules describe what AWS or Celery would reject: `validate` fails on any of them. The others
are advice with a severity, reported by `lint` and silenced per spec with
`lint: {ignore: [{id: CG013, reason: "..."}]}`. The registry is a literal list: adding a
rule is adding it to its topic's module.
"""

from __future__ import annotations

from collections.abc import Iterable

from ..diagnostics import Diagnostic, SpecError
from ..inherit import MergedSpec
from ..model import Deployment
from ..resolve import resolve
from ..spec import Spec
from . import alarms, catalogue, celery, change, names, network, schedule, security, stacks, tags, topology
from .base import Context, Finding, Rule

REGISTRY: list[Rule] = [
    *network.RULES,
    *topology.RULES,
    *security.RULES,
    *schedule.RULES,
    *names.RULES,
    *tags.RULES,
    *catalogue.RULES,
    *celery.RULES,
    *alarms.RULES,
    *stacks.RULES,
    *change.RULES,
]
SUPPRESSION_ID = "CG000"
SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}

__all__ = ["REGISTRY", "SEVERITY_ORDER", "SUPPRESSION_ID", "Context", "Finding", "Rule", "advise", "check_documents",
           "validate"]


def _diagnostics(rules: Iterable[Rule], ctx: Context) -> list[Diagnostic]:
    out = []
    for rule in rules:
        for finding in rule.check(ctx):
            notes = (f"source: {rule.source}",) if rule.blocking else (rule.summary, f"source: {rule.source}")
            out.append(Diagnostic(
                finding.message, finding.location or ctx.merged.location(finding.path, prefer_key=finding.at_key),
                finding.path,
                expected=finding.expected,
                suggestion=finding.suggestion, severity=rule.severity, code=rule.id, notes=notes))
    return out


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    return sorted(diagnostics, key=lambda d: (d.location.file, d.location.line, d.location.column, d.code)
                  if d.location else ("", 0, 0, d.code))


def check_documents(merged: MergedSpec) -> None:
    """The document rules over every file the spec reads, before the schema: raise SpecError."""
    ctx = Context(None, merged)  # type: ignore[arg-type]  # a document rule reads only `merged`
    diagnostics = _diagnostics((r for r in REGISTRY if r.blocking and r.stage == "document"), ctx)
    if diagnostics:
        raise SpecError(_sorted(diagnostics))


def validate(spec: Spec, merged: MergedSpec) -> Deployment:
    """Run every blocking rule and resolve the model; raise SpecError with all the errors found."""
    ctx = Context(spec, merged)
    blocking = [r for r in REGISTRY if r.blocking]
    diagnostics = _diagnostics((r for r in blocking if r.stage == "spec"), ctx)
    if diagnostics:  # resolve relies on everything the spec-stage rules check
        raise SpecError(_sorted(diagnostics))
    ctx.deployment_or_none = resolve(spec, merged)
    diagnostics = _diagnostics((r for r in blocking if r.stage == "model"), ctx)
    if diagnostics:
        raise SpecError(_sorted(diagnostics))
    return ctx.deployment


def advise(merged: MergedSpec, deployment: Deployment, previous: Deployment | None = None) -> list[Diagnostic]:
    """Every advice rule's findings, less the suppressed ones, plus findings about suppressions."""
    ctx = Context(deployment.spec, merged, deployment, previous)
    ignore = deployment.spec.lint.ignore
    known = {rule.id for rule in REGISTRY if not rule.blocking}
    out: list[Diagnostic] = []
    for index, suppression in enumerate(ignore):
        path = ("lint", "ignore", index)
        if suppression.id not in known:
            out.append(Diagnostic(f"suppression of unknown rule {suppression.id}", merged.location(path), path,
                                  severity="warning", code=SUPPRESSION_ID,
                                  expected="a lint rule id of docs/rules.md"))
        if not suppression.reason:
            out.append(Diagnostic(f"suppression of {suppression.id} has no reason, so it does not apply",
                                  merged.location(path), path, severity="warning", code=SUPPRESSION_ID,
                                  suggestion="say why: `reason: ...`"))
    silenced = {s.id for s in ignore if s.reason}
    out += _diagnostics((r for r in REGISTRY if not r.blocking and r.id not in silenced), ctx)
    return _sorted(out)
