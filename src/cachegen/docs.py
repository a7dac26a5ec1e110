"""Generates docs/spec.md (from the spec models) and docs/rules.md (from the rule
registry), so the reference can never drift from the code: a test compares them.

    python -m cachegen.docs        # rewrite docs/
"""

from __future__ import annotations

import json
import sys
import typing
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from pydantic_core import PydanticUndefined

from .spec import Spec

SPEC_DOC = "spec.md"
RULES_DOC = "rules.md"
SOURCES_DOC = "data-sources.md"
ACCESS_DOC = "access.md"

INTRO = """# The spec language

Generated from `src/cachegen/spec.py` by `python -m cachegen.docs`; do not edit.

A spec file describes one ElastiCache replication group for one environment. Files can
share settings: `extends: base.yaml` inherits another file and `preset: NAME` starts from
one of three profiles (development, production, high-performance; see below). Layers, weakest first:
defaults < preset < base file(s) < the spec. Mappings merge key by key; scalars and
whole lists are replaced by the later layer (a list is never concatenated).

YAML is read as YAML 1.2: only `true`/`false` are booleans (`on`, `yes`, `no` are text,
and an error says so where a boolean is expected), numbers with a leading zero are not
octal, `02:00` is text, duplicate keys and merge keys (`<<`) are errors. Quote versions:
`version: "7.1"`.
"""


def _type_name(annotation: Any) -> str:
    origin = typing.get_origin(annotation)
    args = typing.get_args(annotation)
    if origin is typing.Annotated:  # constraints are in the JSON Schema; the reference names the type
        return _type_name(args[0])
    if origin is typing.Literal:
        return " \\| ".join(f"`{a}`" for a in args)
    if origin in (typing.Union, getattr(__import__("types"), "UnionType")):
        return " or ".join(_type_name(a) for a in args)
    if origin is list:
        return f"list of {_type_name(args[0])}"
    if origin is dict:
        return f"map of {_type_name(args[0])} to {_type_name(args[1])}"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return f"[{annotation.__name__}](#{annotation.__name__.lower()})"
    return {type(None): "null", str: "string", int: "integer", float: "number", bool: "boolean"}.get(
        annotation, str(annotation))


def _default(field: Any) -> str:
    if field.default is PydanticUndefined and field.default_factory is None:
        return "**required**"
    value = field.default_factory() if field.default_factory is not None else field.default
    if isinstance(value, BaseModel):
        return "(section defaults)"
    return f"`{json.dumps(value)}`"


def _models(model: type[BaseModel], seen: list[type[BaseModel]]) -> list[type[BaseModel]]:
    if model in seen:
        return seen
    seen.append(model)
    for field in model.model_fields.values():
        for arg in [field.annotation, *typing.get_args(field.annotation)]:
            for inner in [arg, *typing.get_args(arg)]:
                if isinstance(inner, type) and issubclass(inner, BaseModel):
                    _models(inner, seen)
    return seen


def spec_reference() -> str:
    parts = [INTRO]
    for model in _models(Spec, []):
        parts.append(f"\n## {model.__name__}\n")
        if model.__doc__ and model is not Spec and "strict" not in model.__doc__:
            parts.append(model.__doc__.strip() + "\n")
        parts.append("| key | type | default | meaning |\n|---|---|---|---|")
        for name, field in model.model_fields.items():
            meaning = (field.description or "").replace("|", "\\|")
            parts.append(f"| `{name}` | {_type_name(field.annotation)} | {_default(field)} | {meaning} |")
    return "\n".join(parts) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|")


def rules_reference() -> str:
    from .rules import REGISTRY, SUPPRESSION_ID

    blocking = [r for r in REGISTRY if r.blocking]
    advice = [r for r in REGISTRY if not r.blocking]
    lines = ["# Rules", "",
             "Generated from `src/cachegen/rules/` by `python -m cachegen.docs`; do not edit.", "",
             "One rule system serves both commands. `cachegen validate` (and every command that compiles a",
             "spec) runs the rules that describe what AWS or Celery would reject: any finding is an error,",
             "exit 2, and nothing is built. `cachegen lint` runs the advice rules below them and exits 1 at",
             "or above `--fail-on` (default warning). Silence an advice rule per spec with a reason:",
             "`lint: {ignore: [{id: CG013, reason: \"...\"}]}`; a suppression without a reason does not apply",
             f"and is itself a finding ({SUPPRESSION_ID}). Where a rule departs from common advice,",
             "[corrections.md](corrections.md) explains why.", "",
             "## What AWS or Celery would reject (validate)", "",
             "| id | rule | source |", "|---|---|---|"]
    lines += [f"| {r.id} | {_cell(r.summary)} | {r.source} |" for r in blocking]
    lines += ["", "## Advice (lint)", ""]
    for rule in advice:
        lines += [f"### {rule.id} ({rule.severity}): {rule.summary}", "", rule.rationale, "", f"Source: {rule.source}", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def _sources(value: Any, path: str = "") -> list[tuple[str, str]]:
    """(where, source) for every `source`, `*_source` and `sources` entry of a data file."""
    out: list[tuple[str, str]] = []
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else key
            if key == "source" or key.endswith("_source"):
                out += [(path or "(file)", s) for s in (item if isinstance(item, list) else [item])]
            elif key == "sources":
                out += [(path or "(file)", f"{s['id']}: {s['url']} (taken {s['taken']}; {s['note']})") for s in item]
            else:
                out += _sources(item, where)
    return out


def data_sources() -> str:
    from . import catalog

    lines = ["# Where cachegen's AWS facts come from", "",
             "Generated from `src/cachegen/data/` by `python -m cachegen.docs`; do not edit.", "",
             "Every limit, catalogue entry and price cachegen checks or uses is data with its source and the",
             "date it was read; a test fails when a key is read by nothing.", ""]
    for name in catalog.DATA_FILES:
        data = catalog.data_file(name)
        lines += [f"## {name}", "", f"Read on {data.get('retrieved', 'the dates below')}.", ""]
        lines += [f"- {where}: {source}" for where, source in _sources(data)]
        lines.append("")
    return "\n".join(lines).rstrip("\n") + "\n"


def presets_reference() -> str:
    from . import catalog

    lines = ["", "## Presets", "", "`preset: NAME` starts a spec from one of these; anything the spec sets wins.", "",
             "| preset | what it sets |", "|---|---|"]
    lines += [f"| `{name}` | {preset['description']} |" for name, preset in catalog.presets().items()]
    return "\n".join(lines) + "\n"


THRESHOLD_RULES = {
    "fixed": "{}", "per_vcpu": "{}% / vCPUs", "max_clients_percent": "{}% of maxclients",
    "celery_budget": "{}% of the Celery connection budget", "baseline_bandwidth_percent": "{}% of the baseline bandwidth",
    "workload_peak_percent": "{}% of the workload's peak (its share of the usable memory)",
}
ALARM_WHEN = {"always": "", "evicting_forbidden": "broker or result backend on the group",
              "celery": "Celery on the group",
              "memory_bound": "broker or result backend on the group, or maxmemory-policy noeviction",
              "global_secondary": "a Global Datastore secondary",
              "workload": "a workload the node holds (docs/capacity.md)"}


def alarms_reference() -> str:
    from . import catalog

    lines = ["", "## Alarms", "",
             "The ids `alarms.overrides` takes: one alarm per member node (or per replica) and id, "
             "with these defaults.", "",
             "| id | metric | threshold | period × evaluations | on | why |", "|---|---|---|---|---|---|"]
    for alarm_id, alarm in catalog.alarms().items():
        [(kind, value)] = alarm["threshold"].items()
        comparison = {"GreaterThanThreshold": ">", "GreaterThanOrEqualToThreshold": ">="}.get(alarm["comparison"],
                                                                                               alarm["comparison"])
        on = {"replicas": "replicas", "primaries": "each shard's primary"}.get(alarm["applies_to"], "every node")
        if ALARM_WHEN[alarm["when"]]:
            on += f", with {ALARM_WHEN[alarm['when']]}"
        lines.append(f"| `{alarm_id}` | {alarm['metric']} ({alarm['statistic']}) | "
                     f"{comparison} {THRESHOLD_RULES[kind].format(value)} | "
                     f"{alarm['period']} s × {alarm['evaluation_periods']} | {on} | {_cell(alarm['reason'])} |")
    return "\n".join(lines) + "\n"


def global_datastore_reference() -> str:
    """The regions a Global Datastore's primary may be in (cachegen names its datastore from them)."""
    from . import catalog

    facts = catalog.global_datastore()
    lines = ["", "## Global Datastore regions", "",
             "A group with `global_secondary: true` is a read-only copy of the spec's own group in another region. "
             "AWS names the datastore with a prefix of the primary's region, then the suffix (the primary's "
             "replication group id), so the spec's own region must be one of these "
             f"(from {facts['source'][1]}, read {facts['retrieved']}):", "",
             "| primary region | datastore ID prefix |", "|---|---|"]
    lines += [f"| {region} | `{prefix}` |" for region, prefix in sorted(facts["id_prefixes"].items())]
    return "\n".join(lines) + "\n"


def access_reference() -> str:
    """docs/access.md: each role's access rules with where every command comes from."""
    from . import access, catalog

    data = catalog.access_rules()
    versions = "; ".join(f"{name} {version}" for name, version in data["versions"].items())
    default = data["default_user"]
    lines = ["# Least-privilege access (RBAC and IAM)", "",
             "Generated from `src/cachegen/data/access.yaml` by `python -m cachegen.docs`; do not edit.", "",
             "With `security.auth.mode: rbac` (or `iam`) each Celery role the spec enables connects as its own "
             "ElastiCache user, whose access string allows only the commands, keys and pub/sub channels that role "
             "uses. Each command below links the line of kombu, Celery or redis-py that issues it; a `lua:` command "
             "runs inside a script, which Redis checks against the same rules. A test runs a real Celery worker "
             "(prefork, events, gossip, mingle, remote control, ETA, retry, group, chord, revoke) against a real "
             "redis-server with these users and fails on any `ACL LOG` entry, naming the command.", "",
             f"Read from {versions} on {data['retrieved']}. Key prefixes default to "
             + ", ".join(f"`{prefix}` ({role})" for role, prefix in data["default_prefixes"].items())
             + "; `celery.<role>.key_prefix` sets another. ElastiCache's access-string rules: "
             "https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/Clusters.RBAC.html", "",
             f"The `default` user (Redis OSS only): `{access.default_user_access()}`, no password. "
             f"{default['why']} ({default['source']}).", "",
             f"IAM (`mode: iam`) needs kombu {data['iam_client_minimums']['kombu']}+ and Celery "
             f"{data['iam_client_minimums']['celery']}+, which pass the URL's `credential_provider` to redis-py "
             f"({data['iam_client_minimums']['source']}, {data['iam_client_minimums']['celery_source']}). "
             "What cannot be proven without AWS: ElastiCache accepting a token, and the generated policy allowing "
             "it; cachegen's tests sign tokens with botocore, check the policy's shape with cfn-lint and botocore, "
             "and route each role's provider through kombu and Celery to a local server.", ""]
    databases = {"broker": 0, "result_backend": 1, "cache": 2}
    for role, entry in data["roles"].items():
        prefix = data["default_prefixes"].get(role, "")
        string = access.access_string(role, prefix, databases.get(role), "redis", "7.1")
        lines += [f"## {role}: {entry['purpose']}", "", entry["why"], "",
                  f"With the default prefix and database (Redis OSS 7.1): `{string}`", "",
                  "| rule | why | source |", "|---|---|---|"]
        for kind, mark in (("keys", "~"), ("channels", "&")):
            for pattern, rule in entry[kind].items():
                lines.append(f"| `{mark}{pattern}` | {_cell(rule['why'])} | {rule['source']} |")
        for name, command in entry["commands"].items():
            lines.append(f"| `+{name}` | {_cell(command['why'])} | {command['source']} |")
        lines.append("")
    lines += ["## Granted where needed", "", "| rule | roles | when | why | source |", "|---|---|---|---|---|"]
    for name, condition in data["conditional"].items():
        when = ", ".join(f"{key.removeprefix('min_')} {value}+" if key.startswith("min_") else "database other than 0"
                         for key, value in condition.items() if key.startswith("min_") or key == "db_not_zero")
        lines.append(f"| `+{name}` | {', '.join(condition['roles'])} | {when} | {_cell(condition['why'])} | "
                     f"{condition['source']} |")
    lines += ["", "## Not granted", "",
              "Issued on paths a cachegen deployment does not take; an application that takes one needs the rule "
              "added (and this list says which).", "", "| command | roles | when it is used | source |",
              "|---|---|---|---|"]
    for name, item in data["not_granted"].items():
        lines.append(f"| `{name}` | {', '.join(item['roles'])} | {_cell(item['why'])} | {item['source']} |")
    return "\n".join(lines).rstrip("\n") + "\n"


def generate() -> dict[str, str]:
    return {SPEC_DOC: spec_reference() + presets_reference() + alarms_reference() + global_datastore_reference(),
            RULES_DOC: rules_reference(),
            SOURCES_DOC: data_sources(), ACCESS_DOC: access_reference()}


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path("docs")
    target.mkdir(exist_ok=True)
    for name, text in generate().items():
        (target / name).write_text(text, encoding="utf-8")
