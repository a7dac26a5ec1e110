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
from ..groups import group_key, real_path, views
from ..inherit import MergedSpec
from ..model import Deployment
from ..resolve import environment, resolve
from ..spec import Spec
from . import (alarms, capacity, catalogue, celery, change, global_datastore, groups, names, network, schedule, scaling, security, serverless, stacks,
               tags, tiering, topology)
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
    *groups.RULES,
    *scaling.RULES,
    *serverless.RULES,
    *tiering.RULES,
    *global_datastore.RULES,
    *capacity.RULES,
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
            path = real_path(ctx.merged, finding.path)
            key = group_key(ctx.merged)
            # a group's finding on a value the group shares with the spec says which group it is about
            message = finding.message if key is None or path[:2] == ("groups", key) else \
                f"{finding.message} (in groups.{key})"
            out.append(Diagnostic(
                message, finding.location or ctx.merged.location(finding.path, prefer_key=finding.at_key),
                path,
                expected=finding.expected,
                suggestion=finding.suggestion, severity=rule.severity, code=rule.id, notes=notes))
    return out


def _sorted(diagnostics: list[Diagnostic]) -> list[Diagnostic]:
    """By position, each finding once (a rule may find the same shared value in several groups' views)."""
    unique = {(str(d.location), d.code, d.message, repr(d.path)): d for d in diagnostics}
    return sorted(unique.values(), key=lambda d: (d.location.file, d.location.line, d.location.column, d.code)
                  if d.location else ("", 0, 0, d.code))


def _run(stage: str, blocking: bool, whole: Context, groups_ctx: list[Context], skip: frozenset[str] = frozenset()
         ) -> list[Diagnostic]:
    """The rules of a stage: environment rules once on the whole spec, group rules on each group's view."""
    chosen = [r for r in REGISTRY if r.blocking == blocking and r.stage == stage and r.id not in skip]
    out = _diagnostics((r for r in chosen if r.scope == "environment"), whole)
    own: set[tuple[str, str, str]] = set()  # the spec's own group's findings (its view comes first)
    for index, ctx in enumerate(groups_ctx):
        found = _diagnostics((r for r in chosen if r.scope == "group"), ctx)
        keys = [(str(d.location), d.code, repr(d.path)) for d in found]
        if index == 0:
            own = set(keys)
        else:  # a value the groups share is reported once, for the spec's own group
            found = [d for d, k in zip(found, keys) if k not in own]
        out += found
    return out


def check_documents(merged: MergedSpec) -> None:
    """The document rules over every file the spec reads, before the schema: raise SpecError."""
    ctx = Context(None, merged)  # type: ignore[arg-type]  # a document rule reads only `merged`
    diagnostics = _diagnostics((r for r in REGISTRY if r.blocking and r.stage == "document"), ctx)
    if diagnostics:
        raise SpecError(_sorted(diagnostics))


def validate(spec: Spec, merged: MergedSpec) -> Deployment:
    """Run every blocking rule on every group and resolve the model; raise SpecError with all the
    errors found. The Deployment is the spec's own group's, holding the others (other_groups)."""
    whole = Context(spec, merged)
    group_contexts = [Context(view_spec, view) for view_spec, view in views(spec, merged)]
    diagnostics = _run("spec", True, whole, group_contexts)
    if diagnostics:  # resolve relies on everything the spec-stage rules check
        raise SpecError(_sorted(diagnostics))
    for ctx in group_contexts:
        ctx.deployment_or_none = resolve(ctx.spec, ctx.merged)
    whole.deployment_or_none = environment([ctx.deployment for ctx in group_contexts], spec)
    group_contexts[0].deployment_or_none = whole.deployment
    diagnostics = _run("model", True, whole, group_contexts)
    if diagnostics:
        raise SpecError(_sorted(diagnostics))
    return whole.deployment


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
    silenced = frozenset(s.id for s in ignore if s.reason)
    group_contexts = [Context(view_spec, view, group, _previous_group(previous, group.group_key))
                      for (view_spec, view), group in zip(views(deployment.spec, merged), deployment.all_groups)]
    out += _run("model", False, ctx, group_contexts, silenced)
    return _sorted(out)


def _previous_group(previous: Deployment | None, key: str | None) -> Deployment | None:
    """The same group in the last committed deployment (None: it is new, or nothing was committed)."""
    if previous is None:
        return None
    return next((g for g in previous.all_groups if g.group_key == key), None)
