"""Rebuild the node prices of the pricing catalogue from the AWS Price List API.

Node-hour SKUs have the usage type `NodeUsage:<type>`, with a region prefix outside
us-east-1 (`USW2-NodeUsage:cache.t4g.micro`). The same node also appears under other usage
types at other prices, which must never overwrite the node price: Extended Support (an engine
version past standard support, billed on top of the node price in two tiers,
`USE1-ExtendedSupportYr1_Yr2-NodeUsage:<type>` and `...ExtendedSupportYr3-NodeUsage:<type>`),
kept apart as such, and SyncDurability, dropped. Two SKUs for one (region, engine, node, usage)
with different prices are reported, never silently resolved.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

NODE_USAGE = re.compile(r"^(?:[A-Z]{2,4}\d?-)?NodeUsage:(cache\.[a-z0-9]+\.[a-z0-9]+)$")
EXTENDED_SUPPORT_USAGE = re.compile(r"^(?:[A-Z]{2,4}\d?-)?ExtendedSupport(Yr1_Yr2|Yr3)-NodeUsage:(cache\.[a-z0-9]+\.[a-z0-9]+)$")
ENGINES = {"Redis": "redis", "Valkey": "valkey"}
PURCHASE = {"No Upfront": "no_upfront", "Partial Upfront": "partial_upfront", "All Upfront": "all_upfront"}


@dataclass
class Refreshed:
    on_demand: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    reserved: dict[str, Any] = field(default_factory=dict)
    extended_support: dict[str, Any] = field(default_factory=dict)  # region/engine/node -> yr1_yr2, yr3
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
    usage = attributes.get("usagetype", "")
    match = NODE_USAGE.match(usage)
    extended = EXTENDED_SUPPORT_USAGE.match(usage)
    if not (match or extended):
        _skip(result, f"usage type {usage.split(':')[0]}")
        return
    region = attributes["regionCode"]
    if wanted is not None and region not in wanted:
        return
    if extended:
        tier, node = extended[1].lower(), extended[2]
        for term in product.get("terms", {}).get("OnDemand", {}).values():
            for dimension in term["priceDimensions"].values():
                if dimension.get("unit") == "Hrs":
                    _set(result, result.extended_support.setdefault(region, {}).setdefault(engine, {}).setdefault(
                        node, {}), tier, _usd(dimension), f"Extended Support {tier} {region} {engine} {node}")
        return
    node = match[1]
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
    return price_text(dimension["pricePerUnit"]["USD"])


def price_text(text: str) -> str:
    """A price as the catalogue writes it: "0.2190000000" -> "0.219", "100" stays "100" (not 1E+2)."""
    return f"{Decimal(text).normalize():f}"


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
    updated["extended_support"] = refreshed.extended_support
    sources = [s for s in catalogue.get("sources", []) if s.get("id") != "aws-price-list-api"]
    updated["sources"] = [*sources, {"id": "aws-price-list-api", "url": "pricing:GetProducts AmazonElastiCache",
                                     "taken": taken, "note": "on_demand, reserved and extended_support node prices"}]
    return updated


def diff(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """Readable changes between two catalogue trees."""
    lines: list[str] = []
    for key in sorted(set(old) | set(new)):
        path = f"{prefix}.{key}" if prefix else key
        a, b = old.get(key), new.get(key)
        if isinstance(a, dict) and isinstance(b, dict):
            lines.extend(diff(a, b, path))
        elif a is None and isinstance(b, dict) or b is None and isinstance(a, dict):
            lines.append(f"{path}: {'added' if a is None else 'removed'} ({_figures(a if b is None else b)} figures)")
        elif a != b:
            lines.append(f"{path}: {a} -> {b}" if a is not None and b is not None
                         else f"{path}: {'added ' + str(b) if a is None else 'removed ' + str(a)}")
    return lines


# The catalogue is written by hand in one layout and rewritten by `pricing refresh` in the same
# one, so that a refresh's diff shows prices, not formatting. Its comment header is kept as is.
_BLOCK_KEYS = re.compile(r"^(cache\.\S+|[a-z]{2}(-[a-z]+)+-\d|redis|valkey|[13]yr)$")


def render(catalogue: dict[str, Any], header: str) -> str:
    """The catalogue file: `header` (its comment lines), then every key in the layout the
    committed file uses: nested mappings in blocks, down to the offers, which fit a line."""
    out = [header.rstrip("\n") + "\n"]
    previous_scalar = False
    for key, value in catalogue.items():
        scalar = not isinstance(value, (dict, list))
        if not (scalar and previous_scalar):
            out.append("\n")
        previous_scalar = scalar
        if key == "sources" and not value:
            out.append("sources: []\n")
        elif key == "sources":
            out.append("sources:\n")
            for source in value:
                out.extend(f"{'  - ' if i == 0 else '    '}{k}: {_scalar(v)}\n" for i, (k, v) in enumerate(source.items()))
        elif isinstance(value, dict) and value:
            out.append(f"{key}:\n")
            _block(value, 1, out)
        elif isinstance(value, dict):
            out.append(f"{key}: {{}}\n")
        else:
            out.append(f"{key}: {_scalar(value)}\n")
    return "".join(out)


def _block(mapping: dict[str, Any], depth: int, out: list[str]) -> None:
    for key, value in mapping.items():
        indent = "  " * depth
        if isinstance(value, dict) and value and all(_BLOCK_KEYS.match(k) for k in value):
            out.append(f"{indent}{key}:\n")
            _block(value, depth + 1, out)
        else:
            out.append(f"{indent}{key}: {_flow(value)}\n")


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    return _scalar(value)


_PLAIN = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)+|[A-Z]{3}")  # ids and currency codes: never a YAML keyword


def _scalar(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    text = str(value)
    return text if _PLAIN.fullmatch(text) else json.dumps(text)


def _figures(tree: Any) -> int:
    return sum(_figures(value) for value in tree.values()) if isinstance(tree, dict) else 1


def header_of(text: str) -> str:
    """The comment lines a catalogue file starts with."""
    lines = []
    for line in text.splitlines(keepends=True):
        if line.strip() and not line.startswith("#"):
            break
        lines.append(line)
    return "".join(lines)
