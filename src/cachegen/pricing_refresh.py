"""Rebuild the node prices of the pricing catalogue from the AWS Price List API.

Only node-hour SKUs count: the usage type is `NodeUsage:<type>`, with a region prefix
outside us-east-1 (`USW2-NodeUsage:cache.t4g.micro`). The same node also appears under
other usage types — ExtendedSupport (old engines past standard support) and
SyncDurability — at other prices; those are the traps that would overwrite the real
price, so they are dropped. Two NodeUsage SKUs for one (region, engine, node) with
different prices are reported, never silently resolved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

NODE_USAGE = re.compile(r"^(?:[A-Z]{2,4}\d?-)?NodeUsage:(cache\.[a-z0-9]+\.[a-z0-9]+)$")
ENGINES = {"Redis": "redis", "Valkey": "valkey"}
PURCHASE = {"No Upfront": "no_upfront", "Partial Upfront": "partial_upfront", "All Upfront": "all_upfront"}


@dataclass
class Refreshed:
    on_demand: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    reserved: dict[str, Any] = field(default_factory=dict)
    conflicts: list[str] = field(default_factory=list)
    skipped: dict[str, int] = field(default_factory=dict)


def fetch(client: Any, regions: Iterable[str] | None = None) -> Refreshed:
    """Every Cache Instance product of AmazonElastiCache, page by page."""
    filters = [{"Type": "TERM_MATCH", "Field": "productFamily", "Value": "Cache Instance"}]
    result = Refreshed()
    wanted = set(regions) if regions else None
    token = None
    while True:
        kwargs: dict[str, Any] = {"ServiceCode": "AmazonElastiCache", "Filters": filters, "FormatVersion": "aws_v1",
                                  "MaxResults": 100}
        if token:
            kwargs["NextToken"] = token
        page = client.get_products(**kwargs)
        for item in page.get("PriceList", []):
            _add(result, json.loads(item) if isinstance(item, str) else item, wanted)
        token = page.get("NextToken")
        if not token:
            return result


def _skip(result: Refreshed, reason: str) -> None:
    result.skipped[reason] = result.skipped.get(reason, 0) + 1


def _add(result: Refreshed, product: dict[str, Any], wanted: set[str] | None) -> None:
    attributes = product["product"]["attributes"]
    engine = ENGINES.get(attributes.get("cacheEngine", ""))
    if engine is None:
        _skip(result, f"engine {attributes.get('cacheEngine')}")
        return
    match = NODE_USAGE.match(attributes.get("usagetype", ""))
    if not match:
        _skip(result, f"usage type {attributes.get('usagetype', '').split(':')[0]}")
        return
    region, node = attributes["regionCode"], match[1]
    if wanted is not None and region not in wanted:
        return
    for term in product.get("terms", {}).get("OnDemand", {}).values():
        for dimension in term["priceDimensions"].values():
            if dimension.get("unit") == "Hrs":
                _set(result, result.on_demand.setdefault(region, {}).setdefault(engine, {}), node,
                     _usd(dimension), f"on-demand {region} {engine} {node}")
    for term in product.get("terms", {}).get("Reserved", {}).values():
        attributes_ = term.get("termAttributes", {})
        length, option = attributes_.get("LeaseContractLength"), PURCHASE.get(attributes_.get("PurchaseOption", ""))
        if length not in ("1yr", "3yr") or option is None:
            continue
        offer = {"upfront": "0", "hourly": "0"}
        for dimension in term["priceDimensions"].values():
            offer["upfront" if dimension.get("unit") == "Quantity" else "hourly"] = _usd(dimension)
        slot = result.reserved.setdefault(region, {}).setdefault(engine, {}).setdefault(node, {}).setdefault(length, {})
        _set(result, slot, option, offer, f"reserved {region} {engine} {node} {length} {option}")


def _usd(dimension: dict[str, Any]) -> str:
    return f"{Decimal(dimension['pricePerUnit']['USD']).normalize():f}"  # 100, not 1E+2


def _set(result: Refreshed, target: dict[str, Any], key: str, value: Any, what: str) -> None:
    if key in target and target[key] != value:
        result.conflicts.append(f"{what}: {target[key]} and {value}")
        return
    target[key] = value


def merge_into(catalogue: dict[str, Any], refreshed: Refreshed, taken: str) -> dict[str, Any]:
    """The catalogue with refreshed node prices; everything else (backup, transfer) kept,
    and the Price List API recorded as the node prices' source with the date taken."""
    updated = dict(catalogue)
    updated["on_demand"] = refreshed.on_demand
    updated["reserved"] = refreshed.reserved
    sources = [s for s in catalogue.get("sources", []) if s.get("id") != "aws-price-list-api"]
    updated["sources"] = [*sources, {"id": "aws-price-list-api", "url": "pricing:GetProducts AmazonElastiCache",
                                     "taken": taken, "note": "on_demand and reserved node prices"}]
    return updated


def diff(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """Readable changes between two catalogue trees."""
    lines: list[str] = []
    for key in sorted(set(old) | set(new)):
        path = f"{prefix}.{key}" if prefix else key
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            lines.extend(diff(a, b, path))
        elif a != b:
            lines.append(f"{path}: {a} -> {b}" if a is not None and b is not None
                         else f"{path}: {'added ' + str(b) if a is None else 'removed ' + str(a)}")
    return lines
