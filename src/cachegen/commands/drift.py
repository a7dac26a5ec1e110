"""`cachegen drift SPEC`: what runs in AWS against the spec.

Exit 1 on any difference; 4 when there is none but some part could not be read (no
credentials, a missing permission, a failing endpoint), so "no difference" was not shown;
0 only when everything was read and matches.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .. import aws, drift
from ..compiler import compile_spec

EXIT_INCOMPLETE = 4


def run(spec: Path, region: str | None, output_format: str) -> int:
    _, deployment = compile_spec(spec)
    if deployment is None:
        print(f"{spec}: abstract spec (a base for others): nothing deployed to compare", file=sys.stderr)
        return 2
    boto3 = aws.boto3("drift")  # only this command talks to AWS

    session = boto3.session.Session(region_name=region or deployment.region)
    report = drift.check(deployment, session.client)
    if output_format == "json":
        print(json.dumps({"differences": [vars(d) for d in report.differences], "complete": report.complete,
                           "not_checked": [{"what": what, "reason": reason} for what, reason in report.not_checked]},
                         indent=2, default=str))
    else:
        for difference in report.differences:
            print(f"{difference.resource}: {difference.setting}: spec {difference.expected!r}, "
                  f"live {difference.actual!r}")
        reasons: dict[str, list[str]] = {}
        for what, reason in report.not_checked:  # one line per cause, however many parts it stopped
            reasons.setdefault(reason, []).append(what)
        for reason, parts in reasons.items():
            print(f"could not check {', '.join(parts)}: {reason}", file=sys.stderr)
        summary = (f"{len(report.differences)} difference{'s' if len(report.differences) != 1 else ''} "
                   f"({', '.join(g.replication_group_id for g in deployment.all_groups)})")
        if not report.complete:
            summary += (f"; {len(report.not_checked)} part{'s' if len(report.not_checked) != 1 else ''} not checked, "
                        "so this is not a clean bill")
        print(summary, file=sys.stderr)
    if report.differences:
        return 1
    return 0 if report.complete else EXIT_INCOMPLETE
