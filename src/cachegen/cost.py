"""What an environment costs a month, line by line, from the pricing catalogue.

Money is Decimal throughout and rounded only for display. A figure the catalogue lacks
is never guessed: its line is left out and named in `missing`, and the estimate then has no
total (`monthly` is None): a sum that silently leaves a component out would be a false number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from functools import cached_property
from typing import Any

from . import catalog
from .model import Deployment

SIZES = ["micro", "small", "medium", "large", "xlarge", "2xlarge", "4xlarge", "8xlarge", "12xlarge", "16xlarge"]
TERM_YEARS = {"1yr": 1, "3yr": 3}
PAYMENTS = ("no_upfront", "partial_upfront", "all_upfront")


@dataclass(frozen=True)
class Line:
    component: str
    quantity: Decimal
    unit: str
    unit_price: Decimal
    monthly: Decimal
    note: str = ""


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

    @property
    def complete(self) -> bool:
        """Whether the catalogue prices every component: only then is there a total."""
        return not self.missing

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


def purchase_option(estimate: Estimate) -> str:
    return "on demand" if estimate.reserved is None else "reserved " + estimate.reserved.replace("_", " ")


def hours_per_month() -> Decimal:
    return Decimal(str(catalog.pricing()["hours_per_month"]))


def estimate(d: Deployment, engine: str | None = None, node_type: str | None = None,
             reserved: tuple[str, str] | None = None, label: str = "as specified") -> Estimate:
    """The monthly cost of `d`, optionally on another engine, node type or reservation."""
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
                                         ("cross-AZ transfer", _transfer_line(d, pricing, region))):
        lines.extend(priced)
        missing.extend((component, item) for item in lacking)
    reserved_label = f"{reserved[0]} {reserved[1]}" if reserved else None
    return Estimate(label, engine, node_type, d.node_count, reserved_label, tuple(lines), upfront,
                    tuple(item for _, item in missing), tuple(dict.fromkeys(component for component, _ in missing)))


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
    ordered = sorted((t for t, info in types.items() if info["family"] == family),
                     key=lambda t: SIZES.index(t.rsplit(".", 1)[1]) if t.rsplit(".", 1)[1] in SIZES else 99)
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


def advice(d: Deployment, current: Estimate) -> tuple[list[Alternative], list[str]]:
    """The guide's saving tips, priced: Valkey, every reservation, the neighbouring sizes, and
    the same memory in another family where it costs less; and the labels of those the
    catalogue cannot price (named, never dropped)."""
    options: list[Estimate] = []
    if d.engine != "valkey":
        options.append(estimate(d, engine="valkey", label="on Valkey"))
    for term in TERM_YEARS:
        for payment in PAYMENTS:
            options.append(estimate(d, reserved=(term, payment), label=f"reserved {term}, {payment.replace('_', ' ')}"))
    smaller, larger = neighbours(d.node.name)
    for other, word in ((smaller, "smaller"), (larger, "larger")):
        if other:
            options.append(estimate(d, node_type=other, label=f"{word}: {other}"))
    cheaper_only = set()
    for other in same_memory_elsewhere(d.node.name, d.engine):
        option = estimate(d, node_type=other, label=f"same memory on {other.split('.')[1]}: {other}")
        options.append(option)
        cheaper_only.add(option.label)
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
