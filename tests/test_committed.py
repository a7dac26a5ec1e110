"""The committed specs build, and the committed out/ is what they build to."""

from __future__ import annotations

from conftest import COMMITTED_SPECS, REPO, SPEC_DIR, run_cli


def test_the_three_profiles_exist():
    assert {p.stem for p in COMMITTED_SPECS} >= {"dev", "prod", "perf"}


def test_committed_specs_validate():
    result = run_cli("validate", *sorted(SPEC_DIR.glob("*.yaml")))
    assert result.code == 0, result.err


def test_committed_out_is_current():
    result = run_cli("build", "--check", "--out", REPO / "out", *COMMITTED_SPECS)
    assert result.code == 0, result.err


def test_profiles_match_the_guide():
    from cachegen.compiler import compile_spec

    expected = {
        "dev": ("cache.t4g.micro", 0, False, 1, False),
        "prod": ("cache.t4g.small", 1, True, 7, True),
        "perf": ("cache.r7g.large", 1, True, 7, True),
    }
    for env, (node, replicas, multi_az, retention, final) in expected.items():
        _, d = compile_spec(SPEC_DIR / f"{env}.yaml")
        assert (d.node.name, d.replicas_per_shard, d.multi_az, d.spec.backups.retention_days,
                d.spec.backups.final_snapshot) == (node, replicas, multi_az, retention, final), env
        assert d.spec.parameters is not None
        assert dict(d.parameters)["maxmemory-policy"] == "noeviction"
        assert d.spec.maintenance_window == "sun:03:00-sun:04:00"
        assert d.spec.backups.window == "02:00-03:00"
