"""Every location points at a line the user wrote: a preset's value at the `preset:` line, a
conflict at the value the user set (in this spec before its base), never at a preset itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import SPEC_DIR, run_cli

BASE_WINDOW = '  window: "02:00-03:00"\n'


def _spec(tmp_path: Path, body: str, base_window: bool = True) -> Path:
    base = (SPEC_DIR / "base.yaml").read_text()
    assert BASE_WINDOW in base
    (tmp_path / "base.yaml").write_text(base if base_window else base.replace(BASE_WINDOW, ""))
    spec = tmp_path / "env.yaml"
    spec.write_text("extends: base.yaml\npreset: production\nenvironment: env\n" + body)
    return spec


def test_a_value_from_the_preset_points_at_the_preset_line(tmp_path):
    spec = _spec(tmp_path, "engine: {name: redis, version: '4.0.10'}\n"
                           "logs: {slow_log: {enabled: false}, engine_log: {enabled: false}}\n")
    result = run_cli("validate", spec, cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("env.yaml:2:9: error [V501]: node_type: cache.t4g.small"), result.err
    assert "preset production:" not in result.err


@pytest.mark.parametrize("base_window", [False, True], ids=["default backup window", "base's backup window"])
def test_an_overlap_points_at_the_window_this_spec_wrote(tmp_path, base_window):
    spec = _spec(tmp_path, "maintenance_window: sun:02:30-sun:03:30\n", base_window)
    result = run_cli("validate", spec, cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("env.yaml:4:21: error [V302]: maintenance_window:"), result.err
    result = run_cli("validate", "--format", "json", spec, cwd=tmp_path)
    [diagnostic] = json.loads(result.out)
    assert (diagnostic["location"]["file"], diagnostic["location"]["line"]) == ("env.yaml", 4)


def test_an_overlap_blames_the_backup_window_when_this_spec_moved_it(tmp_path):
    spec = _spec(tmp_path, "backups: {window: '03:30-04:30'}\n")
    result = run_cli("validate", spec, cwd=tmp_path)
    assert result.code == 2
    assert result.err.startswith("env.yaml:4:19: error [V302]: backups.window:"), result.err


def test_a_version_too_old_for_the_logs_points_at_the_version_the_spec_wrote(tmp_path):
    """The base turns the logs on; this spec names an old version: the error is at its version."""
    spec = _spec(tmp_path, "engine: {name: redis, version: '5.0.6'}\nnode_type: cache.m5.large\n")
    result = run_cli("validate", spec, cwd=tmp_path)
    assert result.code == 2
    heads = [line for line in result.err.splitlines() if "error [V505]" in line]
    assert heads and all(line.startswith("env.yaml:4:") and "engine.version" in line for line in heads), result.err
