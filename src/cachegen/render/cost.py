"""Cost: out/<env>/cost/{cost.md, cost.json, cost.svg}."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from .. import catalog, cost, templates
from ..capacity import Fit, size
from ..model import Deployment
from ..plan import Plan
from . import json_text
from .escape import xml_text as escape

COLOURS = {"nodes": "#4e79a7", "nodes (reserved)": "#4e79a7", "reservation upfront, amortised": "#a0cbe8",
           "backup storage": "#f28e2b", "cross-AZ transfer": "#59a14f"}


def money(value: Decimal, places: int = 2) -> str:
    quantum = Decimal(1).scaleb(-places)
    return f"${value.quantize(quantum, rounding=ROUND_HALF_UP):,}"


def signed(value: Decimal | None) -> str:
    if value is None:
        return "unknown"
    text = money(abs(value))
    return ("-" if value < 0 else "+") + text


def decimal_text(value: Decimal | None) -> str | None:
    """An amount for JSON: its exact text, or null when it is unknown."""
    return None if value is None else str(value)


def qty(value: Decimal) -> str:
    return f"{value.normalize():f}"


def _amount(estimate: cost.Estimate | None, fallback: cost.Estimate) -> Decimal | None:
    return (estimate or fallback).monthly


def _environment(d: Deployment, own: cost.GroupCost) -> tuple[list[dict[str, Any]], dict[str, Decimal | None]]:
    """The spec's own group's file sums up the environment: each group's cost and the totals (as
    specified, and at Auto Scaling's least and most: a group without Auto Scaling stays as it is)."""
    rows, amounts = [], {"current": [], "least": [], "most": []}
    # the spec's own group is priced already (its own report): the other groups are priced here
    for group_cost in (own, *(cost.group_cost(group) for group in d.other_groups)):
        group = group_cost.group
        values = {"current": group_cost.current.monthly, "least": _amount(group_cost.least, group_cost.current),
                  "most": _amount(group_cost.most, group_cost.current)}
        for key, value in values.items():
            amounts[key].append(value)
        rows.append({"group": group.replication_group_id + (f" (groups.{group.group_key})" if group.group_key else ""),
                     "nodes": "serverless" if group.serverless else f"{group.node_count}" + (
                         f" ({group_cost.least.nodes}-{group_cost.most.nodes})" if group_cost.least and group_cost.most
                         else ""),
                     **values})
    return rows, {key: cost.total(values) for key, values in amounts.items()}


def emit(d: Deployment, plan: Plan) -> dict[str, str]:
    scaled = cost.group_cost(d)
    current = scaled.current
    alternatives, unpriced = cost.advice(d, current)
    sizing, sizing_unpriced = cost.sizing(d, current)
    environment_rows, environment_total = _environment(d, scaled) if d.other_groups else ([], {})

    def shown(value: Decimal | None) -> str:
        return money(value) if value is not None else "unknown"

    pricing = catalog.pricing()
    others = cost.other_options(d.region, d.engine)
    sources = ", ".join(f"{s['id']} {s['taken']}" for s in pricing.get("sources", []))
    return {
        "cost.md": templates.render("cost/cost.md.j2", d=d, current=current, alternatives=alternatives,
                                    unpriced=unpriced, purchase=cost.purchase_option(current),
                                    others=others, until=cost.until(current),
                                    taken=cost.catalogue_taken(),
                                    sources=sources, hours=cost.hours_per_month(), money=money, signed=signed,
                                    qty=qty, scaled=scaled,
                                    environment_costs=[{k: shown(v) if k in ("current", "least", "most") else v
                                                        for k, v in row.items()} for row in environment_rows],
                                    environment_total={k: shown(v) for k, v in environment_total.items()},
                                    group_files=", ".join(f"cost/{g.group_key}/cost.md" for g in d.other_groups),
                                    sizing=sizing, sizing_rows=_sizing_rows(d, current, sizing),
                                    sizing_unpriced=sizing_unpriced,
                                    needed=size(d.peak_bytes_per_node) if d.demand else None,
                                    usable=size(d.fit.usable_bytes) if d.fit else None),
        "cost.json": json_text.dumps({**_json(d, current, alternatives), "unpriced_alternatives": unpriced,
                                      "other_options": _other_options_json(others),
                                      **_sizing_json(d, sizing, sizing_unpriced),
                                      **_scaling_json(scaled),
                                      **({"environment": {
                                          "groups": [{k: decimal_text(v) if k in ("current", "least", "most") else v
                                                      for k, v in row.items()} for row in environment_rows],
                                          "total": {k: decimal_text(v) for k, v in environment_total.items()}}}
                                         if environment_rows else {})})
        + "\n",
        "cost.svg": svg([current] + [alt.estimate for alt in alternatives], f"{d.replication_group_id}: per month"),
    }


def _estimate_json(estimate: cost.Estimate) -> dict[str, Any]:
    return {
        "label": estimate.label,
        "engine": estimate.engine,
        "node_type": estimate.node_type,
        "nodes": estimate.nodes,
        "reserved": estimate.reserved,
        "lines": [{"component": line.component, "quantity": str(line.quantity), "unit": line.unit,
                   "unit_price": str(line.unit_price), "monthly": str(line.monthly), "note": line.note}
                  for line in estimate.lines],
        "upfront": str(estimate.upfront),
        # no total when a component is not priced: `monthly` is null, `priced_monthly` the part known
        "complete": estimate.complete,
        "fully_priced": estimate.fully_priced,  # the dated charges too
        "monthly": decimal_text(estimate.monthly),
        "priced_monthly": str(estimate.priced_monthly),
        "missing": list(estimate.missing),
        "unpriced_components": list(estimate.unpriced),
        "dated_charges": [{"component": charge.component, "starts": charge.starts, "ends": charge.ends,
                           "monthly": decimal_text(charge.monthly),
                           "monthly_total_from_then": decimal_text(estimate.monthly_from(charge)), "note": charge.note}
                          for charge in estimate.dated],
    }


def _fit_columns(fit: Fit | None) -> dict[str, str]:
    if fit is None:  # a serverless cache grows with its data
        return {"memory": "grows", "free": "", "bandwidth": "", "connections": ""}
    over = fit.needed_bytes - fit.usable_bytes
    return {"memory": f"{fit.memory_share:.0%}" if fit.usable_bytes else "no room",
            "free": size(-over) if over <= 0 else f"none ({size(over)} short)",
            "bandwidth": f"{fit.bandwidth_share:.0%}", "connections": f"{fit.connections:,} of {fit.max_clients:,}"}


def _sizing_rows(d: Deployment, current: cost.Estimate, sizing: list[cost.Sizing]) -> list[dict[str, str]]:
    """The group as specified, then each option of cost.sizing."""
    if d.demand is None:
        return []
    rows = [{"label": "as specified", "node": "serverless" if d.serverless else d.node.name, **_fit_columns(d.fit),
             "monthly": money(current.monthly) if current.monthly is not None else "unknown", "delta": ""}]
    for option in sizing:
        rows.append({"label": option.label, "node": option.estimate.node_type, **_fit_columns(option.fit),
                     "monthly": money(option.estimate.monthly) if option.estimate.monthly is not None else "unknown",
                     "delta": signed(option.monthly_delta) if option.monthly_delta is not None else "unknown"})
    return rows


def _sizing_json(d: Deployment, sizing: list[cost.Sizing], unpriced: list[str]) -> dict[str, Any]:
    if not d.roles:
        return {}
    if d.demand is None:
        return {"sizing": None}

    def fit_json(fit: Fit | None) -> dict[str, Any] | None:
        return None if fit is None else {
            "node_type": fit.node_type, "usable_bytes": fit.usable_bytes, "needed_bytes": fit.needed_bytes,
            "memory_share": round(fit.memory_share, 4), "bandwidth_share": round(fit.bandwidth_share, 4),
            "connections": fit.connections, "max_clients": fit.max_clients}

    return {"sizing": {"as_specified": fit_json(d.fit),
                       "options": [{"label": o.label, "fit": fit_json(o.fit), "estimate": _estimate_json(o.estimate),
                                    "monthly_delta": decimal_text(o.monthly_delta)} for o in sizing],
                       "unpriced": unpriced}}


def _scaling_json(scaled: cost.GroupCost) -> dict[str, Any]:
    if scaled.least is None or scaled.most is None:
        return {}
    return {"auto_scaling": {"least": _estimate_json(scaled.least), "most": _estimate_json(scaled.most)}}


def _other_options_json(others: cost.OtherOptions) -> dict[str, Any]:
    return {"serverless": {"per_gb_hour": decimal_text(others.serverless_per_gb_hour),
                           "per_million_ecpus": decimal_text(others.serverless_per_million_ecpus)},
            "data_tiering_per_node_hour": {node: str(price) for node, price in others.data_tiering_per_node_hour.items()}}


def _json(d: Deployment, current: cost.Estimate, alternatives: list[cost.Alternative]) -> dict[str, Any]:
    return {
        "environment": d.environment,
        "region": d.region,
        "currency": catalog.pricing()["currency"],
        "hours_per_month": str(cost.hours_per_month()),
        "complete": current.complete,
        "estimate": _estimate_json(current),
        "yearly": decimal_text(current.yearly),
        "alternatives": [{**_estimate_json(a.estimate), "monthly_delta": decimal_text(a.monthly_delta),
                          "yearly_delta": decimal_text(a.yearly_delta)} for a in alternatives],
    }


def svg(estimates: list[cost.Estimate], title: str) -> str:
    """One stacked bar per estimate (its cost components), scaled to the largest priced sum. A
    partial estimate's bar is outlined in dashes, ends in "?" and is labelled "partial"."""
    bar, gap, left, top, height = 28, 12, 230, 40, 300
    width = left + height + (120 if all(e.complete for e in estimates) else 180)  # room for "partial: ..."
    largest = max((e.priced_monthly for e in estimates), default=Decimal(1)) or Decimal(1)
    rows = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
            f'height="{top + len(estimates) * (bar + gap) + 40}" font-family="sans-serif" font-size="12">',
            f'<text x="10" y="24" font-size="14" font-weight="bold">{escape(title)}</text>']
    for i, estimate in enumerate(estimates):
        y = top + i * (bar + gap)
        rows.append(f'<text x="10" y="{y + bar * 0.65:.1f}">{escape(estimate.label)}</text>')
        x = Decimal(left)
        for line in estimate.lines:
            length = (line.monthly / largest * height).quantize(Decimal("0.01"))
            rows.append(f'<rect x="{x}" y="{y}" width="{length}" height="{bar}" '
                        f'fill="{COLOURS.get(line.component, "#bab0ac")}" data-monthly="{line.monthly}">'
                        f'<title>{escape(line.component)}: {money(line.monthly)}</title></rect>')
            x += length
        if estimate.complete:
            rows.append(f'<text x="{x + 6}" y="{y + bar * 0.65:.1f}">{money(estimate.priced_monthly)}</text>')
        else:
            rows.append(f'<rect x="{left}" y="{y}" width="{x - left + 24}" height="{bar}" fill="none" '
                        f'stroke="#e15759" stroke-dasharray="4 3" data-complete="false"><title>partial: '
                        f'{escape("; ".join(estimate.missing))} not priced</title></rect>')
            rows.append(f'<text x="{x + 6}" y="{y + bar * 0.65:.1f}" fill="#e15759">?</text>')
            rows.append(f'<text x="{x + 30}" y="{y + bar * 0.65:.1f}" fill="#e15759">partial: '
                        f'{money(estimate.priced_monthly)} + unknown</text>')
    legend_y = top + len(estimates) * (bar + gap) + 16
    for j, (name, colour) in enumerate((("nodes", COLOURS["nodes"]), ("upfront", COLOURS[
            "reservation upfront, amortised"]), ("backups", COLOURS["backup storage"]),
            ("cross-AZ", COLOURS["cross-AZ transfer"]))):
        rows.append(f'<rect x="{10 + j * 110}" y="{legend_y}" width="12" height="12" fill="{colour}"/>'
                    f'<text x="{26 + j * 110}" y="{legend_y + 10}">{name}</text>')
    rows.append("</svg>")
    return "\n".join(rows) + "\n"
