"""`cachegen cost SPEC...`: what each environment costs a month, side by side.

An environment whose cost the catalogue cannot fully price has no total: the table says
"unknown", names what is missing, and the command exits 1 unless `--allow-partial`.
Formats: a text table, Markdown, JSON, or one SVG chart with every environment on one scale.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from .. import cost
from ..capacity import size
from ..compiler import compile_valid
from ..render.cost import decimal_text, money, svg
from ..render.escape import markdown


def run(paths: list[Path], output_format: str = "text", allow_partial: bool = False) -> int:
    environments = [d for _, d in compile_valid(paths) if d is not None]
    # a column per group: an environment of several groups has several (its total is in the notes)
    deployments = [group for d in environments for group in d.all_groups]
    labels = [_label(group) for group in deployments]
    estimates = {label: cost.estimate(group, label=label) for label, group in zip(labels, deployments)}
    partial = [env for env, e in estimates.items() if not e.fully_priced]
    status = 1 if partial and not allow_partial else 0
    if output_format == "json":
        print(json.dumps({label: {"region": d.region, "engine": f"{d.engine} {d.engine_version}",
                                          "purchase_option": cost.purchase_option(e), "complete": e.complete,
                                          "fully_priced": e.fully_priced,
                                          "monthly": decimal_text(e.monthly), "yearly": decimal_text(e.yearly),
                                          "priced_monthly": str(e.priced_monthly),
                                          "components": {**{line.component: str(line.monthly) for line in e.lines},
                                                         **{component: None for component in e.unpriced}},
                                          "dated_charges": [{"component": c.component, "starts": c.starts,
                                                             "ends": c.ends, "monthly": decimal_text(c.monthly)}
                                                            for c in e.dated],
                                          "missing": list(e.missing),
                                          "sizing": _sizing_json(d, e)}
                          for label, d, e in zip(labels, deployments, estimates.values())}, indent=2))
        return status
    if output_format == "svg":
        print(svg(list(estimates.values()), "Monthly cost by environment"), end="")
        return status
    table = _table(deployments, estimates)
    taken = cost.catalogue_taken()
    if output_format == "md":
        print(f"Prices from cachegen's catalogue (figures taken {taken}), USD per month.\n")
        print("| " + " | ".join(markdown(cell) for cell in table[0]) + " |")
        print("|---|" + "---:|" * (len(table[0]) - 1))
        for row in table[1:]:
            print("| " + " | ".join(markdown(cell) for cell in row) + " |")
        notes = _notes(estimates, status) + _environment_totals(environments, estimates)
        if notes:
            print()
            for note in notes:
                print(f"- {markdown(note)}")
        return status
    print(f"prices from cachegen's catalogue (figures taken {taken}), USD")
    widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
    for row in table:
        print("  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i]) for i, cell in enumerate(row)))
    for note in _notes(estimates, status) + _environment_totals(environments, estimates):
        print(note)
    return status


def _table(deployments: list, estimates: dict[str, cost.Estimate]) -> list[list[str]]:
    dated_components = {c.component for e in estimates.values() for c in e.dated}  # rows of their own, below
    components = list(dict.fromkeys([*(line.component for e in estimates.values() for line in e.lines),
                                     *(c for e in estimates.values() for c in e.unpriced if c not in dated_components)]))
    table = [["", *estimates],
             ["region", *(d.region for d in deployments)],
             ["engine", *(f"{d.engine} {d.engine_version}" for d in deployments)],
             ["node count x type", *("serverless (no nodes)" if e.node_type == cost.SERVERLESS_NODE
                                     else f"{e.nodes} x {e.node_type}" for e in estimates.values())],
             ["purchase option", *(cost.purchase_option(e) for e in estimates.values())]]
    for component in components:
        table.append([component, *("unknown" if component in e.unpriced else
                                   money(sum((l.monthly for l in e.lines if l.component == component), Decimal(0)))
                                   if any(l.component == component for l in e.lines) else "-"  # not one of its charges
                                   for e in estimates.values())])
    table.append(["total per month", *(money(e.monthly) if e.monthly is not None else "unknown"
                                       for e in estimates.values())])
    table.append(["total per year", *(money(e.yearly) if e.yearly is not None else "unknown"
                                      for e in estimates.values())])
    dated = list(dict.fromkeys(f"from {c.starts}: {c.component}" for e in estimates.values() for c in e.dated))
    if dated:  # the totals above hold until the first dated charge starts
        table.append(["totals hold until", *(cost.until(e) or "" for e in estimates.values())])
    for label in dated:  # a charge that starts on a fixed date (Extended Support), stated with its date
        table.append([label, *(_dated_cell(e, label) for e in estimates.values())])
    if any(not e.complete for e in estimates.values()):
        table.append(["priced so far", *(money(e.priced_monthly) if not e.complete else ""
                                         for e in estimates.values())])
    return table + _sizing_rows(deployments, estimates)


def _sizing_rows(deployments: list, estimates: dict[str, cost.Estimate]) -> list[list[str]]:
    """What each group's workload needs and the cheapest ways to run it (docs/capacity.md): rows
    for the options any group has, "-" where a group has none, "unknown" without a workload."""
    if not any(d.roles for d in deployments):
        return []
    options = [{o.label: o for o in cost.sizing(d, e)[0]} for d, e in zip(deployments, estimates.values())]
    rows = [["workload peak per node", *(_peak(d) for d in deployments)],
             ["memory used", *("" if d.fit is None else f"{d.fit.memory_share:.0%}" if d.fit.usable_bytes
                               else "no room" for d in deployments)]]
    for label in dict.fromkeys(label for group in options for label in group):
        rows.append([label, *(_option(group.get(label)) for group in options)])
    return rows


def _peak(d) -> str:
    if not d.roles:
        return "-"  # no Celery role: no workload falls on it
    if d.demand is None:
        return "unknown: no workload"
    return size(d.peak_bytes_per_node)


def _option(option: cost.Sizing | None) -> str:
    if option is None:
        return "-"
    node = "" if option.fit is None else f"{option.fit.node_type}, {option.fit.memory_share:.0%} used, "
    price = "unknown" if option.estimate.monthly is None else money(option.estimate.monthly)
    return f"{node}{price}"


def _sizing_json(d, estimate: cost.Estimate) -> dict | None:
    """The workload's need and the cheapest options (null without a workload or a Celery role)."""
    if d.demand is None:
        return None
    return {"needed_per_node_bytes": d.peak_bytes_per_node,
            "memory_share": None if d.fit is None or not d.fit.usable_bytes else round(d.fit.memory_share, 4),
            "options": [{"label": o.label, "node_type": o.estimate.node_type,
                         "memory_share": None if o.fit is None else round(o.fit.memory_share, 4),
                         "monthly": decimal_text(o.estimate.monthly)} for o in cost.sizing(d, estimate)[0]]}


def _dated_cell(estimate: cost.Estimate, label: str) -> str:
    for charge in estimate.dated:
        if f"from {charge.starts}: {charge.component}" == label:
            return "unknown" if charge.monthly is None else money(charge.monthly)
    return "none"


def _label(group) -> str:
    """A group's column: its environment, and for another group its key."""
    return group.environment + (f" groups.{group.group_key}" if group.group_key else "")


def _environment_totals(environments: list, estimates: dict[str, cost.Estimate]) -> list[str]:
    """An environment of several groups: its total per month, unknown when any group's is."""
    notes = []
    for d in environments:
        if not d.other_groups:
            continue
        parts = [estimates[_label(g)].monthly for g in d.all_groups]
        total = cost.total(parts)
        notes.append(f"{d.environment}: {len(parts)} groups, {money(total) if total is not None else 'unknown'} "
                     f"per month together")
    return notes


def _notes(estimates: dict[str, cost.Estimate], status: int) -> list[str]:
    notes = [f"{env}: no total: the catalogue cannot price {'; '.join(e.missing)}"
             for env, e in estimates.items() if not e.complete]
    notes += [f"{env}: the cost from {charge.starts} is unknown: the catalogue lacks the {charge.component} rate of "
              f"{e.node_type}" for env, e in estimates.items() for charge in e.dated_unknown]
    if status:
        notes.append("an unknown figure is not counted as zero: exit 1 (--allow-partial to accept)")
    return notes
