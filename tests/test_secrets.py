"""Secrets: a password in any spec file, base files included, stops validate, lint and build;
no message, in any format, ever prints one."""

from __future__ import annotations

from pathlib import Path

import pytest

from conftest import SPEC_DIR, run_cli

PASSWORD = "hunter2hunter2"
URL = f"rediss://:{PASSWORD}@cache.internal:6379/0"
PLACES = {  # (file, the text added to it: inserted after an existing key, or appended)
    "a base file's tag": ("base", f"tags:\n  Cache: \"{URL}\"\n"),
    "the description": ("child", f"description: \"cache at {URL}\"\n"),
    "the celery broker (a schema error once)": ("child", f"celery:\n  broker: \"{URL}\"\n"),
    "a key": ("child", f"tags:\n  \"{URL}\": x\n"),
    "a list item": ("child", f"network:\n  allowed_cidrs: [\"{URL}\"]\n"),
}


def _add(text: str, lines: str) -> str:
    """`lines` added to a spec: under its key when the spec already has that key."""
    key = lines.split("\n", 1)[0]
    if key.endswith(":") and f"\n{key}\n" in text:
        return text.replace(f"\n{key}\n", "\n" + lines, 1)
    return text + "\n" + lines


def _repo(tmp_path: Path, where: str, lines: str) -> Path:
    spec = tmp_path / "spec"
    spec.mkdir()
    base = (SPEC_DIR / "base.yaml").read_text()
    (spec / "base.yaml").write_text(_add(base, lines) if where == "base" else base)
    for env in ("dev", "prod"):
        text = (SPEC_DIR / f"{env}.yaml").read_text()
        (spec / f"{env}.yaml").write_text(_add(text, lines) if where == "child" and env == "dev" else text)
    return spec


@pytest.mark.parametrize("place", sorted(PLACES))
@pytest.mark.parametrize("command", [["validate"], ["validate", "--format", "json"], ["lint"],
                                     ["lint", "--format", "sarif"], ["build", "--check"]])
def test_a_password_anywhere_is_refused_and_never_printed(tmp_path, place, command):
    where, lines = PLACES[place]
    spec = _repo(tmp_path, where, lines)
    target = spec / ("base.yaml" if where == "base" else "dev.yaml")
    result = run_cli(*command, target, cwd=tmp_path)
    assert result.code == 2, (result.out, result.err)
    assert "V205" in result.out + result.err
    assert PASSWORD not in result.out + result.err
    assert "****" in result.out + result.err  # the value is shown, masked, so it can be found


def test_build_writes_nothing_from_a_spec_whose_base_leaks_a_password(tmp_path):
    spec = _repo(tmp_path, "base", PLACES["a base file's tag"][1])
    result = run_cli("build", spec / "dev.yaml", spec / "prod.yaml", "--out", tmp_path / "out", cwd=tmp_path)
    assert result.code == 2
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.yaml"))


def test_an_error_in_a_shared_base_is_reported_once(tmp_path):
    spec = _repo(tmp_path, "base", PLACES["a base file's tag"][1])
    result = run_cli("validate", spec / "dev.yaml", spec / "prod.yaml", spec / "base.yaml", cwd=tmp_path)
    assert result.code == 2
    assert result.err.count("[V205]") == 1, result.err
    assert "spec/base.yaml:" in result.err


def test_every_diagnostic_masks_credentials_when_it_is_made():
    from cachegen.diagnostics import Diagnostic, Location

    d = Diagnostic(f"got {URL}", Location("x.yaml", 1, 1), ("tags", URL), expected=f"not {URL}",
                   suggestion=f"remove {URL}", notes=(URL,))
    text = d.format() + repr(d.to_json())
    assert PASSWORD not in text and text.count("rediss://:****@cache.internal") == 10  # 5 fields, twice


def test_a_url_without_a_password_is_not_a_secret(tmp_path):
    spec = _repo(tmp_path, "child", "description: \"docs at https://user@example.com/x and redis://host:6379\"\n")
    assert run_cli("validate", spec / "dev.yaml", cwd=tmp_path).code == 0


@pytest.mark.parametrize("text", [
    "x" * 60 + f" {URL}",  # the message shortens the value: masked first, never cut open
    f"rediss://:{PASSWORD}@{PASSWORD}@cache.internal:6379",  # a password holding `@`: up to the last one
    f"rediss://cache.internal:6379/0?password={PASSWORD}",  # redis-py reads a password from the query
])
def test_every_shape_of_url_password_is_refused_and_masked(tmp_path, text):
    spec = _repo(tmp_path, "child", f"description: \"{text}\"\n")
    for args in (["validate"], ["validate", "--format", "json"], ["build", "--check"]):
        result = run_cli(*args, spec / "dev.yaml", cwd=tmp_path)
        assert result.code == 2 and "V205" in result.out + result.err, (args, result)
        assert PASSWORD not in result.out + result.err, (args, result.out + result.err)
