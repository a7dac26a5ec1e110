"""`cachegen cost SPEC...`: what each environment costs a month, side by side.

An environment whose cost the catalogue cannot fully price has no total: the table says
"unknown", names what is missing on stdout, and the command exits 1 unless `--allow-partial`.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from .. import cost
from ..compiler import compile_valid
from ..render.cost import money


def run(paths: list[Path], output_format: str = "text", allow_partial: bool = False) -> int:
    estimates = {d.environment: cost.estimate(d) for _, d in compile_valid(paths) if d is not None}
    partial = [env for env, e in estimates.items() if not e.complete]
    status = 1 if partial and not allow_partial else 0
    if output_format == "json":
        print(json.dumps({env: {"complete": e.complete,
                                "monthly": None if e.monthly is None else str(e.monthly),
                                "yearly": None if e.yearly is None else str(e.yearly),
                                "priced_monthly": str(e.priced_monthly),
                                "components": {**{line.component: str(line.monthly) for line in e.lines},
                                               **{component: None for component in e.unpriced}},
                                "missing": list(e.missing)} for env, e in estimates.items()}, indent=2))
        return status
    components = list(dict.fromkeys([*(line.component for e in estimates.values() for line in e.lines),
                                     *(c for e in estimates.values() for c in e.unpriced)]))
    header = ["", *estimates]
    table = [header]
    for component in components:
        table.append([component, *("unknown" if component in e.unpriced else
                                   money(sum((l.monthly for l in e.lines if l.component == component), Decimal(0)))
                                   for e in estimates.values())])
    table.append(["total per month", *(money(e.monthly) if e.monthly is not None else "unknown"
                                       for e in estimates.values())])
    table.append(["total per year", *(money(e.yearly) if e.yearly is not None else "unknown"
                                      for e in estimates.values())])
    if partial:
        table.append(["priced so far", *(money(e.priced_monthly) if not e.complete else ""
                                         for e in estimates.values())])
    table.append(["node count x type", *(f"{e.nodes} x {e.node_type}" for e in estimates.values())])
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    for row in table:
        print("  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
    for env in partial:
        print(f"{env}: no total: the catalogue cannot price {'; '.join(estimates[env].missing)}")
    if status:
        print("a total that leaves these out would understate the cost: exit 1 (--allow-partial to accept)")
    return status
