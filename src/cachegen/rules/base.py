from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..diagnostics import SpecPath
from ..spec import Spec


@dataclass(frozen=True)
class Finding:
    path: SpecPath
    message: str
    expected: str | None = None
    suggestion: str | None = None


@dataclass(frozen=True)
class Rule:
    id: str
    summary: str
    source: str
    check: Callable[[Spec], Iterable[Finding]]


def rule(registry: list[Rule], id: str, summary: str, source: str):
    """Register a check function as a rule of `registry` (the module's RULES list)."""

    def decorate(fn: Callable[[Spec], Iterable[Finding]]) -> Callable[[Spec], Iterable[Finding]]:
        registry.append(Rule(id, summary, source, fn))
        return fn

    return decorate
