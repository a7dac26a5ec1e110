"""Best-practice and safety rules beyond validity (`cachegen lint`), one module per rule.

The registry is a literal list. A rule is silenced per spec with
`lint: {ignore: [{id: CG013, reason: "..."}]}`; a suppression without a reason does not
apply and is itself a finding (CG000).
"""

from __future__ import annotations

from ..diagnostics import Diagnostic
from ..inherit import MergedSpec
from ..model import Deployment
from . import (cg001_encryption_at_rest, cg002_encryption_in_transit, cg003_auth, cg004_ingress,
               cg005_customer_kms_key, cg006_inline_secrets, cg010_production_replica, cg011_production_multi_az,
               cg012_production_backups, cg013_production_final_snapshot, cg014_single_az_subnets,
               cg015_backup_in_peak_hours, cg020_evicting_broker, cg024_connection_budget, cg030_replacement,
               cg031_parameter_family)
from .base import SEVERITY_ORDER, Context, LintRule

REGISTRY: list[LintRule] = [
    cg001_encryption_at_rest.EncryptionAtRest(),
    cg002_encryption_in_transit.EncryptionInTransit(),
    cg003_auth.Authentication(),
    cg004_ingress.IngressFromSecurityGroups(),
    cg005_customer_kms_key.CustomerManagedKey(),
    cg006_inline_secrets.NoInlineSecrets(),
    cg010_production_replica.ProductionReplica(),
    cg011_production_multi_az.ProductionMultiAz(),
    cg012_production_backups.ProductionBackups(),
    cg013_production_final_snapshot.ProductionFinalSnapshot(),
    cg014_single_az_subnets.SubnetsInTwoAzs(),
    cg015_backup_in_peak_hours.BackupOutsidePeak(),
    cg020_evicting_broker.NoEvictionForBroker(),
    cg024_connection_budget.ConnectionBudget(),
    cg030_replacement.ReplacementChange(),
    cg031_parameter_family.ParameterFamilyChange(),
]
SUPPRESSION_ID = "CG000"
# Celery rules that AWS-style validation already rejects as errors (docs/rules.md lists them).
ENFORCED_BY_VALIDATION = {"CG021": "V601", "CG022": "V603", "CG023": "V604"}

__all__ = ["REGISTRY", "SEVERITY_ORDER", "lint"]


def lint(merged: MergedSpec, deployment: Deployment, previous: Deployment | None = None) -> list[Diagnostic]:
    ctx = Context(deployment, previous)
    ignore = deployment.spec.lint.ignore
    known = {rule.id for rule in REGISTRY}
    out: list[Diagnostic] = []
    for index, suppression in enumerate(ignore):
        path = ("lint", "ignore", index)
        if suppression.id not in known:
            out.append(Diagnostic(f"suppression of unknown rule {suppression.id}", merged.location(path), path,
                                  severity="warning", code=SUPPRESSION_ID))
        if not suppression.reason:
            out.append(Diagnostic(f"suppression of {suppression.id} has no reason, so it does not apply",
                                  merged.location(path), path, severity="warning", code=SUPPRESSION_ID,
                                  suggestion="say why: `reason: ...`"))
    silenced = {s.id for s in ignore if s.reason}
    for rule in REGISTRY:
        if rule.id in silenced:
            continue
        for finding in rule.check(ctx):
            out.append(Diagnostic(finding.message, merged.location(finding.path), finding.path,
                                  severity=rule.severity, code=rule.id, notes=(rule.summary,)))
    out.sort(key=lambda d: (d.location.file, d.location.line, d.location.column, d.code) if d.location else ("",))
    return out
