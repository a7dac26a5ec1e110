"""What every rule is: an id, a one-line summary, a public source, a check.

One kind of rule serves `cachegen validate` and `cachegen lint`. A rule that describes
what AWS or Celery would reject is `blocking`: validate reports it as an error (exit 2)
and nothing is built. Every other rule is advice with a severity, reported by lint and
silenced per spec with a reasoned suppression.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from ..diagnostics import Location, Severity, SpecPath
from ..spec import Spec

if TYPE_CHECKING:
    from ..inherit import MergedSpec
    from ..model import Deployment
    from ..plan import Plan


@dataclass(frozen=True)
class Finding:
    path: SpecPath  # the key of the spec to blame
    message: str
    expected: str | None = None
    suggestion: str | None = None
    location: Location | None = None  # where, when not the merged spec's position of `path` (a document rule)
    at_key: bool = False  # the key itself is wrong (an unknown name): point at it, not at its value


@dataclass
class Context:
    """What a check reads: the validated spec, and from the model stage on the resolved
    deployment (and, for change-safety advice, the one last committed)."""

    spec: Spec
    merged: MergedSpec
    deployment_or_none: Deployment | None = None
    previous: Deployment | None = None

    @property
    def deployment(self) -> Deployment:
        assert self.deployment_or_none is not None, "a spec-stage rule read the model"
        return self.deployment_or_none

    @property
    def plan(self) -> Plan:
        return self.deployment.plan


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    source: str  # public AWS, Celery, kombu or Redis documentation
    check: Callable[[Context], Iterable[Finding]]
    blocking: bool  # AWS or Celery would reject it: validate fails; else lint advice
    severity: Severity
    # "document": runs on every file read (base files included, abstract specs too), before the
    # schema; "spec": before the model is resolved (resolve relies on it); "model": after
    stage: str
    rationale: str = ""
    # "group": runs on each group's view of the spec (see cachegen.groups), with that group's
    # model; "environment": once, on the whole spec, with the spec's own group's model (whose
    # other_groups holds the rest)
    scope: str = "group"


def rule(registry: list[Rule], id: str, summary: str, source: str, *, severity: Severity = "error",
         blocking: bool = True, stage: str = "model", rationale: str = "", scope: str = "group"):
    """Register a check function as a rule of `registry` (its module's RULES list)."""
    assert blocking is False or severity == "error", id
    assert source.startswith("https://"), id

    def decorate(fn: Callable[[Context], Iterable[Finding]]) -> Callable[[Context], Iterable[Finding]]:
        registry.append(Rule(id, summary, source, fn, blocking, severity, stage, rationale, scope))
        return fn

    return decorate
