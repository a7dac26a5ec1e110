"""Hostile files: each ends in a clear error within bounded time and memory, and nothing is
written outside out/ (or at all)."""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SPEC_DIR

LIMIT_SECONDS = 20
LIMIT_BYTES = 1024 ** 3  # 1 GiB of address space


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_BYTES, LIMIT_BYTES))


def _build(tmp_path: Path, spec: Path) -> subprocess.CompletedProcess:
    out = tmp_path / "out"
    result = subprocess.run([sys.executable, "-m", "cachegen", "build", "--out", str(out), str(spec)],
                            cwd=tmp_path, capture_output=True, text=True, timeout=LIMIT_SECONDS, preexec_fn=_limits)
    assert "Traceback" not in result.stderr, result.stderr
    return result


def _hostile(tmp_path: Path, name: str, content: bytes) -> Path:
    (tmp_path / "base.yaml").write_text((SPEC_DIR / "base.yaml").read_text())
    path = tmp_path / name
    path.write_bytes(content)
    return path


BOMB = b"".join([b"a: &a [x, x, x, x, x, x, x, x, x]\n"] + [
    f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 9)}]\n".encode() for i in range(8)])
CASES = {
    "billion_laughs": (BOMB, "expands to more than"),
    "deep_nesting": (b"a: " + b"[" * 10000 + b"]" * 10000 + b"\n", "nest"),
    "huge": (b"name: x\n" + b"# padding\n" * (5 * 1024 * 1024 // 10 + 1), "bytes; a spec is at most"),
    "not_utf8": (b"extends: base.yaml\nenvironment: x\ndescription: caf\xe9\n", "not valid UTF-8"),
    "nul_byte": (b"extends: base.yaml\nenvironment: x\x00\n", "not allowed in YAML"),
    "tabs": (b"extends: base.yaml\nengine:\n\tname: redis\n", "tab"),
    "extends_itself": (b"extends: extends_itself.yaml\nenvironment: x\n", "cycle"),
    "outside": (b"extends: /etc/passwd\nenvironment: x\n", "points outside"),
    "escape_out": (b"extends: base.yaml\nenvironment: ../../etc\n", "expected form"),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_hostile_input_is_a_clear_error(name, tmp_path):
    content, expected = CASES[name]
    result = _build(tmp_path, _hostile(tmp_path, f"{name}.yaml", content))
    assert result.returncode == 2, result.stderr
    assert expected in result.stderr, result.stderr
    assert not (tmp_path / "out").exists()


def test_bom_and_crlf_are_accepted(tmp_path):
    text = "\ufeffextends: base.yaml\r\nenvironment: crlf\r\n".encode()
    result = _build(tmp_path, _hostile(tmp_path, "crlf.yaml", text))
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "out" / "crlf" / "manifest.json").exists()


def test_directory_and_fifo_given_as_spec(tmp_path):
    (tmp_path / "dir.yaml").mkdir()
    assert _build(tmp_path, tmp_path / "dir.yaml").returncode == 2
    os.mkfifo(tmp_path / "fifo.yaml")
    result = _build(tmp_path, tmp_path / "fifo.yaml")  # must not block reading the pipe
    assert result.returncode == 2 and "not a regular file" in result.stderr


def test_a_cycle_of_files(tmp_path):
    (tmp_path / "a.yaml").write_text("extends: b.yaml\nenvironment: x\n")
    (tmp_path / "b.yaml").write_text("extends: a.yaml\n")
    result = _build(tmp_path, tmp_path / "a.yaml")
    assert result.returncode == 2 and "cycle" in result.stderr


def test_unwritable_out_fails_cleanly_and_keeps_the_old_tree(tmp_path, monkeypatch):
    """A read-only out/ (simulated: CI runs as root, which ignores permission bits)."""
    import tempfile

    from conftest import run_cli

    spec = _hostile(tmp_path, "ro.yaml", b"extends: base.yaml\nenvironment: ro\n")
    assert run_cli("build", "--out", tmp_path / "out", spec).code == 0
    before = sorted((p, p.read_bytes()) for p in (tmp_path / "out").rglob("*") if p.is_file())
    spec.write_text(spec.read_text() + "port: 6380\n")

    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(tempfile, "mkdtemp", read_only)
    result = run_cli("build", "--out", tmp_path / "out", spec)
    assert result.code == 2 and "Permission denied" in result.err and "Traceback" not in result.err
    assert sorted((p, p.read_bytes()) for p in (tmp_path / "out").rglob("*") if p.is_file()) == before
