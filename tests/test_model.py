"""Facts decided once in the model reach every artifact the same way."""

from __future__ import annotations

import re

import pytest

from conftest import COMMITTED_SPECS, SPEC_DIR, TEST_SPECS, run_cli

SPECS = COMMITTED_SPECS + sorted(TEST_SPECS.glob("*.yaml"))


@pytest.mark.parametrize("spec", SPECS, ids=[s.stem for s in SPECS])
def test_each_url_points_at_the_same_database_in_the_stack_and_the_env_file(spec):
    from cfnlint.decode import cfn_yaml

    from cachegen.compiler import compile_spec, render

    _, d = compile_spec(spec)
    files = render(d)
    env = dict(line.split("=", 1) for line in files["app/.env.example"].splitlines() if line and line[0] != "#")
    assert {url.variable for url in d.urls} <= set(env)
    for group in d.all_groups:  # each URL is the output of the stack of the group it points at
        folder = f"{group.group_key}/" if group.group_key else ""
        outputs = cfn_yaml.loads(files[f"cloudformation/{folder}stack.yaml"])["Outputs"]
        for url in (url for url in d.urls if url.group == group.group_key):
            output = "".join(part.capitalize() for part in url.variable.lower().split("_"))
            template = outputs[output]["Value"]["Fn::Sub"]
            port = "ServerlessCache.Endpoint.Port" if group.serverless else \
                f"ReplicationGroup.{'Configuration' if group.cluster_mode_enabled else 'Primary'}EndPoint.Port"
            assert template.endswith(f":${{{port}}}/{url.db}{url.query}"), output
            assert url.query.startswith(group.url_query)
            host = f"__{group.group_key.upper()}_REDIS_HOST__" if group.group_key else "__REDIS_HOST__"
            if group.dns is not None and group.dns.use_in_urls:  # the group's DNS record, in both
                host = re.escape(group.dns.name)
                assert f"://{group.dns.name}:" in template, output
            assert re.search(rf"@?{host}:\d+/{url.db}{re.escape(url.query)}'$", env[url.variable]), url.variable


def test_celeryconfig_without_a_broker_role_reads_no_broker_url(tmp_path):
    """Celery with its broker elsewhere (SQS, say): the config reads only what this group serves."""
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "results.yaml"
    spec.write_text("extends: base.yaml\nenvironment: results\ncelery: {broker: {enabled: false}}\n")
    result = run_cli("build", "--out", tmp_path / "out", spec)
    assert result.code == 0, result.err
    config = (tmp_path / "out" / "results" / "app" / "celeryconfig.py").read_text()
    namespace: dict = {}
    import os

    saved = dict(os.environ)
    os.environ.pop("CELERY_BROKER_URL", None)
    os.environ["CELERY_RESULT_BACKEND"] = "rediss://:x@localhost:6379/1?ssl_cert_reqs=required"
    try:
        exec(compile(config, "celeryconfig.py", "exec"), namespace)  # noqa: S102 - our artifact
    finally:
        os.environ.clear()
        os.environ.update(saved)
    assert "broker_url" not in namespace and namespace["result_backend"].endswith("/1?ssl_cert_reqs=required")
    assert "broker_transport_options" not in namespace


def test_explain_json_of_an_abstract_spec_is_json():
    import json

    result = run_cli("explain", "--format", "json", SPEC_DIR / "base.yaml")
    assert result.code == 0 and json.loads(result.out) == []


def test_no_renderer_or_template_reads_the_spec():
    """Renderers pass the model's and the plan's values through; the spec is for explain and diff."""
    from conftest import REPO

    sources = [*(REPO / "src" / "cachegen" / "render").glob("*.py"), *(REPO / "templates").rglob("*.j2"),
               REPO / "src" / "cachegen" / "plan.py", REPO / "src" / "cachegen" / "drift.py"]
    offenders = [f"{p.name}:{n}" for p in sources for n, line in enumerate(p.read_text().splitlines(), 1)
                 if re.search(r"\bd\.spec\b|deployment\.spec\b|\.spec\.[a-z]", line)]
    assert not offenders, offenders


def test_the_production_names_are_documented_where_a_user_reads_them():
    from cachegen.resolve import PRODUCTION_NAMES, PRODUCTION_PRESETS
    from cachegen.spec import Spec

    description = Spec.model_fields["environment"].description
    assert all(name in description for name in PRODUCTION_NAMES | PRODUCTION_PRESETS), description


@pytest.mark.parametrize("roles, expected", [
    ("celery: {broker: {enabled: false}, cache: {enabled: false}}\n", "result_backend"),
    ("celery: {cache: {enabled: false}}\n", "broker"),
    ("", "cache"),
])
def test_with_users_the_application_never_gets_the_operator(tmp_path, roles, expected):
    """REDIS_URL takes the user of the role whose database it points at (the cache's, else the
    broker's, else the result backend's), and the operator's secret is never among what the
    application's env needs."""
    from cachegen.compiler import compile_spec
    from cachegen.render.app import secrets_needed

    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / "x.yaml"
    spec.write_text(f"extends: base.yaml\nenvironment: x\nsecurity: {{auth: {{mode: rbac}}}}\n{roles}")
    _, d = compile_spec(spec)
    [user] = [u for u in d.users if u.user_name == d.urls[0].user]
    assert user.role == expected == d.urls[0].role
    assert not [name for name in secrets_needed(d) if name.endswith("/operator")]
