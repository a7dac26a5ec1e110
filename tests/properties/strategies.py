"""Hypothesis strategies for whole specs, built from the pydantic models.

`documents()` walks `cachegen.spec.Spec`: every field, with the type, bounds and pattern its
model declares, and hostile text in every string. On top of that, `specs()` redraws some
groups of fields coherently (a region with its AZs; an engine, a version its catalogue has
and a node type that runs it; a topology with the Celery roles it allows; windows that do
not overlap; time limits under the visibility timeout), so that a good share of the
documents pass every rule and reach the artifacts, across the whole language: every engine,
version, region, node type and cluster mode, sizes up to AWS's maximum of 500 nodes.
"""

from __future__ import annotations

import re

import types
import typing
from typing import Any

from hypothesis import strategies as st
from pydantic import BaseModel

from cachegen import catalog
from cachegen.spec import Spec

# A command that leaves a file behind if any generated artifact ever runs spec text.
CANARY = "cachegen-canary"
HOSTILE = [
    "it's", '"double"', "`touch cachegen-canary`", "$(touch cachegen-canary)", "; touch cachegen-canary #",
    "a && touch cachegen-canary", "| tee cachegen-canary", "${AWS::Region}", "${!x}", "{{resolve:ssm:/x}}",
    "line\nbreak", "carriage\rreturn", "tab\there", "\x1b[31mred", "nul\x00byte", "back\\slash", "'; echo pwned; '",
    "--help", "-", "*", "~", "!", "#", "%s%n", "{}", "[]", "a,b=c", "Zoë Ünïcødé", "日本語", "😀",
    "\u202eevil", "\u2028", "\x85", " leading", "trailing ", "", "x" * 300,
    "file://cachegen-canary", "fileb://~/cachegen-canary", "http://127.0.0.1:9/cachegen-canary",
]
hostile_text = st.one_of(st.sampled_from(HOSTILE), st.text(max_size=30),
                         st.lists(st.sampled_from(HOSTILE), min_size=1, max_size=3).map("".join))


def _constraints(metadata: list[Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in metadata:
        for name in ("ge", "gt", "le", "lt", "max_length", "min_length", "multiple_of", "pattern"):
            value = getattr(item, name, None)
            if value is not None:
                out[name] = value
    return out


NOISE = {"on": True}  # while building a strategy: whether fields may draw values that break them


def _weighted(common: st.SearchStrategy, rare: st.SearchStrategy, rare_in: int = 10) -> st.SearchStrategy:
    """`common`, and one time in `rare_in` `rare` (never, for a noiseless strategy)."""
    if not NOISE["on"]:
        return common
    return st.integers(1, rare_in).flatmap(lambda n: rare if n == 1 else common)


def _string(c: dict[str, Any]) -> st.SearchStrategy[str]:
    """Text the field's constraints allow, and now and then hostile or out-of-bounds text."""
    fitting = st.from_regex(c["pattern"], fullmatch=True) if "pattern" in c else st.text(max_size=40)
    if "max_length" in c or "min_length" in c:
        fitting = fitting.filter(lambda s: c.get("min_length", 0) <= len(s) <= c.get("max_length", 10 ** 9))
    return _weighted(fitting, hostile_text)


def _number(kind: type, c: dict[str, Any]) -> st.SearchStrategy:
    """A number within the field's bounds, and now and then one at or beyond them."""
    low = c.get("ge", c.get("gt"))
    high = c.get("le", c.get("lt"))
    if kind is int:
        inner = st.integers(min_value=low, max_value=high)
        if c.get("multiple_of"):
            step = c["multiple_of"]
            inner = st.integers(min_value=(low or step) // step, max_value=(high or 10 ** 6) // step).map(
                lambda n: n * step)
        edges = [v for v in (low, high, 0, -1, (low or 0) - 1, (high or 0) + 1, (low or 0) + 1) if v is not None]
        return _weighted(inner, st.one_of(st.sampled_from(edges), st.integers()), 5)
    inner = st.floats(min_value=low, max_value=high, allow_nan=False, allow_infinity=False,
                      exclude_min="gt" in c, exclude_max="lt" in c)
    edges = [v for v in (low, high, 0, -1.0, 0.5) if v is not None]
    return _weighted(inner, st.one_of(st.sampled_from(edges), st.integers(), st.floats(allow_nan=False,
                                                                                      allow_infinity=False)), 5)


# A value of the wrong type, as a YAML file may hold one anywhere.
mistyped = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False, allow_infinity=False),
                     st.sampled_from([1.0, 0.5, "1", "yes", "", [], {}]), st.lists(st.integers(), max_size=2),
                     st.dictionaries(st.text(max_size=3), st.integers(), max_size=2))


def from_annotation(annotation: Any, metadata: list[Any]) -> st.SearchStrategy:
    """The field's own values, and one time in ten a value of another type."""
    return _weighted(_typed(annotation, metadata), mistyped, 40)


def _typed(annotation: Any, metadata: list[Any]) -> st.SearchStrategy:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    c = _constraints(metadata)
    if origin is typing.Annotated:
        inner = [m for arg in args[1:] for m in (getattr(arg, "metadata", None) or [arg])]
        return _typed(args[0], [*inner, *metadata])
    if origin is typing.Literal:
        return _weighted(st.sampled_from(args), hostile_text)
    if origin in (typing.Union, types.UnionType):
        return st.one_of(*(_typed(a, metadata) for a in args))
    if origin is list:
        return st.lists(from_annotation(args[0], []), min_size=c.get("min_length", 0), max_size=4)
    if origin is dict:
        return st.dictionaries(_typed(args[0], []), from_annotation(args[1], []), max_size=4)  # keys: text, as in JSON
    if annotation is type(None):
        return st.none()
    if annotation is bool:
        return st.booleans()
    if annotation in (int, float):
        return _number(annotation, c)
    if annotation is str:
        return _string(c)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return model(annotation)
    raise TypeError(f"no strategy for {annotation!r}")


def model(cls: type[BaseModel], exclude: frozenset[str] = frozenset()) -> st.SearchStrategy[dict[str, Any]]:
    """A mapping for `cls`: every required field, any optional ones, each from its annotation."""
    required, optional = {}, {}
    for name, field in cls.model_fields.items():
        if name in exclude:
            continue
        strategy = from_annotation(field.annotation, field.metadata)
        (required if field.is_required() else optional)[name] = strategy
    return st.fixed_dictionaries(required, optional=optional)


def _document_model(noise: bool) -> st.SearchStrategy[dict[str, Any]]:
    NOISE["on"] = noise
    try:
        return model(Spec).map(lambda doc: {k: v for k, v in doc.items() if k not in ("extends", "abstract")})
    finally:
        NOISE["on"] = True


def documents() -> st.SearchStrategy[dict[str, Any]]:
    """Documents of the spec language: half of them with every field fitting its declaration,
    half with wrong types, hostile text and out-of-range numbers here and there."""
    return st.one_of(_document_model(noise=False), _document_model(noise=True))


# --- coherent groups ---------------------------------------------------------------------

REGIONS = sorted(catalog.regions())
NODE_TYPES = catalog.node_types()
ENGINES = catalog.engines()
ALARM_IDS = sorted(catalog.alarms())
PARAMETER_NAMES = sorted({name for family in catalog.parameter_lineage() for name in catalog.family_parameters(family)})
VALUES_CHECKED = {"maxmemory-policy", "cluster-enabled", *catalog.integer_parameters()}  # other values pass through
SG_NAME_CHARACTERS = "abcXYZ019 ._-:/()#,@[]+=&;{}!$*"
EMAIL_LOCAL = "abcXYZ019!#$%&'*+/=?^_`{|}~-"
TAG_CHARACTERS = st.characters(categories=["L", "N", "Zs"], include_characters="_.:/=+-@")
# non-overlapping (backup window, maintenance window) pairs, one crossing midnight
WINDOWS = [("02:00-03:00", "sun:03:00-sun:04:00"), ("23:30-00:30", "mon:01:00-mon:02:30"),
           ("05:00-09:00", "sat:10:00-sat:11:00"), ("00:00-01:00", "wed:12:00-wed:23:30")]


@st.composite
def _network(draw, region: str, multi_az: bool, ipv6: bool) -> dict[str, Any]:
    hex17 = st.text("0123456789abcdef", min_size=17, max_size=17)
    letters = draw(st.lists(st.sampled_from("abcdef"), min_size=2 if multi_az else 1, max_size=4, unique=True))
    subnet_ids = draw(st.lists(hex17, min_size=len(letters), max_size=len(letters), unique=True))
    out: dict[str, Any] = {
        "vpc_id": "vpc-" + draw(hex17),
        "subnets": [{"id": "subnet-" + h, "az": region + letter} for h, letter in zip(subnet_ids, letters)],
        "allowed_security_groups": draw(st.lists(hex17.map(lambda h: "sg-" + h), min_size=1, max_size=3, unique=True)),
        "network_type": draw(st.sampled_from(["ipv4", "dual_stack", "ipv6"] if ipv6 else ["ipv4"])),
    }
    if draw(st.booleans()):
        out["allowed_cidrs"] = draw(st.lists(st.sampled_from(
            ["10.0.0.0/8", "172.16.5.0/24", "0.0.0.0/0", "2001:db8::/32", "2001:db8:1:2::/64", "::/0"]),
            max_size=3, unique=True))
    if draw(st.integers(0, 5)) == 0:  # an existing security group: no sources of cachegen's (one in ten keeps some)
        out["security_group_id"] = "sg-" + draw(hex17)
        if draw(st.integers(0, 9)) != 5:
            out["allowed_security_groups"], out["allowed_cidrs"] = [], []
    if draw(st.booleans()):
        out["security_group_name"] = draw(st.one_of(
            st.text(SG_NAME_CHARACTERS, min_size=1, max_size=60).filter(lambda s: not s.lower().startswith("sg-")),
            st.sampled_from(["file://cachegen-canary", "https://127.0.0.1:9/x"])))
    return out


@st.composite
def _engine(draw) -> tuple[dict[str, Any], str]:
    name = draw(st.sampled_from(sorted(ENGINES)))
    version = draw(st.sampled_from(sorted(ENGINES[name]["versions"])))
    nodes = [n for n, info in NODE_TYPES.items() if name in info.get("engines", ["redis", "valkey"])
             and (name != "redis" or catalog.version_key(version) >= catalog.version_key(info.get("min_redis_version", "0")))]
    return {"name": name, "version": version}, draw(st.sampled_from(sorted(nodes)))


# key prefixes with every character the language allows (`:` `/` `.` `-` `_`), some overlapping
KEY_PREFIXES = st.one_of(st.sampled_from(["app:", "app:cache:", "a", "q/0.", "x-y_z.w:"]),
                         st.from_regex(r"^[A-Za-z0-9][A-Za-z0-9_.:/-]{0,12}$", fullmatch=True))


@st.composite
def _topology(draw) -> tuple[dict[str, Any], dict[str, Any]]:
    """A topology and the Celery section it allows; sizes up to 500 nodes, most of them small."""
    cluster = draw(st.booleans())
    replicas = draw(st.integers(0, 5))
    # sizes up to AWS's 500 nodes, the large ones rarer (a 500-node group has ~6,500 alarms)
    sizes = [*[st.integers(1, 3)] * 9, *[st.integers(4, 16)] * 6, st.integers(1, 500 // (replicas + 1))]
    shards = draw(st.one_of(*sizes)) if cluster else 1
    multi_az = replicas > 0 and draw(st.booleans())
    topology = {"cluster_mode": "enabled" if cluster else "disabled", "shards": shards, "replicas_per_shard": replicas,
                "multi_az": multi_az}
    if draw(st.booleans()):
        topology["automatic_failover"] = True if (cluster or multi_az) else (replicas > 0 and draw(st.booleans()))
    time_limit = draw(st.integers(1, 3600))
    celery: dict[str, Any] = {
        "enabled": draw(st.booleans()) or not cluster,
        "tasks": {"time_limit": time_limit, "max_eta_seconds": draw(st.integers(0, 3600))},
        "visibility_timeout": 7300,
        "health_check_interval": draw(st.integers(1, 60)),
        "workers": {"count": draw(st.integers(1, 50)), "concurrency": draw(st.integers(1, 16))},
    }
    if cluster:
        celery.update({"broker": {"enabled": False}, "result_backend": {"enabled": False},
                       "cache": {"enabled": draw(st.booleans()), "db": 0}})
    else:
        dbs = draw(st.lists(st.integers(0, 15), min_size=3, max_size=3))
        celery.update({role: {"enabled": draw(st.booleans()), "db": db}
                       for role, db in zip(("broker", "result_backend", "cache"), dbs)})
    for role in ("broker", "result_backend", "cache"):  # a prefix of its own, now and then (RBAC's keys)
        if draw(st.integers(0, 3)) == 0:
            celery[role]["key_prefix"] = draw(KEY_PREFIXES)
    return topology, celery


@st.composite
def _free_text(draw) -> dict[str, Any]:
    """What AWS accepts in its free-text fields, with every shell, JMESPath and YAML trap."""
    out: dict[str, Any] = {"description": draw(st.one_of(hostile_text, st.text(max_size=255)).map(
        lambda s: "".join(ch for ch in s if ch >= " " and ch != "\x7f")[:255]))}
    local = st.text(EMAIL_LOCAL, min_size=1, max_size=20)
    out["notifications"] = {"emails": draw(st.lists(local.map(lambda l: f"{l}@example.com"), max_size=2, unique=True))}
    tag_text = st.text(TAG_CHARACTERS, min_size=1, max_size=40).filter(lambda s: not s.lower().startswith("aws:"))
    out["tags"] = draw(st.dictionaries(tag_text, tag_text, max_size=draw(st.sampled_from([3, 47]))))
    return out


AUTO_SCALING = catalog.auto_scaling()


def _scalable(node_type: str, engine: dict[str, str]) -> bool:
    info, (_, family, size) = NODE_TYPES[node_type], node_type.split(".")
    return (family in AUTO_SCALING["node_families"] and size in AUTO_SCALING["node_sizes"]
            and engine["name"] in info.get("engines", ["redis", "valkey"])
            and (engine["name"] != "redis" or catalog.version_key(engine["version"]) >=
                 catalog.version_key(info.get("min_redis_version", "0"))))


@st.composite
def _auto_scaling(draw, topology: dict[str, Any], engine: dict[str, str]) -> tuple[dict[str, Any], str] | None:
    """Auto Scaling of a cluster-mode group and a node type it supports (one draw in ten breaks a
    bound, for rules V912 and V913 to refuse); None when the engine is too old for it."""
    nodes = [n for n in sorted(NODE_TYPES) if _scalable(n, engine)]
    if not nodes or catalog.version_key(engine["version"]) < catalog.version_key(
            AUTO_SCALING["min_engine_versions"][engine["name"]]):
        return None
    shards, replicas = topology["shards"], topology["replicas_per_shard"]
    node = draw(st.sampled_from(nodes))
    tiering = NODE_TYPES[node].get("data_tiering", False)  # r6gd: its capacity is tracked, not its memory
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        top = max(shards, min(250 // (replicas + 1), shards + draw(st.integers(0, 8))))
        out["shards"] = {"min": draw(st.integers(1, shards)), "max": top if draw(st.integers(0, 9)) != 5 else shards - 1,
                         "metric": draw(st.sampled_from(["engine_cpu", "capacity" if tiering else "memory"])),
                         "target": draw(st.floats(20, 90)),
                         "disable_scale_in": draw(st.booleans())}
        if draw(st.booleans()):
            out["shards"]["scale_in_cooldown_seconds"] = draw(st.integers(0, 3600))
    if not out or draw(st.booleans()):
        out["replicas"] = {"min": draw(st.integers(0, replicas)), "max": draw(st.integers(replicas, 5)),
                           "target": draw(st.floats(1, 100) if draw(st.integers(0, 9)) == 5 else st.sampled_from([35, 50, 70]))}
    return out, node


SERVERLESS = catalog.serverless()
SERVERLESS_ENGINES = [{"name": name, "version": version} for name in sorted(ENGINES)
                      for version in sorted(ENGINES[name]["versions"])
                      if version.split(".")[0] in SERVERLESS["major_versions"].get(name, [])]
OLD_ENGINES = [{"name": "redis", "version": version} for version in sorted(ENGINES["redis"]["versions"])
               if version.split(".")[0] not in SERVERLESS["major_versions"]["redis"]]


@st.composite
def _serverless(draw) -> dict[str, Any]:
    """A serverless cache's limits and usage, each often left out (no limit; the cost unknown)."""
    storage, ecpu = SERVERLESS["data_storage_gb"], SERVERLESS["ecpu_per_second"]
    out: dict[str, Any] = {}
    if draw(st.booleans()):
        out["max_data_storage_gb"] = draw(st.integers(storage["min"], storage["max"]))
    if draw(st.booleans()):
        out["max_ecpu_per_second"] = draw(st.integers(ecpu["min"], ecpu["max"]))
    if draw(st.integers(0, 4)) == 0:
        out["min_ecpu_per_second"] = draw(st.integers(ecpu["min"], out.get("max_ecpu_per_second", ecpu["max"])))
    if draw(st.booleans()):  # within the maximums (one draw in ten above, for V923)
        over = draw(st.integers(0, 9)) == 5
        out["expected_data_gb"] = draw(st.floats(0, storage["max"] if over else out.get("max_data_storage_gb",
                                                                                         storage["max"])))
        out["expected_ecpu_per_second"] = draw(st.floats(0, ecpu["max"] if over else out.get("max_ecpu_per_second",
                                                                                            ecpu["max"])))
    return out


@st.composite
def _groups(draw, doc: dict[str, Any]) -> dict[str, Any]:
    """Other groups beside the spec's own, and the roles moved to them: the broker and the result
    backend only to a group without cluster mode (one draw in ten anywhere, for V601 to refuse)."""
    groups: dict[str, Any] = {}
    for key in draw(st.lists(st.from_regex(r"^[a-z][a-z0-9-]{0,6}[a-z0-9]$", fullmatch=True), min_size=1, max_size=2,
                                unique=True)):
        topology, _ = draw(_topology())
        group: dict[str, Any] = {"topology": topology}
        if draw(st.integers(0, 3)) == 0:  # a serverless cache: cluster-like, for the cache role only
            if doc["security"]["auth"]["mode"] == "token" and draw(st.integers(0, 9)) != 5:
                doc["security"]["auth"]["enabled"] = False  # it takes no token (one in ten keeps it, for V921)
            group = {"serverless": draw(_serverless()),
                     "engine": draw(st.sampled_from(OLD_ENGINES) if draw(st.integers(0, 9)) == 5
                                    else st.sampled_from(SERVERLESS_ENGINES))}  # one in ten for V924 to refuse
            groups[key] = group
            continue
        if topology["cluster_mode"] == "enabled" and draw(st.integers(0, 3)) > 0:
            scaling = draw(_auto_scaling(topology, doc["engine"]))
            if scaling is not None:
                group["auto_scaling"], group["node_type"] = scaling
        if draw(st.booleans()):
            group["parameters"] = {"values": {"maxmemory-policy": draw(st.sampled_from(
                ["noeviction", "allkeys-lru", "volatile-ttl"]))}}
        if draw(st.integers(0, 4)) == 0:
            group["description"] = draw(hostile_text.map(lambda t: "".join(c for c in t if c >= " " and c != "\x7f")[:255]))
        groups[key] = group
    celery = doc["celery"]
    # each group takes a role of its own, the cache first (one group in ten none, for CG041 and V206);
    # the spec's own group keeps a role whenever there are fewer groups than roles
    roles = draw(st.permutations(["cache", "broker", "result_backend"]))
    for key, role in zip(sorted(groups, key=lambda k: "serverless" not in groups[k]), roles):
        if draw(st.integers(0, 9)) == 5:
            continue
        clustered = "serverless" in groups[key] or groups[key]["topology"]["cluster_mode"] == "enabled"
        if role != "cache" and clustered and draw(st.integers(0, 9)) != 5:  # one in ten for V601 and V920
            role = "cache"
            if celery.get("cache", {}).get("group"):
                continue
        celery.setdefault(role, {}).update({"group": key, "enabled": True, **({"db": 0} if clustered else {})})
    if doc["security"]["auth"]["mode"] != "token" and celery.get("enabled", True):
        # users need a role in the spec's own group too (V206): keep one there that its topology allows
        clustered = doc["topology"]["cluster_mode"] == "enabled"
        for role in ("cache", "broker", "result_backend"):
            if not celery.get(role, {}).get("group") and (role == "cache" or not clustered):
                celery.setdefault(role, {})["enabled"] = True
                break
        else:  # a cluster-mode spec's own group whose cache went elsewhere: the cache comes back
            celery["cache"].pop("group", None)
            celery["cache"].update({"enabled": True, "db": 0})
    return groups


GLOBAL = catalog.global_datastore()
GLOBAL_REGIONS = sorted(region for region in GLOBAL["id_prefixes"] if region in catalog.regions())
GLOBAL_NODES = sorted(n for n in NODE_TYPES if n.split(".")[1] in GLOBAL["node_families"]
                      and not n.split(".")[2].startswith(("micro", "small", "medium")))


@st.composite
def _global_secondary(draw, doc: dict[str, Any], modern: bool) -> None:
    """A Global Datastore secondary in another region, with its own network (and KMS key when the
    primary has one, and Firehose streams when its logs go to one); the spec's own group made one a
    datastore takes: its node type, engine version, IPv4 and no Auto Scaling (one in ten as drawn,
    for V941 to refuse)."""
    if draw(st.integers(0, 9)) != 5:
        doc["node_type"] = draw(st.sampled_from([n for n in GLOBAL_NODES if doc["engine"]["name"] in
                                                 NODE_TYPES[n].get("engines", ["redis", "valkey"])]))
        least = GLOBAL["min_engine_versions"][doc["engine"]["name"]]
        if catalog.version_key(doc["engine"]["version"]) < catalog.version_key(least):
            doc["engine"]["version"] = max(ENGINES[doc["engine"]["name"]]["versions"], key=catalog.version_key)
        doc["network"]["network_type"] = "ipv4"
        doc.pop("auto_scaling", None)
    region = draw(st.sampled_from([r for r in GLOBAL_REGIONS if r != doc["region"]]))
    group: dict[str, Any] = {"global_secondary": True, "region": region,
                             "network": draw(_network(region, doc["topology"]["multi_az"], False))}
    group["network"].pop("security_group_name", None)  # names follow the group's id
    if doc["security"].get("at_rest_encryption", {}).get("kms_key_id"):
        group["kms_key_id"] = "alias/" + draw(st.from_regex(r"^[a-z]{1,10}$", fullmatch=True))
    streams = {log: {"destination": "kinesis-firehose", "delivery_stream": "dr-" + log}
               for log, settings in doc["logs"].items() if settings.get("destination") == "kinesis-firehose"}
    if streams:
        group["logs"] = streams
    if draw(st.integers(0, 9)) == 5:  # the cache served from it, for V943 to refuse
        doc["celery"].setdefault("cache", {})["group"] = "dr"
    doc.setdefault("groups", {})["dr"] = group


@st.composite
def _dns(draw, doc: dict[str, Any], section: dict[str, Any], label: str) -> dict[str, Any]:
    """A record of the endpoint, and of the reader endpoint where there is one; the record in the
    URLs only one time in ten (TLS is on: V113 refuses it)."""
    topology = {**doc["topology"], **section.get("topology", {})}
    readers = topology["cluster_mode"] == "disabled" and topology["replicas_per_shard"] > 0 and "serverless" not in section
    label = draw(st.from_regex(r"^[a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?$", fullmatch=True)) + "-" + label
    out: dict[str, Any] = {"zone_id": "Z" + draw(st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", min_size=8, max_size=31)),
                           "name": f"{label}.{doc['environment']}.internal", "ttl": draw(st.sampled_from([0, 30, 300]))}
    if readers and draw(st.booleans()):
        out["reader_name"] = f"{label}-ro.{doc['environment']}.internal"
    if draw(st.integers(0, 9)) == 5:
        out["use_in_urls"] = True
    return out


# The fields `coherent()` draws together; the others come from the models as they are.
REDRAWN = frozenset({"name", "environment", "port", "protected", "region", "engine", "node_type", "topology", "celery",
                     "network", "logs", "backups", "maintenance_window", "description", "notifications", "tags",
                     "security", "parameters", "alarms", "replication_group_id", "preset", "lint", "peak_hours",
                     "cost", "extends", "abstract", "groups", "auto_scaling", "serverless", "dns", "workload"})


@st.composite
def coherent(draw, rest=model(Spec, exclude=REDRAWN)) -> dict[str, Any]:
    """A spec whose fields fit together, so that it passes the rules more often than not."""
    doc = draw(rest)
    doc["name"] = draw(st.from_regex(r"^[a-z][a-z0-9]{0,10}$", fullmatch=True))
    doc["environment"] = draw(st.from_regex(r"^[a-z][a-z0-9]{0,8}$", fullmatch=True))
    doc["port"] = draw(st.integers(1024, 65535))
    doc["protected"] = draw(st.booleans())
    # one spec in eight keeps a Global Datastore secondary (added below): its primary in a region whose
    # datastore ID prefix cachegen knows (one in ten anywhere, for V940)
    global_datastore = draw(st.integers(0, 7)) == 0
    region = draw(st.sampled_from(GLOBAL_REGIONS if global_datastore and draw(st.integers(0, 9)) != 5 else REGIONS))
    doc["region"] = region
    doc["engine"], doc["node_type"] = draw(_engine())
    doc["topology"], doc["celery"] = draw(_topology())
    modern = doc["engine"]["name"] == "valkey" or catalog.version_key(doc["engine"]["version"]) >= (6, 2)
    doc["network"] = draw(_network(region, doc["topology"]["multi_az"], modern))
    doc["logs"] = {"slow_log": {"enabled": modern and draw(st.booleans())},
                   "engine_log": {"enabled": modern and draw(st.booleans())}}
    for log in doc["logs"].values():  # now and then to an Amazon Data Firehose stream
        if draw(st.integers(0, 3)) == 0:
            log.update({"destination": "kinesis-firehose",
                        "delivery_stream": draw(st.from_regex(r"^[a-zA-Z0-9_.-]{1,64}$", fullmatch=True))})
    if draw(st.integers(0, 4)) == 0:  # each node's preferred AZ, from the subnets' AZs
        azs = sorted({subnet["az"] for subnet in doc["network"]["subnets"]})
        per_shard = doc["topology"]["replicas_per_shard"] + 1
        doc["topology"]["placement"] = [draw(st.lists(st.sampled_from(azs), min_size=per_shard, max_size=per_shard))
                                        for _ in range(doc["topology"]["shards"])]
    backup, maintenance = draw(st.sampled_from(WINDOWS))
    doc["backups"] = {"window": backup, "retention_days": draw(st.integers(0, 35)),
                      "final_snapshot": draw(st.booleans())}
    doc["maintenance_window"] = maintenance
    doc.update(draw(_free_text()))
    doc["security"] = {"auth": {"enabled": draw(st.booleans()), "mode": draw(st.sampled_from(["token", "rbac", "iam"])),
                                "generation": {
        "length": draw(st.integers(16, 128)),
        "special_characters": draw(st.text("!&#$^<>-", max_size=8))}}}
    if doc["security"]["auth"]["mode"] != "token" and draw(st.integers(0, 9)) != 5:
        # users need tags CloudFormation takes on them (ASCII), a Celery role to be made for and an
        # engine with users (Redis OSS 7.0+); one spec in ten keeps what was drawn, for rules V404
        # and V206 to refuse
        doc["tags"] = {k: v for k, v in doc["tags"].items() if re.fullmatch(r"[a-zA-Z0-9 _./=+:@-]+", k + v)}
        doc["celery"]["enabled"] = True
        doc["celery"]["cache"]["enabled"] = True
        if doc["engine"]["name"] == "redis" and catalog.version_key(doc["engine"]["version"]) < (7, 0):
            doc["engine"]["version"] = max(ENGINES["redis"]["versions"], key=catalog.version_key)
    values = draw(st.dictionaries(st.sampled_from(["timeout", "tcp-keepalive"]), st.sampled_from([0, 300, 600]),
                                  max_size=2))
    family = ENGINES[doc["engine"]["name"]]["versions"][doc["engine"]["version"]]["family"]
    settable = sorted(name for name, info in catalog.family_parameters(family).items()
                      if not info["fixed"] and name not in VALUES_CHECKED)
    names = st.sampled_from(settable) if draw(st.integers(0, 9)) else st.sampled_from(PARAMETER_NAMES)  # V508
    values.update(draw(st.dictionaries(names, st.sampled_from(["yes", "no", 0, 128]), max_size=1)))
    doc["parameters"] = {"values": values}
    if doc["topology"]["cluster_mode"] == "enabled" and draw(st.booleans()):
        scaling = draw(_auto_scaling(doc["topology"], doc["engine"]))
        if scaling is not None:
            doc["auto_scaling"], doc["node_type"] = scaling
    if draw(st.booleans()):
        doc["groups"] = draw(_groups(doc))
    if global_datastore:
        draw(_global_secondary(doc, modern))
    for key, section in [(None, doc), *((k, g) for k, g in (doc.get("groups") or {}).items())]:
        if draw(st.integers(0, 3)) == 0:  # Route 53 records of the group's endpoints
            section["dns"] = draw(_dns(doc, section, key or "own"))
    workload = draw(workloads())
    if workload is not None:
        doc["workload"] = workload
        if draw(st.integers(0, 9)) == 0:  # a fleet of workers: some more than maxclients allows (V961)
            doc["celery"]["workers"] = {"count": draw(st.integers(1, 5_000)), "concurrency": draw(st.integers(1, 64)),
                                        "prefetch_multiplier": draw(st.integers(1, 16))}
        if "queued_tasks" not in workload and draw(st.integers(0, 2)) == 0:  # no backlog bound (V962)
            doc["celery"].setdefault("tasks", {})["expires"] = None
    nodes = doc["topology"]["shards"] * (doc["topology"]["replicas_per_shard"] + 1)
    doc["alarms"] = {"stack": "separate" if nodes > 30 else draw(st.sampled_from(["main", "separate"])),
                     "enabled": draw(st.integers(0, 9)) > 0,
                     "overrides": draw(st.dictionaries(st.sampled_from(ALARM_IDS), st.fixed_dictionaries({}, optional={
                         "threshold": st.floats(0, 1e6), "period_seconds": st.sampled_from([60, 300, 3600]),
                         "evaluation_periods": st.integers(5, 10), "datapoints_to_alarm": st.integers(1, 5)}),
                         max_size=3))}
    return doc


@st.composite
def workloads(draw) -> dict[str, Any] | None:
    """A workload: most of them a peak a small node holds, one in eight one only the largest hold
    or none (V960, V961), sometimes with the defaults derived from the Celery settings (V962 when
    tasks never expire)."""
    if draw(st.integers(0, 4)) == 0:
        return None
    huge = draw(st.integers(0, 7)) == 0
    rate = st.floats(0, 1e5 if huge else 50, allow_nan=False, allow_infinity=False)
    count = st.integers(0, 10 ** 9 if huge else 20_000)
    size = st.integers(2, 100_000 if huge else 5_000)
    workload: dict[str, Any] = {"tasks_per_second": draw(rate), "task_args_bytes": draw(size)}
    if draw(st.integers(0, 4)):
        workload["queued_tasks"] = draw(count)
    results: dict[str, Any] = {"result_bytes": draw(size)}
    if draw(st.integers(0, 3)):
        results["stored"] = draw(count)
    cache: dict[str, Any] = {"value_bytes": draw(st.integers(0, 100_000 if huge else 5_000)),
                             "key_bytes": draw(st.integers(1, 200)),
                             "reads_per_second": draw(rate), "writes_per_second": draw(rate)}
    if draw(st.booleans()):
        cache["ttl_seconds"] = draw(st.integers(1, 86_400))
    if draw(st.integers(0, 3)):
        cache["keys"] = draw(count)
    workload.update(results=results, cache=cache)
    return workload


def specs() -> st.SearchStrategy[dict[str, Any]]:
    """Specs of the whole language: seven in ten coherent (most reach the artifacts), three
    drawn from the models alone (most are rejected, each at its line)."""
    return st.integers(0, 9).flatmap(lambda n: coherent() if n < 7 else documents())
