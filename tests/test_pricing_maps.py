"""`cachegen pricing refresh --from-maps`: AWS's published ElastiCache price maps, in their real
shape (named and coded entries, sets, RegionlessRateCode, reserved rows linked by SKU, the XML
placeholder of a map AWS does not publish), read into the catalogue and written in its layout."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from cachegen import pricing_maps, pricing_refresh
from cachegen.commands import pricing as command

REPO = Path(__file__).resolve().parents[1]
NAMES = {"us-east-1": "US East (N. Virginia)", "eu-west-1": "EU (Ireland)", "mx-central-1": "Mexico (Central)"}


def node(sku, node_type, price, **extra):
    return {"rateCode": f"{sku}.JRTCKXETXF.6YS6EN2CT7", "price": price, "Instance Type": node_type, **extra}


def on_demand_map() -> dict:
    virginia = {
        "OnDemand Cache Instance Memory optimized cache r7g.large Redis Current Generation": node("R7R", "cache.r7g.large", "0.2190000000"),
        "OnDemand Cache Instance Memory optimized cache r7g.large Valkey Current Generation": node("R7V", "cache.r7g.large", "0.1752000000"),
        "OnDemand Cache Instance Memory optimized cache r7g.large Memcached Current Generation": node("R7M", "cache.r7g.large", "0.2190000000"),
        # a coded entry: its engine comes from the sets
        "Zz1 V4": node("DTR", "cache.r6gd.xlarge", "0.7810000000", SSD="99.33 GiB"),
        # previous generation and uncatalogued families are not priced
        "OnDemand Cache Instance Memory optimized cache r3.large Redis Previous Generation": node("R3", "cache.r3.large", "0.228"),
        "OnDemand Cache Instance Standard cache m4.large Redis Current Generation": node("M4", "cache.m4.large", "0.156"),
        "OnDemand Cache Instance Standard cache m8g.large Redis Current Generation": node("M8R", "cache.m8g.large", "0.15"),
        "OnDemand ElastiCache Serverless Valkey per GB-Hours": {"rateCode": "SV.JRTCKXETXF.6YS6EN2CT7", "price": "0.0840000000",
                                                                "RegionlessRateCode": "svgb"},
        "OnDemand ElastiCache Serverless Valkey per ElastiCacheProcessingUnit": {
            "rateCode": "SE.JRTCKXETXF.6YS6EN2CT7", "price": "0.0000000023", "RegionlessRateCode": "svecpu"},
    }
    ireland = {
        # only codes here: described through another region's RegionlessRateCode
        "svgb": {"rateCode": "SVI.JRTCKXETXF.6YS6EN2CT7", "price": "0.0940000000", "RegionlessRateCode": "svgb"},
        "OnDemand Cache Instance Standard cache t4g.micro Redis Current Generation": node("T4I", "cache.t4g.micro", "0.0170000000"),
    }
    return {"manifest": {"hawkFilePublicationDate": "2025-03-14T17:02:35Z"},
            "sets": {"OnDemand Cache Instance Memory optimized Redis datatiering Current Generation": ["Zz1 V4"]},
            "regions": {"US East (N. Virginia)": virginia, "EU (Ireland)": ireland,
                        "Mexico (Central)": {"svgb": {"rateCode": "SVM.x", "price": "0.0882", "RegionlessRateCode": "svgb"}},
                        "US West (Los Angeles)": {}}}


def reserved_row(sku, node_type, term, option, hourly, upfront, on_demand, location="US East (N. Virginia)"):
    return {"rateCode": f"{sku}.HU7G6KETJZ.6YS6EN2CT7", "price": hourly, "Instance Type": node_type, "Location": location,
            "LeaseContractLength": term.replace(" year", "yr"), "plc:LeaseContractLength": term, "PurchaseOption": option,
            "OnDemand:PricePerUnit": on_demand, "riupfront:PricePerUnit": upfront}


def write_maps(folder: Path) -> Path:
    (folder / "elasticache.json").write_text(json.dumps(on_demand_map()))

    def reserved(term, option, region, group, rows, location):
        name = f"elasticache-reservedinstance-{term}-{option}-{region}-{group}.json".replace(" ", "%20")
        (folder / name).write_text(json.dumps({"manifest": {"hawkFilePublicationDate": "2024-10-07T20:43:23Z"},
                                               "regions": {location: rows}}))

    reserved("1 year", "Partial Upfront", "us-east-1", "Memory optimized", {
        # linked through the Memcached SKU, at the Redis OSS on-demand price: Redis OSS
        "a": reserved_row("R7M", "cache.r7g.large", "1 year", "Partial Upfront", "0.0680000000", "599.0088", "0.2190000000"),
        # linked to the data-tiering row (a coded entry of the Redis OSS set): kept
        "b": reserved_row("DTR", "cache.r6gd.xlarge", "1 year", "Partial Upfront", "0.2530000000", "2232.48", "0.7810000000"),
        # m8g is not in the node catalogue: not kept
        "d": reserved_row("M8R", "cache.m8g.large", "1 year", "Partial Upfront", "0.05", "300", "0.1500000000"),
        # a row whose on-demand price is not the Redis OSS price: not recorded
        "c": reserved_row("R7V", "cache.r7g.large", "1 year", "Partial Upfront", "0.05", "400", "0.1752000000"),
    }, "US East (N. Virginia)")
    reserved("3 year", "All Upfront", "eu-west-1", "Standard", {
        "a": reserved_row("T4I", "cache.t4g.micro", "3 year", "All Upfront", "0.0000000000", "300", "0.0170000000", "EU (Ireland)"),
    }, "EU (Ireland)")
    # a map AWS does not publish: its copy holds the S3 error
    (folder / "elasticache-reservedinstance-1%20year-No%20Upfront-mx-central-1-Standard.json").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>NoSuchKey</Code></Error>')
    return folder


def test_maps_are_read_into_the_catalogue_shape(tmp_path):
    maps = pricing_maps.read(write_maps(tmp_path), NAMES)
    assert maps.on_demand == {
        "eu-west-1": {"redis": {"cache.t4g.micro": "0.017"}},
        "us-east-1": {"redis": {"cache.m8g.large": "0.15", "cache.r6gd.xlarge": "0.781", "cache.r7g.large": "0.219"},
                      "valkey": {"cache.r7g.large": "0.1752"}}}
    assert maps.reserved == {
        "eu-west-1": {"redis": {"cache.t4g.micro": {"3yr": {"all_upfront": {"upfront": "300", "hourly": "0"}}}}},
        "us-east-1": {"redis": {
            "cache.r6gd.xlarge": {"1yr": {"partial_upfront": {"upfront": "2232.48", "hourly": "0.253"}}},
            "cache.r7g.large": {"1yr": {"partial_upfront": {"upfront": "599.0088", "hourly": "0.068"}}}}}}
    assert maps.serverless == {"eu-west-1": {"valkey": {"per_gb_hour": "0.094"}},
                               "mx-central-1": {"valkey": {"per_gb_hour": "0.0882"}},
                               "us-east-1": {"valkey": {"per_gb_hour": "0.084", "per_ecpu": "0.0000000023"}}}
    assert maps.published == {"on_demand": "2025-03-14", "reserved": "2024-10-07"}
    assert maps.unknown_regions == {"US West (Los Angeles)"}
    assert maps.skipped["reserved map not published"] == 1
    assert maps.skipped["reservation whose on-demand price is not the Redis OSS price"] == 1
    assert maps.skipped["reservation of a node type outside the node catalogue"] == 1


def test_refresh_from_maps_writes_the_catalogue_and_a_second_run_finds_it_current(tmp_path, capsys):
    catalogue = tmp_path / "pricing.yaml"
    catalogue.write_text("# header kept\n\ncurrency: USD\nhours_per_month: 730\n\nsources:\n"
                         "  - id: aws-metered-unit-map-ondemand\n    url: \"x\"\n    taken: \"2020-01-01\"\n\n"
                         "on_demand:\n  us-east-1:\n    redis:\n      cache.r7g.large: \"0.2\"\n\nreserved:\n\n"
                         "backup_storage:\n  us-east-1: {price_per_gb_month: \"0.085\"}\n")
    maps = write_maps(tmp_path / "maps" if (tmp_path / "maps").mkdir() is None else None)
    assert command.run(False, [], path=catalogue, maps=maps) == 1  # a diff to show, nothing written
    shown = capsys.readouterr().out
    assert "on_demand.us-east-1.redis.cache.r7g.large: 0.2 -> 0.219" in shown
    assert "serverless: added (4 figures)" in shown  # a new subtree is counted, not dumped
    assert command.run(True, [], path=catalogue, maps=maps) == 0
    text = catalogue.read_text()
    assert text.startswith("# header kept\n")
    written = yaml.safe_load(text)
    assert list(written) == ["currency", "hours_per_month", "sources", "on_demand", "reserved", "serverless",
                             "backup_storage"]
    assert written["sources"][0]["taken"] == "2025-03-14"
    assert written["serverless"]["us-east-1"]["valkey"] == {"per_gb_hour": "0.084", "per_ecpu": "0.0000000023"}
    assert command.run(False, [], path=catalogue, maps=maps) == 0
    assert "the catalogue is current" in capsys.readouterr().err


def test_refresh_from_a_folder_without_the_on_demand_map_is_an_error(tmp_path, capsys):
    assert command.run(False, [], path=REPO / "src/cachegen/data/pricing.yaml", maps=tmp_path) == 1
    assert "no elasticache.json" in capsys.readouterr().err


def test_the_committed_catalogue_is_in_the_layout_refresh_writes():
    """So that a refresh's diff shows prices only: rendering the committed catalogue with its own
    header gives back the file byte for byte."""
    text = (REPO / "src/cachegen/data/pricing.yaml").read_text(encoding="utf-8")
    assert pricing_refresh.render(yaml.safe_load(text), pricing_refresh.header_of(text)) == text


@pytest.mark.parametrize("code", ["us-east-1", "eu-west-1", "ap-southeast-7", "mx-central-1"])
def test_region_names_are_those_of_the_price_data(code):
    names = command.region_names()
    assert names[code] == {"us-east-1": "US East (N. Virginia)", "eu-west-1": "EU (Ireland)",
                           "ap-southeast-7": "Asia Pacific (Thailand)", "mx-central-1": "Mexico (Central)"}[code]


def test_refresh_from_maps_for_some_regions_keeps_the_others(tmp_path, capsys):
    catalogue = tmp_path / "pricing.yaml"
    catalogue.write_text("# header\n\nhours_per_month: 730\n\non_demand:\n  ap-south-1:\n    redis:\n"
                         "      cache.t3.micro: \"0.017\"\n  us-east-1:\n    redis:\n      cache.r7g.large: \"0.2\"\n")
    (tmp_path / "maps").mkdir()
    maps = write_maps(tmp_path / "maps")
    assert command.run(True, ["us-east-1"], path=catalogue, maps=maps) == 0
    written = yaml.safe_load(catalogue.read_text())
    assert written["on_demand"]["ap-south-1"] == {"redis": {"cache.t3.micro": "0.017"}}  # not in the maps: kept
    assert written["on_demand"]["us-east-1"]["redis"]["cache.r7g.large"] == "0.219"
    assert "eu-west-1" not in written["on_demand"]  # not asked for
    assert command.run(False, [], path=catalogue, maps=maps) == 1  # a full refresh would drop ap-south-1: said
    assert "ap-south-1 is in no map read: its figures will be removed" in capsys.readouterr().err
