"""What an environment costs a month, line by line, from the pricing catalogue.

Money is Decimal throughout and rounded only for display. A figure the catalogue lacks
is never guessed: its line is left out and named in `missing`, and the estimate then has no
total (`monthly` is None): a sum that silently leaves a component out would be a false number.
"""

from __future__ import annotations

import dataclasses
import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from . import catalog, resolve
from .capacity import GB, Demand, Fit
from .model import Deployment, ServerlessCache

TERM_YEARS = {"1yr": 1, "3yr": 3}
PAYMENTS = ("no_upfront", "partial_upfront", "all_upfront")
_ONE_DAY = datetime.timedelta(days=1)


@dataclass(frozen=True)
class Line:
    component: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    monthly: Decimal
    note: str = ""


@dataclass(frozen=True)
class DatedCharge:
    """A charge that starts on a fixed date (Extended Support of an engine version past standard
    support): stated with its dates, so that a report never depends on the day it is built."""
    component: str
    starts: str  # ISO date, the first day charged
    ends: str | None  # ISO date, the last day charged; None when no source gives it
    monthly: Decimal | None  # None: the catalogue lacks the rate
    note: str


@dataclass(frozen=True)
class Estimate:
    label: str
    engine: str
    node_type: str
    nodes: int
    reserved: str | None  # e.g. "1yr all_upfront"
    lines: tuple[Line, ...]
    upfront: Decimal = Decimal(0)  # paid once per term, all nodes
    missing: tuple[str, ...] = field(default=())  # each figure the catalogue lacks, described
    unpriced: tuple[str, ...] = field(default=())  # the components those figures belong to
    dated: tuple[DatedCharge, ...] = field(default=())  # added to the monthly cost from their dates on

    @property
    def complete(self) -> bool:
        """Whether the catalogue prices every component of the monthly cost: only then is there
        a total. (A charge that starts on a date is stated apart, with its own figure or unknown.)"""
        return not self.missing

    @property
    def dated_unknown(self) -> tuple[DatedCharge, ...]:
        """The charges from a date on whose rate the catalogue lacks."""
        return tuple(charge for charge in self.dated if charge.monthly is None)

    @property
    def fully_priced(self) -> bool:
        """Every figure known: the monthly total and every dated charge."""
        return self.complete and not self.dated_unknown

    def monthly_from(self, charge: DatedCharge) -> Decimal | None:
        """The monthly cost while `charge` applies (None when anything in it is unknown)."""
        return None if self.monthly is None or charge.monthly is None else self.monthly + charge.monthly

    @cached_property
    def priced_monthly(self) -> Decimal:
        """The sum of the lines the catalogue prices: a total only when the estimate is complete."""
        return sum((line.monthly for line in self.lines), Decimal(0))

    @property
    def monthly(self) -> Decimal | None:
        """The monthly total; None when a component cannot be priced (never a partial sum)."""
        return self.priced_monthly if self.complete else None

    @property
    def yearly(self) -> Decimal | None:
        return None if self.monthly is None else self.monthly * 12


@dataclass(frozen=True)
class Alternative:
    estimate: Estimate
    monthly_delta: Decimal | None  # negative: a saving; None when the current cost is unknown
    yearly_delta: Decimal | None


def catalogue_taken() -> str:
    """When the catalogue's figures were taken: its sources' oldest to newest date."""
    taken = sorted(str(source["taken"]) for source in catalog.pricing().get("sources", []))
    return " to ".join(dict.fromkeys([taken[0], taken[-1]])) if taken else "unknown"


def until(estimate: Estimate) -> str | None:
    """The last day the monthly total holds: the day before the first dated charge starts."""
    if not estimate.dated:
        return None
    first = min(datetime.date.fromisoformat(charge.starts) for charge in estimate.dated)
    return (first - _ONE_DAY).isoformat()


def purchase_option(estimate: Estimate) -> str:
    if estimate.node_type == SERVERLESS_NODE:
        return "pay per use"
    return "on demand" if estimate.reserved is None else "reserved " + estimate.reserved.replace("_", " ")


def hours_per_month() -> Decimal:
    return Decimal(str(catalog.pricing()["hours_per_month"]))


def estimate(d: Deployment, engine: str | None = None, node_type: str | None = None,
             reserved: tuple[str, str] | None = None, label: str = "as specified") -> Estimate:
    """The monthly cost of `d`, optionally on another engine, node type or reservation."""
    if d.serverless:
        return serverless_estimate(d, engine or d.engine, label)
    pricing = catalog.pricing()
    region = d.region
    engine = engine or d.engine
    node_type = node_type or d.node.name
    if reserved is None and d.cost.reserved.term != "none":
        reserved = (d.cost.reserved.term, d.cost.reserved.payment)
    hours = hours_per_month()
    lines: list[Line] = []
    missing: list[tuple[str, str]] = []  # (component, the figure the catalogue lacks)
    upfront = Decimal(0)

    node_hours = Decimal(d.node_count) * hours
    prices = node_prices(region, engine, node_type)
    if reserved is None:
        price = prices["on_demand"]
        if price is None:
            missing.append(("nodes", f"on-demand price of {node_type} ({engine}) in {region}"))
        else:
            lines.append(Line("nodes", node_hours, "node-hours", price, node_hours * price,
                              f"{d.node_count} x {node_type} x {hours} h, on demand"))
    else:
        term, payment = reserved
        offer = prices["reserved"].get((term, payment))
        if offer is None:
            missing.append(("nodes (reserved)",
                            f"{term} {payment} reservation of {node_type} ({engine}) in {region}"))
        else:
            hourly, upfront_each = offer
            lines.append(Line("nodes (reserved)", node_hours, "node-hours", hourly, node_hours * hourly,
                              f"{d.node_count} x {node_type} x {hours} h, {term} {payment.replace('_', ' ')}"))
            upfront = upfront_each * d.node_count
            months = Decimal(12 * TERM_YEARS[term])
            if upfront:
                lines.append(Line("reservation upfront, amortised", Decimal(d.node_count), "nodes",
                                  upfront_each / months, upfront / months,
                                  f"{upfront_each} per node over {int(months)} months"))

    for component, (priced, lacking) in (("backup storage", _backup_line(d, pricing, region)),
                                         ("cross-AZ transfer", _transfer_line(d, pricing, region)),
                                         ("cross-region replication", _replication_line(d))):
        lines.extend(priced)
        missing.extend((component, item) for item in lacking)
    dated = _extended_support(d, pricing, engine, node_type, node_hours) if engine == d.engine else []
    reserved_label = f"{reserved[0]} {reserved[1]}" if reserved else None
    return Estimate(label, engine, node_type, d.node_count, reserved_label, tuple(lines), upfront,
                    tuple(item for _, item in missing), tuple(dict.fromkeys(component for component, _ in missing)),
                    tuple(dated))


# The Price List's two Extended Support tiers (usage types `ExtendedSupportYr1_Yr2-NodeUsage:<type>`
# and `ExtendedSupportYr3-NodeUsage:<type>`), each billed per node-hour on top of the node's own
# price, reserved or not (reservations cover only `NodeUsage`). Their dates are the engine
# version's, in engines.yaml.
EXTENDED_SUPPORT_TIERS = (("yr1_yr2", "Extended Support, years 1-2", "extended_charged_from", "extended_year3_from"),
                          ("yr3", "Extended Support, year 3", "extended_year3_from", "extended_ends"))


def _extended_support(d: Deployment, pricing: dict[str, Any], engine: str, node_type: str,
                      node_hours: Decimal) -> list[DatedCharge]:
    support = catalog.engines()[engine]["versions"][d.engine_version].get("support") or {}
    charges = []
    for tier, component, starts, ends in EXTENDED_SUPPORT_TIERS:
        if starts not in support:
            continue
        end = support.get(ends)
        last = None if end is None else str(end - _ONE_DAY if ends == "extended_year3_from" else end)
        rate = _get(pricing, "extended_support", d.region, engine, node_type, tier)
        charges.append(DatedCharge(component, str(support[starts]), last, None if rate is None else node_hours * rate,
                                   f"{d.engine} {d.engine_version} past standard support ({support['standard_ends']}): "
                                   + ("rate unknown" if rate is None else f"{rate} per node-hour")))
    return charges


SECONDS_PER_HOUR = Decimal(3600)
SERVERLESS_NODE = "serverless"  # what an Estimate of a serverless cache names as its node type


def serverless_estimate(d: Deployment, engine: str, label: str) -> Estimate:
    """A serverless cache: data stored in GB-hours (at least the engine's metered minimum) and
    requests in ECPUs, from the spec's stated use; unknown when the spec states none. ECPUs include
    the data transferred, so no cross-AZ line."""
    cache = d.serverless
    assert cache is not None
    pricing, hours = catalog.pricing(), hours_per_month()
    rates = _get(pricing, "serverless", d.region, engine) or {}
    lines: list[Line] = []
    missing: list[tuple[str, str]] = []
    minimum = Decimal(str(catalog.serverless()["minimum_metered_gb"][engine]))
    if cache.expected_data_gb is None:
        missing.append(("data stored", "serverless.expected_data_gb: how much the cache holds on average"))
    elif "per_gb_hour" not in rates:
        missing.append(("data stored", f"serverless data storage price ({engine}) in {d.region}"))
    else:
        # AWS meters at least the engine's minimum, and at least the minimum the spec keeps ready
        floor = max(minimum, Decimal(cache.min_data_storage_gb or 0))
        metered = max(Decimal(str(cache.expected_data_gb)), floor)
        quantity, price = metered * hours, Decimal(rates["per_gb_hour"])
        lines.append(Line("data stored", quantity, "GB-hours", price, quantity * price,
                          f"{metered} GB x {hours} h (metered at least {floor} GB)"))
    if cache.expected_ecpu_per_second is None:
        missing.append(("ECPUs", "serverless.expected_ecpu_per_second: the requests it serves on average"))
    elif rates.get("per_ecpu") is None:
        missing.append(("ECPUs", f"serverless ECPU price ({engine}) in {d.region}"))
    else:
        per_second = max(Decimal(str(cache.expected_ecpu_per_second)), Decimal(cache.min_ecpu_per_second or 0))
        millions = per_second * SECONDS_PER_HOUR * hours / ECPUS_QUOTED
        price = (Decimal(rates["per_ecpu"]) * ECPUS_QUOTED).normalize()
        lines.append(Line("ECPUs", millions, "million ECPUs", price, millions * price,
                          f"{per_second} ECPUs a second on average"
                          + (" (the minimum kept ready is billed)" if cache.min_ecpu_per_second else "")))
    backups, lacking = _backup_line(d, pricing, d.region)
    lines += backups
    missing += [("backup storage", item) for item in lacking]
    return Estimate(label, engine, SERVERLESS_NODE, 0, None, tuple(lines), Decimal(0),
                    tuple(item for _, item in missing), tuple(dict.fromkeys(c for c, _ in missing)))


def _backup_line(d: Deployment, pricing: dict[str, Any], region: str) -> tuple[list[Line], list[str]]:
    """Snapshots kept beyond the one AWS stores free: (retention - 1) x snapshot size."""
    retention = d.backup_retention_days
    size = Decimal(str(d.cost.backup_storage_gb))
    billable = size * max(retention - 1, 0)
    if billable == 0:
        return [], []
    price = _get(pricing, "backup_storage", region, "price_per_gb_month")
    if price is None:
        return [], [f"backup storage price in {region}"]
    return [Line("backup storage", billable, "GB-month", price, billable * price,
                 f"{retention} daily snapshots of {size} GB, one free")], []


def _transfer_line(d: Deployment, pricing: dict[str, Any], region: str) -> tuple[list[Line], list[str]]:
    """Traffic between AZs (replication and clients in other AZs), charged on both sides."""
    gigabytes = Decimal(str(d.cost.cross_az_traffic_gb_per_month))
    if not d.multi_az or gigabytes == 0:
        return [], []
    price = _get(pricing, "cross_az_transfer", region, "price_per_gb")
    if price is None:
        return [], [f"cross-AZ transfer price in {region}"]
    charged = gigabytes * 2
    return [Line("cross-AZ transfer", charged, "GB", price, charged * price,
                 f"{gigabytes} GB a month, charged out and in")], []


def _replication_line(d: Deployment) -> tuple[list[Line], list[str]]:
    """A Global Datastore secondary receives every write of the primary from its region, billed as
    AWS data transfer between the two regions: the catalogue has no such price, so the secondary's
    cost (and the environment's total) is unknown rather than a sum that leaves it out."""
    if not d.global_secondary:
        return [], []
    assert d.global_datastore is not None
    return [], [f"data transfer from {d.global_datastore.primary_region} to {d.region} (Global Datastore "
                f"replication)"]


# (region, engine, node type) -> (the catalogue read, its figures): every estimate of every
# alternative asks again. Kept with the catalogue object itself, so that another catalogue (a
# test's) is never answered from this one.
_NODE_PRICES: dict[tuple[str, str, str], tuple[dict[str, Any], dict[str, Any]]] = {}


def node_prices(region: str, engine: str, node_type: str) -> dict[str, Any]:
    """Every figure the catalogue has for one node type: the on-demand hourly price (None when
    unknown) and each reservation offer as (hourly, upfront per node). Read only: shared."""
    pricing = catalog.pricing()
    known = _NODE_PRICES.get((region, engine, node_type))
    if known is not None and known[0] is pricing:
        return known[1]
    offers = _get(pricing, "reserved", region, engine, node_type) or {}
    reserved = {}
    for term in TERM_YEARS:
        for payment in PAYMENTS:
            offer = _get(offers, term, payment)
            if offer is not None:
                reserved[(term, payment)] = (Decimal(offer["hourly"]), Decimal(offer["upfront"]))
    figures = {"on_demand": _get(pricing, "on_demand", region, engine, node_type), "reserved": reserved}
    _NODE_PRICES[(region, engine, node_type)] = (pricing, figures)
    return figures


DATA_TIERING_FAMILY = "r6gd"  # memory plus local SSD: billed per node-hour like any node
ECPUS_QUOTED = Decimal(1_000_000)  # AWS quotes serverless requests per million ECPUs


@dataclass(frozen=True)
class OtherOptions:
    """The catalogue's unit prices, in one region and engine, of the ElastiCache options beyond
    a provisioned group: a serverless cache and data-tiering nodes. Shown for comparison, not
    totalled: their cost depends on data stored and requests served, which no spec states yet."""
    serverless_per_gb_hour: Decimal | None
    serverless_per_million_ecpus: Decimal | None
    data_tiering_per_node_hour: dict[str, Decimal]  # node type -> on-demand price, smallest first


def other_options(region: str, engine: str) -> OtherOptions:
    pricing = catalog.pricing()
    serverless = _get(pricing, "serverless", region, engine) or {}
    per_ecpu = serverless.get("per_ecpu")
    nodes = _get(pricing, "on_demand", region, engine) or {}
    tiering = {node: Decimal(price) for node, price in nodes.items() if node.split(".")[1] == DATA_TIERING_FAMILY}
    return OtherOptions(None if "per_gb_hour" not in serverless else Decimal(serverless["per_gb_hour"]),
                        None if per_ecpu is None else (Decimal(per_ecpu) * ECPUS_QUOTED).normalize(),
                        dict(sorted(tiering.items(), key=lambda item: catalog.size_rank(item[0]))))


def _get(data: dict[str, Any], *keys: str) -> Any:
    for key in keys:
        if not isinstance(data, dict) or key not in data:
            return None
        data = data[key]
    return Decimal(data) if isinstance(data, str) else data


def neighbours(node_type: str) -> tuple[str | None, str | None]:
    """The next smaller and larger node type of the same family in the node catalogue."""
    types = catalog.node_types()
    family = types[node_type]["family"]
    ordered = sorted((t for t, info in types.items() if info["family"] == family), key=catalog.size_rank)
    at = ordered.index(node_type)
    return (ordered[at - 1] if at > 0 else None), (ordered[at + 1] if at + 1 < len(ordered) else None)


def same_memory_elsewhere(node_type: str, engine: str) -> list[str]:
    """Per other family of the same kind (burstable or not), the smallest node type offered for
    `engine` that holds at least as much data: for r7g.large (13.07 GiB) that is m7g.2xlarge,
    since m7g.xlarge holds 12.94 GiB."""
    types = catalog.node_types()
    here = types[node_type]
    burstable = here["family"].startswith("t")
    best: dict[str, str] = {}
    for name, info in types.items():
        if (info["family"] == here["family"] or info["family"].startswith("t") != burstable
                or engine not in info["engines"] or info["maxmemory_bytes"] < here["maxmemory_bytes"]):
            continue
        chosen = best.get(info["family"])
        if chosen is None or info["maxmemory_bytes"] < types[chosen]["maxmemory_bytes"]:
            best[info["family"]] = name
    return [best[family] for family in sorted(best)]


def holds(d: Deployment, node_type: str) -> bool:
    """Whether `node_type` holds the group's workload (unknown without one: then any may)."""
    return d.demand is None or resolve.node_fit(d.demand, node_type, dict(d.effective_parameters), d.shards).fits


def advice(d: Deployment, current: Estimate) -> tuple[list[Alternative], list[str]]:
    """The usual ways to pay less, priced: Valkey, every reservation, the neighbouring sizes, and
    the same memory in another family where it costs less (a node type that cannot hold the
    stated workload is no way to pay less); and the labels of those the catalogue cannot price
    (named, never dropped)."""
    options: list[Estimate] = []
    if d.engine != "valkey" and d.global_datastore is None:
        options.append(estimate(d, engine="valkey", label="on Valkey"))
    if d.serverless:  # no node, no reservation: the engine is the only lever
        return _priced(options, current, set())
    for term in TERM_YEARS:
        for payment in PAYMENTS:
            options.append(estimate(d, reserved=(term, payment), label=f"reserved {term}, {payment.replace('_', ' ')}"))
    if d.global_datastore is not None:  # every member runs one engine and node type (V942): only reservations
        return _priced(options, current, set())
    smaller, larger = neighbours(d.node.name)
    for other, word in ((smaller, "smaller"), (larger, "larger")):
        if other and holds(d, other):
            options.append(estimate(d, node_type=other, label=f"{word}: {other}"))
    cheaper_only = set()
    for other in (node for node in same_memory_elsewhere(d.node.name, d.engine) if holds(d, node)):
        option = estimate(d, node_type=other, label=f"same memory on {other.split('.')[1]}: {other}")
        options.append(option)
        cheaper_only.add(option.label)
    return _priced(options, current, cheaper_only)


def _priced(options: list[Estimate], current: Estimate, cheaper_only: set[str]
            ) -> tuple[list[Alternative], list[str]]:
    out, unpriced = [], []
    for option in options:
        if option.monthly is None:  # an alternative is only priced when every figure is known
            unpriced.append(option.label)
            continue
        # against an unknown current cost a difference would be a false saving
        delta = None if current.monthly is None else option.monthly - current.monthly
        if option.label in cheaper_only and delta is not None and delta >= 0:
            continue  # another family at the same memory is only advice when it saves
        out.append(Alternative(option, delta, None if delta is None else delta * 12))
    return out, unpriced


@dataclass(frozen=True)
class Sizing:
    """One way to run the group's workload (docs/capacity.md), priced: the node type it takes and
    the headroom it leaves, or a serverless cache."""

    label: str
    estimate: Estimate
    fit: Fit | None  # None: a serverless cache (it grows with the data)
    monthly_delta: Decimal | None  # against the group as specified; None when either is unknown


def sizing(d: Deployment, current: Estimate) -> tuple[list[Sizing], list[str]]:
    """The cheapest node type that holds the workload with a quarter of its memory and bandwidth
    free (what lint asks), on the group's engine and, for Redis OSS, on Valkey; a serverless cache
    where the group serves only the application's cache and the peak is within serverless's
    limits; and the fitting node types the catalogue cannot price (named: one of them could be
    cheaper). A Global Datastore member has none: it runs the primary's node type (V942)."""
    if d.demand is None or d.global_datastore is not None:
        return [], []
    # a serverless cache against a node-based group of a primary and a replica (Multi-AZ, as
    # serverless is), with the engine's default parameters
    sized = _as_node_based(d) if d.serverless else d
    engines = [d.engine] + (["valkey"] if d.engine != "valkey" else [])
    out: list[Sizing] = []
    unpriced: list[str] = []
    kind = "node-based (a primary and a replica) " if d.serverless else ""
    for engine in engines:
        priced: list[tuple[Decimal, Fit, Estimate]] = []
        for fit in _smallest_per_family(f for f in resolve.node_fits(sized, engine) if f.comfortable):
            option = estimate(sized, engine=engine, node_type=fit.node_type,
                              label=f"cheapest {kind}that fits{'' if engine == d.engine else ' on Valkey'}")
            if option.monthly is None:
                unpriced.append(f"{fit.node_type} ({engine})")
            else:
                priced.append((option.monthly, fit, option))
        if priced:
            _, fit, option = min(priced, key=lambda item: (item[0], item[1].maxmemory_bytes))
            out.append(Sizing(option.label, option, fit, _delta(option, current)))
    if d.roles == {"cache"} and not d.serverless and _serverless_holds(d.demand):
        option = serverless_estimate(_as_serverless(d), d.engine, "serverless (the cache role only)")
        out.append(Sizing(option.label, option, None, _delta(option, current)))
    return out, sorted(set(unpriced))


def _smallest_per_family(fits: Iterable[Fit]) -> list[Fit]:
    """The smallest of each family: within a family a larger size costs more, so only these can
    be the cheapest (and a family whose smallest fitting size has no price is named unpriced)."""
    smallest: dict[str, Fit] = {}
    for fit in fits:
        family = catalog.node_types()[fit.node_type]["family"]
        if family not in smallest or fit.maxmemory_bytes < smallest[family].maxmemory_bytes:
            smallest[family] = fit
    return [smallest[family] for family in sorted(smallest)]


def _serverless_holds(demand: Demand) -> bool:
    """Within what a serverless cache can be given at most (5,000 GB, 15 million ECPUs a second)."""
    facts = catalog.serverless()
    return (demand.data_bytes <= facts["data_storage_gb"]["max"] * GB
            and demand.ecpus_per_second(facts["ecpu_per_kb_transferred"]) <= facts["ecpu_per_second"]["max"])


def _delta(option: Estimate, current: Estimate) -> Decimal | None:
    return None if option.monthly is None or current.monthly is None else option.monthly - current.monthly


def _as_node_based(d: Deployment) -> Deployment:
    return dataclasses.replace(d, serverless=None, shards=1, replicas_per_shard=1, nodes_per_shard=2, node_count=2,
                               multi_az=True)


def _as_serverless(d: Deployment) -> Deployment:
    """The group as a serverless cache without limits, storing the workload's data and serving its
    cache reads and writes at ECPUs per kilobyte transferred."""
    assert d.demand is not None
    ecpus = d.demand.ecpus_per_second(catalog.serverless()["ecpu_per_kb_transferred"])
    cache = ServerlessCache(d.replication_group_id, d.engine_version.split(".")[0], None, None, None, None,
                            d.backup_window[:5] if d.backup_window else None, round(d.demand.data_bytes / GB, 3),
                            float(ecpus))
    return dataclasses.replace(d, serverless=cache, node_count=0)


@dataclass(frozen=True)
class GroupCost:
    """One group's monthly cost as specified and, with Auto Scaling, at its least and its most."""

    group: Deployment
    current: Estimate
    least: Estimate | None = None  # every scaled dimension at its minimum
    most: Estimate | None = None  # every scaled dimension at its maximum


def _resized(d: Deployment, shards: int, replicas: int) -> Deployment:
    per_shard = replicas + 1
    return dataclasses.replace(d, shards=shards, replicas_per_shard=replicas, nodes_per_shard=per_shard,
                               node_count=shards * per_shard)


def group_cost(d: Deployment) -> GroupCost:
    current = estimate(d)
    if not d.scaling:
        return GroupCost(d, current)
    (fewest, replicas_least), (most_shards, replicas_most) = d.scaling_range
    least = estimate(_resized(d, fewest, replicas_least),
                     label=f"Auto Scaling's least: {fewest} shards x {replicas_least + 1} nodes")
    most = estimate(_resized(d, most_shards, replicas_most),
                    label=f"Auto Scaling's most: {most_shards} shards x {replicas_most + 1} nodes")
    return GroupCost(d, current, least, most)


def total(amounts: list[Decimal | None]) -> Decimal | None:
    """A sum, or None (unknown) when any part is unknown: never a total that leaves one out."""
    return None if any(a is None for a in amounts) else sum((a for a in amounts if a is not None), Decimal(0))


def environment_estimates(d: Deployment) -> tuple[Decimal | None, tuple[str, ...]]:
    """The environment's monthly cost as specified (every group's, summed; None when any part is
    unknown) and every figure the catalogue lacks for it."""
    estimates = [estimate(group) for group in d.all_groups]
    return total([e.monthly for e in estimates]), tuple(dict.fromkeys(m for e in estimates for m in e.missing))
