"""Every key of the AWS facts in src/cachegen/data/ is read by something: a rule, the resolver,
a renderer, the cost model or the generated docs. A fact nothing reads is either a check
that is missing or a key to delete."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "src" / "cachegen" / "data"


class Tracked(dict):
    """A mapping that records the path of every key read through it."""

    def __init__(self, data: dict, path: tuple, seen: set):
        super().__init__({k: _track(v, path + (k,), seen) for k, v in data.items()})
        self._path, self._seen = path, seen

    def _read(self, key: Any) -> None:
        self._seen.add(self._path + (key,))

    def __getitem__(self, key):
        self._read(key)
        return super().__getitem__(key)

    def get(self, key, default=None):
        if key in self.keys():
            self._read(key)
        return super().get(key, default)

    def items(self):
        for key in self.keys():
            self._read(key)
        return super().items()

    def values(self):
        return [value for _, value in self.items()]

    def __iter__(self):  # also makes {**tracked} and dict(tracked) read key by key
        return super().__iter__()

    def keys(self):
        return super().keys()


def _track(value: Any, path: tuple, seen: set) -> Any:
    if isinstance(value, dict):
        return Tracked(value, path, seen)
    if isinstance(value, list):
        return [_track(item, path + (i,), seen) for i, item in enumerate(value)]
    return value


def _leaves(value: Any, path: tuple = ()) -> list[tuple]:
    if isinstance(value, dict):
        return [leaf for k, v in value.items() for leaf in _leaves(v, path + (k,))] or [path]
    return [path]  # a list is read as a whole


def _workload(tmp_path: Path) -> None:
    """Everything that reads the catalogue: compile, render, lint, cost and docs over specs that
    reach every engine, version, node type, region and feature the catalogue knows."""
    from cachegen import catalog, cost, docs
    from cachegen.compiler import compile_spec, render
    from conftest import COMMITTED_SPECS, SPEC_DIR, TEST_SPECS
    from cachegen.diagnostics import SpecError
    from cachegen.rules import advise

    for path in [*COMMITTED_SPECS, *sorted(TEST_SPECS.glob("*.yaml"))]:
        merged, d = compile_spec(path)
        render(d)
        advise(merged, d)
    docs.generate()
    for path in sorted((REPO / "tests" / "invalid").glob("*.yaml")):  # the rules' error paths read facts too
        try:
            compile_spec(path)
        except SpecError:
            pass
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    versions = [(engine, version) for engine, info in catalog.engines().items() for version in info["versions"]]
    regions = sorted(catalog.regions())
    cases = [(engine, version, node_type, "us-east-1", network)
             for (engine, version), node_type in itertools.product(versions, sorted(catalog.node_types()))
             for network in ("ipv4", "dual_stack")]
    cases += [("redis", "7.1", "cache.t4g.small", region, "ipv4") for region in regions]
    for number, (engine, version, node_type, region, network) in enumerate(cases):
        spec = tmp_path / f"s{number}.yaml"
        spec.write_text(f"extends: base.yaml\nenvironment: e{number}\nregion: {region}\nengine: {{name: {engine}, "
                        f"version: '{version}'}}\nnode_type: {node_type}\nnetwork:\n  vpc_id: vpc-0123456789abcdef0\n"
                        f"  subnets: [{{id: subnet-0123456789abcdef1, az: {region}a}}, "
                        f"{{id: subnet-0123456789abcdef2, az: {region}b}}]\n"
                        f"  allowed_security_groups: [sg-0123456789abcdef3]\n  network_type: {network}\n"
                        "security: {in_transit_encryption: {mode: required}}\nport: null\n"
                        # old versions lack log delivery: off, so that their model-stage rules run too
                        "logs: {slow_log: {enabled: false}, engine_log: {enabled: false}}\n"
                        "parameters: {family: not-a-family}\n")
        try:
            compile_spec(spec)
        except SpecError:  # a combination AWS does not offer: its rule read what it needed
            pass
        spec.write_text(spec.read_text().replace("parameters: {family: not-a-family}\n", ""))
        try:
            merged, d = compile_spec(spec)
        except SpecError:
            continue
        advise(merged, d)
        cost.estimate(d)
    for engine, node_type, region in itertools.product(sorted(catalog.engines()), sorted(catalog.node_types()),
                                                       regions):
        cost.node_prices(region, engine, node_type)
    for engine, region in itertools.product(sorted(catalog.engines()), regions):
        cost.other_options(region, engine)


def unread_keys(tmp_path: Path) -> list[str]:
    """Run the workload in a process whose catalogue records every key read from the first
    import on (the spec models read their bounds when their module is imported)."""
    import yaml

    from cachegen import catalog

    seen: set = set()
    raw = {path.name: yaml.safe_load(path.read_text()) for path in sorted(DATA.glob("*.yaml"))}
    tracked = {name: _track(data, (name,), seen) for name, data in raw.items()}
    catalog._load = lambda name: tracked[name]
    _workload(tmp_path)
    leaves = [leaf for name, data in raw.items() for leaf in _leaves(data, (name,))]
    return ["/".join(map(str, leaf)) for leaf in leaves if leaf not in seen and not _is_source(leaf)]


def test_every_data_key_is_read(tmp_path):
    import json
    import subprocess
    import sys

    probe = subprocess.run([sys.executable, __file__, str(tmp_path)], capture_output=True, text=True,
                           cwd=Path(__file__).parent, env={**__import__("os").environ, "CACHEGEN_CACHE_DIR": ""})
    assert probe.returncode == 0, probe.stderr[-3000:]
    unread = json.loads(probe.stdout)
    assert not unread, "\n".join(unread)


def test_every_source_is_in_the_generated_list():
    """The sources and dates are read by the docs generator: docs/data-sources.md names each."""
    import yaml

    from cachegen.docs import data_sources

    text = data_sources()
    for path in sorted(DATA.glob("*.yaml")):
        data = yaml.safe_load(path.read_text())
        for leaf in _leaves(data, (path.name,)):
            if _is_source(leaf):
                value = data
                for key in leaf[1:]:
                    value = value[key]
                for item in value if isinstance(value, list) else [value]:
                    shown = item["url"] if isinstance(item, dict) else str(item)
                    assert shown in text, leaf


def _is_source(leaf: tuple) -> bool:
    return any(str(key) in ("source", "retrieved", "sources") or str(key).endswith("_source") for key in leaf[1:])


if __name__ == "__main__":  # the probe of test_every_data_key_is_read, in a fresh process
    import json
    import sys

    sys.path.insert(0, str(Path(__file__).parent))
    print(json.dumps(unread_keys(Path(sys.argv[1]))))
