"""Cost: every figure checked by hand against the pricing catalogue, not the code's output."""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from conftest import SPEC_DIR, TEST_SPECS, run_cli

PRICING = yaml.safe_load((Path(__import__("cachegen").__path__[0]) / "data" / "pricing.yaml").read_text())
HOURS = Decimal(str(PRICING["hours_per_month"]))


def price(engine: str, node: str, region: str = "us-east-1") -> Decimal:
    return Decimal(PRICING["on_demand"][region][engine][node])


def backup() -> Decimal:
    return Decimal(PRICING["backup_storage"]["us-east-1"]["price_per_gb_month"])


def transfer() -> Decimal:
    return Decimal(PRICING["cross_az_transfer"]["us-east-1"]["price_per_gb"])


def _cost(path: Path) -> dict:
    from cachegen.compiler import compile_spec, render

    _, deployment = compile_spec(path)
    return json.loads(render(deployment)["cost/cost.json"])


def test_the_guides_three_profiles_with_real_prices():
    # dev: 1 x t4g.micro, 1-day retention (the one free snapshot), single AZ: nodes only
    dev = Decimal(_cost(SPEC_DIR / "dev.yaml")["estimate"]["monthly"])
    assert dev == 1 * HOURS * price("redis", "cache.t4g.micro")
    # prod: 2 x t4g.small, 7 snapshots of 1 GB (6 billable), 50 GB across AZs charged both ways
    prod = Decimal(_cost(SPEC_DIR / "prod.yaml")["estimate"]["monthly"])
    assert prod == 2 * HOURS * price("redis", "cache.t4g.small") + 6 * backup() + 100 * transfer()
    # perf: 2 x r7g.large, 7 snapshots of 5 GB (30 GB billable), 200 GB across AZs
    perf = Decimal(_cost(SPEC_DIR / "perf.yaml")["estimate"]["monthly"])
    assert perf == 2 * HOURS * price("redis", "cache.r7g.large") + 30 * backup() + 400 * transfer()
    # the guide's rounded estimates: ~$13, ~$52-57, ~$302-307; real prices land near them
    assert Decimal(10) < dev < Decimal(14)
    assert Decimal(45) < prod < Decimal(58)
    assert Decimal(280) < perf < Decimal(340)


def test_node_line_counts_every_node_of_a_cluster_mode_group():
    estimate = _cost(TEST_SPECS / "cluster.yaml")["estimate"]
    [nodes] = [line for line in estimate["lines"] if line["component"] == "nodes"]
    assert Decimal(nodes["quantity"]) == 9 * HOURS  # 3 shards x (2 replicas + 1)
    assert Decimal(nodes["monthly"]) == 9 * HOURS * price("redis", "cache.t4g.small")


def test_valkey_and_reserved_alternatives_by_hand():
    data = _cost(SPEC_DIR / "prod.yaml")
    rest = 6 * backup() + 100 * transfer()
    alternatives = {a["label"]: a for a in data["alternatives"]}
    valkey = alternatives["on Valkey"]
    assert Decimal(valkey["monthly"]) == 2 * HOURS * price("valkey", "cache.t4g.small") + rest
    offers = PRICING["reserved"]["us-east-1"]["redis"]["cache.t4g.small"]
    for term, years in (("1yr", 1), ("3yr", 3)):
        for payment in ("no_upfront", "partial_upfront", "all_upfront"):
            offer = offers.get(term, {}).get(payment)
            label = f"reserved {term}, {payment.replace('_', ' ')}"
            if offer is None:
                assert label not in alternatives
                continue
            expected = (2 * HOURS * Decimal(offer["hourly"]) + 2 * Decimal(offer["upfront"]) / (12 * years) + rest)
            assert Decimal(alternatives[label]["monthly"]) == expected, label
            assert Decimal(alternatives[label]["monthly_delta"]) == expected - Decimal(data["estimate"]["monthly"])


def test_svg_is_xml_with_proportional_bars():
    from cachegen.compiler import compile_spec, render

    _, deployment = compile_spec(SPEC_DIR / "perf.yaml")
    root = ET.fromstring(render(deployment)["cost/cost.svg"])
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for r in root.iter(ns + "rect") if "data-monthly" in r.attrib]
    assert bars
    ratios = {round(float(r.attrib["width"]) / float(r.attrib["data-monthly"]), 2) for r in bars
              if float(r.attrib["data-monthly"]) > 1}
    assert len(ratios) == 1, "every bar segment uses the same scale"


def test_cost_command_compares_environments():
    result = run_cli("cost", SPEC_DIR / "dev.yaml", SPEC_DIR / "prod.yaml", SPEC_DIR / "perf.yaml")
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[0].startswith("prices from cachegen's catalogue (figures taken ")
    assert lines[1].split() == ["dev", "prod", "perf"]
    cells = {parts[0]: parts[1:] for parts in (re.split(r"\s{2,}", line.strip()) for line in lines[2:])}
    assert cells["region"] == ["us-east-1"] * 3 and cells["purchase option"] == ["on demand"] * 3
    assert cells["node count x type"] == ["1 x cache.t4g.micro", "2 x cache.t4g.small", "2 x cache.r7g.large"]
    assert "total per month" in cells


def test_cost_command_markdown_json_and_one_svg_scale():
    specs = [SPEC_DIR / "dev.yaml", SPEC_DIR / "prod.yaml", SPEC_DIR / "perf.yaml"]
    md = run_cli("cost", "--format", "md", *specs)
    assert md.code == 0
    rows = [line for line in md.out.splitlines() if line.startswith("|")]
    assert rows[0] == "|  | dev | prod | perf |" and rows[1] == "|---|---:|---:|---:|"
    assert all(row.count("|") == 5 for row in rows)
    data = json.loads(run_cli("cost", "--format", "json", *specs).out)
    assert data["prod"]["region"] == "us-east-1" and data["prod"]["purchase_option"] == "on demand"
    assert data["prod"]["engine"] == "redis 7.1" and data["prod"]["complete"] is True
    chart = run_cli("cost", "--format", "svg", *specs)
    root = ET.fromstring(chart.out)
    rects = [r for r in root.iter("{http://www.w3.org/2000/svg}rect") if r.get("data-monthly")]
    largest = max(Decimal(env["priced_monthly"]) for env in data.values())
    for rect in rects:  # one scale: the most expensive environment's bar is the full 300 px
        assert abs(Decimal(rect.get("width")) - Decimal(rect.get("data-monthly")) * 300 / largest) <= Decimal("0.005")
    assert len(rects) >= 3
    labels = [t.text for t in root.iter("{http://www.w3.org/2000/svg}text")]
    assert {"dev", "prod", "perf"} <= set(labels)


def test_cost_md_names_region_engine_purchase_option_and_catalogue_date():
    from cachegen.compiler import compile_spec, render

    _, deployment = compile_spec(SPEC_DIR / "prod.yaml")
    markdown = render(deployment)["cost/cost.md"]
    oldest = min(str(s["taken"]) for s in PRICING["sources"])
    newest = max(str(s["taken"]) for s in PRICING["sources"])
    assert f"| us-east-1 | redis 7.1 | 2 x cache.t4g.small | on demand | {oldest} to {newest} |" in markdown


@pytest.mark.parametrize("region", sorted(PRICING["on_demand"]))
def test_catalogue_prices_are_decimal_strings(region):
    for engine, prices in PRICING["on_demand"][region].items():
        for node, value in prices.items():
            assert isinstance(value, str) and Decimal(value) > 0, (region, engine, node)


def test_unknown_figures_are_named_not_guessed(tmp_path):
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "eu.yaml"
    spec.write_text("extends: base.yaml\npreset: production\nenvironment: eu\nregion: eu-west-1\n"
                    "network:\n  subnets: [{id: subnet-0a1b2c3d4e5f60001, az: eu-west-1a},"
                    " {id: subnet-0a1b2c3d4e5f60002, az: eu-west-1b}]\n")
    data = _cost(spec)
    if "eu-west-1" not in PRICING["on_demand"]:
        assert "on-demand price of cache.t4g.small (redis) in eu-west-1" in data["estimate"]["missing"]
        assert not [line for line in data["estimate"]["lines"] if line["component"] == "nodes"]


@pytest.fixture
def without_dev_node_price(monkeypatch):
    """The catalogue with one cell deliberately unknown: dev's on-demand node price."""
    import copy

    from cachegen import catalog

    pricing = copy.deepcopy(catalog.pricing())
    del pricing["on_demand"]["us-east-1"]["redis"]["cache.t4g.micro"]
    monkeypatch.setattr(catalog, "pricing", lambda: pricing)
    return pricing


def test_an_unpriced_component_leaves_no_total_in_any_file(without_dev_node_price):
    from cachegen.compiler import compile_spec, render

    _, deployment = compile_spec(SPEC_DIR / "dev.yaml")
    files = render(deployment)
    data = json.loads(files["cost/cost.json"])
    estimate = data["estimate"]
    assert data["complete"] is False and estimate["complete"] is False
    assert estimate["monthly"] is None and data["yearly"] is None
    assert estimate["missing"] == ["on-demand price of cache.t4g.micro (redis) in us-east-1"]
    assert estimate["unpriced_components"] == ["nodes"]
    assert Decimal(estimate["priced_monthly"]) == sum(Decimal(line["monthly"]) for line in estimate["lines"])
    assert all(a["monthly_delta"] is None and a["yearly_delta"] is None for a in data["alternatives"])
    markdown = files["cost/cost.md"]
    assert "| **total** | | | | **unknown** |" in markdown and "has no total" in markdown
    assert "| **total** | | | | **$" not in markdown
    assert "| nodes | | | | unknown |" in markdown
    root = ET.fromstring(files["cost/cost.svg"])
    namespace = "{http://www.w3.org/2000/svg}"
    assert [r for r in root.iter(f"{namespace}rect") if r.get("data-complete") == "false"]
    assert any((t.text or "").startswith("partial:") for t in root.iter(f"{namespace}text"))


def test_cost_command_exits_1_on_a_partial_total_unless_allowed(without_dev_node_price):
    result = run_cli("cost", SPEC_DIR / "dev.yaml", SPEC_DIR / "prod.yaml")
    assert result.code == 1
    lines = result.out.splitlines()
    assert lines[1].split() == ["dev", "prod"]
    cells = {parts[0]: parts[1:] for parts in (re.split(r"\s{2,}", line.strip()) for line in lines[2:])}
    assert cells["total per month"][0] == "unknown" and cells["total per month"][1].startswith("$")
    assert cells["total per year"][0] == "unknown"
    assert cells["nodes"][0] == "unknown"  # the component row, not $0.00
    assert "dev: no total: the catalogue cannot price on-demand price of cache.t4g.micro" in result.out
    assert run_cli("cost", "--allow-partial", SPEC_DIR / "dev.yaml").code == 0
    as_json = run_cli("cost", "--format", "json", SPEC_DIR / "dev.yaml", SPEC_DIR / "prod.yaml")
    assert as_json.code == 1
    data = json.loads(as_json.out)
    assert data["dev"]["complete"] is False and data["dev"]["monthly"] is None
    assert data["dev"]["components"]["nodes"] is None
    assert data["prod"]["complete"] is True and data["prod"]["monthly"] is not None


def test_diff_computes_no_change_from_a_partial_total(without_dev_node_price):
    result = run_cli("diff", SPEC_DIR / "prod.yaml", SPEC_DIR / "dev.yaml")
    [line] = [line for line in result.out.splitlines() if line.startswith("monthly cost:")]
    assert line.startswith("monthly cost: $") and "-> unknown (change unknown: the catalogue cannot price" in line
    data = json.loads(run_cli("diff", "--format", "json", SPEC_DIR / "prod.yaml", SPEC_DIR / "dev.yaml").out)
    assert data["monthly_cost"]["new"] is None and data["monthly_cost"]["delta"] is None
    assert data["monthly_cost"]["new_missing"] == ["on-demand price of cache.t4g.micro (redis) in us-east-1"]


NODES = yaml.safe_load((Path(__import__("cachegen").__path__[0]) / "data" / "node_types.yaml").read_text())["node_types"]


def test_same_memory_in_another_family_is_the_smallest_type_that_holds_as_much():
    from cachegen import cost

    here = NODES["cache.r7g.large"]
    expected = {}
    for name, info in sorted(NODES.items(), key=lambda item: item[1]["maxmemory_bytes"]):
        if (info["family"] != here["family"] and not info["family"].startswith("t")
                and info["maxmemory_bytes"] >= here["maxmemory_bytes"]):
            expected.setdefault(info["family"], name)
    assert cost.same_memory_elsewhere("cache.r7g.large", "redis") == [expected[f] for f in sorted(expected)]
    assert "cache.m7g.2xlarge" in expected.values()  # m7g.xlarge holds less than r7g.large
    assert all(NODES[n]["family"].startswith("t") for n in cost.same_memory_elsewhere("cache.t4g.small", "redis"))


def test_another_family_is_advised_only_where_it_saves():
    data = _cost(SPEC_DIR / "perf.yaml")  # 2 x r7g.large
    labels = {a["label"]: Decimal(a["monthly_delta"]) for a in data["alternatives"]}
    same_memory = {label: delta for label, delta in labels.items() if label.startswith("same memory on ")}
    assert same_memory and all(delta < 0 for delta in same_memory.values())
    for family, node in (("r6g", "cache.r6g.large"), ("m7g", "cache.m7g.2xlarge")):
        saves = price("redis", node) < price("redis", "cache.r7g.large")
        assert (f"same memory on {family}: {node}" in labels) == saves


def test_an_empty_alternatives_table_says_why(monkeypatch):
    import copy

    from cachegen import catalog
    from cachegen.compiler import compile_spec, render

    pricing = copy.deepcopy(catalog.pricing())
    pricing["reserved"] = {}
    pricing["on_demand"]["us-east-1"] = {"redis": {"cache.t4g.micro": pricing["on_demand"]["us-east-1"]["redis"]
                                                   ["cache.t4g.micro"]}}
    monkeypatch.setattr(catalog, "pricing", lambda: pricing)
    _, deployment = compile_spec(SPEC_DIR / "dev.yaml")
    markdown = render(deployment)["cost/cost.md"]
    assert "No alternative can be priced: the catalogue lacks a figure each of them needs" in markdown
    assert "| alternative |" not in markdown
    assert "Not priced, the catalogue lacks their figures: on Valkey; reserved 1yr" in markdown


@pytest.mark.parametrize("region", ["eu-west-1", "ap-southeast-1"])
def test_valkey_outside_us_east_1_prices_completely(tmp_path, region):
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "v.yaml"
    spec.write_text(f"extends: base.yaml\nenvironment: v\nregion: {region}\nengine: {{name: valkey, version: '8.0'}}\n"
                    "node_type: cache.r7g.large\nnetwork:\n  vpc_id: vpc-0123456789abcdef0\n"
                    f"  subnets: [{{id: subnet-0123456789abcdef1, az: {region}a}}, "
                    f"{{id: subnet-0123456789abcdef2, az: {region}b}}]\n")
    estimate = _cost(spec)["estimate"]
    assert estimate["complete"] is True and estimate["missing"] == []
    [nodes] = [line for line in estimate["lines"] if line["component"] == "nodes"]
    assert Decimal(nodes["monthly"]) == 2 * HOURS * price("valkey", "cache.r7g.large", region)


@pytest.mark.parametrize("region", ["us-east-1", "eu-west-1", "ap-northeast-1"])
@pytest.mark.parametrize("node", ["cache.r7g.large", "cache.m7g.large", "cache.t4g.small"])
def test_every_reservation_is_priced_for_the_current_families(region, node):
    from cachegen import cost

    offers = cost.node_prices(region, "redis", node)["reserved"]
    assert set(offers) == {(term, payment) for term in ("1yr", "3yr")
                           for payment in ("no_upfront", "partial_upfront", "all_upfront")}
    for (term, payment), (hourly, upfront) in offers.items():
        assert (hourly == 0) == (payment == "all_upfront") and (upfront == 0) == (payment == "no_upfront")


def _spec(tmp_path: Path, region: str = "us-east-1", engine: str = "redis", version: str = "7.1",
          node: str = "cache.r7g.large") -> Path:
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "s.yaml"
    spec.write_text(f"extends: base.yaml\nenvironment: s\nregion: {region}\nengine: {{name: {engine}, version: '{version}'}}\n"
                    f"node_type: {node}\nnetwork:\n  vpc_id: vpc-0123456789abcdef0\n"
                    f"  subnets: [{{id: subnet-0123456789abcdef1, az: {region}a}}, "
                    f"{{id: subnet-0123456789abcdef2, az: {region}b}}]\n"
                    "logs: {slow_log: {enabled: false}, engine_log: {enabled: false}}\n")
    return spec


@pytest.fixture
def with_extended_support_rates(monkeypatch):
    """The catalogue as `pricing refresh` (API) writes it, with Extended Support rates of one node."""
    import copy

    from cachegen import catalog

    pricing = copy.deepcopy(catalog.pricing())
    pricing["extended_support"] = {"us-east-1": {"redis": {"cache.m5.large": {"yr1_yr2": "0.125", "yr3": "0.25"}}}}
    monkeypatch.setattr(catalog, "pricing", lambda: pricing)
    return pricing


def test_extended_support_is_charged_from_its_dates_on_top_of_the_node_price(tmp_path, with_extended_support_rates):
    data = _cost(_spec(tmp_path, version="5.0.6", node="cache.m5.large"))  # m5: from Redis OSS 4.0.10
    estimate = data["estimate"]
    base = Decimal(estimate["monthly"])
    node_hours = 2 * HOURS
    assert [(c["component"], c["starts"], c["ends"], Decimal(c["monthly"])) for c in estimate["dated_charges"]] == [
        ("Extended Support, years 1-2", "2026-02-01", "2028-01-31", node_hours * Decimal("0.125")),
        ("Extended Support, year 3", "2028-02-01", "2029-01-31", node_hours * Decimal("0.25"))]
    assert Decimal(estimate["dated_charges"][1]["monthly_total_from_then"]) == base + node_hours * Decimal("0.25")
    # the base total has no surcharge: the report states both, whatever day it is built
    assert base == sum(Decimal(line["monthly"]) for line in estimate["lines"])
    [nodes] = [line for line in estimate["lines"] if line["component"] == "nodes"]
    assert Decimal(nodes["monthly"]) == node_hours * price("redis", "cache.m5.large")
    # the same surcharge on every alternative on the same engine; none on Valkey
    alternatives = {a["label"]: a for a in data["alternatives"]}
    assert alternatives["reserved 1yr, all upfront"]["dated_charges"][0]["monthly"] == estimate["dated_charges"][0]["monthly"]
    assert alternatives["on Valkey"]["dated_charges"] == []


def test_extended_support_without_a_rate_is_unknown_from_its_date_on(tmp_path):
    """The committed catalogue has no Extended Support rate (no attributable copy): a Redis OSS
    6.2 spec keeps its monthly total, which holds until 2027-01-31; the cost from 2027-02-01 on
    is unknown, said in every output, and `cachegen cost` exits 1 (an unknown is not zero)."""
    from cachegen.compiler import compile_spec, render

    _, d = compile_spec(_spec(tmp_path, version="6.2"))
    files = render(d)
    data = json.loads(files["cost/cost.json"])
    estimate = data["estimate"]
    assert data["complete"] is True and estimate["monthly"] is not None and estimate["fully_priced"] is False
    assert [(c["starts"], c["monthly"], c["monthly_total_from_then"]) for c in estimate["dated_charges"]] == [
        ("2027-02-01", None, None), ("2029-02-01", None, None)]
    markdown = files["cost/cost.md"]
    assert "until 2027-01-31, then below" in markdown
    assert "| 2027-02-01 | 2029-01-31 | Extended Support, years 1-2 | unknown | unknown |" in markdown
    assert "| 2029-02-01 | not announced | Extended Support, year 3 | unknown | unknown |" in markdown
    assert "the monthly cost from 2027-02-01 on is unknown" in markdown
    assert "Moving to Valkey ends the Extended Support charges" in markdown
    result = run_cli("cost", str(tmp_path / "s.yaml"))
    assert result.code == 1 and "the cost from 2027-02-01 is unknown" in result.out
    assert "totals hold until" in result.out and "2027-01-31" in result.out
    assert run_cli("cost", "--allow-partial", str(tmp_path / "s.yaml")).code == 0


def test_a_version_with_standard_support_has_no_dated_charge(tmp_path):
    assert _cost(_spec(tmp_path, version="7.1"))["estimate"]["dated_charges"] == []


@pytest.mark.parametrize("node", ["cache.m5.large", "cache.r5.xlarge", "cache.c7gn.large"])
@pytest.mark.parametrize("engine,version", [("redis", "7.1"), ("valkey", "8.0")])
def test_the_added_families_are_priced(tmp_path, node, engine, version):
    estimate = _cost(_spec(tmp_path, engine=engine, version=version, node=node))["estimate"]
    assert estimate["complete"] is True
    [nodes] = [line for line in estimate["lines"] if line["component"] == "nodes"]
    assert Decimal(nodes["unit_price"]) == price(engine, node)


def test_other_options_show_serverless_and_data_tiering_unit_prices(tmp_path):
    from cachegen.compiler import compile_spec, render

    _, d = compile_spec(_spec(tmp_path, region="eu-west-1", engine="valkey", version="8.0"))
    files = render(d)
    serverless = PRICING["serverless"]["eu-west-1"]["valkey"]
    others = json.loads(files["cost/cost.json"])["other_options"]
    assert Decimal(others["serverless"]["per_gb_hour"]) == Decimal(serverless["per_gb_hour"])
    assert Decimal(others["serverless"]["per_million_ecpus"]) == Decimal(serverless["per_ecpu"]) * 1_000_000
    tiering = PRICING["on_demand"]["eu-west-1"]["valkey"]["cache.r6gd.xlarge"]
    assert others["data_tiering_per_node_hour"]["cache.r6gd.xlarge"] == tiering
    assert f"| data tiering (memory + SSD), cache.r6gd.xlarge | ${Decimal(tiering):.4f} per node-hour |" in files[
        "cost/cost.md"]
    # a region whose map has no r6gd row says so
    _, d = compile_spec(_spec(tmp_path, region="af-south-1", node="cache.t3.small"))
    assert "| data tiering (memory + SSD), r6gd | not in the catalogue for this region |" in render(d)["cost/cost.md"]


def test_cost_names_the_cheapest_node_that_holds_each_committed_workload():
    """Issue 17: `cachegen cost` advises, for every group a committed spec's workload falls on, the
    cheapest node type that holds the peak with a quarter free, and it is the cheapest: no node
    type of the catalogue with that headroom costs less (checked here against every type)."""
    import json

    from conftest import COMMITTED_SPECS, run_cli

    from cachegen import cost, resolve
    from cachegen.compiler import compile_spec

    result = run_cli("cost", "--format", "json", *COMMITTED_SPECS)
    assert result.code == 0, result.err
    report = json.loads(result.out)
    checked = 0
    for path in COMMITTED_SPECS:
        _, environment = compile_spec(path)
        for group in environment.all_groups:
            label = group.environment + (f" groups.{group.group_key}" if group.group_key else "")
            sizing = report[label]["sizing"]
            assert group.roles and sizing is not None, label  # every committed spec states its workload
            options = {o["label"]: o for o in sizing["options"]}
            sized = cost._as_node_based(group) if group.serverless else group
            for engine in [group.engine] + (["valkey"] if group.engine != "valkey" else []):
                prices = [cost.estimate(sized, engine=engine, node_type=fit.node_type).monthly
                          for fit in resolve.node_fits(sized, engine) if fit.comfortable]
                cheapest = min(p for p in prices if p is not None)
                kind = "node-based (a primary and a replica) " if group.serverless else ""
                option = options[f"cheapest {kind}that fits{'' if engine == group.engine else ' on Valkey'}"]
                assert option["monthly"] == str(cheapest), (label, engine, option)
                assert option["memory_share"] <= 0.75
                checked += 1
    assert checked >= 10
    text = run_cli("cost", *COMMITTED_SPECS)
    assert "cheapest that fits" in text.out and "workload peak per node" in text.out
