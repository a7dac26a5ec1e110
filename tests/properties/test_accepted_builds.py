"""Accepted means deployable, on specs generated across the whole language.

For every generated spec that `cachegen build` accepts: it exits 0 and writes nothing
outside --out; every script passes `bash -n` and runs with --dry-run without executing
spec text (a canary file stays uncreated); every alarm passes botocore's PutMetricAlarm
validation and CloudWatch's cross-field rules; celeryconfig.py imports with the
.env.example placeholders filled and sets only settings Celery has. For every spec it
rejects: exit 2, each error at a file:line:column, nothing written, never exit 3.

The slow peers then judge a slice of the accepted builds: cfn-lint on every stack,
shellcheck on every script, and the real AWS CLI driver with botocore's validation on every
command the scripts print, with each spec value arriving verbatim.

CI runs a fixed slice; `make fuzz` runs thousands from a printed seed
(CACHEGEN_FUZZ_EXAMPLES, CACHEGEN_FUZZ_SLOW, CACHEGEN_FUZZ_SEED).
"""

from __future__ import annotations

import itertools
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from conftest import run_cli
from strategies import CANARY, specs

EXAMPLES = int(os.environ.get("CACHEGEN_FUZZ_EXAMPLES", "300"))
SLOW = int(os.environ.get("CACHEGEN_FUZZ_SLOW", "35"))  # the slow peers in the default run; make fuzz: 500
SEED = os.environ.get("CACHEGEN_FUZZ_SEED")
BIN = Path(sys.executable).parent
LOCATED = re.compile(r"^\S.*:\d+:\d+: error")
# Dry runs for builds up to this many nodes (a 500-node create.sh prints ~6,500 commands); the
# slow peers judge builds up to SLOW_PEER_MAX_NODES, whose commands and stacks have every shape
# a larger group repeats (tests/properties/test_largest.py judges the largest).
DRY_RUN_MAX_NODES = 60
SLOW_PEER_MAX_NODES = 12
FILE_NAMES = ["spec.yaml", "prod.yaml", "it's $(touch cachegen-canary) `x`.yaml", "new\nline;$HOME.yaml",
              "ünï cødé & more.yml", "-dash.yaml", "--help.yaml"]
# Celery settings the generated config may set: Celery's declared settings, and those its Redis
# result backend reads without declaring them (each checked against Celery's source below).
UNDECLARED_CELERY_SETTINGS = {"redis_backend_health_check_interval"}


@dataclass
class Built:
    case: Path
    spec: Path
    document: dict[str, Any]
    out: Path  # out/<environment>
    nodes: int
    commands: list[str] | None = None  # what the scripts print with --dry-run

def _listing(directory: Path) -> set[str]:
    return {str(p.relative_to(directory)) for p in directory.rglob("*")}


def _dry_runs(built: Built) -> list[str]:
    """Every script with --dry-run, from a scratch directory, with no aws on PATH."""
    commands = []
    scripts = [("cli/create.sh", []), ("cli/delete.sh", ["--yes"]), ("cli/failover-test.sh", []),
               ("cloudformation/deploy.sh", []), ("cli/rotate-credentials.sh", [])]
    for name, args in scripts:
        if not (built.out / name).exists():  # no authentication: nothing to rotate
            continue
        run = subprocess.run(["bash", str(built.out / name), "--dry-run", *args], cwd=built.case,
                             capture_output=True, text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(built.case)},
                             timeout=300)
        refused = run.returncode == 1 and run.stderr.startswith("refusing:")
        assert run.returncode == 0 or refused, f"{name}: {run.stderr[-2000:]}"
        commands += [line for line in run.stdout.splitlines() if line.startswith("aws ")]
    return commands


def _check_alarms(built: Built) -> None:
    import botocore.session
    from botocore.validate import validate_parameters

    path = built.out / "alarms" / "alarms.json"
    if not path.exists():
        return
    shape = botocore.session.get_session().get_service_model("cloudwatch").operation_model("PutMetricAlarm").input_shape
    for alarm in json.loads(path.read_text(encoding="utf-8")):
        validate_parameters(alarm, shape)  # raises ParamValidationError
        assert alarm["DatapointsToAlarm"] <= alarm["EvaluationPeriods"], alarm["AlarmName"]
        period = alarm["Period"]
        assert period in (10, 20, 30) or period % 60 == 0, alarm["AlarmName"]
        assert period >= 60, f"{alarm['AlarmName']}: ElastiCache publishes one value a minute"
        limit = 86_400 if period < 3_600 else 604_800
        assert period * alarm["EvaluationPeriods"] <= limit, alarm["AlarmName"]
        assert alarm["Threshold"] >= 0 and len(alarm["Tags"]) <= 50


def _env(built: Built) -> dict[str, str]:
    values = {}
    for line in (built.out / "app" / ".env.example").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.partition("=")
            assert value.startswith("'") and value.endswith("'"), line
            values[name] = re.sub(r"__[A-Z_]+_PASSWORD__", "secret", value[1:-1].replace("__REDIS_HOST__", "localhost"))
    return values


def _check_celeryconfig(built: Built) -> None:
    from celery.app.defaults import DEFAULTS

    path = built.out / "app" / "celeryconfig.py"
    if not path.exists():
        return
    namespace: dict[str, Any] = {}
    saved = dict(os.environ)
    sys.path.insert(0, str(path.parent))  # IAM: celeryconfig.py imports elasticache_iam.py beside it
    try:
        os.environ.update(_env(built))
        exec(compile(path.read_text(encoding="utf-8"), str(path), "exec"), namespace)  # noqa: S102 - our artifact
    finally:
        os.environ.clear()
        os.environ.update(saved)
        sys.path.remove(str(path.parent))
        sys.modules.pop("elasticache_iam", None)  # each build has its own
    modules = ("os", "socket", "ssl", "elasticache_iam")
    settings_set = {k for k in namespace if not k.startswith("_") and k not in modules}
    assert settings_set <= set(DEFAULTS) | UNDECLARED_CELERY_SETTINGS, settings_set - set(DEFAULTS)


def check(root: Path, number: int, document: dict[str, Any], file_name: str) -> Built | None:
    case = root / f"case{number}"
    case.mkdir()
    spec = case / file_name
    text = yaml.safe_dump(document, allow_unicode=True, sort_keys=False)
    if yaml.safe_load(text) != document:  # PyYAML writes a NEL raw in a quoted scalar and reads it as a space
        text = yaml.safe_dump(document, allow_unicode=False, sort_keys=False)
    spec.write_text(text, encoding="utf-8")
    before = _listing(case)
    result = run_cli("build", "--out", case / "out", spec, cwd=case)
    assert result.code in (0, 2), result.err
    assert "Traceback" not in result.err and "internal error" not in result.err, result.err
    if result.code == 2:
        heads = [line for line in result.err.splitlines() if ": error" in line and not line.startswith(" ")]
        assert heads and all(LOCATED.match(line) for line in heads), result.err
        assert _listing(case) == before, "a rejected spec wrote files"
        return None
    [environment] = [p for p in (case / "out").iterdir() if p.is_dir() and not p.name.startswith(".")]
    assert {p for p in _listing(case) if not p.startswith("out")} == before, "written outside --out"
    manifest = json.loads((environment / "manifest.json").read_text(encoding="utf-8"))
    written = {str(p.relative_to(environment)) for p in environment.rglob("*") if p.is_file()}
    assert written == set(manifest["artifacts"]) | {"manifest.json"}
    built = Built(case, spec, document, environment, _nodes(document))
    for script in environment.rglob("*.sh"):
        syntax = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
        assert syntax.returncode == 0, f"{script.name}: {syntax.stderr}"
    if built.nodes <= DRY_RUN_MAX_NODES:
        built.commands = _dry_runs(built)
    _check_alarms(built)
    _check_celeryconfig(built)
    _check_size_bound(built)
    canaries = [p for p in case.rglob(CANARY + "*")]
    assert not canaries, f"spec text was executed: {canaries}"
    if built.nodes > SLOW_PEER_MAX_NODES:  # not for the slow peers: its megabytes can go
        shutil.rmtree(case / "out")
    return built


def _check_size_bound(built: Built) -> None:
    """V801 writes no YAML for a stack whose cheap size bound is under the limit, and adds
    HEADER_MAX_BYTES for the comments above the body when it does: both bounds must hold."""
    from cachegen.compiler import compile_spec
    from cachegen.render.cloudformation import HEADER_MAX_BYTES, stack_body
    from cachegen.rules.stacks import stack_size_bound

    _, deployment = compile_spec(built.spec)
    for group in deployment.all_groups:
        folder = built.out / "cloudformation" / (group.group_key or "")
        for stack in group.plan.stacks:
            written = (folder / stack.file).read_text(encoding="utf-8")
            size = len(written.encode("utf-8"))
            assert stack_size_bound(group.plan, stack) >= size, (stack.file, size)
            body = stack_body(group.plan, stack)
            assert body in written
            assert size - len(body.encode("utf-8")) <= HEADER_MAX_BYTES, stack.file


def _nodes(document: dict[str, Any]) -> int:
    topology = document.get("topology", {})
    shards = topology.get("shards", 1) if topology.get("cluster_mode") == "enabled" else 1
    return shards * (topology.get("replicas_per_shard", 1) + 1)


@pytest.fixture(scope="session")
def corpus(tmp_path_factory) -> list[Built]:
    """Generate, build and check EXAMPLES specs; keep the accepted builds for the slow peers."""
    root = tmp_path_factory.mktemp("generated")
    accepted: list[Built] = []
    outcomes: Counter[str] = Counter()
    numbers = itertools.count()

    @settings(max_examples=EXAMPLES, derandomize=SEED is None, database=None, deadline=None,
              suppress_health_check=list(HealthCheck))
    @given(document=specs(), file_name=st.sampled_from(FILE_NAMES))
    def generate(document, file_name):
        built = check(root, next(numbers), document, file_name)
        outcomes["accepted" if built else "rejected"] += 1
        if built is not None:
            accepted.append(built)

    if SEED is not None:
        generate = seed(int(SEED))(generate)
    generate()
    several = sum(1 for b in accepted if b.document.get("groups"))
    scaled = sum(1 for b in accepted if b.document.get("auto_scaling")
                 or any(g.get("auto_scaling") for g in (b.document.get("groups") or {}).values()))
    serverless = sum(1 for b in accepted if b.document.get("serverless")
                     or any(g.get("serverless") is not None for g in (b.document.get("groups") or {}).values()))
    replicated = sum(1 for b in accepted if any(g.get("global_secondary") for g in (b.document.get("groups") or {}).values()))
    recorded = sum(1 for b in accepted if b.document.get("dns")
                   or any(g.get("dns") for g in (b.document.get("groups") or {}).values()))
    print(f"\ngenerated specs: {dict(outcomes)}; largest accepted: {max((b.nodes for b in accepted), default=0)} nodes"
          f"; accepted with several groups: {several}, with Auto Scaling: {scaled}, with a serverless cache: "
          f"{serverless}, with a Global Datastore: {replicated}, with DNS records: {recorded}")
    assert outcomes["accepted"] >= EXAMPLES // 4 and outcomes["rejected"] >= EXAMPLES // 10, outcomes
    # the language's new shapes reach the peers too, not only the one-group specs
    assert several >= EXAMPLES // 30 and scaled >= EXAMPLES // 100 and serverless >= EXAMPLES // 100 and \
        replicated >= EXAMPLES // 100 and recorded >= EXAMPLES // 100, (several, scaled, serverless, replicated, recorded)
    return accepted


def _slice(corpus: list[Built]) -> list[Built]:
    chosen = [b for b in corpus if b.nodes <= SLOW_PEER_MAX_NODES][:SLOW]
    assert len(chosen) >= min(SLOW, 50), f"only {len(chosen)} accepted builds for the slow peers"
    return chosen


def test_generated_specs_build_or_fail_cleanly(corpus):
    assert corpus  # the checks run while the corpus is generated (see check())


# cfn-lint 1.58 compares a string with "true"/"false" (any case) as booleans, and any other
# string counts as false (cfnlint.helpers.bool_compare): a tag whose key is "false" "equals"
# every other key, and E3024 reports the tags as not unique. CloudFormation takes such a tag.
# Only that report is set aside, and only where the tag keys are unique after all.
CFN_LINT_BOOLEAN_KEY = "E3024:array items are not unique for keys ['Key']"


def _cfn_lint_false_positive(line: str, tag_keys: dict[str, list[list[str]]]) -> bool:
    if not line.endswith(CFN_LINT_BOOLEAN_KEY):
        return False
    lists = tag_keys[line.split(":", 1)[0]]
    unique = all(len(set(keys)) == len(keys) for keys in lists)
    return unique and any(k.lower() == "false" for keys in lists for k in keys)


def test_cfn_lint_passes_every_generated_stack(corpus):
    from cfnlint.decode import cfn_yaml

    stacks = [str(p) for b in _slice(corpus) for p in sorted((b.out / "cloudformation").rglob("*.yaml"))]
    result = subprocess.run([str(BIN / "cfn-lint"), "--format", "parseable", *stacks], capture_output=True, text=True)
    errors = [line for line in result.stdout.splitlines() if ":E" in line or ":W" in line]
    tag_keys: dict[str, list[list[str]]] = {}
    for line in errors:
        stack = line.split(":", 1)[0]
        if line.endswith(CFN_LINT_BOOLEAN_KEY) and stack not in tag_keys:
            resources = cfn_yaml.loads(Path(stack).read_text(encoding="utf-8"))["Resources"].values()
            tag_keys[stack] = [[t["Key"] for t in r["Properties"]["Tags"]] for r in resources if "Tags" in r["Properties"]]
    errors = [line for line in errors if not _cfn_lint_false_positive(line, tag_keys)]
    assert not errors, "\n".join(errors[:40])


def test_shellcheck_passes_every_generated_script(corpus):
    scripts = [str(p) for b in _slice(corpus) for p in sorted(b.out.rglob("*.sh"))]
    result = subprocess.run([str(BIN / "shellcheck"), "--severity=style", *scripts], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-6000:]


def _verbatim(built: Built, calls: list[tuple[str, dict[str, Any]]]) -> None:
    """Spec values AWS takes as they are arrive as they are."""
    document = built.document
    by_operation: dict[str, list[dict[str, Any]]] = {}
    for operation, params in calls:
        by_operation.setdefault(operation, []).append(params)
    group = by_operation["CreateReplicationGroup"][0]  # the spec's own; its create.sh then runs the other groups'
    groups = (document.get("groups") or {}).values()
    assert len(by_operation["CreateReplicationGroup"]) == 1 + sum(1 for g in groups if g.get("serverless") is None)
    assert len(by_operation.get("CreateServerlessCache", [])) == sum(1 for g in groups if g.get("serverless") is not None)
    assert group["ReplicationGroupDescription"] == document.get("description", "Redis for Celery and caching")
    name = document.get("network", {}).get("security_group_name")
    if name and not document.get("network", {}).get("security_group_id"):  # an existing group: none created
        assert by_operation["CreateSecurityGroup"][0]["GroupName"] == name
    emails = document.get("notifications", {}).get("emails", [])
    if document.get("notifications", {}).get("enabled", True):
        # each group's topic has them (commands alike but for the region, a secondary's, are not deduplicated)
        assert sorted({p["Endpoint"] for p in by_operation.get("Subscribe", [])}) == sorted(set(emails))
    tags = {t["Key"]: t["Value"] for t in group["Tags"]}
    assert {k: tags[k] for k in document.get("tags", {})} == document.get("tags", {})


def _sample(lines: list[str]) -> list[str]:
    """Every command, except put-metric-alarm beyond the first three and the last of a build:
    those differ only in member ids and thresholds, and every one of them passes botocore's
    PutMetricAlarm validation in check() (alarms.json holds the same inputs)."""
    alarms = [i for i, line in enumerate(lines) if " put-metric-alarm " in line]
    keep = set(alarms[:3] + alarms[-1:])
    sample = [line for i, line in enumerate(lines) if i not in alarms or i in keep]
    return list(dict.fromkeys(sample))  # a command the scripts print twice is checked once


def test_every_generated_command_passes_the_aws_cli(corpus):
    from awscli_check import AwsCli, bash_words

    awscli = AwsCli()
    checked = 0
    chosen = _slice(corpus)
    for built in chosen:
        lines = built.commands
        assert lines is not None
        calls = []
        # every group's alarms (the spec's own create.sh runs the other groups' scripts too)
        alarms = {a["AlarmName"]: a for path in sorted((built.out / "alarms").rglob("alarms.json"))
                  for a in json.loads(path.read_text())} if (built.out / "alarms").exists() else {}
        for argv in bash_words(_sample(lines)):
            result = awscli.check(argv)
            assert result.validated, f"{built.spec}\n{' '.join(argv)[:3000]}\n{result.error}"
            calls.append((result.operation, result.params))
            if result.operation == "PutMetricAlarm":  # the command carries alarms.json's input
                expected = alarms[result.params["AlarmName"]]
                assert {k: v for k, v in result.params.items() if k not in ("AlarmActions", "OKActions")} == \
                    {k: v for k, v in expected.items() if k not in ("AlarmActions", "OKActions")}
            checked += 1
        _verbatim(built, calls)
    assert checked >= 10 * len(chosen)  # every build has at least ten commands: the check did check


@pytest.fixture(scope="module")
def acl_server(tmp_path_factory):
    """A plain redis-server that judges access strings (ACL SETUSER, ACL DRYRUN)."""
    import redis

    from conftest import free_port, start_redis

    port = free_port()
    client = redis.Redis(port=port, socket_timeout=5)
    work = tmp_path_factory.mktemp("acl")
    process = start_redis([shutil.which("redis-server") or "redis-server", "--port", str(port), "--save", "",
                           "--dir", str(work)], client)
    yield client
    process.terminate()
    process.wait(timeout=10)


def _known_rules(server, access_string: str) -> list[str]:
    """The rules this server knows: a command newer than it (CLIENT SETINFO is 7.2, the test server
    may be 7.0) is left out only if access.yaml adds it for newer engines alone."""
    from cachegen import catalog

    version = server.info("server")["redis_version"]
    newer = {name for name, condition in catalog.access_rules()["conditional"].items()
             if any(key.startswith("min_") and catalog.version_key(value) > catalog.version_key(version)
                    for key, value in condition.items())}
    return [rule for rule in access_string.split() if rule[1:] not in newer]


def test_every_generated_user_is_accepted_by_redis_and_kept_to_its_prefix(corpus, acl_server):
    """Each RBAC build's redis.conf `user` lines, as a real Redis 7 reads them: each rule accepted,
    and each role's user may touch its own prefix's keys and none of another role's."""
    from cachegen.compiler import compile_spec

    checked = 0
    for built in corpus:  # every accepted build: a few ACL calls each
        if built.document.get("security", {}).get("auth", {}).get("mode") not in ("rbac", "iam"):
            continue
        _, d = compile_spec(built.spec)
        if not d.users:
            continue
        for group, user in ((group, user) for group in d.all_groups for user in group.users):
            prefixes = group.key_prefixes
            name = f"{user.user_name}-{checked}"
            acl_server.execute_command("ACL", "SETUSER", name, "reset", *_known_rules(acl_server, user.access_string))
            mine = prefixes.get(user.role)
            if mine is not None and "+get" in user.access_string.split():
                assert acl_server.execute_command("ACL", "DRYRUN", name, "GET", f"{mine}k") == b"OK", (built.spec, user)
            for role, other in prefixes.items():
                if role != user.role and user.role in prefixes:  # a role user, on another role's key
                    reply = acl_server.execute_command("ACL", "DRYRUN", name, "GET", f"{other}k")
                    assert reply != b"OK", (built.spec, user.role, role)
            acl_server.execute_command("ACL", "DELUSER", name)
        checked += 1
    assert checked >= 5, f"only {checked} RBAC or IAM builds among the generated specs"
    print(f"\nusers of {checked} RBAC or IAM builds judged by redis-server")


def test_the_celery_settings_cachegen_may_set_exist_in_celery():
    """The settings Celery reads without declaring them are read in Celery's own source."""
    import celery

    source = "".join(p.read_text(encoding="utf-8") for p in Path(celery.__file__).parent.rglob("*.py"))
    for name in UNDECLARED_CELERY_SETTINGS:
        assert f"'{name}'" in source or f'"{name}"' in source, name


def test_the_checks_would_catch_an_injection(tmp_path):
    """The canary check is real: a script that runs spec text leaves the canary behind."""
    script = tmp_path / "bad.sh"
    script.write_text(f"#!/usr/bin/env bash\necho $(touch {CANARY})\n")
    subprocess.run(["bash", str(script)], cwd=tmp_path, check=True)
    assert list(tmp_path.glob(CANARY + "*"))


# Changes a team makes to a running environment, each applied to generated specs: the plan
# between the spec and its changed self must compile, render, run with --dry-run, pass
# shellcheck and the AWS CLI's parser with botocore's validation, and run no spec text.
CHANGES = [
    {"node_type": "cache.r7g.large"},
    {"topology": {"replicas_per_shard": 2}},
    {"security": {"auth": {"enabled": True, "mode": "rbac"}, "in_transit_encryption": {"enabled": True, "mode": "required"}}},
    {"security": {"auth": {"enabled": True, "mode": "token"}, "in_transit_encryption": {"enabled": True, "mode": "required"}}},
    {"security": {"in_transit_encryption": {"enabled": True, "mode": "required"}}},
    {"engine": {"name": "valkey", "version": "8.0"}, "parameters": {"name": "changed-valkey8"}},
    {"port": 6390, "replication_group_id": "changed-group"},
    {"celery": {"broker": {"key_prefix": "moved:"}}},
]


def _changed(document: dict[str, Any], change: dict[str, Any]) -> dict[str, Any]:
    out = json.loads(json.dumps(document))
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            for inner, item in value.items():
                merged = out[key].get(inner)
                out[key][inner] = {**merged, **item} if isinstance(item, dict) and isinstance(merged, dict) else item
        else:
            out[key] = value
    return out


def test_plans_between_generated_specs_and_their_changes(corpus, tmp_path):
    from awscli_check import AwsCli, bash_words

    from cachegen import procedures
    from cachegen.compiler import compile_spec
    from cachegen.diagnostics import SpecError
    from cachegen.render.procedure import markdown, script

    awscli = AwsCli()
    planned = Counter()
    for index, built in enumerate(b for b in _slice(corpus) if b.nodes <= DRY_RUN_MAX_NODES):
        change = CHANGES[index % len(CHANGES)]
        _, old = compile_spec(built.spec)
        changed = built.spec.with_name("changed-" + built.spec.name)
        changed.write_text(yaml.safe_dump(_changed(built.document, change), allow_unicode=True), encoding="utf-8")
        try:
            _, new = compile_spec(changed)
        except SpecError:  # the change does not fit this spec (an engine, a topology): the rules said so
            continue
        found = procedures.plan(old, new)
        markdown(new, found, "old", "new")
        planned.update(p.id for p in found)
        if any(p.blocked for p in found) or not found:
            continue
        path = built.case / "apply.sh"
        path.write_text(script(new, found, "generated"), encoding="utf-8")
        run = subprocess.run(["bash", str(path), "--dry-run"], cwd=built.case, capture_output=True, text=True,
                             env={"PATH": "/usr/bin:/bin", "HOME": str(built.case)}, timeout=120)
        assert run.returncode == 0, run.stderr[-2000:]
        check = subprocess.run([str(BIN / "shellcheck"), str(path)], capture_output=True, text=True)
        assert check.returncode == 0, check.stdout[:3000]
        for argv in bash_words([line for line in run.stdout.splitlines() if line.startswith("aws ")]):
            result = awscli.check(argv)
            assert result.validated, f"{built.spec}\n{' '.join(argv)[:2000]}\n{result.error}"
        assert not list(built.case.rglob(CANARY + "*")), "spec text was executed by a plan"
    print(f"\nplans between generated specs and their changes: {dict(planned)}")
    assert len(planned) >= 4, planned
