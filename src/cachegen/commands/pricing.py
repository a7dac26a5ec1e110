"""`cachegen pricing refresh`: node prices from the AWS Price List API or from AWS's published
price maps, shown as a diff first."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import yaml

from .. import aws, catalog, pricing_refresh

# The entries of `sources` that the price maps' figures are credited to.
MAP_SOURCES = {"on_demand": "aws-metered-unit-map-ondemand", "reserved": "aws-metered-unit-map-reserved"}


def catalogue_path() -> Path:
    return catalog.DATA_DIR / "pricing.yaml"


def run(write: bool, regions: list[str], client=None, path: Path | None = None, maps: Path | None = None) -> int:
    path = path or catalogue_path()
    text = path.read_text(encoding="utf-8")
    current = yaml.safe_load(text)
    if maps is not None:
        updated = _from_maps(current, maps, regions)
    else:
        updated = _from_api(current, regions, client)
    if updated is None:
        return 1
    changes = [line for line in pricing_refresh.diff(current, updated) if not line.startswith("sources")]
    for line in changes:
        print(line)
    if not changes:
        print("the catalogue is current", file=sys.stderr)
        return 0
    if write:
        path.write_text(pricing_refresh.render(updated, pricing_refresh.header_of(text)), encoding="utf-8")
        print(f"wrote {path} ({len(changes)} changes)", file=sys.stderr)
        return 0
    print(f"{len(changes)} changes; run with --write to update {path}", file=sys.stderr)
    return 1


def _from_api(current: dict[str, Any], regions: list[str], client: Any) -> dict[str, Any] | None:
    if client is None:
        boto3 = aws.boto3("pricing refresh")  # the Price List API (served from us-east-1)

        client = boto3.client("pricing", region_name="us-east-1")
    refreshed = pricing_refresh.fetch(client, regions or sorted(current.get("on_demand", {})))
    for reason, count in sorted(refreshed.skipped.items()):
        print(f"skipped {count} SKU(s): {reason}", file=sys.stderr)
    if refreshed.conflicts:
        print("conflicting prices for the same node (catalogue left unchanged):", file=sys.stderr)
        for conflict in refreshed.conflicts:
            print(f"  {conflict}", file=sys.stderr)
        return None
    import datetime

    taken = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    return pricing_refresh.merge_into(current, refreshed, taken)


def _from_maps(current: dict[str, Any], directory: Path, regions: list[str]) -> dict[str, Any] | None:
    from .. import pricing_maps

    if not (directory / "elasticache.json").is_file():
        print(f"{directory}: no elasticache.json (the on-demand price map) here", file=sys.stderr)
        return None
    maps = pricing_maps.read(directory, region_names())
    for reason, count in sorted(maps.skipped.items()):
        print(f"skipped {count} row(s): {reason}", file=sys.stderr)
    for name in sorted(maps.unknown_regions):
        print(f"skipped {name}: no region code (a Local Zone or a region cachegen does not know)", file=sys.stderr)
    updated: dict[str, Any] = {}
    for key, value in current.items():  # serverless prices follow the node prices
        updated[key] = value
        if key == "reserved":
            updated["serverless"] = None
    for section in ("on_demand", "reserved", "serverless"):
        read = getattr(maps, section)
        if regions:  # only these regions change; every other keeps its figures
            read = {**(current.get(section) or {}), **{r: read[r] for r in regions if r in read}}
            read = dict(sorted(read.items()))
        for region in sorted(set(current.get(section) or {}) - set(read)):
            print(f"{section}: {region} is in no map read: its figures will be removed", file=sys.stderr)
        updated[section] = read
    updated["sources"] = []
    for source in current.get("sources") or []:  # the maps' own publication dates, as their figures' dates
        kind = next((k for k, v in MAP_SOURCES.items() if v == source.get("id")), None)
        updated["sources"].append({**source, "taken": maps.published[kind]} if kind in maps.published else source)
    return updated


def region_names() -> dict[str, str]:
    """Region code -> the name AWS's price data gives it, for the regions cachegen knows.

    The names are botocore's region descriptions (botocore/data/endpoints.json), except that
    the price data still says "EU (Ireland)" where botocore now says "Europe (Ireland)". The
    price maps' own reserved-node files, which carry both, take precedence (pricing_maps.read)."""
    import json

    aws.boto3("pricing refresh")  # botocore, whose region list this reads, comes with boto3
    import botocore

    endpoints = json.loads((Path(botocore.__file__).parent / "data" / "endpoints.json").read_text(encoding="utf-8"))
    known = catalog.regions()
    return {code: info["description"].replace("Europe (", "EU (", 1)
            for partition in endpoints["partitions"] for code, info in partition["regions"].items() if code in known}
