"""The command line: help with examples, exit codes, one error handler."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import COMMITTED_SPECS, SPEC_DIR, run_cli

COMMANDS = ["validate", "build", "schema", "explain", "env", "cost", "lint", "drift", "diff"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_help_with_an_example(command):
    result = run_cli(command, "--help")
    assert result.code == 0
    assert "Example" in result.out and f"cachegen {command}" in result.out


def test_pricing_refresh_help_has_an_example():
    for args in (["pricing", "--help"], ["pricing", "refresh", "--help"]):
        result = run_cli(*args)
        assert result.code == 0 and "Example" in result.out and "cachegen pricing refresh" in result.out


def test_top_level_help_and_version():
    assert "Example" in run_cli("--help").out
    assert run_cli("--version").out.startswith("cachegen, version")


def test_usage_errors_exit_2():
    assert run_cli("build", cwd=Path("/")).code == 2  # no spec given and no spec/ here
    assert run_cli("frobnicate").code == 2
    assert run_cli("validate", "--format", "xml", COMMITTED_SPECS[0]).code == 2


def test_missing_file_is_invalid_input(tmp_path):
    result = run_cli("validate", tmp_path / "nope.yaml")
    assert result.code == 2 and "no such file" in result.err


def test_directory_given_as_spec(tmp_path):
    result = run_cli("validate", tmp_path)
    assert result.code == 2 and "not a regular file" in result.err


def _with_base(tmp_path):
    """Specs may extend only files inside their repository: give the temporary spec its own base."""
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    return tmp_path


def test_all_errors_of_a_file_at_once(tmp_path):
    spec = _with_base(tmp_path) / "many.yaml"
    spec.write_text("extends: base.yaml\nenvironment: many\nport: 1\nnode_typo: x\n"
                    "topology: {replicas_per_shard: 9}\n")
    result = run_cli("validate", spec)
    assert result.code == 2
    assert result.err.count(": error") == 3, result.err


def test_validate_json_format(tmp_path):
    import json

    spec = _with_base(tmp_path) / "bad.yaml"
    spec.write_text("extends: base.yaml\nenvironment: bad\nport: 1\n")
    result = run_cli("validate", "--format", "json", spec)
    assert result.code == 2
    [error] = json.loads(result.out)
    assert error["path"] == "port" and error["location"]["line"] == 3


def test_internal_error_exits_3_without_traceback_unless_debug(monkeypatch):
    from cachegen import rules

    def boom(*args, **kwargs):
        raise RuntimeError("kaboom")

    monkeypatch.setattr(rules, "resolve", boom)
    result = run_cli("validate", COMMITTED_SPECS[0])
    assert result.code == 3
    assert "internal error" in result.err and "Traceback" not in result.err
    debug = run_cli("--debug", "validate", COMMITTED_SPECS[0])
    assert debug.code == 3 and "Traceback" in debug.err


def test_explain_marks_every_origin():
    result = run_cli("explain", SPEC_DIR / "prod.yaml")
    assert result.code == 0, result.err
    lines = {line.split()[0]: line for line in result.out.splitlines()}
    line = (SPEC_DIR / "prod.yaml").read_text().splitlines().index("environment: prod") + 1
    assert f"prod.yaml:{line}" in lines["environment"]
    assert "base.yaml:" in lines["region"]
    assert "# preset production" in lines["node_type"]
    assert "# default" in lines["security.auth.generation.special_characters"]
    assert "# derived" in lines["replication_group_id"]


def test_python_dash_m_works():
    result = subprocess.run([sys.executable, "-m", "cachegen", "--version"], capture_output=True, text=True)
    assert result.returncode == 0 and "cachegen" in result.stdout


def test_help_does_not_import_heavy_modules():
    code = ("import sys; sys.argv=['cachegen','--help']\n"
            "from cachegen.cli import main\n"
            "try: main()\nexcept SystemExit: pass\n"
            "heavy = [m for m in ('boto3', 'botocore', 'jinja2', 'pydantic') if m in sys.modules]\n"
            "print('HEAVY=' + ','.join(heavy))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="


def test_the_collector_is_tuned_by_the_command_not_by_importing_the_library():
    """`main()` collects less often and freezes the heap at exit (speed); a program that only
    imports cachegen keeps its own collector settings, and a command's output is complete."""
    code = ("import atexit, gc, sys\n"
            "before = gc.get_threshold()\n"
            "import cachegen.cli, cachegen.compiler, cachegen.render\n"
            "assert gc.get_threshold() == before, gc.get_threshold()\n"
            "sys.argv = ['cachegen', 'validate', %r]\n"
            "try: cachegen.cli.main()\nexcept SystemExit: pass\n"
            "assert gc.get_threshold() != before\n"
            "print('done')") % str(COMMITTED_SPECS[0])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "done" and result.stderr.strip().endswith(": ok")


def test_validate_does_not_import_boto3_or_jinja2():
    code = ("import sys; sys.argv=['cachegen','validate',%r]\n"
            "from cachegen.cli import main\n"
            "try: main()\nexcept SystemExit: pass\n"
            "print('HEAVY=' + ','.join(m for m in ('boto3', 'botocore', 'jinja2') if m in sys.modules))") % str(COMMITTED_SPECS[0])
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert result.stdout.strip().splitlines()[-1] == "HEAVY="


def test_drift_without_credentials_is_not_a_clean_bill(monkeypatch):
    """Nothing could be read: not "0 differences, exit 0", but exit 4 and the cause said once."""
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    result = run_cli("drift", SPEC_DIR / "dev.yaml")
    assert result.code == 4, result.err
    assert result.err.count("Unable to locate credentials") == 1, result.err
    assert "not a clean bill" in result.err
    result = run_cli("drift", "--format", "json", SPEC_DIR / "dev.yaml")
    assert result.code == 4 and json.loads(result.out)["complete"] is False


@pytest.mark.parametrize("command", [["drift", "spec/dev.yaml"], ["env", "spec/dev.yaml"], ["pricing", "refresh"]])
def test_an_aws_command_without_boto3_says_how_to_get_it(monkeypatch, command):
    """boto3 is the optional extra cachegen[aws]: compiling never needs it."""
    import builtins

    real_import = builtins.__import__

    def no_boto3(name, *args, **kwargs):
        if name == "boto3" or name.startswith("boto3."):
            raise ImportError("No module named 'boto3'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_boto3)
    result = run_cli(*command, cwd=SPEC_DIR.parent)
    assert result.code == 2, result.err
    assert "pip install 'cachegen[aws]'" in result.err and "Traceback" not in result.err


def test_compiling_imports_no_aws_sdk():
    probe = subprocess.run([sys.executable, "-c", (
        "import sys; from cachegen.compiler import compile_spec, render; "
        f"render(compile_spec(__import__('pathlib').Path({str(SPEC_DIR / 'prod.yaml')!r}))[1]); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('boto3', 'botocore')))")],
        capture_output=True, text=True, check=True)
    assert probe.stdout.strip() == "[]", probe.stdout


def _repo_copy(tmp_path: Path) -> Path:
    import shutil

    shutil.copytree(SPEC_DIR, tmp_path / "spec")
    shutil.copytree(SPEC_DIR.parent / "out", tmp_path / "out")
    return tmp_path


@pytest.mark.parametrize("command", ["validate", "lint", "build", "cost"])
def test_every_spec_command_defaults_to_spec_yaml(tmp_path, command):
    repo = _repo_copy(tmp_path)
    result = run_cli(command, *(["--check"] if command == "build" else []), cwd=repo)
    assert result.code == 0, result.err
    assert "Missing argument" not in result.err


def test_quiet_says_nothing_when_all_is_well(tmp_path):
    repo = _repo_copy(tmp_path)
    for args in (["validate", "-q"], ["lint", "-q"], ["build", "-q"], ["build", "--check", "-q"]):
        result = run_cli(*args, cwd=repo)
        assert result.code == 0 and result.out == "" and result.err == "", (args, result)


def test_a_build_of_every_spec_does_not_announce_the_base_file(tmp_path):
    result = run_cli("build", cwd=_repo_copy(tmp_path))
    assert result.code == 0 and "abstract" not in result.err, result.err


def test_build_check_diff_shows_what_a_build_would_change(tmp_path):
    repo = _repo_copy(tmp_path)
    base = repo / "spec" / "base.yaml"
    base.write_text(base.read_text().replace("port: 6379", "port: 6380"))
    result = run_cli("build", "--check", "--diff", cwd=repo)
    assert result.code == 1
    assert "--- a/out/prod/app/.env.example" in result.out and "+REDIS_PORT='6380'" in result.out
    result = run_cli("build", "--check", "--format", "json", cwd=repo)
    stale = {env["environment"]: env["stale"] for env in json.loads(result.out)}
    assert "cloudformation/stack.yaml" in stale["prod"]


def test_diff_shows_a_list_as_one_setting(tmp_path):
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    (tmp_path / "a.yaml").write_text("extends: base.yaml\nenvironment: a\nnotifications: {emails: []}\n")
    (tmp_path / "b.yaml").write_text("extends: base.yaml\nenvironment: b\nnotifications: {emails: [x@example.com]}\n")
    result = run_cli("diff", tmp_path / "a.yaml", tmp_path / "b.yaml", cwd=tmp_path)
    lines = [line for line in result.out.splitlines() if "emails" in line]
    assert lines == ['notifications.emails: [] (a.yaml:3) -> ["x@example.com"] (b.yaml:3)'], result.out


def test_list_shows_what_a_spec_can_name():
    from cachegen import catalog

    result = run_cli("list", "node-types", "--engine", "valkey", "--format", "json")
    names = [row["node_type"] for row in json.loads(result.out)]
    assert result.code == 0 and names == [n for n, info in catalog.node_types().items() if "valkey" in info["engines"]]
    result = run_cli("list", "node-types", "--region", "eu-west-1", "--engine", "valkey", "--format", "json")
    prices = {row["node_type"]: row["valkey_per_hour_eu-west-1"] for row in json.loads(result.out)}
    assert prices["cache.r7g.large"] == catalog.pricing()["on_demand"]["eu-west-1"]["valkey"]["cache.r7g.large"]
    versions = json.loads(run_cli("list", "versions", "--engine", "valkey", "--format", "json").out)
    assert [v["version"] for v in versions] == list(catalog.engines()["valkey"]["versions"])
    assert "production" in run_cli("list", "presets").out
    result = run_cli("list", "regions", "--region", "eu-wset-1")
    assert result.code == 2 and "did you mean `eu-west-1`?" in result.err


def test_generated_files_cite_nothing_a_user_does_not_have():
    """No internal source path, no private document, no "guide" a reader cannot open."""
    from cachegen.compiler import compile_spec, render
    from conftest import TEST_SPECS

    for spec in [*COMMITTED_SPECS, *sorted(TEST_SPECS.glob("*.yaml"))]:
        for name, text in render(compile_spec(spec)[1]).items():
            for phrase in ("src/cachegen", "domain.md", "aws-facts", "the guide", "[GUIDE]"):
                assert phrase not in text, (spec.name, name, phrase)


def test_build_check_diff_as_json_is_one_json_document_and_survives_a_directory(tmp_path):
    repo = _repo_copy(tmp_path)
    base = repo / "spec" / "base.yaml"
    base.write_text(base.read_text().replace("port: 6379", "port: 6380"))
    stack = repo / "out" / "prod" / "cloudformation" / "stack.yaml"
    stack.unlink()
    stack.mkdir()  # a directory where a generated file belongs
    result = run_cli("build", "--check", "--diff", "--format", "json", cwd=repo)
    assert result.code == 1, result.err
    report = {env["environment"]: env for env in json.loads(result.out)}
    assert "+REDIS_PORT='6380'" in report["prod"]["diff"]["app/.env.example"]
    assert report["prod"]["diff"]["cloudformation/stack.yaml"].startswith("--- a/out/prod/cloudformation/stack.yaml")
    result = run_cli("build", "--check", "--diff", cwd=repo)
    assert result.code == 1 and "+++ b/out/prod/cloudformation/stack.yaml" in result.out  # no crash (exit 3)


def test_init_refuses_options_whose_starter_would_not_validate(tmp_path):
    result = run_cli("init", tmp_path / "team", "--engine", "redis", "--version", "6.0", cwd=tmp_path)
    assert result.code == 2 and "would not validate" in result.err and "V505" in result.err
    assert not (tmp_path / "team" / "spec").exists()
    result = run_cli("init", tmp_path / "team", "--engine", "redis", "--version", "7.1", cwd=tmp_path)
    assert result.code == 0 and (tmp_path / "team" / "spec" / "base.yaml").is_file()
    assert run_cli("validate", "-q", cwd=tmp_path / "team").code == 0
