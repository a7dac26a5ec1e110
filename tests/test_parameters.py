"""The parameter catalogue (data/parameters.yaml) agrees with the rest of the data: it covers
every family an engine version maps to, and every value cachegen itself writes into a custom
group is a parameter that family lets a group change. (Names a real redis-server knows are
checked in test_app_real_redis.py; names AWS rejects, in tests/invalid/parameter_*.yaml.)"""

from __future__ import annotations

import pytest

from cachegen import catalog

FAMILIES = sorted(catalog.families())


def test_the_lineage_is_the_families_of_the_engine_versions():
    used = {info["family"] for engine in catalog.engines().values() for info in engine["versions"].values()}
    assert set(catalog.parameter_lineage()) == set(FAMILIES) == used


@pytest.mark.parametrize("family", FAMILIES)
def test_cachegen_writes_only_parameters_the_family_lets_it_change(family):
    known = catalog.family_parameters(family)
    ours = {*catalog.recommended_parameters(), *catalog.families()[family].get("defaults", {}), "cluster-enabled",
            *catalog.integer_parameters(), *catalog.families()[family].get("allowed_values", {})}
    assert {name: known.get(name) for name in ours if name not in known or known[name]["fixed"]} == {}


@pytest.mark.parametrize("family", FAMILIES)
def test_a_version_floor_is_a_version_of_the_engine(family):
    versions = catalog.engines()[catalog.families()[family]["engine"]]["versions"]
    for name, info in catalog.family_parameters(family).items():
        if info["since"]:
            assert info["since"] in versions, name
