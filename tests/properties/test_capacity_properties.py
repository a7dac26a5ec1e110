"""The capacity model's promises on specs generated across the whole language, with workloads
from none to ones only the largest node types hold (strategies.workloads):

  * accepted => every group that holds Celery's broker or results, or runs noeviction, holds its
    peak in usable memory and its connections within maxclients (V960, V961);
  * refused for memory => the node type the error suggests holds the peak: put in the spec, it
    passes V960 (the hint is right);
  * the pools' ceiling is never below the steady state, every part is a number of bytes, and a
    larger queue never takes less memory;
  * the workload alarm's threshold is a percentage the metric can reach, and the cost report
    prices only sizes that fit.

The bench (bench/capacity.py) measures the model against a real server; this proves its use.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, seed, settings
from strategies import coherent, workloads

EXAMPLES = int(os.environ.get("CACHEGEN_FUZZ_EXAMPLES", "150"))
SEED = os.environ.get("CACHEGEN_FUZZ_SEED")
SUGGESTED = re.compile(r"node_type: (cache\.[a-z0-9]+\.[a-z0-9]+) \(the smallest")


def _compile(directory: Path, document: dict) -> tuple[object | None, list]:
    from cachegen.compiler import compile_spec
    from cachegen.diagnostics import SpecError

    path = directory / "spec.yaml"
    path.write_text(yaml.safe_dump(document, allow_unicode=True))
    try:
        return compile_spec(path)[1], []
    except SpecError as error:
        return None, list(error.diagnostics)


def _memory_bound(group) -> bool:
    return group.evicting_forbidden or dict(group.effective_parameters).get("maxmemory-policy") == "noeviction"


def _check_accepted(deployment) -> None:
    from cachegen import capacity, cost

    for group in deployment.all_groups:
        demand, fit = group.demand, group.fit
        if demand is None:
            assert group.spec.workload is None or not group.roles
            continue
        assert all(part.bytes >= 0 for part in demand.parts), demand
        assert group.connection_budget >= demand.connections, (group.connection_budget, demand)
        if fit is None:
            assert group.serverless
            continue
        if _memory_bound(group):
            assert fit.holds_memory, (group.replication_group_id, fit)
        assert fit.holds_connections, fit
        override = group.spec.alarms.overrides.get("workload_memory")
        for alarm in group.alarms:
            if alarm.alarm_id == "workload_memory" and (override is None or override.threshold is None):
                assert 0 < alarm.threshold <= 100, alarm
        # a larger queue never takes less memory
        workload = group.spec.workload
        if "broker" in group.roles:
            larger = workload.model_copy(update={"queued_tasks": capacity.queued_tasks(workload, group.spec.celery) + 1000})
            more = capacity.demand(larger, group.spec.celery, group.roles, group.key_prefixes, group.replicas_per_shard)
            assert more.per_node_bytes(group.shards) >= demand.per_node_bytes(group.shards)
        current = cost.estimate(group)
        options, _ = cost.sizing(group, current)
        assert all(option.fit is None or option.fit.comfortable for option in options), options


def _check_refused(directory: Path, document: dict, diagnostics: list) -> None:
    """Each V960 on the spec's own group that names a node type: that type clears it."""
    for diagnostic in diagnostics:
        if diagnostic.code != "V960" or "(in groups." in diagnostic.message or not diagnostic.suggestion:
            continue
        suggested = SUGGESTED.search(diagnostic.suggestion)
        assert suggested, diagnostic.suggestion
        fixed = {**document, "node_type": suggested[1]}
        _, after = _compile(directory, fixed)
        assert not [d for d in after if d.code == "V960" and "(in groups." not in d.message], \
            (suggested[1], [d.message for d in after if d.code == "V960"])


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=SEED is None)
@given(document=coherent())
def test_the_capacity_model_keeps_its_promises(document, tmp_path_factory):
    directory = tmp_path_factory.mktemp("capacity")
    deployment, diagnostics = _compile(directory, document)
    if deployment is not None:
        _check_accepted(deployment)
    else:
        assert diagnostics and all(d.location is not None for d in diagnostics if d.code.startswith("V96"))
        _check_refused(directory, document, diagnostics)


if SEED is not None:  # make fuzz: a printed seed, replayed with the same
    test_the_capacity_model_keeps_its_promises = seed(int(SEED))(test_the_capacity_model_keeps_its_promises)


def test_the_generated_workloads_span_every_node_type():
    """The strategy is neither all small nor all huge: it draws peaks a cache.t4g.micro holds and
    peaks no node type of the catalogue holds (V960 for every choice of node)."""
    from hypothesis import find

    from cachegen import capacity, catalog
    from cachegen.spec import Celery, Workload

    celery = Celery.model_validate({})
    roles = frozenset({"broker", "result_backend", "cache"})

    def per_node(document: dict | None) -> int:
        workload = Workload.model_validate(document)
        return capacity.demand(workload, celery, roles, {}, 1).per_node_bytes(1)

    largest = max(node["maxmemory_bytes"] for node in catalog.node_types().values())
    micro = catalog.node_types()["cache.t4g.micro"]["maxmemory_bytes"] * 3 // 4
    quick = settings(max_examples=500, deadline=None, database=None, suppress_health_check=list(HealthCheck))
    find(workloads(), lambda w: w is not None and per_node(w) < micro, settings=quick)
    find(workloads(), lambda w: w is not None and per_node(w) > largest, settings=quick)
