"""Read AWS's published ElastiCache price maps into the pricing catalogue's shape.

The maps are the JSON files behind aws.amazon.com/elasticache/pricing
(https://b0.p.awsstatic.com/pricing/2.0/meteredUnitMaps/elasticache/USD/current/...):

* `elasticache.json`: on-demand prices. `regions` maps a region's *name* ("EU (Ireland)") to
  entries keyed by a description ("OnDemand Cache Instance Memory optimized cache r7g.large
  Valkey Current Generation", "OnDemand ElastiCache Serverless Redis per GB-Hours") or by an
  opaque code; `sets` names the codes' groups ("... Memory optimized Valkey datatiering Current
  Generation"), and an entry's `RegionlessRateCode` is the same in every region, so a code
  described in one region is described in all.
* `elasticache-reservedinstance-<1|3> year-<No|Partial|All> Upfront-<region code>-<group>.json`:
  reserved nodes. `price` is the hourly rate, `riupfront:PricePerUnit` the upfront fee per
  node. There is one row per node type, not per engine: its rate code's first part (the SKU)
  is the SKU of an on-demand row of the same type, sometimes the Redis OSS row and sometimes
  the Memcached one (which costs the same on demand). A row is recorded for Redis OSS when
  its `OnDemand:PricePerUnit` equals the Redis OSS on-demand price of that node there; the
  maps hold no Valkey reservation (they were published before Valkey was offered).

Only what the catalogue prices is kept: Redis OSS and Valkey, the node families of FAMILIES
(reservations only for the node types of node_types.yaml, which a spec can name; data-tiering
r6gd nodes are priced on demand, for comparison), regions with a code. Nothing is derived: a
figure the maps lack stays absent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import catalog
from .pricing_refresh import price_text

ENGINES = {"Redis": "redis", "Valkey": "valkey"}
RESERVED_ENGINE = "redis"  # the engine whose on-demand price a reserved row must carry
# The current-generation families ElastiCache offers for Redis OSS and Valkey
# (https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html).
FAMILIES = ("t4g", "t3", "m5", "m6g", "m7g", "m8g", "r5", "r6g", "r6gd", "r7g", "r8g", "c7gn")
TERMS = {"1 year": "1yr", "3 year": "3yr"}
PAYMENTS = {"No Upfront": "no_upfront", "Partial Upfront": "partial_upfront", "All Upfront": "all_upfront"}
SERVERLESS_UNITS = {"GB-Hours": "per_gb_hour", "ElastiCacheProcessingUnit": "per_ecpu"}
_RESERVED_FILE = re.compile(r"^elasticache-reservedinstance-(1 year|3 year)-(No Upfront|Partial Upfront|All Upfront)"
                            r"-([a-z]{2}(?:-[a-z]+)+-\d)-[A-Za-z ]+\.json$")
_ENGINE = re.compile(r"\b(Redis|Valkey|Memcached)\b")
_SERVERLESS = re.compile(r"^OnDemand ElastiCache Serverless (Redis|Valkey|Memcached) per (\S+)$")


@dataclass
class PriceMaps:
    on_demand: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    reserved: dict[str, Any] = field(default_factory=dict)
    serverless: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    published: dict[str, str] = field(default_factory=dict)  # "on_demand" / "reserved" -> date
    unknown_regions: set[str] = field(default_factory=set)  # region names no code was found for
    skipped: dict[str, int] = field(default_factory=dict)


def read(directory: Path, region_names: Mapping[str, str]) -> PriceMaps:
    """Every figure of the maps in `directory`. `region_names` maps a region code to the name
    the maps use where the reserved files cannot tell (they carry both)."""
    maps = PriceMaps()
    reserved_files = sorted(p for p in directory.iterdir() if _RESERVED_FILE.match(_unquote(p.name)))
    names = dict(_names_from_reserved(reserved_files))
    for code, name in region_names.items():
        names.setdefault(name, code)
    skus = _read_on_demand(json.loads((directory / "elasticache.json").read_text(encoding="utf-8")), names, maps)
    for path in reserved_files:
        _read_reserved(path, skus, maps)
    maps.on_demand = _sorted(maps.on_demand)
    maps.reserved = _sorted(maps.reserved)
    maps.serverless = _sorted(maps.serverless)
    return maps


def _unquote(name: str) -> str:
    return name.replace("%20", " ")


def _load(path: Path) -> dict[str, Any] | None:
    """A map file, or None for a placeholder (AWS answers a map it does not publish with an
    XML NoSuchKey error, and copies keep that body)."""
    text = path.read_text(encoding="utf-8")
    return json.loads(text) if text.lstrip().startswith("{") else None


def _names_from_reserved(paths: Iterable[Path]) -> Iterable[tuple[str, str]]:
    for path in paths:
        data = _load(path)
        if data is not None:
            code = _RESERVED_FILE.match(_unquote(path.name))[3]
            for name in data["regions"]:
                yield name, code


def _skip(maps: PriceMaps, reason: str) -> None:
    maps.skipped[reason] = maps.skipped.get(reason, 0) + 1


def _read_on_demand(data: dict[str, Any], names: Mapping[str, str], maps: PriceMaps) -> dict[str, tuple[str, str]]:
    """Fill on_demand and serverless; return SKU -> (region, node type) for the reserved rows."""
    maps.published["on_demand"] = data["manifest"]["hawkFilePublicationDate"][:10]
    described = {code: name for name, codes in data.get("sets", {}).items() for code in codes}
    for entries in data["regions"].values():
        for key, entry in entries.items():
            if key.startswith("OnDemand "):
                described.setdefault(entry.get("RegionlessRateCode", key), key)
    skus: dict[str, tuple[str, str]] = {}
    for region_name, entries in data["regions"].items():
        region = names.get(region_name)
        if region is None:
            maps.unknown_regions.add(region_name)
            continue
        for key, entry in entries.items():
            description = key if key.startswith("OnDemand ") else described.get(key, "")
            price = price_text(entry["price"])
            if serverless := _SERVERLESS.match(description):
                engine, unit = ENGINES.get(serverless[1]), SERVERLESS_UNITS.get(serverless[2])
                if engine and unit:
                    maps.serverless.setdefault(region, {}).setdefault(engine, {})[unit] = price
                continue
            named = _ENGINE.search(description)
            node_type = entry.get("Instance Type", "")
            if named is None or not node_type.startswith("cache.") or "Current Generation" not in description:
                _skip(maps, "not a current-generation node")
                continue
            engine = ENGINES.get(named[1])
            if node_type.split(".")[1] not in FAMILIES:
                _skip(maps, "family not catalogued")
                continue
            skus[entry["rateCode"].split(".")[0]] = (region, node_type)  # Memcached rows too: see above
            if engine is None:
                _skip(maps, "engine not catalogued")
                continue
            maps.on_demand.setdefault(region, {}).setdefault(engine, {})[node_type] = price
    return skus


def _read_reserved(path: Path, skus: Mapping[str, tuple[str, str]], maps: PriceMaps) -> None:
    data = _load(path)
    if data is None:
        _skip(maps, "reserved map not published")
        return
    maps.published["reserved"] = max(maps.published.get("reserved", ""), data["manifest"]["hawkFilePublicationDate"][:10])
    for rows in data["regions"].values():
        for row in rows.values():
            reserves = skus.get(row["rateCode"].split(".")[0])
            if reserves is None:
                _skip(maps, "reservation of a node the on-demand map does not price")
                continue
            region, node_type = reserves
            if node_type not in catalog.node_types():  # a reservation only for a type a spec can name
                _skip(maps, "reservation of a node type outside the node catalogue")
                continue
            engine = RESERVED_ENGINE
            if maps.on_demand.get(region, {}).get(engine, {}).get(node_type) != price_text(row["OnDemand:PricePerUnit"]):
                _skip(maps, "reservation whose on-demand price is not the Redis OSS price")
                continue
            term, payment = TERMS[row["plc:LeaseContractLength"]], PAYMENTS[row["PurchaseOption"]]
            offer = {"upfront": price_text(row.get("riupfront:PricePerUnit", "0")), "hourly": price_text(row["price"])}
            slot = maps.reserved.setdefault(region, {}).setdefault(engine, {}).setdefault(node_type, {})
            slot.setdefault(term, {})[payment] = offer


def node_order(node_type: str) -> tuple[int, int, str]:
    family = node_type.split(".")[1]
    return (FAMILIES.index(family) if family in FAMILIES else len(FAMILIES), catalog.size_rank(node_type), node_type)


FIGURES = ("upfront", "hourly", "per_gb_hour", "per_ecpu")  # the order of a price's fields


def _sorted(tree: dict[str, Any]) -> dict[str, Any]:
    """Regions and engines by name, node types by family then size, terms, payments and
    figures in their order."""
    def order(key: str) -> tuple[Any, ...]:
        if key.startswith("cache."):
            return (0, *node_order(key))
        for rank, fixed in enumerate((tuple(PAYMENTS.values()), FIGURES), start=1):
            if key in fixed:
                return (rank, fixed.index(key), key)
        return (3, 0, key)
    return {key: _sorted(value) if isinstance(value, dict) else value
            for key, value in sorted(tree.items(), key=lambda item: order(item[0]))}
