"""`cachegen list node-types|versions|presets|regions`: what the catalogues offer, so a spec
can be written without reading cachegen's data files."""

from __future__ import annotations

import json
import sys
from typing import Any

from .. import catalog, cost

KINDS = ("node-types", "versions", "presets", "regions")


def rows(kind: str, engine: str | None, region: str | None) -> list[dict[str, Any]]:
    if kind == "node-types":
        return _node_types(engine, region)
    if kind == "versions":
        return [{"engine": name, "version": version, "parameter_family": info["family"],
                 **{key: str(value) for key, value in (info.get("support") or {}).items()}}
                for name, data in sorted(catalog.engines().items()) if engine in (None, name)
                for version, info in data["versions"].items()]
    if kind == "presets":
        return [{"preset": name, "description": preset["description"]} for name, preset in catalog.presets().items()]
    priced = catalog.pricing()["on_demand"]
    return [{"region": code, "partition": info["partition"], "priced": code in priced}
            for code, info in sorted(catalog.regions().items()) if region in (None, code)]


def _node_types(engine: str | None, region: str | None) -> list[dict[str, Any]]:
    out = []
    for name, info in catalog.node_types().items():
        if engine is not None and engine not in info["engines"]:
            continue
        row: dict[str, Any] = {"node_type": name, "family": info["family"], "vcpu": info["vcpu"],
                               "memory_gib": info["memory_gib"], "engines": ", ".join(info["engines"]),
                               "min_redis_version": info["min_redis_version"]}
        if region is not None:  # the hourly on-demand price there, when the catalogue has it
            price = cost.node_prices(region, engine or "redis", name)["on_demand"]
            row[f"{engine or 'redis'}_per_hour_{region}"] = None if price is None else str(price)
        out.append(row)
    return out


def run(kind: str, engine: str | None, region: str | None, output_format: str) -> int:
    if region is not None and region not in catalog.regions():
        from ..diagnostics import did_you_mean

        hint = did_you_mean(region, sorted(catalog.regions()))
        print(f"cachegen: unknown region {region!r}" + (f"; {hint}" if hint else ""), file=sys.stderr)
        return 2
    table = rows(kind, engine, region)
    if output_format == "json":
        print(json.dumps(table, indent=2))
        return 0
    if not table:
        print(f"no {kind} match", flush=True)
        return 0
    headers = list(dict.fromkeys(key for row in table for key in row))
    cells = [[_cell(row.get(h)) for h in headers] for row in table]
    widths = [max(len(h), *(len(c[i]) for c in cells)) for i, h in enumerate(headers)]
    print("  ".join(h.ljust(w) for h, w in zip(headers, widths)).rstrip())
    for row in cells:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths)).rstrip())
    return 0


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)
