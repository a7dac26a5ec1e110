"""`cachegen pricing refresh`: node prices from the AWS Price List API, shown as a diff first."""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

from .. import catalog, pricing_refresh


def catalogue_path() -> Path:
    return catalog.DATA_DIR / "pricing.yaml"


def run(write: bool, regions: list[str], client=None, path: Path | None = None) -> int:
    if client is None:
        import boto3  # only this command talks to the Price List API (served from us-east-1)

        client = boto3.client("pricing", region_name="us-east-1")
    path = path or catalogue_path()
    current = yaml.safe_load(path.read_text(encoding="utf-8"))
    refreshed = pricing_refresh.fetch(client, regions or sorted(current.get("on_demand", {})))
    for reason, count in sorted(refreshed.skipped.items()):
        print(f"skipped {count} SKU(s): {reason}", file=sys.stderr)
    if refreshed.conflicts:
        print("conflicting prices for the same node (catalogue left unchanged):", file=sys.stderr)
        for conflict in refreshed.conflicts:
            print(f"  {conflict}", file=sys.stderr)
        return 1
    import datetime

    taken = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
    updated = pricing_refresh.merge_into(current, refreshed, taken)
    changes = [line for line in pricing_refresh.diff(current, updated) if not line.startswith("sources")]
    for line in changes:
        print(line)
    if not changes:
        print("the catalogue is current", file=sys.stderr)
        return 0
    if write:
        path.write_text(yaml.safe_dump(updated, sort_keys=False, allow_unicode=True), encoding="utf-8")
        print(f"wrote {path} ({len(changes)} changes)", file=sys.stderr)
        return 0
    print(f"{len(changes)} changes; run with --write to update {path}", file=sys.stderr)
    return 1
