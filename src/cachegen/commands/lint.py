"""`cachegen lint SPEC...`: best-practice and safety findings, as text, JSON or SARIF.

Exit 2 when a spec is invalid, 1 when a finding at or above --fail-on exists, else 0.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any

from .. import __version__
from ..compiler import compile_valid, with_dependents
from ..diagnostics import Diagnostic, render_json
from ..previous import previous_deployment
from ..rules import REGISTRY, SEVERITY_ORDER, advise

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}


def run(paths: list[Path], output_format: str, fail_on: str, against: str | None, quiet: bool = False) -> int:
    paths = with_dependents(paths)  # a base file is judged by the specs that extend it
    findings: list[Diagnostic] = []
    for path, (merged, deployment) in zip(paths, compile_valid(paths)):
        if deployment is None:
            continue  # an abstract base: its children are linted
        previous = previous_deployment(path, against) if against else None
        findings.extend(advise(merged, deployment, previous))
    if output_format == "json":
        print(render_json(findings))
    elif output_format == "sarif":
        print(json.dumps(sarif(findings), indent=2))
    else:
        for finding in findings:
            where = f"{finding.location}: " if finding.location else ""
            print(f"{where}{finding.code} {finding.severity}: {finding.message}")
        if findings or not quiet:
            print(f"{len(findings)} finding{'s' if len(findings) != 1 else ''} in {len(paths)} "
                  f"file{'s' if len(paths) != 1 else ''}", file=sys.stderr)
    threshold = SEVERITY_ORDER[fail_on]
    return 1 if any(SEVERITY_ORDER[f.severity] >= threshold for f in findings) else 0


def sarif(findings: list[Diagnostic]) -> dict[str, Any]:
    rules = [{
        "id": rule.id,
        "name": rule.check.__name__,
        "shortDescription": {"text": rule.summary},
        "fullDescription": {"text": rule.rationale or rule.summary},
        "help": {"text": f"{rule.rationale} Source: {rule.source}".strip()},
        "helpUri": rule.source,
        "defaultConfiguration": {"level": SARIF_LEVEL[rule.severity]},
    } for rule in REGISTRY if not rule.blocking]
    index = {rule["id"]: i for i, rule in enumerate(rules)}
    results = []
    for finding in findings:
        result: dict[str, Any] = {"ruleId": finding.code, "level": SARIF_LEVEL[finding.severity],
                                  "message": {"text": finding.message}}
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        if finding.location:
            result["locations"] = [{"physicalLocation": {
                "artifactLocation": {"uri": Path(finding.location.file).as_posix()},
                "region": {"startLine": finding.location.line, "startColumn": finding.location.column}}}]
        results.append(result)
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {"name": "cachegen", "version": __version__, "rules": rules}},
            "originalUriBaseIds": {"SRCROOT": {"uri": Path(os.getcwd()).as_uri() + "/"}},
            "results": results,
        }],
    }
