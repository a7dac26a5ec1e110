"""What every lint rule is: a stable id, a severity, a one-line message, a rationale with its source."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import ClassVar, Literal

from ..diagnostics import SpecPath
from ..model import Deployment

Severity = Literal["error", "warning", "info"]
SEVERITY_ORDER = {"info": 0, "warning": 1, "error": 2}
PRODUCTION_NAMES = {"prod", "production", "prd", "live"}


@dataclass(frozen=True)
class Context:
    deployment: Deployment
    previous: Deployment | None = None  # the spec as last committed (git), for change-safety rules

    @property
    def production(self) -> bool:
        """Production: protected, or named like production, or built from a production preset."""
        d = self.deployment
        return d.spec.protected or d.environment in PRODUCTION_NAMES or d.preset in {"production", "high-performance"}


@dataclass(frozen=True)
class Finding:
    path: SpecPath
    message: str


class LintRule:
    id: ClassVar[str]
    severity: ClassVar[Severity]
    summary: ClassVar[str]
    rationale: ClassVar[str]
    source: ClassVar[str]

    def check(self, ctx: Context) -> Iterator[Finding]:
        raise NotImplementedError
