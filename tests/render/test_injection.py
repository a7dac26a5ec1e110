"""Spec text never runs and never breaks a file: the hostile fixture (tests/specs/hostile.yaml,
every free-text field full of quotes, $(...), backticks and friends) and a spec whose own file
name holds a line break and a command substitution."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SPEC_DIR, TEST_SPECS, run_cli

BIN = Path(sys.executable).parent
CANARY = "cachegen-canary"
SCRIPTS = [("cli/create.sh", []), ("cli/delete.sh", ["--yes"]), ("cli/failover-test.sh", []),
           ("cloudformation/deploy.sh", [])]


def _build(spec: Path, out: Path) -> Path:
    result = run_cli("build", "--out", out, spec)
    assert result.code == 0, result.err
    [environment] = [p for p in out.iterdir() if p.is_dir()]
    return environment


def _dry_run_everything(environment: Path, cwd: Path) -> str:
    printed = ""
    for name, args in SCRIPTS:
        run = subprocess.run(["bash", str(environment / name), "--dry-run", *args], cwd=cwd, capture_output=True,
                             text=True, env={"PATH": "/usr/bin:/bin", "HOME": str(cwd)})
        assert run.returncode == 0 or run.stderr.startswith("refusing:"), f"{name}: {run.stderr}"
        printed += run.stdout + run.stderr
    return printed


def test_hostile_values_are_printed_not_run(tmp_path):
    environment = _build(TEST_SPECS / "hostile.yaml", tmp_path / "out")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    printed = _dry_run_everything(environment, scratch)
    assert not list(scratch.iterdir()), "spec text was executed"
    assert "cache $(touch x) ;&!{}[]#,@=+:/*() sg" in printed  # the security group's name, logged as it is
    for script in environment.rglob("*.sh"):
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0, script
    shellcheck = subprocess.run([str(BIN / "shellcheck"), *map(str, environment.rglob("*.sh"))], capture_output=True,
                                text=True)
    assert shellcheck.returncode == 0, shellcheck.stdout


@pytest.mark.parametrize("file_name", ["new\nline $(touch cachegen-canary).yaml", "it's `touch cachegen-canary`.yaml",
                                       "\"\"\"; import os; os.system('touch cachegen-canary') #.yaml"])
def test_the_spec_file_name_is_text_everywhere(tmp_path, file_name):
    """The file name is written into every header: a comment in every target, never code."""
    from cfnlint.decode import cfn_yaml

    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    spec = tmp_path / file_name
    spec.write_text("extends: base.yaml\npreset: production\nenvironment: named\n")
    environment = _build(spec, tmp_path / "out")
    scratch = tmp_path / "scratch"
    scratch.mkdir()
    _dry_run_everything(environment, scratch)
    assert not list(scratch.iterdir()) and not list(tmp_path.glob(CANARY)), "the file name was executed"
    for script in environment.rglob("*.sh"):
        assert subprocess.run(["bash", "-n", str(script)]).returncode == 0, script
    stack = cfn_yaml.loads((environment / "cloudformation" / "stack.yaml").read_text())
    assert stack["Resources"]["ReplicationGroup"]["Type"] == "AWS::ElastiCache::ReplicationGroup"
    tree = ast.parse((environment / "app" / "celeryconfig.py").read_text())
    assert not [n for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "system"]
    assert all(line.startswith("#") or "=" in line or not line
               for line in (environment / "app" / ".env.example").read_text().splitlines())


def test_an_escape_that_was_forgotten_fails_the_build():
    """By construction: a template that writes a plain string does not render."""
    from cachegen import templates

    environment = templates._environment("shell")
    with pytest.raises(templates.UnescapedValue):
        environment.from_string("log {{ name }}").render(name="$(touch cachegen-canary)")
    assert environment.from_string("log {{ name | q }}").render(name="$(x)") == "log '$(x)'"
    with pytest.raises(templates.UnescapedValue):
        templates._environment("python").from_string("x = {{ v }}").render(v="'''")
    with pytest.raises(templates.UnescapedValue):  # a Shell word is not Python
        templates._environment("python").from_string("x = {{ v | comment }}{{ w }}").render(
            v="a", w=templates._environment("shell").filters["q"]("b"))


@pytest.mark.parametrize("line, safe", [
    ("# {{ v | comment }}", True), ("  # {{ v | comment }}", True), ("x=1  # {{ v | comment }}", True),
    ("log {{ v | comment }}", False), ("echo a#{{ v | comment }}", False), ("{{ v | comment }} # x", False),
])
def test_comment_text_only_in_a_comment(line, safe):
    """Comment text keeps its `$(...)`: on a code line a shell would run it, so it renders only after a `#`."""
    from cachegen import templates

    rendered = templates._environment("shell").from_string(line + "\n").render(v="$(touch cachegen-canary)")
    if safe:
        text = templates._comments_in_place("t.sh.j2", rendered)
        assert "$(touch cachegen-canary)" in text and "\x02" not in text and "\x03" not in text
    else:
        with pytest.raises(templates.UnescapedValue):
            templates._comments_in_place("t.sh.j2", rendered)
