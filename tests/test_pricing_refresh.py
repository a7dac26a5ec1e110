"""`cachegen pricing refresh` against botocore's Stubber fed with responses in the real
Price List API shape: pagination, the duplicate-SKU traps, a region with a usage-type prefix."""

from __future__ import annotations

import json

import yaml


def product(sku, region, engine, node, usagetype, hourly, reserved=None):
    terms = {"OnDemand": {f"{sku}.JRTCKXETXF": {
        "offerTermCode": "JRTCKXETXF", "sku": sku, "effectiveDate": "2026-11-01T00:00:00Z", "termAttributes": {},
        "priceDimensions": {f"{sku}.JRTCKXETXF.6YS6EN2CT7": {
            "unit": "Hrs", "beginRange": "0", "endRange": "Inf", "appliesTo": [], "rateCode": f"{sku}.JRTCKXETXF.6YS6EN2CT7",
            "description": f"${hourly} per {engine} {node} Node Hour", "pricePerUnit": {"USD": hourly}}}}}}
    if reserved:
        terms["Reserved"] = {}
        for i, (length, option, upfront, rate) in enumerate(reserved):
            code = f"{sku}.R{i}"
            dims = {f"{code}.H": {"unit": "Hrs", "pricePerUnit": {"USD": rate}}}
            if upfront is not None:
                dims[f"{code}.Q"] = {"unit": "Quantity", "pricePerUnit": {"USD": upfront}}
            terms["Reserved"][code] = {"priceDimensions": dims, "termAttributes": {
                "LeaseContractLength": length, "OfferingClass": "standard", "PurchaseOption": option}}
    return json.dumps({
        "product": {"productFamily": "Cache Instance", "sku": sku, "attributes": {
            "servicecode": "AmazonElastiCache", "regionCode": region, "instanceType": node, "cacheEngine": engine,
            "usagetype": usagetype, "operation": "CreateCacheCluster:0002", "locationType": "AWS Region"}},
        "serviceCode": "AmazonElastiCache", "terms": terms, "version": "20261101", "publicationDate": "2026-11-01"})


PAGE_1 = [
    product("A1", "us-east-1", "Redis", "cache.t4g.micro", "NodeUsage:cache.t4g.micro", "0.0160000000",
            reserved=[("1yr", "All Upfront", "100.0000000000", "0.0000000000"), ("3yr", "No Upfront", None, "0.0090000000")]),
    # the same node billed as Extended Support, at another price: kept apart, never the node price
    # (usage types as AWS's agent toolkit parses them: "USE1-ExtendedSupportYr1_Yr2-NodeUsage:...")
    product("A2", "us-east-1", "Redis", "cache.t4g.micro", "USE1-ExtendedSupportYr1_Yr2-NodeUsage:cache.t4g.micro",
            "0.0128000000"),
    product("A4", "us-east-1", "Redis", "cache.t4g.micro", "USE1-ExtendedSupportYr3-NodeUsage:cache.t4g.micro",
            "0.0256000000"),
    product("A3", "us-east-1", "Valkey", "cache.t4g.micro", "NodeUsage:cache.t4g.micro", "0.0128000000"),
]
PAGE_2 = [
    # a region whose usage types carry a prefix
    product("B1", "us-west-2", "Redis", "cache.t4g.micro", "USW2-NodeUsage:cache.t4g.micro", "0.0160000000"),
    # traps: a durability SKU and an engine cachegen does not price
    product("B2", "us-west-2", "Redis", "cache.t4g.micro", "USW2-SyncDurabilityNodeUsage:cache.t4g.micro", "0.04"),
    product("B3", "us-east-1", "Memcached", "cache.t4g.micro", "NodeUsage:cache.t4g.micro", "0.016"),
]
FILTERS = [{"Type": "TERM_MATCH", "Field": "productFamily", "Value": "Cache Instance"}]


def stubbed_client(pages):
    import boto3
    from botocore.stub import Stubber

    client = boto3.client("pricing", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="y")
    stubber = Stubber(client)
    token = None
    for i, page in enumerate(pages):
        expected = {"ServiceCode": "AmazonElastiCache", "Filters": FILTERS, "FormatVersion": "aws_v1", "MaxResults": 100}
        if token:
            expected["NextToken"] = token
        token = f"page-{i + 2}" if i + 1 < len(pages) else None
        response = {"FormatVersion": "aws_v1", "PriceList": page}
        if token:
            response["NextToken"] = token
        stubber.add_response("get_products", response, expected)
    stubber.activate()
    return client, stubber


def test_fetch_keeps_only_node_usage_and_follows_pages():
    from cachegen.pricing_refresh import fetch

    client, stubber = stubbed_client([PAGE_1, PAGE_2])
    result = fetch(client, ["us-east-1", "us-west-2"])
    stubber.assert_no_pending_responses()
    assert result.on_demand == {"us-east-1": {"redis": {"cache.t4g.micro": "0.016"},
                                              "valkey": {"cache.t4g.micro": "0.0128"}},
                                "us-west-2": {"redis": {"cache.t4g.micro": "0.016"}}}
    assert result.reserved["us-east-1"]["redis"]["cache.t4g.micro"] == {
        "1yr": {"all_upfront": {"upfront": "100", "hourly": "0"}},
        "3yr": {"no_upfront": {"upfront": "0", "hourly": "0.009"}}}
    assert result.extended_support == {"us-east-1": {"redis": {"cache.t4g.micro": {"yr1_yr2": "0.0128",
                                                                                   "yr3": "0.0256"}}}}
    assert not result.conflicts
    assert result.skipped == {"engine Memcached": 1, "usage type USW2-SyncDurabilityNodeUsage": 1}


def test_conflicting_node_skus_are_reported(tmp_path):
    from cachegen.commands.pricing import run

    clash = product("C1", "us-east-1", "Redis", "cache.t4g.micro", "NodeUsage:cache.t4g.micro", "0.02")
    client, _ = stubbed_client([PAGE_1 + [clash]])
    path = tmp_path / "pricing.yaml"
    path.write_text("on_demand: {us-east-1: {}}\n")
    assert run(False, ["us-east-1"], client=client, path=path) == 1
    assert path.read_text() == "on_demand: {us-east-1: {}}\n"


def test_diff_first_then_write(tmp_path, capsys):
    from cachegen.commands.pricing import run

    path = tmp_path / "pricing.yaml"
    path.write_text(yaml.safe_dump({"hours_per_month": 730, "on_demand": {"us-east-1": {"redis": {
        "cache.t4g.micro": "0.017"}}}, "backup_storage": {"us-east-1": {"price_per_gb_month": "0.085"}}}))
    before = path.read_text()
    client, _ = stubbed_client([PAGE_1])
    assert run(False, ["us-east-1"], client=client, path=path) == 1
    shown = capsys.readouterr().out
    assert "on_demand.us-east-1.redis.cache.t4g.micro: 0.017 -> 0.016" in shown
    assert path.read_text() == before, "without --write nothing is written"
    client, _ = stubbed_client([PAGE_1])
    assert run(True, ["us-east-1"], client=client, path=path) == 0
    written = yaml.safe_load(path.read_text())
    assert written["on_demand"]["us-east-1"]["redis"]["cache.t4g.micro"] == "0.016"
    assert written["backup_storage"] == {"us-east-1": {"price_per_gb_month": "0.085"}}
    assert written["extended_support"]["us-east-1"]["redis"]["cache.t4g.micro"]["yr3"] == "0.0256"
