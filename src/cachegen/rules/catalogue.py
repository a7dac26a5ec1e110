"""What exists: node types, engine versions, parameter families and their values, alarm ids."""

from __future__ import annotations

from collections.abc import Iterator

from .. import catalog
from ..diagnostics import did_you_mean as _close
from ..resolve import cluster_mode_enabled
from ..resolve import parameter_family as _family
from .base import Context, Finding, Rule, rule

RULES: list[Rule] = []
NODES = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheNodes.SupportedTypes.html"
VERSIONS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/engine-versions.html"
PARAMS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/ParameterGroups.Engine.html"
LOGS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Log_Delivery.html"


@rule(RULES, "V501", "The node type exists and runs the chosen engine", NODES, stage="spec")
def node_type(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    types = catalog.node_types()
    info = types.get(spec.node_type)
    if info is None:
        yield Finding(("node_type",), f"unknown node type `{spec.node_type}`",
                      expected="a node type of the catalogue, e.g. cache.t4g.small",
                      suggestion=_close(spec.node_type, sorted(types)))
    elif (refusal := catalog.node_refusal(info, spec.engine.name, spec.engine.version)) is not None:
        yield Finding(("node_type",), f"{spec.node_type} {refusal}")


@rule(RULES, "V502", "The engine version exists for the engine", VERSIONS, stage="spec")
def engine_version(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    versions = catalog.engines()[spec.engine.name]["versions"]
    if spec.engine.version not in versions:
        yield Finding(("engine", "version"), f"{spec.engine.name} {spec.engine.version} is not offered by ElastiCache",
                      expected=" | ".join(versions), suggestion=_nearest_version(spec.engine.version, list(versions)))


def _nearest_version(asked: str, versions: list[str]) -> str | None:
    """The offered version a user most likely meant: the first at or above the one asked for
    (7.1 on Valkey: 7.2), else the newest; by number, since `9.1` looks more like `7.1` than `7.2` does."""
    ordered = sorted(versions, key=catalog.version_key)
    above = [v for v in ordered if catalog.version_key(v) >= catalog.version_key(asked)]
    return f"did you mean `{(above or ordered)[0] if above else ordered[-1]}`?" if ordered else None


@rule(RULES, "V503", "The parameter family matches the engine version", PARAMS, stage="spec")
def parameter_family(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    family = _family(spec)
    if family and spec.parameters.family is not None and spec.parameters.family != family:
        of_engine = sorted(name for name, info in catalog.families().items() if info["engine"] == spec.engine.name)
        yield Finding(("parameters", "family"),
                      f"family `{spec.parameters.family}` does not match {spec.engine.name} {spec.engine.version}",
                      expected=f"{family} (the families of {spec.engine.name}: {', '.join(of_engine)})",
                      suggestion="drop `family`: cachegen derives it from the engine version")


@rule(RULES, "V504", "Parameter values are allowed by the family; the default group takes no values", PARAMS,
      stage="spec")
def parameter_values(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    if spec.parameters.use_default_group and spec.parameters.values:
        yield Finding(("parameters", "values"), "values cannot be set on AWS's default parameter group",
                      expected="use_default_group: false, or no values")
    family = _family(spec)
    allowed = catalog.families().get(family or "", {}).get("allowed_values", {})
    integers = catalog.integer_parameters()
    for name, value in spec.parameters.values.items():
        if name == "cluster-enabled":  # the group's mode decides it; AWS refuses a group whose parameters disagree
            mode = "yes" if cluster_mode_enabled(spec) else "no"
            if str(value).lower() not in (mode, str(mode == "yes").lower()):
                yield Finding(("parameters", "values", name),
                              f"`cluster-enabled: {value}` contradicts `topology.cluster_mode: {spec.topology.cluster_mode}`",
                              expected=f"`{mode}`, or no value: cachegen sets it from topology.cluster_mode",
                              suggestion="remove it and set `topology.cluster_mode`")
            continue
        if name in integers:
            number = value if isinstance(value, int) else int(value) if str(value).isascii() and str(value).isdigit() else None
            if number is None or not (number == 0 or number >= integers[name]["min_nonzero"]) \
                    or number > integers[name].get("max", number):
                yield Finding(("parameters", "values", name), f"`{value}` is not a valid {name}",
                              expected=integers[name]["expected"])
            continue
        choices = allowed.get(name)
        if choices is not None and str(value) not in [str(c) for c in choices]:
            yield Finding(("parameters", "values", name), f"`{value}` is not a value of {name} in {family}",
                          expected=" | ".join(str(c) for c in choices), suggestion=_close(str(value), choices))


@rule(RULES, "V505", "Log delivery: the engine version supports it; retention is a CloudWatch Logs value", LOGS,
      stage="spec")
def log_delivery(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    features = catalog.features()
    retention_values = catalog.limits()["cloudwatch_logs_retention_days"]
    if spec.engine.version not in catalog.engines()[spec.engine.name]["versions"]:
        return  # V502 says why; what this version supports is not a question
    version = catalog.version_key(spec.engine.version)
    for key in ("slow_log", "engine_log"):
        delivery = getattr(spec.logs, key)
        if not delivery.enabled:
            continue
        minimum = features[f"{key}_min_redis_version" if spec.engine.name == "redis" else "log_delivery_min_valkey_version"]
        if version < catalog.version_key(minimum):  # blame what the user wrote: the logs, or the version
            yield Finding(ctx.merged.most_likely_edited(("logs", key, "enabled"), ("engine", "version")),
                          f"{key.replace('_', ' ')} delivery needs {spec.engine.name} {minimum} or later "
                          f"(spec: {spec.engine.version})",
                          expected=f"{spec.engine.name} {minimum} or later, or `logs: {{{key}: {{enabled: false}}}}`")
        if delivery.retention_days not in retention_values:
            nearest = min(retention_values, key=lambda days: abs(days - delivery.retention_days))
            yield Finding(("logs", key, "retention_days"), f"CloudWatch Logs has no {delivery.retention_days}-day retention",
                          expected=", ".join(str(v) for v in retention_values), suggestion=f"nearest: {nearest}")


@rule(RULES, "V506", "Transit encryption mode and dual-stack networking need a recent engine",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/in-transit-encryption.html", stage="spec")
def version_features(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    features = catalog.features()
    if spec.engine.name != "redis":
        return
    version = catalog.version_key(spec.engine.version)
    minimum_tls = features["transit_encryption_min_redis_version"]
    if spec.security.in_transit_encryption.enabled and version < catalog.version_key(minimum_tls):
        yield Finding(("security", "in_transit_encryption", "enabled"),
                      f"in-transit encryption needs Redis OSS {minimum_tls} or later (spec: {spec.engine.version})")
    if spec.security.in_transit_encryption.mode == "preferred" and \
            version < catalog.version_key(features["transit_encryption_mode_min_redis_version"]):
        yield Finding(("security", "in_transit_encryption", "mode"),
                      f"transit encryption mode needs Redis {features['transit_encryption_mode_min_redis_version']} or later")
    if spec.network.network_type != "ipv4" and version < catalog.version_key(features["ipv6_min_redis_version"]):
        yield Finding(("network", "network_type"),
                      f"{spec.network.network_type} needs Redis {features['ipv6_min_redis_version']} or later")


@rule(RULES, "V507", "Alarm overrides name alarms that exist",
      "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/CacheMetrics.WhichShouldIMonitor.html", stage="spec")
def alarm_ids(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    known = sorted(catalog.alarms())
    for alarm_id in spec.alarms.overrides:
        if alarm_id not in known:
            yield Finding(("alarms", "overrides", alarm_id), f"unknown alarm `{alarm_id}`", at_key=True,
                          expected=", ".join(known), suggestion=_close(alarm_id, known))


# Redis's own password directives: ElastiCache has no such parameter; AUTH is the replication
# group's AuthToken, which cachegen generates into Secrets Manager.
AUTH_PARAMETERS = {"requirepass", "masterauth", "masteruser"}
AUTH_HINT = ("ElastiCache sets the password as the AUTH token (security.auth), generated into Secrets Manager; "
             "a password in the spec would be committed")


@rule(RULES, "V508", "Parameters exist in the engine's family and can be changed", PARAMS, stage="spec")
def parameter_names(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    family = _family(spec)
    if family is None or spec.parameters.use_default_group:  # V502 and V504 say why
        return
    known = catalog.family_parameters(family)
    for name in spec.parameters.values:
        info = known.get(name)
        if info is None:
            elsewhere = [other for other in catalog.parameter_lineage() if name in catalog.family_parameters(other)]
            auth = name.lower() in AUTH_PARAMETERS
            yield Finding(("parameters", "values", name),
                          f"{family} has no parameter `{name}`"
                          + (f" (it is a parameter of {', '.join(elsewhere)})" if elsewhere else ""),
                          expected=f"a parameter of the {family} family",
                          suggestion=AUTH_HINT if auth else _close(name, sorted(known)), at_key=True)
        elif info["fixed"]:
            yield Finding(("parameters", "values", name), f"ElastiCache does not let {name} be changed in {family}",
                          expected="no value: remove it")
        elif info["since"] and catalog.version_key(spec.engine.version) < catalog.version_key(info["since"]):
            yield Finding(("parameters", "values", name),
                          f"{name} needs {spec.engine.name} {info['since']} or later (spec: {spec.engine.version})")


EXTENDED_SUPPORT = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/extended-support.html"


@rule(RULES, "CG032", "The engine version has an end of standard support, after which Extended Support is charged",
      EXTENDED_SUPPORT, blocking=False, severity="warning",
      rationale="ElastiCache enrolls a cache still on such a version in Extended Support by itself and charges for "
                "it from the first day of the following month; for Redis OSS 4 and 5 it later upgrades the cache to "
                "Valkey. The dates are fixed, so the finding does not depend on the day it is reported.")
def standard_support_end(ctx: Context) -> Iterator[Finding]:
    d = ctx.deployment
    support = catalog.engines()[d.engine]["versions"][d.engine_version].get("support")
    if not support:
        return
    ends = support.get("extended_ends")
    yield Finding(("engine", "version"),
                  f"{d.engine} {d.engine_version}: ElastiCache's standard support ends {support['standard_ends']}; "
                  f"Extended Support is charged from {support['extended_charged_from']}"
                  + (f" until {ends}, when ElastiCache upgrades the cache to Valkey" if ends else ""),
                  suggestion="upgrade to Valkey (the endpoint stays) or to a Redis OSS version with standard support")


DESTINATIONS = "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Logging-destinations.html"


@rule(RULES, "V509", "A log delivered to Amazon Data Firehose names its stream, in a region that delivers there",
      DESTINATIONS, stage="spec",
      rationale="LogDeliveryConfigurations takes a Firehose stream's name; AWS does not deliver ElastiCache logs to "
                "Firehose in Asia Pacific (Osaka), and a serverless cache delivers no logs at all.")
def firehose_delivery(ctx: Context) -> Iterator[Finding]:
    spec = ctx.spec
    unsupported = catalog.features()["firehose_log_delivery_unsupported_regions"]
    for key in ("slow_log", "engine_log"):
        delivery = getattr(spec.logs, key)
        if not delivery.enabled:
            continue
        if delivery.destination == "kinesis-firehose" and delivery.delivery_stream is None:
            yield Finding(("logs", key, "destination"), "a log sent to Amazon Data Firehose needs the stream's name",
                          expected=f"logs.{key}.delivery_stream: <an existing Firehose stream>")
        elif delivery.destination == "cloudwatch-logs" and delivery.delivery_stream is not None:
            yield Finding(("logs", key, "delivery_stream"), "delivery_stream is set but the log goes to CloudWatch Logs",
                          expected=f"logs.{key}.destination: kinesis-firehose, or no delivery_stream")
        elif delivery.destination == "kinesis-firehose" and delivery.log_group is not None:
            yield Finding(("logs", key, "log_group"), "log_group is set but the log goes to Amazon Data Firehose",
                          expected=f"no logs.{key}.log_group, or destination: cloudwatch-logs")
        elif delivery.destination == "kinesis-firehose" and spec.region in unsupported:
            yield Finding(("logs", key, "destination"), f"ElastiCache does not deliver logs to Firehose in {spec.region}",
                          expected="destination: cloudwatch-logs")
