"""The hooks in .pre-commit-hooks.yaml, run by the real pre-commit (`try-repo`) in a
temporary repository of specs: they pass a good commit and block a bad spec and a stale out/."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import REPO

PRE_COMMIT = str(Path(sys.executable).with_name("pre-commit"))


def _git(cwd: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", *args], cwd=cwd, check=True,
                   capture_output=True)


@pytest.fixture(scope="module")
def spec_repo(tmp_path_factory):
    repo = tmp_path_factory.mktemp("spec-repo")
    shutil.copytree(REPO / "spec", repo / "spec")
    shutil.copytree(REPO / "out", repo / "out")
    (repo / "out" / ".cachegen.lock").unlink(missing_ok=True)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "commit", "-qm", "specs and their artifacts")
    return repo


@pytest.fixture(scope="module")
def try_repo(tmp_path_factory):
    home = tmp_path_factory.mktemp("pre-commit-home")
    env = {**os.environ, "PRE_COMMIT_HOME": str(home)}
    env.pop("VIRTUAL_ENV", None)

    def run(repo: Path, hook: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run([PRE_COMMIT, "try-repo", str(REPO), hook, *args], cwd=repo, env=env,
                              capture_output=True, text=True, timeout=900)

    return run


def test_hooks_pass_on_a_good_commit(spec_repo, try_repo):
    for hook in ("cachegen-validate", "cachegen-lint", "cachegen-check"):
        result = try_repo(spec_repo, hook, "--all-files")
        assert result.returncode == 0, hook + "\n" + result.stdout + result.stderr


def _with_prod_edit(spec_repo, try_repo, hook: str, addition: str):
    """Run `hook` on spec/prod.yaml with `addition` appended, then put the file back."""
    prod = spec_repo / "spec" / "prod.yaml"
    original = prod.read_text()
    try:
        prod.write_text(original + addition)
        return try_repo(spec_repo, hook, "--files", "spec/prod.yaml")
    finally:
        prod.write_text(original)


def test_validate_blocks_a_bad_spec(spec_repo, try_repo):
    result = _with_prod_edit(spec_repo, try_repo, "cachegen-validate", "port: 99999\n")
    assert result.returncode == 1 and "65535" in result.stdout, result.stdout + result.stderr


def test_lint_blocks_an_unsafe_spec(spec_repo, try_repo):
    result = _with_prod_edit(spec_repo, try_repo, "cachegen-lint",
                             "parameters:\n  values: {maxmemory-policy: allkeys-lru}\n")
    assert result.returncode == 1 and "CG020" in result.stdout, result.stdout + result.stderr


def test_check_blocks_a_stale_out(spec_repo, try_repo):
    result = _with_prod_edit(spec_repo, try_repo, "cachegen-check", "port: 6380\n")
    assert result.returncode == 1 and "stale" in result.stdout, result.stdout + result.stderr


def _with_base_edit(spec_repo, try_repo, hook: str, old: str, new: str):
    """Run `hook` on spec/base.yaml alone (the only file changed), edited, then put it back."""
    base = spec_repo / "spec" / "base.yaml"
    original = base.read_text()
    assert old in original
    try:
        base.write_text(original.replace(old, new, 1))
        return try_repo(spec_repo, hook, "--files", "spec/base.yaml")
    finally:
        base.write_text(original)


@pytest.mark.parametrize("hook", ["cachegen-validate", "cachegen-lint"])
def test_a_base_file_that_breaks_its_children_is_blocked(spec_repo, try_repo, hook):
    """Only base.yaml changed (abstract, valid on its own); prod and perf, which extend it, no
    longer are: the hooks judge the base by its dependents."""
    second_subnet = "    - id: subnet-0a1b2c3d4e5f60002\n      az: us-east-1b\n"
    result = _with_base_edit(spec_repo, try_repo, hook, second_subnet, "")
    assert result.returncode == 1 and "V103" in result.stdout, result.stdout + result.stderr
    assert result.stdout.count("[V103]") == 1, result.stdout  # once, however many specs extend the base


@pytest.mark.parametrize("hook", ["cachegen-validate", "cachegen-lint", "cachegen-check"])
def test_a_password_in_a_base_file_is_blocked_and_never_printed(spec_repo, try_repo, hook):
    secret = "hunter2hunter2hunter2"
    result = _with_base_edit(spec_repo, try_repo, hook, "tags:\n",
                             f"tags:\n  Cache: \"rediss://:{secret}@cache.internal:6379\"\n")
    assert result.returncode == 1 and "V205" in result.stdout, result.stdout + result.stderr
    assert secret not in result.stdout + result.stderr
