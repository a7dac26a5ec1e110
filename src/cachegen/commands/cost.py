"""`cachegen cost SPEC...`: what each environment costs a month, side by side."""

from __future__ import annotations

import json
import sys
from decimal import Decimal
from pathlib import Path

from .. import cost
from ..compiler import compile_valid
from ..render.cost import money


def run(paths: list[Path], output_format: str = "text") -> int:
    estimates = {d.environment: cost.estimate(d) for _, d in compile_valid(paths) if d is not None}
    if output_format == "json":
        print(json.dumps({env: {"monthly": str(e.monthly), "yearly": str(e.monthly * 12),
                                "components": {line.component: str(line.monthly) for line in e.lines},
                                "missing": list(e.missing)} for env, e in estimates.items()}, indent=2))
        return 0
    components = list(dict.fromkeys(line.component for e in estimates.values() for line in e.lines))
    header = ["", *estimates]
    table = [header]
    for component in components:
        table.append([component, *(money(sum((l.monthly for l in e.lines if l.component == component), Decimal(0)))
                                   for e in estimates.values())])
    table.append(["total per month", *(money(e.monthly) for e in estimates.values())])
    table.append(["total per year", *(money(e.monthly * 12) for e in estimates.values())])
    table.append(["nodes", *(f"{e.nodes} x {e.node_type}" for e in estimates.values())])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
    for env, e in estimates.items():
        for item in e.missing:
            print(f"{env}: not priced: {item}", file=sys.stderr)
    return 0
