"""A new team's first hour, end to end in a temporary git repository: `cachegen init`, edit,
validate, build, commit with the real pre-commit running cachegen's hooks. A commit that puts a
password in the base file, or a base change that breaks a child, is refused; a clean one passes."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import REPO

BIN = Path(sys.executable).parent
PRE_COMMIT = str(BIN / "pre-commit")


def _run(cwd: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
           "PRE_COMMIT_HOME": str(cwd.parent / "pre-commit-home")}
    env.pop("VIRTUAL_ENV", None)
    result = subprocess.run(list(args), cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    if check:
        assert result.returncode == 0, f"{args}:\n{result.stdout}{result.stderr}"
    return result


def _commit(repo: Path, message: str) -> subprocess.CompletedProcess:
    _run(repo, "git", "add", "-A")
    return _run(repo, "git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", message, check=False)


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    repo = tmp_path_factory.mktemp("team") / "payments-api"
    repo.mkdir()
    _run(repo, "git", "init", "-q")
    _run(repo, str(BIN / "cachegen"), "init", "--region", "eu-west-1", "--engine", "valkey")
    base = repo / "spec" / "base.yaml"
    base.write_text(base.read_text().replace("vpc-0123456789abcdef0", "vpc-0a1b2c3d4e5f60718")
                    .replace("emails: []", "emails: [oncall@example.com]"))
    _run(repo, str(BIN / "cachegen"), "validate", "spec/base.yaml", "spec/dev.yaml", "spec/prod.yaml")
    _run(repo, str(BIN / "cachegen"), "build")
    _run(repo, PRE_COMMIT, "install")
    first = _commit(repo, "specs and their first build")
    assert first.returncode == 0, first.stdout + first.stderr
    return repo


def test_init_names_the_app_after_its_directory_and_writes_every_file(team):
    assert yaml.safe_load((team / "spec" / "base.yaml").read_text())["name"] == "payments-api"
    for path in ("spec/dev.yaml", "spec/prod.yaml", "schema/cachegen.schema.json", ".pre-commit-config.yaml",
                 "out/prod/cloudformation/stack.yaml"):
        assert (team / path).is_file(), path
    assert ".cachegen/" in (team / ".gitignore").read_text()


def test_init_never_overwrites(team):
    result = _run(team, str(BIN / "cachegen"), "init", check=False)
    assert result.returncode == 2 and "already exist; nothing was written" in result.stderr


def _refused(team: Path, old: str, new: str) -> subprocess.CompletedProcess:
    base = team / "spec" / "base.yaml"
    original = base.read_text()
    assert old in original
    try:
        base.write_text(original.replace(old, new, 1))
        result = _commit(team, "a change to the base")
        assert result.returncode != 0, "the commit went through:\n" + result.stdout + result.stderr
        return result
    finally:
        base.write_text(original)
        _run(team, "git", "reset", "-q")


def test_a_password_in_the_base_file_is_refused(team):
    secret = "hunter2hunter2hunter2"
    result = _refused(team, "tags:\n", f"tags:\n  Cache: \"rediss://:{secret}@cache.internal:6379\"\n")
    output = result.stdout + result.stderr
    assert "V205" in output and secret not in output


def test_a_base_change_that_breaks_a_child_is_refused(team):
    """The base alone stays valid (abstract); prod, Multi-AZ by its preset, no longer is."""
    result = _refused(team, "    - id: subnet-0123456789abcdef1\n      az: \"eu-west-1b\"\n", "")
    assert "V103" in result.stdout + result.stderr


def test_a_clean_change_is_committed(team):
    env = team / "spec" / "dev.yaml"
    env.write_text(env.read_text() + "description: Payments API cache (dev)\n")
    _run(team, str(BIN / "cachegen"), "build")
    result = _commit(team, "describe dev")
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_hook_registry_is_what_pre_commit_hooks_yaml_offers():
    from cachegen.hooks import HOOKS

    offered = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert [{k: h[k] for k in ("id", "name", "description", "entry", "files")} | {
        "pass_filenames": h.get("pass_filenames", True)} for h in offered] == HOOKS
    assert all(h["language"] == "python" for h in offered)
