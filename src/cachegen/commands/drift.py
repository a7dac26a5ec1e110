"""`cachegen drift SPEC`: what runs in AWS against the spec (exit 1 on any difference)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import drift
from ..compiler import compile_spec


def run(spec: Path, region: str | None, output_format: str) -> int:
    _, deployment = compile_spec(spec)
    if deployment is None:
        print(f"{spec}: abstract spec (a base for others): nothing deployed to compare", file=sys.stderr)
        return 2
    import boto3  # only this command talks to AWS

    session = boto3.session.Session(region_name=region or deployment.region)
    report = drift.check(deployment, session.client)
    if output_format == "json":
        print(json.dumps({"differences": [vars(d) for d in report.differences], "not_checked": report.not_checked},
                         indent=2, default=str))
    else:
        for difference in report.differences:
            print(f"{difference.resource}: {difference.setting}: spec {difference.expected!r}, "
                  f"live {difference.actual!r}")
        for item in report.not_checked:
            print(f"not checked: {item}", file=sys.stderr)
        print(f"{len(report.differences)} difference{'s' if len(report.differences) != 1 else ''} "
              f"({deployment.replication_group_id})", file=sys.stderr)
    return 1 if report.differences else 0
